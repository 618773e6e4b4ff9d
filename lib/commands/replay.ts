/**
 * `collector replay PATH… --depth N`: rebuilds a symbol's book from its recordings and writes the
 * top N levels per side, after every event or on a time grid, as CSV or JSON lines.
 *
 * @module
 */
import { parseCommandArgs } from "../cli/args.ts";
import { EXIT_OK, EXIT_PROBLEM, UsageError } from "../util/errors.ts";
import { replayBookRows, type ReplayOptions } from "../replay/book_rows.ts";
import {
  csvHeader,
  csvLine,
  jsonLine,
  type RowFormat,
  tradeCsvLine,
  tradeJsonLine,
} from "../replay/row_format.ts";
import { interleaveRows, type ReplayRow, replayTradeRows } from "../replay/trade_rows.ts";
import type { RecordingFile } from "../verify/find_recordings.ts";
import { oneSymbolDepthFiles } from "./symbol_files.ts";
import type { Command } from "./command.ts";
import { SkipWarnings } from "./skip_warnings.ts";

const HELP = `Usage: collector replay PATH… --depth N [--every 100ms | --every-event]
                        [--format csv|jsonl] [--from T] [--to T] [--with-trades] [--out FILE]

Rebuilds one symbol's order book from its day files (files or a directory; taken in date order)
with Binance's rules and writes the best N levels per side:
  --depth N        levels per side (1-5000), required
  --every D        one row per D of exchange time E (e.g. 100ms, 1s, 5m): the book after every
                   event with E <= the row's time
  --every-event    one row after every applied event (the default)
  --format F       csv (default) or jsonl
  --from T, --to T only rows with from <= time < to; T is ISO 8601 or epoch milliseconds
  --with-trades    interleave the symbol's trades with the book rows by exchange time: every
                   trade of <day>_trade.jsonl.gz beside each day file (or of
                   <day>_aggTrade.jsonl.gz when the day has no trade file) at its trade time T,
                   whether the book is in sync or not; at equal times the book row comes first
  --out FILE       write there instead of stdout

Rows are written only while the book is in sync. After a gap, a discontinuity or damage the
book is rebuilt from the next snapshot, and the first row after that has resync=true: the rows
before and after it are not connected by continuous updates (a day file that continues the day
before at the same update id is not a resync).

Damage (a line that is not a valid record, levels that cannot be applied, torn gzip) is skipped
with a warning on stderr naming the file and line, and replay goes on: the book is out of sync
until the next snapshot. The output is still written in full.

CSV columns: time (ISO 8601, UTC), time_ms (epoch ms), update_id, resync (true/false),
bid1_px, bid1_qty, …, bidN_px, bidN_qty, ask1_px, ask1_qty, …, askN_qty. Prices and quantities
are the exchange's decimal strings; missing levels are empty cells. For pandas:
  pd.read_csv("book.csv", parse_dates=["time"])
JSON lines: {"time","time_ms","update_id","resync","bids":[[px,qty],…],"asks":[…]}.
With --with-trades, CSV gains a column row (book or trade) after time_ms and the columns
trade_id, trade_px, trade_qty, buyer_maker after the levels: a book row leaves the trade cells
empty, a trade row (trade_id the trade id t, or the aggregate id a) the book's. JSON lines gain
"row":"book" in book rows, and trades are {"time","time_ms","row":"trade","trade_id","price",
"qty","buyer_maker"}.

Exit codes: 0 done, 1 done but damage was skipped, 2 usage error or a path that cannot be read
or is not a recording.`;

function parseTime(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value)
    ? Number(value)
    : /^\d{4}-\d{2}-\d{2}/.test(value)
    ? Date.parse(value)
    : NaN;
  if (!Number.isFinite(ms)) {
    throw new UsageError(`Invalid --${name} "${value}": expected ISO 8601 or epoch milliseconds`);
  }
  return ms;
}

function parseEvery(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const ms = m ? Number(m[1]) * unit[m[2] as keyof typeof unit] : NaN;
  if (!(ms >= 1) || !Number.isInteger(ms)) {
    throw new UsageError(`Invalid --every "${value}": expected a duration like 100ms, 1s or 5m`);
  }
  return ms;
}

