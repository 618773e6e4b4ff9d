import assert from "node:assert/strict";
import { realDays } from "../../tests/helpers/fixtures.ts";
import { randomSource } from "../util/random.ts";
import { DepthScanner } from "./depth_scanner.ts";

const encoder = new TextEncoder();

/** What the scanner made of each line: the fast event's numbers, or the line's text. */
type Scanned =
  | { E: number; U: number; u: number; b: number[][]; a: number[][] }
  | { text: string };

function scanAll(lines: readonly string[], scanner = new DepthScanner()): Scanned[] {
  const out: Scanned[] = [];
  scanner.load(encoder.encode(lines.map((l) => `${l}\n`).join("")));
  while (scanner.next()) {
    let at = 0;
    for (let i = 0; i < scanner.count; i++) {
      if (!scanner.isEvent(i)) {
        out.push({ text: scanner.text(i) });
        continue;
      }
      const side = (n: number) => {
        const levels: number[][] = [];
        for (let k = 0; k < n; k++, at += 2) {
          levels.push([scanner.levels[at]!, scanner.levels[at + 1]!]);
        }
        return levels;
      };
      const E = scanner.E(i), U = scanner.U(i), u = scanner.u(i);
      const b = side(scanner.bids(i));
      out.push({ E, U, u, b, a: side(scanner.asks(i)) });
    }
    assert.equal(at, scanner.levels.length, "every level belongs to a line");
  }
  return out;
}

/** What JSON.parse and Number make of a line the scanner took on the fast path. */
function expected(line: string) {
  const r = JSON.parse(line);
  const side = (levels: string[][]) => levels.map(([p, q]) => [Number(p), Number(q)]);
  return { E: r.E, U: r.U, u: r.u, b: side(r.b), a: side(r.a) };
}

/** Checks every line: a fast line must equal JSON.parse's reading; returns how many were fast. */
function check(lines: readonly string[], scanned: readonly Scanned[]): number {
  assert.equal(scanned.length, lines.length, "one result per line");
  let fast = 0;
  for (let i = 0; i < lines.length; i++) {
    const s = scanned[i]!;
    if ("text" in s) {
      assert.equal(s.text, lines[i], `line ${i} comes back as its text`);
      continue;
    }
    fast++;
    assert.deepEqual(s, expected(lines[i]!), `line ${i}: ${lines[i]!.slice(0, 120)}`);
  }
  return fast;
}

Deno.test("DepthScanner reads every real depthUpdate line as JSON.parse and Number do", async () => {
  for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
    const lines = (await realDays(symbol)).flatMap((d) => d.lines);
    const events = lines.filter((l) => l.startsWith('{"type":"depthUpdate"')).length;
    const fast = check(lines, scanAll(lines));
    assert.ok(events > 3000, `${symbol}: ${events} events`);
    assert.equal(fast, events, `${symbol}: every event line is read on the fast path`);
  }
});

const EVENT = '{"type":"depthUpdate","recv":1723248000123.456,"E":1723248000100,"U":101,"u":103,' +
  '"b":[["61737.63000000","0.00000000"],["100","2.5"]],"a":[["61800.01000000","1.25000000"]]}';

Deno.test("DepthScanner leaves every line outside the fast shape to JSON", () => {
  const other = [
    EVENT.replace('"E":1723248000100', '"E":01723248000100'), // leading zero: not JSON
    EVENT.replace('"U":101', '"U":1234567890123456'), // 16 digits
    EVENT.replace('"U":101', '"U":-101'),
    EVENT.replace('"U":101', '"U":101.5'),
    EVENT.replace('"recv":1723248000123.456', '"recv":1.5e12'),
    EVENT.replace('"recv":1723248000123.456', '"recv":1.'),
    EVENT.replace('"recv":1723248000123.456', '"recv":"1"'),
    EVENT.replace('"100"', '"1e2"'),
    EVENT.replace('"100"', '".5"'),
    EVENT.replace('"100"', '"5."'),
    EVENT.replace('"100"', '"-100"'),
    EVENT.replace('"100"', '"10 0"'),
    EVENT.replace('"100"', '""'),
    EVENT.replace('"100"', '"1234567890123456789"'), // 19 digits
    EVENT.replace('"100"', '"0.000000000000000001"'), // 19 digits
    EVENT.replace('"100"', '"9007199254740993"'), // above 2^53
    EVENT.replace('"100"', "100"),
    EVENT.replace('"100","2.5"', '"100","2.5","x"'),
    EVENT.replace('"b":[', '"b": ['),
    EVENT.replace(',"a":', ',"A":'),
    EVENT.replace('{"type":"depthUpdate",', '{"type":"depthUpdate","x":1,'),
    EVENT.slice(0, -1),
    `${EVENT} `,
    `${EVENT}\r`,
    `${EVENT}}`,
    EVENT.replace('"61737.63000000"', '"61737.63\\u0030"'),
    EVENT.replace("depthUpdate", "depthUpdatE"),
    '{"type":"gap","recv":1,"lastUpdateId":null,"reason":"start"}',
    "",
    "not json at all",
    "\u00e9\u20ac",
  ];
  const scanned = scanAll(other);
  assert.equal(check(other, scanned), 0, "none is fast");
  const fine = [
    EVENT,
    EVENT.replace('"U":101', '"U":0'),
    EVENT.replace('"recv":1723248000123.456', '"recv":-0.5'),
    EVENT.replace('"100"', '"9007199254740992"'), // 2^53 exactly
    EVENT.replace('"100"', '"000123.4500"'),
    EVENT.replace('"100"', '"0.00000000000000001"'), // 18 digits
    EVENT.replace('"b":[["61737.63000000","0.00000000"],["100","2.5"]]', '"b":[]'),
    EVENT.replace('"a":[["61800.01000000","1.25000000"]]', '"a":[]'),
  ];
  assert.equal(check(fine, scanAll(fine)), fine.length, "all are fast");
});

