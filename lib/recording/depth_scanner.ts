/**
 * The record reader's fast path (`record_reader.ts`, `scanner: true`, which `verify`, manifests and
 * tail repair use) through a block of recording lines: the WebAssembly scanner of
 * `depth_scan.wat` reads every `depthUpdate` line written in the collector's own shape straight
 * into numbers (ids, times, prices, quantities), and leaves every other line to be parsed as JSON.
 * No string is made for a fast line, which is where `JSON.parse` spent most of its time.
 *
 * Use: {@linkcode DepthScanner.load} a block of whole lines, then call
 * {@linkcode DepthScanner.next} until it returns false; after each call the accessors describe
 * lines `0 … count - 1` of that chunk. A chunk's views are valid until the next call; its
 * {@linkcode DepthScanner.levels} array is a fresh copy that events may keep.
 *
 * @module
 */
import { DEPTH_SCAN_WASM_BASE64 } from "./depth_scan_wasm.ts";

/** Bytes of one table entry written by the scanner. */
const ENTRY = 48;
/** Lines per chunk at most. */
const TABLE_ENTRIES = 4096;
/** Levels per chunk at most (a line with more than this goes the JSON way). */
const LEVELS = 256 * 1024;
const TABLE = 1024;
const LEVEL_REGION = TABLE + TABLE_ENTRIES * ENTRY;
const INPUT = LEVEL_REGION + LEVELS * 16;
/** Bytes after the input that the scanner may read (it compares a few bytes at a time). */
const SLACK = 64;
const PAGE = 65536;

interface ScanExports {
  memory: WebAssembly.Memory;
  scan(
    p: number,
    end: number,
    table: number,
    tableEnd: number,
    levels: number,
    levelsEnd: number,
  ): number;
  lines: WebAssembly.Global;
  levels: WebAssembly.Global;
}

let compiled: WebAssembly.Module | undefined;

function scanModule(): WebAssembly.Module {
  if (compiled === undefined) {
    const binary = atob(DEPTH_SCAN_WASM_BASE64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

/** Reads blocks of recording lines with the WebAssembly scanner; see the module documentation. */
export class DepthScanner {
  /** Number of lines in the current chunk. */
  count = 0;
  /**
   * Prices and quantities of the chunk's fast lines, in line order, each line's bids then asks
   * as (price, quantity) pairs; a line's first pair follows the previous fast line's last.
   */
  levels: Float64Array = new Float64Array(0);
  readonly #exports: ScanExports;
  readonly #decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  #bytes: Uint8Array = new Uint8Array(0);
  #f64: Float64Array = new Float64Array(0);
  #i32: Int32Array = new Int32Array(0);
  #at = 0;
  #end = 0;

  /** A scanner with its own WebAssembly instance and memory. */
  constructor() {
    const instance = new WebAssembly.Instance(scanModule(), {});
    this.#exports = instance.exports as unknown as ScanExports;
    this.#reserve(INPUT + SLACK);
  }

  /** Takes a block of whole lines: empty, or ending with `\n`. Replaces what was loaded. */
  load(block: Uint8Array): void {
    if (block.length > 0 && block[block.length - 1] !== 10) {
      throw new RangeError(`Invalid block: ${block.length} bytes that do not end with a newline`);
    }
    this.#reserve(INPUT + block.length + SLACK);
    this.#bytes.set(block, INPUT);
    this.#bytes.fill(0, INPUT + block.length, INPUT + block.length + SLACK);
    this.#at = INPUT;
    this.#end = INPUT + block.length;
    this.count = 0;
  }

  /** Scans the next chunk of the loaded block; false when the block is done. */
  next(): boolean {
    if (this.#at >= this.#end) {
      this.count = 0;
      return false;
    }
    const ex = this.#exports;
    this.#at = ex.scan(
      this.#at,
      this.#end,
      TABLE,
      TABLE + TABLE_ENTRIES * ENTRY,
      LEVEL_REGION,
      INPUT,
    );
    this.count = ex.lines.value as number;
    const levels = ex.levels.value as number;
    this.levels = this.#f64.slice(LEVEL_REGION / 8, LEVEL_REGION / 8 + 2 * levels);
    return true;
  }

  /** Whether line `i` is a `depthUpdate` read on the fast path (else see {@linkcode text}). */
  isEvent(i: number): boolean {
    return this.#i32[(TABLE >> 2) + 12 * i + 6] === 1;
  }

  /** Event time `E` of fast line `i`. */
  E(i: number): number {
    return this.#f64[(TABLE >> 3) + 6 * i]!;
  }

  /** First update id `U` of fast line `i`. */
  U(i: number): number {
    return this.#f64[(TABLE >> 3) + 6 * i + 1]!;
  }

  /** Final update id `u` of fast line `i`. */
  u(i: number): number {
    return this.#f64[(TABLE >> 3) + 6 * i + 2]!;
  }

  /** Number of bid levels of fast line `i`. */
  bids(i: number): number {
    return this.#i32[(TABLE >> 2) + 12 * i + 9]!;
  }

  /** Number of ask levels of fast line `i`. */
  asks(i: number): number {
    return this.#i32[(TABLE >> 2) + 12 * i + 10]!;
  }

  /** Length of line `i` in bytes, without its newline. */
  length(i: number): number {
    return this.#i32[(TABLE >> 2) + 12 * i + 8]! - this.#i32[(TABLE >> 2) + 12 * i + 7]!;
  }

  /** The bytes of line `i`, without its newline (a view valid until the next call). */
  lineBytes(i: number): Uint8Array {
    const start = this.#i32[(TABLE >> 2) + 12 * i + 7]!;
    return this.#bytes.subarray(start, this.#i32[(TABLE >> 2) + 12 * i + 8]!);
  }

  /** The text of line `i`, without its newline (UTF-8 decoded, bad bytes replaced). */
  text(i: number): string {
    return this.#decoder.decode(this.lineBytes(i));
  }

  /** Grows the memory to at least `bytes` and renews the views. */
  #reserve(bytes: number): void {
    const memory = this.#exports.memory;
    const have = memory.buffer.byteLength;
    if (have < bytes) memory.grow(Math.ceil((bytes - have) / PAGE));
    if (this.#bytes.buffer !== memory.buffer) {
      this.#bytes = new Uint8Array(memory.buffer);
      this.#f64 = new Float64Array(memory.buffer);
      this.#i32 = new Int32Array(memory.buffer);
    }
  }
}
