/**
 * One line of a recording as a checked record: the fields replay needs are present and typed.
 * Types this version does not know are returned as {@linkcode UnknownRecord} (readers skip them).
 *
 * @module
 */
import { isId, isLevels } from "../binance/parse.ts";
import type { RecordingRecord } from "../storage/records.ts";

/** A record of a type this version does not know. */
export interface UnknownRecord {
  type: "unknown";
  /** The type the line names. */
  name: string;
}

/** A checked record, or an unknown one. */
export type ParsedRecord = RecordingRecord | UnknownRecord;

const KNOWN = new Set(["header", "snapshot", "depthUpdate", "gap", "clock"]);

function sample(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
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
  return value as RecordingRecord;
}

function missingField(type: string, r: Record<string, unknown>): string | undefined {
  switch (type) {
    case "depthUpdate":
      if (typeof r.E !== "number" || !Number.isFinite(r.E)) return "E";
      if (!isId(r.U)) return "U";
      if (!isId(r.u) || r.u < r.U) return "u";
      if (!isLevels(r.b)) return "b";
      if (!isLevels(r.a)) return "a";
      return undefined;
    case "snapshot":
      if (!isId(r.lastUpdateId)) return "lastUpdateId";
      if (!isLevels(r.bids)) return "bids";
      if (!isLevels(r.asks)) return "asks";
      if (r.source !== "rest" && r.source !== "book") return "source";
      return undefined;
    case "header":
      if (typeof r.symbol !== "string") return "symbol";
      if (typeof r.date !== "string") return "date";
      if (typeof r.format !== "number") return "format";
      return undefined;
    case "gap":
      if (r.lastUpdateId !== null && !isId(r.lastUpdateId)) return "lastUpdateId";
      if (typeof r.reason !== "string") return "reason";
      return undefined;
    default:
      return undefined;
  }
}
