/**
 * Book rows as CSV (one column per level field, for pandas/DuckDB) or JSON lines.
 *
 * @module
 */
import type { BookRow } from "./book_rows.ts";

/** Output formats of `collector replay`. */
export type RowFormat = "csv" | "jsonl";

/** The CSV header line for `depth` levels (no newline). */
export function csvHeader(depth: number): string {
  const cols = ["time", "time_ms", "update_id", "resync"];
  for (const side of ["bid", "ask"]) {
    for (let i = 1; i <= depth; i++) cols.push(`${side}${i}_px`, `${side}${i}_qty`);
  }
  return cols.join(",");
}

/** One row as a CSV line (no newline); missing levels are empty cells. */
export function csvLine(row: BookRow, depth: number): string {
  let out = `${new Date(row.time).toISOString()},${row.time},${row.updateId},${row.resync}`;
  for (const side of [row.bids, row.asks]) {
    for (let i = 0; i < depth; i++) {
      const level = side[i];
      out += level ? `,${level[0]},${level[1]}` : ",,";
    }
  }
  return out;
}

/** One row as a JSON line (no newline). */
export function jsonLine(row: BookRow): string {
  return JSON.stringify({
    time: new Date(row.time).toISOString(),
    time_ms: row.time,
    update_id: row.updateId,
    resync: row.resync,
    bids: row.bids,
    asks: row.asks,
  });
}
