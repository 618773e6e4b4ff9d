/**
 * Random damage to real day files, for the fuzz tests of `verify` and `replay`: values of the
 * wrong type, prices that are not decimals, deleted fields, huge and deeply nested arrays, cut,
 * duplicated, removed and swapped lines, and an oracle, written from `docs/FORMAT.md` rather than
 * from the code under test, that says which lines a reader cannot use.
 *
 * Every case is built from one seed ({@linkcode mutateDay}), so a failure names the seed that
 * rebuilds it.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import zlib from "node:zlib";
import { Random } from "../../lib/util/random.ts";
import { type DayLines, realDays } from "./fixtures.ts";

/** One damaged day file: its lines, how they are stored, and what was done to them. */
export interface MutatedDay extends DayLines {
  seed: number;
  /** What was done, in order, for messages. */
  mutations: string[];
  /** The last line has no `\n`. */
  unterminated: boolean;
  /** Gzip members cut at random bytes (lines split across members) instead of after lines. */
  splitBytes: boolean;
}

/**
 * Two small real days, every record type in them: 2024-08-08 opens out of sync (a `start` gap,
 * events buffered until the REST snapshot); 2024-08-09 opens with a `book` snapshot. Each gets
 * `clock` records and a `disconnect` gap followed by a `book` checkpoint that resyncs.
 */
export async function smallRealDays(): Promise<DayLines[]> {
  const days = await realDays("BTCUSDT", { checkpointEvery: 60 });
  return days.map((day) => {
    const lines = day.lines.slice(0, 200);
    const checkpoint = lines.findIndex((l, i) => i > 100 && l.startsWith('{"type":"snapshot"'));
    const recv = JSON.parse(lines[checkpoint]!).recv;
    lines.splice(
      checkpoint,
      0,
      `{"type":"gap","recv":${recv},"lastUpdateId":null,"reason":"disconnect","detail":"test"}`,
    );
    const clock = `{"type":"clock","recv":${recv},"serverTime":${Math.round(recv)},` +
      `"offsetMs":-3.2,"rttMs":41.7}`;
    lines.splice(3, 0, clock);
    lines.splice(150, 0, clock);
    return { ...day, lines };
  });
}

const DEPTH = 20_000;
/** A deeply nested array, as JSON text (`JSON.stringify` would recurse). */
const DEEP = "[".repeat(DEPTH) + "]".repeat(DEPTH);

/** Values put in place of a field: most are of the wrong type for some field, some are valid. */
const VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  2 ** 53,
  2 ** 53 + 2,
  1e300,
  "",
  "12.3x",
  "123",
  "-1",
  "0x10",
  "rest",
  "book",
  "x".repeat(5000),
  [],
  {},
  [1, 2],
  [["1", "2"]],
  [["12.3x", "1"]],
  [[1, 2]],
  [["1", "2", "3"]],
  { b: [["1", "2"]] },
  [[[[]]]],
  Array.from({ length: 1000 }, () => null),
];

/** Prices and quantities: garbage and a few valid decimals. */
const DECIMALS = [
  "12.3x",
  "",
  "-1",
  "1e999",
  "0x10",
  "1e2",
  " 1",
  "1.",
  ".5",
  ".",
  "NaN",
  "Infinity",
  "-0",
  "+1",
  "0.0.0",
  "1abc",
  "\u0663",
  "1_000",
  "1".repeat(400),
  "9".repeat(20),
  "0." + "0".repeat(350) + "1",
  "0.00000000",
  "1",
  "61000.50000000",
];

/** Raw text put in place of a JSON number (many are not JSON at all). */
const RAW = [
  "1e999",
  "-1e999",
  "NaN",
  "Infinity",
  "-0",
  "1.5",
  "-1",
  "9007199254740993",
  "9007199254740991",
  "00012",
  "1E3",
  "0x10",
  "-",
  "1.",
  "",
  ".5",
  "123456789012345678901234567890",
  "true",
  "null",
  '"7"',
  "[]",
  "{}",
  DEEP,
];

const KNOWN_TYPES = ["header", "snapshot", "depthUpdate", "gap", "clock"];

type Record = { [key: string]: unknown };

