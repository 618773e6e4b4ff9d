/**
 * One line of a recording as a checked record: every field `docs/FORMAT.md` lists for its type
 * is present and of its type, and a snapshot's prices and quantities are plain decimals. Types
 * this version does not know are returned as {@linkcode UnknownRecord} (readers skip them).
 *
 * A `depthUpdate`'s level values are left to {@linkcode levelsProblem}: such an event is still an
 * event (counted, its time checked) even when its levels cannot be applied. A `trade`,
 * `aggTrade` or `bookTicker` whose price or quantity is not a plain decimal is not a record.
 * Fields a record does not need (e.g. a trade's buyer and seller order ids) are tolerated.
 *
 * @module
 */
import type { PriceLevel } from "../binance/types.ts";
import type { RecordingRecord } from "./records.ts";

/** A record of a type this version does not know. */
export interface UnknownRecord {
  type: "unknown";
  /** The type the line names. */
  name: string;
}

/** A checked record, or an unknown one. */
export type ParsedRecord = RecordingRecord | UnknownRecord;

const KNOWN = new Set([
  "header",
  "snapshot",
  "depthUpdate",
  "gap",
  "clock",
  "trade",
  "aggTrade",
  "bookTicker",
]);

/** At most this many characters of a line or value are quoted in a message. */
const SAMPLE = 80;

function clip(text: string): string {
  return text.length > SAMPLE ? `${text.slice(0, SAMPLE)}…` : text;
}

function sample(text: string): string {
  return JSON.stringify(clip(text));
}

/** Parses and checks one line; returns the record or an error message. */
export function parseRecordLine(text: string): ParsedRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `Line is not JSON: ${sample(text)}`;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return `Line is not a JSON object: ${sample(text)}`;
  }
  const r = value as Record<string, unknown>;
  const type = r.type;
  if (typeof type !== "string") return `Line has no "type": ${sample(text)}`;
  if (!KNOWN.has(type)) return { type: "unknown", name: type };
  const missing = missingField(type, r);
  if (missing !== undefined) return `Record "${type}" lacks a valid "${missing}": ${sample(text)}`;
  if (type === "snapshot") {
    for (const side of ["bids", "asks"]) {
      const why = levelsProblem(r[side] as PriceLevel[]);
      if (why !== undefined) return `Record "snapshot" lacks a valid "${side}" (${why})`;
    }
  }
  return value as RecordingRecord;
}

/** True for an update id: a safe, non-negative integer. */
function isId(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** True for an array of `[price, quantity]` pairs of strings (the values are not checked). */
function isLevels(value: unknown): value is PriceLevel[] {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const level: unknown = value[i];
    if (
      !Array.isArray(level) || level.length !== 2 || typeof level[0] !== "string" ||
      typeof level[1] !== "string"
    ) return false;
  }
  return true;
}

const isString = (value: unknown) => typeof value === "string";
const isNumber = (value: unknown) => typeof value === "number";
const isFiniteNumber = (value: unknown) => typeof value === "number" && Number.isFinite(value);
const isDecimalString = (value: unknown) => typeof value === "string" && isDecimal(value);
const isBoolean = (value: unknown) => typeof value === "boolean";
const isOptional = (value: unknown, check: (value: unknown) => boolean) =>
  value === undefined || check(value);

/** The first of a trade's or aggTrade's common fields that is missing or of the wrong type. */
function missingTradeField(r: Record<string, unknown>): string | undefined {
  if (!isFiniteNumber(r.E)) return "E";
  if (!isDecimalString(r.p)) return "p";
  if (!isDecimalString(r.q)) return "q";
  if (!isFiniteNumber(r.T)) return "T";
  if (!isBoolean(r.m)) return "m";
  if (!isOptional(r.M, isBoolean)) return "M";
  return undefined;
}

