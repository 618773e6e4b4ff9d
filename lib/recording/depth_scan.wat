;; The fast path of `collector verify`: reads recording lines straight from their bytes and turns
;; every `depthUpdate` line written in the collector's own shape into numbers, without making a
;; JavaScript string. Its JavaScript side, with the layout of what it writes, is
;; `depth_scanner.ts`; `scripts/build_wasm.ts` assembles this file into `depth_scan_wasm.ts`.
;;
;; A line is taken on the fast path only if it is, byte for byte,
;;
;;   {"type":"depthUpdate","recv":NUM,"E":INT,"U":INT,"u":INT,"b":LEVELS,"a":LEVELS}\n
;;
;;   NUM    = -?(0|[1-9][0-9]*)(\.[0-9]+)?           (any JSON number without an exponent)
;;   INT    = 0|[1-9][0-9]{0,14}                      (at most 15 digits: exact in a double)
;;   LEVELS = [] | [LEVEL(,LEVEL)*]
;;   LEVEL  = ["DEC","DEC"]
;;   DEC    = [0-9]+(\.[0-9]+)?, at most 18 digits in all, their integer value at most 2^53
;;
;; which is a subset of JSON whose `JSON.parse` has exactly these fields and values. A DEC's value
;; is its digits as an integer (exact in a double) divided by an exact power of ten: one correctly
;; rounded division, so it equals JavaScript's `Number()` of the string. Every other line (headers,
;; snapshots, gaps, other spellings, damage) is reported as "other" with its byte range, for the
;; caller to parse as JSON.
;;
;; Memory (managed by the caller): bytes 0-255 powers of ten (f64 10^0..10^22), 256-383 the
;; constant strings below, the caller's regions from 1024 up.

