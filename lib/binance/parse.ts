/**
 * Where a frame is parsed: text from the socket or a REST body becomes a typed, validated value.
 *
 * Validation is shallow but sufficient for the sync rules and for what is recorded: ids are safe
 * integers, `U <= u`, and every level of an event or a snapshot is a pair of plain decimal strings
 * as the exchange writes them (`"61837.63000000"`; a price above zero). A frame or snapshot that
 * fails is a {@linkcode FrameError}, which callers count and log, never treat as fatal, and never
 * record: bad exchange input does not reach a day file.
 *
 * @module
 */
import type {
  AggTrade,
  BookTicker,
  CombinedFrame,
  DepthSnapshot,
  DepthUpdate,
  PriceLevel,
  Trade,
} from "./types.ts";

/** A frame or body that is not what the protocol says it should be. */
export class FrameError extends Error {
  /** Creates a frame error; `sample` is a short prefix of the offending text. */
  constructor(message: string, readonly sample: string = "") {
    super(message);
    this.name = "FrameError";
  }
}

function sampleOf(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

/** True for an update id: a safe, non-negative integer. */
export function isId(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** True for an array of `[price, quantity]` string pairs. */
export function isLevels(value: unknown): value is PriceLevel[] {
  if (!Array.isArray(value)) return false;
  for (const level of value) {
    if (
      !Array.isArray(level) || level.length < 2 || typeof level[0] !== "string" ||
      typeof level[1] !== "string"
    ) return false;
  }
  return true;
}

/** Longest price or quantity string accepted (the exchange's have at most 8 decimals). */
const MAX_DECIMAL_LENGTH = 40;

/**
 * True for a plain decimal string as the exchange writes prices and quantities: digits, and at
 * most one `.` with digits on both sides (`"0.00100000"`, `"27"`); no sign, exponent, space or
 * hex. With `positive`, zero (`"0.000"`) is refused too (a price).
 */
export function isDecimalString(value: unknown, positive = false): value is string {
  if (typeof value !== "string") return false;
  const length = value.length;
  if (length === 0 || length > MAX_DECIMAL_LENGTH) return false;
  let dot = -1;
  let nonZero = false;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c === 46) { // '.'
      if (dot !== -1 || i === 0 || i === length - 1) return false;
      dot = i;
    } else if (c >= 48 && c <= 57) {
      if (c !== 48) nonZero = true;
    } else return false;
  }
  return nonZero || !positive;
}

/**
 * True for an array of `[price, quantity]` pairs of decimal strings ({@linkcode isDecimalString}),
 * each price above zero: the levels of an event or snapshot the collector may record.
 */
export function isDecimalLevels(value: unknown): value is PriceLevel[] {
  if (!Array.isArray(value)) return false;
  for (const level of value) {
    if (
      !Array.isArray(level) || level.length !== 2 || !isDecimalString(level[0], true) ||
      !isDecimalString(level[1])
    ) return false;
  }
  return true;
}

/** The first level of `levels` that {@linkcode isDecimalLevels} refuses, for messages. */
function badLevel(levels: unknown): string {
  if (!Array.isArray(levels)) return `not an array: ${sampleOf(JSON.stringify(levels) ?? "")}`;
  const level = levels.find((l) => !isDecimalLevels([l]));
  return `level ${sampleOf(JSON.stringify(level) ?? "")}`;
}

/** Parses a combined-stream frame `{"stream": …, "data": …}`; throws {@linkcode FrameError}. */
export function parseCombinedFrame(text: string): CombinedFrame {
  return asCombinedFrame(parseFrameJson(text), text);
}

/** Parses a WebSocket message as JSON, any shape; throws {@linkcode FrameError}. */
export function parseFrameJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new FrameError(`Cannot parse frame as JSON: ${JSON.stringify(sampleOf(text))}`, text);
  }
}

/**
 * Checks that a parsed message (`value`, parsed from `text`) is a combined-stream frame
 * `{"stream": …, "data": …}`; throws {@linkcode FrameError}.
 */
export function asCombinedFrame(value: unknown, text: string): CombinedFrame {
  if (
    typeof value !== "object" || value === null ||
    typeof (value as CombinedFrame).stream !== "string" ||
    !("data" in value)
  ) {
    throw new FrameError(
      `Frame is not a combined-stream frame: ${JSON.stringify(sampleOf(text))}`,
      text,
    );
  }
  return value as CombinedFrame;
}

/**
 * Checks that `data` is a well-formed `depthUpdate` event, spot or futures (`pu`, when present, an
 * id; `T`, when present, a time); throws {@linkcode FrameError}.
 */