/** The first field of `r` (a record of known `type`) that is missing or of the wrong type. */
function missingField(type: string, r: Record<string, unknown>): string | undefined {
  // recv is not used by the checks; any JSON number will do (the scanner takes any).
  if (!isNumber(r.recv)) return "recv";
  switch (type) {
    case "depthUpdate":
      if (!isFiniteNumber(r.E)) return "E";
      if (!isId(r.U)) return "U";
      if (!isId(r.u) || r.u < r.U) return "u";
      if (!isOptional(r.T, isFiniteNumber)) return "T";
      if (!isOptional(r.pu, isId)) return "pu";
      if (!isLevels(r.b)) return "b";
      if (!isLevels(r.a)) return "a";
      return undefined;
    case "snapshot":
      if (!isId(r.lastUpdateId)) return "lastUpdateId";
      if (!isOptional(r.E, isFiniteNumber)) return "E";
      if (!isOptional(r.T, isFiniteNumber)) return "T";
      if (!isLevels(r.bids)) return "bids";
      if (!isLevels(r.asks)) return "asks";
      if (r.source !== "rest" && r.source !== "book") return "source";
      return undefined;
    case "header":
      for (const key of ["exchange", "market", "symbol", "date", "collector", "stream"]) {
        if (!isString(r[key])) return key;
      }
      if (!isNumber(r.format)) return "format";
      if (r.market !== "spot" && r.market !== "usdm") return "market";
      return undefined;
    case "gap":
      if (r.lastUpdateId !== null && !isId(r.lastUpdateId)) return "lastUpdateId";
      if (!isString(r.reason)) return "reason";
      if (r.detail !== undefined && !isString(r.detail)) return "detail";
      return undefined;
    case "trade":
      if (!isId(r.t)) return "t";
      if (!isOptional(r.b, isId)) return "b";
      if (!isOptional(r.a, isId)) return "a";
      return missingTradeField(r);
    case "aggTrade":
      if (!isId(r.a)) return "a";
      if (!isId(r.f)) return "f";
      if (!isId(r.l) || r.l < r.f) return "l";
      return missingTradeField(r);
    case "bookTicker":
      if (!isId(r.u)) return "u";
      for (const key of ["b", "B", "a", "A"]) if (!isDecimalString(r[key])) return key;
      return undefined;
    case "clock":
      if (!isFiniteNumber(r.serverTime)) return "serverTime";
      if (!isFiniteNumber(r.offsetMs)) return "offsetMs";
      if (!isFiniteNumber(r.rttMs)) return "rttMs";
      return undefined;
    default:
      return undefined;
  }
}

/**
 * True for a plain decimal string, the only spelling the exchange uses for prices and quantities
 * (`"61837.63000000"`, `"27"`): digits, optionally a `.` and more digits, and a finite value. No
 * sign, exponent, space or hex (which `Number` would take). The same strings as the scanner's
 * `DEC` (`depth_scan.wat`), which only bounds their length further.
 */
export function isDecimal(text: string): boolean {
  const length = text.length;
  let i = 0;
  let c = 0;
  for (; i < length; i++) {
    c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
  }
  if (i === 0) return false;
  if (i < length) {
    if (c !== 46 || i === length - 1) return false; // only a '.' followed by digits
    for (i++; i < length; i++) {
      c = text.charCodeAt(i);
      if (c < 48 || c > 57) return false;
    }
  }
  // Beyond 308 digits a value may not be finite.
  return length < 300 || Number.isFinite(Number(text));
}

/**
 * Why the levels of an event or snapshot cannot be applied: the first price or quantity that is
 * not a plain decimal ({@linkcode isDecimal}), named; `undefined` when every one is.
 */
export function levelsProblem(levels: readonly PriceLevel[]): string | undefined {
  for (let i = 0; i < levels.length; i++) {
    const [price, quantity] = levels[i]!;
    if (!isDecimal(price)) return `Invalid price ${sample(price)}: expected a decimal string`;
    if (!isDecimal(quantity)) {
      return `Invalid quantity ${sample(quantity)}: expected a decimal string`;
    }
  }
  return undefined;
}