(module
  (memory (export "memory") 1)

  (data (i32.const 256) "{\"type\":\"depthUpdate\",\"recv\":") ;; 29 bytes
  (data (i32.const 288) ",\"E\":")
  (data (i32.const 296) ",\"U\":")
  (data (i32.const 304) ",\"u\":")
  (data (i32.const 312) ",\"b\":")
  (data (i32.const 320) ",\"a\":")

  ;; Value of the last number read by $int / $dec.
  (global $value (mut f64) (f64.const 0))
  ;; Next free byte of the level region, and its end.
  (global $level (mut i32) (i32.const 0))
  (global $levelEnd (mut i32) (i32.const 0))
  ;; Of the last line read by $line: E, U, u and its number of bid and ask levels.
  (global $E (mut f64) (f64.const 0))
  (global $U (mut f64) (f64.const 0))
  (global $u (mut f64) (f64.const 0))
  (global $bids (mut i32) (i32.const 0))
  (global $asks (mut i32) (i32.const 0))
  ;; Of the last call of $scan: lines written to the table, levels written to the level region.
  (global $lines (export "lines") (mut i32) (i32.const 0))
  (global $levels (export "levels") (mut i32) (i32.const 0))

  ;; 10^0 .. 10^22, each exact (10^k for k <= 22 is a double), at 8k.
  (func $init
    (local $k i32)
    (local $power f64)
    (local.set $power (f64.const 1))
    (loop $next
      (f64.store (i32.shl (local.get $k) (i32.const 3)) (local.get $power))
      (local.set $power (f64.mul (local.get $power) (f64.const 10)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $next (i32.le_u (local.get $k) (i32.const 22)))))
  (start $init)

  ;; The `length` bytes at `p` equal those at `expected`: returns p + length, else -1.
  (func $expect (param $p i32) (param $expected i32) (param $length i32) (result i32)
    (local $i i32)
    (block $differ
      (loop $next
        (br_if $differ
          (i32.ne
            (i32.load8_u (i32.add (local.get $p) (local.get $i)))
            (i32.load8_u (i32.add (local.get $expected) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.lt_u (local.get $i) (local.get $length))))
      (return (i32.add (local.get $p) (local.get $length))))
    (i32.const -1))

  ;; NUM at p (its value is not needed): returns the position after it, else -1.
  (func $number (param $p i32) (result i32)
    (local $start i32)
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 45)) ;; '-'
      (then (local.set $p (i32.add (local.get $p) (i32.const 1)))))
    (local.set $start (local.get $p))
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 48)) ;; '0' stands alone
      (then (local.set $p (i32.add (local.get $p) (i32.const 1))))
      (else
        (block $end
          (loop $digit
            (br_if $end (i32.gt_u (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)) (i32.const 9)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $digit)))))
    (if (i32.eq (local.get $p) (local.get $start)) (then (return (i32.const -1))))
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 46)) ;; '.'
      (then
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $start (local.get $p))
        (block $end
          (loop $digit
            (br_if $end (i32.gt_u (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)) (i32.const 9)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $digit)))
        (if (i32.eq (local.get $p) (local.get $start)) (then (return (i32.const -1))))))
    (local.get $p))

  ;; INT at p into $value: returns the position after it, else -1.
  (func $int (param $p i32) (result i32)
    (local $start i32)
    (local $digit i32)
    (local $m i64)
    (local.set $start (local.get $p))
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 48)) ;; '0' stands alone
      (then
        (global.set $value (f64.const 0))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (if (i32.le_u (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)) (i32.const 9))
          (then (return (i32.const -1))))
        (return (local.get $p))))
    (block $end
      (loop $next
        (local.set $digit (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)))
        (br_if $end (i32.gt_u (local.get $digit) (i32.const 9)))
        (local.set $m
          (i64.add (i64.mul (local.get $m) (i64.const 10)) (i64.extend_i32_u (local.get $digit))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (local.set $digit (i32.sub (local.get $p) (local.get $start))) ;; number of digits
    (if (i32.or (i32.eqz (local.get $digit)) (i32.gt_u (local.get $digit) (i32.const 15)))
      (then (return (i32.const -1))))
    (global.set $value (f64.convert_i64_u (local.get $m)))
    (local.get $p))

  ;; DEC at p, then its closing quote, into $value: returns the position after the quote, else -1.
  (func $dec (param $p i32) (result i32)
    (local $start i32)
    (local $digit i32)
    (local $m i64)
    (local $fraction i32)
    (local.set $start (local.get $p))
    (block $end
      (loop $next
        (local.set $digit (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)))
        (br_if $end (i32.gt_u (local.get $digit) (i32.const 9)))
        (local.set $m
          (i64.add (i64.mul (local.get $m) (i64.const 10)) (i64.extend_i32_u (local.get $digit))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (if (i32.eq (local.get $p) (local.get $start)) (then (return (i32.const -1))))
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 46)) ;; '.'
      (then
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $fraction (local.get $p))
        (block $end
          (loop $next
            (local.set $digit (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)))
            (br_if $end (i32.gt_u (local.get $digit) (i32.const 9)))
            (local.set $m
              (i64.add (i64.mul (local.get $m) (i64.const 10)) (i64.extend_i32_u (local.get $digit))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $next)))
        (local.set $fraction (i32.sub (local.get $p) (local.get $fraction)))
        (if (i32.eqz (local.get $fraction)) (then (return (i32.const -1))))
        ;; one digit fewer: the '.'
        (local.set $start (i32.add (local.get $start) (i32.const 1)))))
    (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 34)) (then (return (i32.const -1)))) ;; '"'
    ;; At most 18 digits (so $m did not overflow), their value at most 2^53 (exact in a double).
    (if (i32.gt_u (i32.sub (local.get $p) (local.get $start)) (i32.const 18))
      (then (return (i32.const -1))))
    (if (i64.gt_u (local.get $m) (i64.const 9007199254740992)) (then (return (i32.const -1))))
    (global.set $value
      (f64.div
        (f64.convert_i64_u (local.get $m))
        (f64.load (i32.shl (local.get $fraction) (i32.const 3)))))
    (i32.add (local.get $p) (i32.const 1)))

  ;; LEVELS at p, each level's price and quantity appended to the level region as two f64.
  ;; Returns the position after the closing ']' (the count in $value), -1 when the text is not
  ;; LEVELS, -2 when the level region is full.
  (func $side (param $p i32) (result i32)
    (local $count i32)
    (local $price f64)
    (local $c i32)
    (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 91)) (then (return (i32.const -1)))) ;; '['
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 93)) ;; ']': no levels
      (then
        (global.set $value (f64.const 0))
        (return (i32.add (local.get $p) (i32.const 1)))))
    (loop $level
      ;; ["
      (if (i32.ne (i32.load16_u (local.get $p)) (i32.const 0x225b)) (then (return (i32.const -1))))
      (local.set $p (call $dec (i32.add (local.get $p) (i32.const 2))))
      (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
      (local.set $price (global.get $value))
      ;; ,"
      (if (i32.ne (i32.load16_u (local.get $p)) (i32.const 0x222c)) (then (return (i32.const -1))))
      (local.set $p (call $dec (i32.add (local.get $p) (i32.const 2))))
      (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
      ;; ] then , (another level) or ] (the end)
      (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 93)) (then (return (i32.const -1))))
      (if (i32.gt_u (i32.add (global.get $level) (i32.const 16)) (global.get $levelEnd))
        (then (return (i32.const -2))))
      (f64.store (global.get $level) (local.get $price))
      (f64.store offset=8 (global.get $level) (global.get $value))
      (global.set $level (i32.add (global.get $level) (i32.const 16)))
      (local.set $count (i32.add (local.get $count) (i32.const 1)))
      (local.set $c (i32.load8_u offset=1 (local.get $p)))
      (local.set $p (i32.add (local.get $p) (i32.const 2)))
      (br_if $level (i32.eq (local.get $c) (i32.const 44)))) ;; ','
    (if (i32.ne (local.get $c) (i32.const 93)) (then (return (i32.const -1))))
    (global.set $value (f64.convert_i32_u (local.get $count)))
    (local.get $p))

  ;; The line at p on the fast path: fills $E $U $u $bids $asks and the level region; returns
  ;; the position of its '\n', -1 when it is not in the fast shape, -2 when the level region is
  ;; full. The caller restores $level when it fails.
  (func $line (param $p i32) (result i32)
    (local.set $p (call $expect (local.get $p) (i32.const 256) (i32.const 29)))
    (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
    (local.set $p (call $number (local.get $p)))
    (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
    (local.set $p (call $expect (local.get $p) (i32.const 288) (i32.const 5)))
    (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
    (local.set $p (call $int (local.get $p)))
    (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
    (global.set $E (global.get $value))
    (local.set $p (call $expect (local.get $p) (i32.const 296) (i32.const 5)))
    (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
    (local.set $p (call $int (local.get $p)))
    (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
    (global.set $U (global.get $value))
    (local.set $p (call $expect (local.get $p) (i32.const 304) (i32.const 5)))
    (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
    (local.set $p (call $int (local.get $p)))
    (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
    (global.set $u (global.get $value))
    (local.set $p (call $expect (local.get $p) (i32.const 312) (i32.const 5)))
    (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
    (local.set $p (call $side (local.get $p)))
    (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (local.get $p))))
    (global.set $bids (i32.trunc_f64_u (global.get $value)))
    (local.set $p (call $expect (local.get $p) (i32.const 320) (i32.const 5)))
    (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
    (local.set $p (call $side (local.get $p)))
    (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (local.get $p))))
    (global.set $asks (i32.trunc_f64_u (global.get $value)))
    ;; }\n
    (if (i32.ne (i32.load16_u (local.get $p)) (i32.const 0x0a7d)) (then (return (i32.const -1))))
    (i32.add (local.get $p) (i32.const 1)))

  ;; Reads the lines in [p, end), which ends with '\n', writing one 48-byte table entry per line
  ;; from `table` (f64 E, U, u; i32 kind (1 fast, 0 other), start, end (of the line, without its
  ;; '\n'), bids, asks; 4 bytes unused) and the fast lines' levels from `levels`. Stops early when
  ;; the table or the level region is full (a first line whose levels alone do not fit is taken
  ;; as "other"). Returns where it stopped; sets the globals `lines` and `levels` (counts).
  (func (export "scan")
    (param $p i32) (param $end i32) (param $table i32) (param $tableEnd i32)
    (param $levelStart i32) (param $levelEnd i32)
    (result i32)
    (local $t i32)
    (local $r i32)
    (local $saved i32)
    (local.set $t (local.get $table))
    (global.set $level (local.get $levelStart))
    (global.set $levelEnd (local.get $levelEnd))
    (block $stop
      (loop $next
        (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
        (br_if $stop (i32.gt_u (i32.add (local.get $t) (i32.const 48)) (local.get $tableEnd)))
        (local.set $saved (global.get $level))
        (local.set $r (call $line (local.get $p)))
        (if (i32.eq (local.get $r) (i32.const -2))
          (then
            (global.set $level (local.get $saved))
            (br_if $stop (i32.ne (local.get $t) (local.get $table)))
            (local.set $r (i32.const -1))))
        (if (i32.ge_s (local.get $r) (i32.const 0))
          (then
            (f64.store (local.get $t) (global.get $E))
            (f64.store offset=8 (local.get $t) (global.get $U))
            (f64.store offset=16 (local.get $t) (global.get $u))
            (i32.store offset=24 (local.get $t) (i32.const 1))
            (i32.store offset=36 (local.get $t) (global.get $bids))
            (i32.store offset=40 (local.get $t) (global.get $asks)))
          (else
            (global.set $level (local.get $saved))
            ;; find the line's '\n'
            (local.set $r (local.get $p))
            (block $found
              (loop $byte
                (br_if $found (i32.eq (i32.load8_u (local.get $r)) (i32.const 10)))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $byte)))
            (i32.store offset=24 (local.get $t) (i32.const 0))))
        (i32.store offset=28 (local.get $t) (local.get $p))
        (i32.store offset=32 (local.get $t) (local.get $r))
        (local.set $p (i32.add (local.get $r) (i32.const 1)))
        (local.set $t (i32.add (local.get $t) (i32.const 48)))
        (br $next)))
    (global.set $lines (i32.div_u (i32.sub (local.get $t) (local.get $table)) (i32.const 48)))
    (global.set $levels
      (i32.shr_u (i32.sub (global.get $level) (local.get $levelStart)) (i32.const 4)))
    (local.get $p))
)