Deno.test("DepthScanner agrees with JSON.parse on randomly damaged event lines", async () => {
  const lines = (await realDays("BTCUSDT")).flatMap((d) => d.lines)
    .filter((l) => l.startsWith('{"type":"depthUpdate"') && l.length < 3000).slice(0, 400);
  const random = randomSource(20261121);
  const alphabet = '0123456789.,"[]{}:-e \\abuU';
  const damaged: string[] = [];
  for (let n = 0; n < 6000; n++) {
    const line = lines[Math.floor(random() * lines.length)]!;
    const at = Math.floor(random() * line.length);
    const c = alphabet[Math.floor(random() * alphabet.length)]!;
    const kind = Math.floor(random() * 3);
    damaged.push(
      kind === 0
        ? line.slice(0, at) + c + line.slice(at + 1)
        : kind === 1
        ? line.slice(0, at) + c + line.slice(at)
        : line.slice(0, at) + line.slice(at + 1),
    );
  }
  const scanned = scanAll(damaged);
  const fast = check(damaged, scanned);
  // Most damage breaks the fast shape, but digits changed inside numbers keep it.
  assert.ok(fast > 300 && fast < 5000, `${fast} of ${damaged.length} still fast`);
});

Deno.test("DepthScanner splits a block into chunks without losing a line or a level", () => {
  const levels = Array.from({ length: 5000 }, (_, k) => `["${100 + k}.5","${k}"]`).join(",");
  const big = EVENT.replace(
    '"b":[["61737.63000000","0.00000000"],["100","2.5"]]',
    `"b":[${levels}]`,
  );
  const lines: string[] = [];
  for (let k = 0; k < 9000; k++) lines.push(k % 100 === 7 ? big : k % 3 === 0 ? "{}" : EVENT);
  const scanner = new DepthScanner();
  const scanned = scanAll(lines, scanner);
  assert.equal(check(lines, scanned), lines.filter((l) => l !== "{}").length);
  // A line with more levels than one chunk holds is left to JSON, and the next block still works.
  const huge = EVENT.replace(
    '"b":[["61737.63000000","0.00000000"],["100","2.5"]]',
    `"b":[${Array.from({ length: 300_000 }, () => '["1","1"]').join(",")}]`,
  );
  assert.equal(check([EVENT, huge, EVENT], scanAll([EVENT, huge, EVENT], scanner)), 2);
  assert.equal(check([EVENT], scanAll([EVENT], scanner)), 1);
});

Deno.test("DepthScanner.load() refuses a block that does not end with a newline", () => {
  assert.throws(
    () => new DepthScanner().load(encoder.encode(EVENT)),
    /Invalid block: \d+ bytes that do not end with a newline/,
  );
  const empty = new DepthScanner();
  empty.load(new Uint8Array(0));
  assert.equal(empty.next(), false);
});

Deno.test("DepthScanner survives random bytes: one result per line, no trap", () => {
  const random = randomSource(99);
  const scanner = new DepthScanner();
  let fast = 0;
  // Pieces: event lines, event lines with one byte changed, and bytes drawn mostly from the
  // characters of event lines, so the parser goes deep and sometimes succeeds.
  const event = encoder.encode(`${EVENT}\n`);
  for (let round = 0; round < 300; round++) {
    const pieces: Uint8Array[] = [];
    for (let k = Math.floor(random() * 8); k >= 0; k--) {
      const kind = random();
      if (kind < 0.3) pieces.push(event);
      else if (kind < 0.6) {
        const changed = event.slice();
        changed[Math.floor(random() * (changed.length - 1))] = Math.floor(random() * 256);
        pieces.push(changed);
      } else {
        const bytes = new Uint8Array(1 + Math.floor(random() * 600));
        for (let i = 0; i < bytes.length; i++) {
          bytes[i] = random() < 0.9
            ? event[Math.floor(random() * event.length)]!
            : Math.floor(random() * 256);
        }
        pieces.push(bytes);
      }
    }
    const length = pieces.reduce((n, p) => n + p.length, 0) + 1;
    const block = new Uint8Array(length);
    pieces.reduce((at, p) => (block.set(p, at), at + p.length), 0);
    block[length - 1] = 10;
    const newlines = block.filter((b) => b === 10).length;
    scanner.load(block);
    let lines = 0;
    while (scanner.next()) {
      lines += scanner.count;
      let at = 0;
      for (let i = 0; i < scanner.count; i++) {
        if (!scanner.isEvent(i)) continue;
        // A fast line is what JSON.parse makes of it.
        const levels = (n: number) =>
          Array.from({ length: n }, () => [scanner.levels[at++]!, scanner.levels[at++]!]);
        const got = { E: scanner.E(i), U: scanner.U(i), u: scanner.u(i), b: [] as number[][] };
        got.b = levels(scanner.bids(i));
        assert.deepEqual({ ...got, a: levels(scanner.asks(i)) }, expected(scanner.text(i)));
        fast++;
      }
    }
    assert.equal(lines, newlines, `round ${round}`);
  }
  assert.ok(fast > 0, "some random lines are events in the fast shape");
});
