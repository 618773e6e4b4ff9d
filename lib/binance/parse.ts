/**
 * Where a frame is parsed: text from the socket or a REST body becomes a typed, validated value.
 *
 * Validation is deliberately shallow but sufficient for the sync rules: ids are safe integers,
 * level arrays are arrays of two strings. A frame that fails is a {@linkcode FrameError}, which
 * callers count and log, never treat as fatal.
 *
 * @module
 */
import type { BookTicker, CombinedFrame, DepthSnapshot, DepthUpdate, PriceLevel } from "./types.ts";

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

/** Checks that `data` is a well-formed `depthUpdate` event; throws {@linkcode FrameError}. */
export function asDepthUpdate(data: unknown): DepthUpdate {
  const d = data as DepthUpdate;
  if (
    typeof d !== "object" || d === null || d.e !== "depthUpdate" || typeof d.s !== "string" ||
    !isId(d.U) || !isId(d.u) || d.U > d.u || typeof d.E !== "number" || !isLevels(d.b) ||
    !isLevels(d.a)
  ) {
    throw new FrameError(
      `Malformed depthUpdate event: ${JSON.stringify(sampleOf(JSON.stringify(data) ?? ""))}`,
    );
  }
  return d;
}

/** Checks that `data` is a well-formed `bookTicker` event; throws {@linkcode FrameError}. */
export function asBookTicker(data: unknown): BookTicker {
  const d = data as BookTicker;
  if (
    typeof d !== "object" || d === null || !isId(d.u) || typeof d.s !== "string" ||
    typeof d.b !== "string" || typeof d.B !== "string" || typeof d.a !== "string" ||
    typeof d.A !== "string"
  ) {
    throw new FrameError(
      `Malformed bookTicker event: ${JSON.stringify(sampleOf(JSON.stringify(data) ?? ""))}`,
    );
  }
  return d;
}

/** Parses and checks a REST depth snapshot body; throws {@linkcode FrameError}. */
export function parseDepthSnapshot(text: string): DepthSnapshot {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FrameError(`Cannot parse depth snapshot as JSON: ${JSON.stringify(sampleOf(text))}`);
  }
  const s = value as DepthSnapshot;
  if (
    typeof s !== "object" || s === null || !isId(s.lastUpdateId) || !isLevels(s.bids) ||
    !isLevels(s.asks)
  ) {
    throw new FrameError(`Malformed depth snapshot: ${JSON.stringify(sampleOf(text))}`);
  }
  return { lastUpdateId: s.lastUpdateId, bids: s.bids, asks: s.asks };
}
