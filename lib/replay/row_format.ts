/**
 * Book rows as CSV (one column per level field, for pandas/DuckDB) or JSON lines; with trades
 * (`replay --with-trades`), a `row` column (`book` or `trade`) and the trade's columns after the
 * levels, empty in book rows (and the book's empty in trade rows).
 *
 * @module
 */
import type { BookRow } from "./book_rows.ts";
import type { TradeRow } from "./trade_rows.ts";

/** The trade columns of `replay --with-trades`, after the levels. */
const TRADE_COLUMNS = ["trade_id", "trade_px", "trade_qty", "buyer_maker"];

/** Output formats of `collector replay`. */
export type RowFormat = "csv" | "jsonl";

/** The CSV header line for `depth` levels (no newline); `trades`: with the trade columns. */
export function csvHeader(depth: number, trades = false): string {
  const cols = trades ? ["time", "time_ms", "row", "update_id", "resync"] : [
    "time",
    "time_ms",
    "update_id",
    "resync",
  ];
  for (const side of ["bid", "ask"]) {
    for (let i = 1; i <= depth; i++) cols.push(`${side}${i}_px`, `${side}${i}_qty`);
  }
  if (trades) cols.push(...TRADE_COLUMNS);
  return cols.join(",");
}

/**
 * One book row as a CSV line (no newline); missing levels are empty cells. `trades`: the line of
 * `csvHeader(depth, true)`, trade cells empty.
 */
export function csvLine(row: BookRow, depth: number, trades = false): string {
  const time = `${new Date(row.time).toISOString()},${row.time}`;
  let out = `${time},${trades ? "book," : ""}${row.updateId},${row.resync}`;
  for (const side of [row.bids, row.asks]) {
    for (let i = 0; i < depth; i++) {
      const level = side[i];
      out += level ? `,${level[0]},${level[1]}` : ",,";
    }
  }
  return trades ? `${out}${",".repeat(TRADE_COLUMNS.length)}` : out;
}

/** One trade as a CSV line of `csvHeader(depth, true)` (no newline), the book's cells empty. */
export function tradeCsvLine(row: TradeRow, depth: number): string {
  const empty = ",".repeat(2 + 4 * depth);
  return `${new Date(row.time).toISOString()},${row.time},trade${empty},${row.id},` +
    `${row.price},${row.quantity},${row.buyerMaker}`;
}

/** One row as a JSON line (no newline); `trades`: with `"row": "book"`. */
export function jsonLine(row: BookRow, trades = false): string {
  return JSON.stringify({
    time: new Date(row.time).toISOString(),
    time_ms: row.time,
    ...(trades ? { row: "book" } : {}),
    update_id: row.updateId,
    resync: row.resync,
    bids: row.bids,
    asks: row.asks,
  });
}

/** One trade as a JSON line (no newline). */
export function tradeJsonLine(row: TradeRow): string {
  return JSON.stringify({
    time: new Date(row.time).toISOString(),
    time_ms: row.time,
    row: "trade",
    trade_id: row.id,
    price: row.price,
    qty: row.quantity,
    buyer_maker: row.buyerMaker,
  });
}