/** Writes text to a file or stdout in large blocks. */
class Output {
  #parts: string[] = [];
  #size = 0;
  readonly #file: Deno.FsFile | typeof Deno.stdout;
  readonly #encoder = new TextEncoder();

  constructor(file: Deno.FsFile | typeof Deno.stdout) {
    this.#file = file;
  }

  async line(text: string): Promise<void> {
    this.#parts.push(text, "\n");
    this.#size += text.length + 1;
    if (this.#size >= 256 * 1024) await this.flush();
  }

  async flush(): Promise<void> {
    let bytes = this.#encoder.encode(this.#parts.join(""));
    this.#parts = [];
    this.#size = 0;
    while (bytes.length > 0) bytes = bytes.subarray(await this.#file.write(bytes));
  }
}

/**
 * The trade files beside the day files `files`: each day's `_trade` file, or its `_aggTrade` file
 * when it has none, in date order.
 */
async function tradeFiles(files: readonly RecordingFile[]): Promise<RecordingFile[]> {
  const out: RecordingFile[] = [];
  for (const f of files) {
    for (const stream of ["trade", "aggTrade"] as const) {
      const path = `${f.dir}/${f.date}_${stream}.jsonl.gz`;
      const info = await Deno.stat(path).catch(() => null);
      if (info === null || !info.isFile) continue;
      out.push({ ...f, path, stream, bytes: info.size });
      break;
    }
  }
  return out;
}

/** The `replay` subcommand. */
export const replayCommand: Command = {
  name: "replay",
  summary: "rebuild the book from recordings; write top-N levels as CSV or JSON lines",
  help: HELP,
  async run(args) {
    const parsed = parseCommandArgs("replay", {
      args,
      options: {
        depth: { type: "string" },
        every: { type: "string" },
        "every-event": { type: "boolean" },
        format: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        out: { type: "string" },
        "with-trades": { type: "boolean" },
      },
      allowPositionals: true,
      strict: true,
    });
    const v = parsed.values;
    if (parsed.positionals.length === 0) throw new UsageError("replay needs a file or directory");
    if (v.depth === undefined) throw new UsageError("replay needs --depth N");
    const depth = Number(v.depth);
    if (!Number.isInteger(depth) || depth < 1 || depth > 5000) {
      throw new UsageError(`Invalid --depth "${v.depth}": expected an integer from 1 to 5000`);
    }
    if (v.every !== undefined && v["every-event"]) {
      throw new UsageError("Use either --every or --every-event, not both");
    }
    const format = (v.format ?? "csv") as RowFormat;
    if (format !== "csv" && format !== "jsonl") {
      throw new UsageError(`Invalid --format "${v.format}": expected csv or jsonl`);
    }
    const skipped = new SkipWarnings();
    const options: ReplayOptions = {
      depth,
      every: v.every === undefined ? "event" : parseEvery(v.every),
      onSkip: skipped.warn,
    };
    const from = parseTime("from", v.from);
    const to = parseTime("to", v.to);
    if (from !== undefined) options.from = from;
    if (to !== undefined) options.to = to;
    const files = await oneSymbolDepthFiles("replay", parsed.positionals);
    const withTrades = v["with-trades"] === true;
    const file = v.out === undefined
      ? Deno.stdout
      : await Deno.open(v.out, { write: true, create: true, truncate: true });
    try {
      const out = new Output(file);
      if (format === "csv") await out.line(csvHeader(depth, withTrades));
      const books = replayBookRows(files, options);
      const rows: AsyncIterable<ReplayRow[]> = withTrades
        ? interleaveRows(books, replayTradeRows(await tradeFiles(files), options))
        : books;
      for await (const batch of rows) {
        for (const row of batch) {
          if (row.kind === "trade") {
            await out.line(format === "csv" ? tradeCsvLine(row, depth) : tradeJsonLine(row));
          } else {
            await out.line(
              format === "csv" ? csvLine(row, depth, withTrades) : jsonLine(row, withTrades),
            );
          }
        }
      }
      await out.flush();
      skipped.summarize();
    } catch (error) {
      if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
    } finally {
      if (file !== Deno.stdout) (file as Deno.FsFile).close();
    }
    return skipped.count > 0 ? EXIT_PROBLEM : EXIT_OK;
  },
};