function parse(line: string): Record | undefined {
  try {
    const value = JSON.parse(line);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Levels of a huge side: `count` valid levels, or one of them garbage. */
function hugeLevels(count: number, garbage: boolean): [string, string][] {
  const levels = Array.from(
    { length: count },
    (_, i): [string, string] => [`${50000 + i}.10000000`, "1.00000000"],
  );
  if (garbage) levels[count - 1] = ["12.3x", "1"];
  return levels;
}

type Mutation = (lines: string[], random: Random) => string;

const pick = <T>(items: readonly T[], random: Random): T => items[random.int(0, items.length - 1)]!;

/** An index of a line that parses as an object (and, given `keys`, has one of them), else any. */
function pickLine(lines: string[], random: Random, keys: string[] = []): number {
  for (let tries = 0; tries < 50; tries++) {
    const i = random.int(0, lines.length - 1);
    const r = parse(lines[i]!);
    if (r !== undefined && (keys.length === 0 || keys.some((k) => Array.isArray(r[k])))) return i;
  }
  return random.int(0, lines.length - 1);
}

/** Sets `key` of line `i` to `value` (JSON), keeping the other keys in order. */
function setField(lines: string[], i: number, key: string, value: unknown): void {
  const r = parse(lines[i]!) ?? {};
  r[key] = value;
  lines[i] = JSON.stringify(r);
}

const MUTATIONS: [weight: number, name: string, mutation: Mutation][] = [
  [5, "field value", (lines, random) => {
    const i = pickLine(lines, random);
    const keys = Object.keys(parse(lines[i]!) ?? { type: 0 });
    const key = random.next() < 0.9 ? pick(keys, random) : "extra";
    const value = pick(VALUES, random);
    setField(lines, i, key, value);
    return `line ${i + 1}: ${key} = ${JSON.stringify(value)?.slice(0, 40)}`;
  }],
  [2, "delete field", (lines, random) => {
    const i = pickLine(lines, random);
    const r = parse(lines[i]!) ?? {};
    const key = pick(Object.keys(r).concat("none"), random);
    delete r[key];
    lines[i] = JSON.stringify(r);
    return `line ${i + 1}: delete ${key}`;
  }],
  [5, "level value", (lines, random) => {
    const i = pickLine(lines, random, ["b", "a", "bids", "asks"]);
    const r = parse(lines[i]!) ?? {};
    const sides = ["b", "a", "bids", "asks"].filter((k) => Array.isArray(r[k]) && r[k].length);
    if (sides.length === 0) return `line ${i + 1}: no level to change`;
    const side = r[pick(sides, random)] as unknown[][];
    const level = side[random.int(0, side.length - 1)]!;
    const at = random.int(0, 1);
    level[at] = pick(DECIMALS, random);
    lines[i] = JSON.stringify(r);
    return `line ${i + 1}: level ${at === 0 ? "price" : "quantity"} ${JSON.stringify(level[at])}`;
  }],
  [2, "level shape", (lines, random) => {
    const i = pickLine(lines, random, ["b", "a", "bids", "asks"]);
    const r = parse(lines[i]!) ?? {};
    const sides = ["b", "a", "bids", "asks"].filter((k) => Array.isArray(r[k]));
    if (sides.length === 0) return `line ${i + 1}: no levels`;
    const side = r[pick(sides, random)] as unknown[];
    const shape = pick([[1, 2], ["1"], ["1", "2", "3"], "1", null, {}, [["1", "2"]], []], random);
    side.splice(random.int(0, side.length), 0, shape);
    lines[i] = JSON.stringify(r);
    return `line ${i + 1}: level ${JSON.stringify(shape)}`;
  }],
  [4, "raw number", (lines, random) => {
    const i = pickLine(lines, random);
    const numbers = [...lines[i]!.matchAll(/"(\w+)":(-?\d[\d.eE+-]*)/g)];
    if (numbers.length === 0) return `line ${i + 1}: no number`;
    const m = pick(numbers, random);
    const raw = pick(RAW, random);
    const start = m.index! + m[1]!.length + 3;
    lines[i] = lines[i]!.slice(0, start) + raw + lines[i]!.slice(start + m[2]!.length);
    return `line ${i + 1}: ${m[1]} = ${raw.slice(0, 30)}`;
  }],
  [3, "event values", (lines, random) => {
    // Changes that keep the line in the scanner's shape: other ids, times, levels.
    const i = pickLine(lines, random, ["b"]);
    const how = pick(["U", "u", "E", "price", "zero", "huge id"], random);
    const delta = pick([-2, -1, 1, 2, 1000, -3_600_000], random);
    const line = lines[i]!;
    if (how === "price") {
      lines[i] = line.replace(/\[\["(\d+)/, (_, p) => `[["${Number(p) + Math.abs(delta)}`);
    } else if (how === "zero") {
      lines[i] = line.replace(/","[0-9.]+"\]/, '","0.00000000"]');
    } else {
      const key = how === "huge id" ? "u" : how;
      lines[i] = line.replace(new RegExp(`"${key}":(\\d+)`), (_, n) => {
        const value = how === "huge id" ? 999_999_999_999_999 : Math.max(0, Number(n) + delta);
        return `"${key}":${value}`;
      });
    }
    return `line ${i + 1}: ${how} ${delta}`;
  }],
  [1, "U above u", (lines, random) => {
    const i = pickLine(lines, random, ["b"]);
    lines[i] = lines[i]!.replace(
      /"U":(\d+),"u":(\d+)/,
      (_, U, u) => `"U":${Number(u) + 1},"u":${U}`,
    );
    return `line ${i + 1}: U above u`;
  }],
  [2, "truncate", (lines, random) => {
    const i = random.int(0, lines.length - 1);
    lines[i] = lines[i]!.slice(0, random.int(0, lines[i]!.length - 1));
    return `line ${i + 1}: cut to ${lines[i]!.length} characters`;
  }],
  [1, "garbage line", (lines, random) => {
    const i = random.int(0, lines.length - 1);
    const text = Array.from({ length: random.int(0, 60) }, () => {
      return String.fromCharCode(random.int(32, 126));
    }).join("");
    const garbage = pick([text, "", "\u0000\u0001", "\ufffd\ufffd", "{}", "[]", "null"], random);
    lines.splice(i, random.int(0, 1), garbage);
    return `line ${i + 1}: ${JSON.stringify(garbage)}`;
  }],
  [1, "retype", (lines, random) => {
    const i = pickLine(lines, random);
    const type = pick([...KNOWN_TYPES, "future", 5, null, ["depthUpdate"]], random);
    setField(lines, i, "type", type);
    return `line ${i + 1}: type ${JSON.stringify(type)}`;
  }],
  [3, "move lines", (lines, random) => {
    const i = random.int(1, lines.length - 1);
    const j = random.int(1, lines.length - 1);
    const how = pick(["duplicate", "remove", "swap", "move"], random);
    if (how === "duplicate") lines.splice(j, 0, lines[i]!);
    else if (how === "remove") lines.splice(i, 1);
    else if (how === "swap") [lines[i], lines[j]] = [lines[j]!, lines[i]!];
    else lines.splice(j, 0, ...lines.splice(i, 1));
    return `${how} line ${i + 1} (${j + 1})`;
  }],
  [2, "header", (lines, random) => {
    const field = pick(["format", "symbol", "date", "exchange", "stream", "recv", "type"], random);
    const value = pick([...VALUES, 2, "ETHUSDT", "2024-01-01"], random);
    if (random.next() < 0.2) lines[0] = lines[0]!.slice(0, random.int(0, lines[0]!.length - 1));
    else setField(lines, 0, field, value);
    return `header ${field} = ${JSON.stringify(value)?.slice(0, 40)}`;
  }],
  [1, "deep nesting", (lines, random) => {
    const i = pickLine(lines, random);
    const key = pick(Object.keys(parse(lines[i]!) ?? { b: 0 }), random);
    setField(lines, i, key, "@DEEP@");
    lines[i] = lines[i]!.replace('"@DEEP@"', DEEP);
    return `line ${i + 1}: ${key} nested ${DEPTH} deep`;
  }],
  [0.6, "huge levels", (lines, random) => {
    const i = pickLine(lines, random, ["b", "bids"]);
    const garbage = random.next() < 0.5;
    const count = random.next() < 0.5 ? 100_000 : 5_000;
    setField(lines, i, lines[i]!.includes('"bids"') ? "bids" : "b", hugeLevels(count, garbage));
    return `line ${i + 1}: ${count} levels${garbage ? ", the last garbage" : ""}`;
  }],
  [0.4, "huge array", (lines, random) => {
    const i = pickLine(lines, random);
    const key = pick(Object.keys(parse(lines[i]!) ?? { b: 0 }), random);
    setField(lines, i, key, new Array(100_000).fill(0));
    return `line ${i + 1}: ${key} = 100000 zeros`;
  }],
];

const TOTAL = MUTATIONS.reduce((n, [w]) => n + w, 0);

/** `base` damaged 1-3 times, reproducibly from `seed`. */
export function mutateDay(base: DayLines, seed: number): MutatedDay {
  const random = new Random(seed);
  const lines = [...base.lines];
  const mutations: string[] = [];
  for (let n = random.int(1, 3); n > 0; n--) {
    let x = random.next() * TOTAL;
    const [, name, mutation] = MUTATIONS.find(([w]) => (x -= w) < 0) ?? MUTATIONS[0]!;
    if (lines.length < 2) lines.push(base.lines[1]!);
    mutations.push(`${name}: ${mutation(lines, random)}`);
  }
  const unterminated = random.next() < 0.05;
  if (unterminated) mutations.push("no newline at the end");
  const splitBytes = random.next() < 0.2;
  return { ...base, lines, seed, mutations, unterminated, splitBytes };
}

/** The file's gzip bytes: members of whole lines, or cut at random bytes. */
export function mutatedBytes(day: MutatedDay): Uint8Array {
  const text = new TextEncoder().encode(
    day.lines.join("\n") + (day.unterminated ? "" : "\n"),
  );
  const random = new Random(day.seed ^ 0x5eed);
  const members: Buffer[] = [];
  if (day.splitBytes) {
    for (let at = 0; at < text.length;) {
      const end = Math.min(text.length, at + random.int(1, 200_000));
      members.push(zlib.gzipSync(text.subarray(at, end), { level: 1 }));
      at = end;
    }
  } else {
    const per = random.int(1, 120);
    for (let i = 0; i < day.lines.length; i += per) {
      const last = i + per >= day.lines.length;
      const part = day.lines.slice(i, i + per).join("\n") + (last && day.unterminated ? "" : "\n");
      members.push(zlib.gzipSync(part, { level: 1 }));
    }
  }
  return new Uint8Array(Buffer.concat(members));
}

/** Writes `day` as `<dir>/<symbol>/<date>_dom.jsonl.gz`; returns the path. */
export async function writeMutatedDay(dir: string, day: MutatedDay): Promise<string> {
  await Deno.mkdir(`${dir}/${day.symbol}`, { recursive: true });
  const path = `${dir}/${day.symbol}/${day.date}_dom.jsonl.gz`;
  await Deno.writeFile(path, mutatedBytes(day));
  return path;
}

// The oracle: what docs/FORMAT.md says each record holds.

const DECIMAL = /^[0-9]+(\.[0-9]+)?$/;
const isNumber = (v: unknown) => typeof v === "number";
const isFinite = (v: unknown) => typeof v === "number" && Number.isFinite(v);
const isString = (v: unknown) => typeof v === "string";
const isId = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const isDecimal = (v: unknown) => isString(v) && DECIMAL.test(v) && Number.isFinite(Number(v));
const isLevels = (v: unknown) =>
  Array.isArray(v) &&
  v.every((l) => Array.isArray(l) && l.length === 2 && isDecimal(l[0]) && isDecimal(l[1]));

const FIELDS: { [type: string]: { [field: string]: (v: unknown) => boolean } } = {
  header: {
    recv: isNumber,
    format: isNumber,
    exchange: isString,
    market: isString,
    symbol: isString,
    date: isString,
    collector: isString,
    stream: isString,
  },
  snapshot: {
    recv: isNumber,
    lastUpdateId: isId,
    bids: isLevels,
    asks: isLevels,
    source: (v) => v === "rest" || v === "book",
  },
  depthUpdate: { recv: isNumber, E: isFinite, U: isId, u: isId, b: isLevels, a: isLevels },
  gap: {
    recv: isNumber,
    lastUpdateId: (v) => v === null || isId(v),
    reason: isString,
    detail: (v) => v === undefined || isString(v),
  },
  clock: { recv: isNumber, serverTime: isFinite, offsetMs: isFinite, rttMs: isFinite },
};

/**
 * Whether a reader can use line `text` as FORMAT.md describes it: a JSON object with a string
 * `type`; for the known types every field present, of its type, and prices and quantities plain
 * decimals. Records of unknown types are usable (readers skip them by design).
 */
export function usableLine(text: string): boolean {
  const r = parse(text);
  if (r === undefined || typeof r.type !== "string") return false;
  const fields = FIELDS[r.type];
  if (fields === undefined) return true;
  for (const [field, ok] of Object.entries(fields)) if (!ok(r[field])) return false;
  return r.type !== "depthUpdate" || (r.U as number) <= (r.u as number);
}

const INT = "(0|[1-9][0-9]{0,14})";
const DEC = '"[0-9]+(\\.[0-9]+)?"';
const LEVELS = `\\[(\\[${DEC},${DEC}\\](,\\[${DEC},${DEC}\\])*)?\\]`;
/** A `depthUpdate` line in the shape verify's WebAssembly scanner reads (`depth_scan.wat`). */
export const SCANNER_SHAPE = new RegExp(
  `^\\{"type":"depthUpdate","recv":-?(0|[1-9][0-9]*)(\\.[0-9]+)?,"E":${INT},"U":${INT},` +
    `"u":${INT},"b":${LEVELS},"a":${LEVELS}\\}$`,
);