export function asDepthUpdate(data: unknown): DepthUpdate {
  const d = data as DepthUpdate;
  if (
    typeof d !== "object" || d === null || d.e !== "depthUpdate" || typeof d.s !== "string" ||
    !isId(d.U) || !isId(d.u) || d.U > d.u || typeof d.E !== "number" ||
    !Number.isFinite(d.E) || (d.pu !== undefined && !isId(d.pu)) ||
    (d.T !== undefined && !isTime(d.T)) || !isDecimalLevels(d.b) || !isDecimalLevels(d.a)
  ) {
    const levels = typeof d === "object" && d !== null && isLevels(d.b) && isLevels(d.a)
      ? ` (${badLevel(isDecimalLevels(d.b) ? d.a : d.b)})`
      : "";
    throw new FrameError(
      `Malformed depthUpdate event${levels}: ${
        JSON.stringify(sampleOf(JSON.stringify(data) ?? ""))
      }`,
    );
  }
  return d;
}

function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function malformed(kind: string, data: unknown): FrameError {
  return new FrameError(
    `Malformed ${kind} event: ${JSON.stringify(sampleOf(JSON.stringify(data) ?? ""))}`,
  );
}

/**
 * Checks that `data` is a well-formed `trade` event (ids safe integers, price above zero and
 * quantity plain decimals, `m` a boolean); throws {@linkcode FrameError}.
 */
export function asTrade(data: unknown): Trade {
  const d = data as Trade;
  if (
    typeof d !== "object" || d === null || d.e !== "trade" || typeof d.s !== "string" ||
    !isId(d.t) || !isTime(d.E) || !isTime(d.T) || !isDecimalString(d.p, true) ||
    !isDecimalString(d.q) || typeof d.m !== "boolean" ||
    (d.M !== undefined && typeof d.M !== "boolean")
  ) throw malformed("trade", data);
  return d;
}

/**
 * Checks that `data` is a well-formed `aggTrade` event (ids safe integers with `f <= l`, price
 * above zero and quantity plain decimals, `m` a boolean); throws {@linkcode FrameError}.
 */
export function asAggTrade(data: unknown): AggTrade {
  const d = data as AggTrade;
  if (
    typeof d !== "object" || d === null || d.e !== "aggTrade" || typeof d.s !== "string" ||
    !isId(d.a) || !isId(d.f) || !isId(d.l) || d.f > d.l || !isTime(d.E) || !isTime(d.T) ||
    !isDecimalString(d.p, true) || !isDecimalString(d.q) || typeof d.m !== "boolean" ||
    (d.M !== undefined && typeof d.M !== "boolean")
  ) throw malformed("aggTrade", data);
  return d;
}

/**
 * Checks that `data` is a well-formed `bookTicker` event (`u` a safe integer, prices and
 * quantities plain decimals); throws {@linkcode FrameError}.
 */
export function asBookTicker(data: unknown): BookTicker {
  const d = data as BookTicker;
  if (
    typeof d !== "object" || d === null || !isId(d.u) || typeof d.s !== "string" ||
    !isDecimalString(d.b) || !isDecimalString(d.B) || !isDecimalString(d.a) ||
    !isDecimalString(d.A)
  ) {
    throw new FrameError(
      `Malformed bookTicker event: ${JSON.stringify(sampleOf(JSON.stringify(data) ?? ""))}`,
    );
  }
  return d;
}

/**
 * Parses and checks a REST depth snapshot body, keeping the futures `E` and `T` when present;
 * throws {@linkcode FrameError}.
 */
export function parseDepthSnapshot(text: string): DepthSnapshot {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FrameError(`Cannot parse depth snapshot as JSON: ${JSON.stringify(sampleOf(text))}`);
  }
  const s = value as DepthSnapshot;
  if (
    typeof s !== "object" || s === null || !isId(s.lastUpdateId) || !isDecimalLevels(s.bids) ||
    !isDecimalLevels(s.asks) || (s.E !== undefined && !isTime(s.E)) ||
    (s.T !== undefined && !isTime(s.T))
  ) {
    const levels = typeof s === "object" && s !== null && isId(s.lastUpdateId)
      ? ` (${isDecimalLevels(s.bids) ? "asks" : "bids"}: ${
        badLevel(isDecimalLevels(s.bids) ? s.asks : s.bids)
      })`
      : "";
    throw new FrameError(`Malformed depth snapshot${levels}: ${JSON.stringify(sampleOf(text))}`);
  }
  const times = {
    ...(s.E !== undefined ? { E: s.E } : {}),
    ...(s.T !== undefined ? { T: s.T } : {}),
  };
  return { lastUpdateId: s.lastUpdateId, ...times, bids: s.bids, asks: s.asks };
}
