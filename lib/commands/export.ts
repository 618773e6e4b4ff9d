/**
 * `collector export PATH… --format csv --kind incremental --out FILE`: writes one symbol's book as
 * tardis.dev-style `incremental_book_L2` CSV (one row per level change), through the one replay of
 * `lib/recording/record_replay.ts`.
 *
 * @module
 */
import { parseCommandArgs } from "../cli/args.ts";
import { EXIT_OK, EXIT_PROBLEM, UsageError } from "../util/errors.ts";
import { type IncrementalRow, incrementalRows } from "../export/incremental_rows.ts";
import { writeAll } from "../storage/write_all.ts";
import { oneSymbolDepthFiles } from "./symbol_files.ts";
import type { Command } from "./command.ts";
import { SkipWarnings } from "./skip_warnings.ts";

const HELP = `Usage: collector export PATH… --out FILE [--format csv] [--kind incremental] [--quiet]

Rebuilds one symbol's order book from its day files (files or a directory; in date order) with
Binance's rules and writes every price level change as CSV in the columns of tardis.dev's
incremental_book_L2, plus a gap column:
  exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount,gap
timestamp is the exchange time E, local_timestamp the receive time, both in microseconds since
epoch; price and amount are the exchange's decimal strings (amount 0 removes the level). When the
book syncs from a snapshot the whole book is written as is_snapshot=true rows (a reader resets its
book when is_snapshot turns true); the first of them after a loss of sync (a gap, damage, a
restart) has gap=true. Nothing is written while the book is out of sync.
  --format F   csv (parquet is not available yet)
  --kind K     incremental (snapshot is not available yet)
  --out FILE   required
  --quiet      no progress lines on stderr

Exit codes: 0 done, 1 done but damage was skipped (warnings on stderr), 2 usage error.`;

function csvRow(exchange: string, symbol: string, r: IncrementalRow): string {
  return `${exchange},${symbol},${r.timestamp},${r.localTimestamp},${r.isSnapshot},` +
    `${r.side},${r.price},${r.amount},${r.gap}\n`;
}

/** The `export` subcommand. */
export const exportCommand: Command = {
  name: "export",
  summary: "write the book as tardis-style incremental_book_L2 CSV for research tools",
  help: HELP,
  async run(args) {
    const parsed = parseCommandArgs("export", {
      args,
      options: {
        format: { type: "string" },
        kind: { type: "string" },
        out: { type: "string" },
        quiet: { type: "boolean" },
      },
      allowPositionals: true,
      strict: true,
    });
    const v = parsed.values;
    if (parsed.positionals.length === 0) throw new UsageError("Export needs a file or directory");
    const format = v.format ?? "csv";
    if (format !== "csv") {
      throw new UsageError(`Invalid --format "${format}": only csv is available`);
    }
    const kind = v.kind ?? "incremental";
    if (kind !== "incremental") {
      throw new UsageError(`Invalid --kind "${kind}": only incremental is available`);
    }
    if (v.out === undefined) throw new UsageError("Export needs --out FILE");
    const files = await oneSymbolDepthFiles("Export", parsed.positionals);
    const first = files[0]!;
    const exchange = /(^|\/)usdm\//.test(first.path) ? "binance-futures" : "binance";
    const symbol = first.symbol;
    const totalBytes = files.reduce((n, f) => n + f.bytes, 0);
    const skipped = new SkipWarnings();
    const file = await Deno.open(v.out, { write: true, create: true, truncate: true });
    const encoder = new TextEncoder();
    const started = performance.now();
    let lastReport = started;
    let rowCount = 0;
    try {
      const write = (text: string) => writeAll(file, encoder.encode(text));
      await write("exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount,gap\n");
      for await (const batch of incrementalRows(files, { onSkip: skipped.warn })) {
        let text = "";
        for (const r of batch) text += csvRow(exchange, symbol, r);
        rowCount += batch.length;
        await write(text);
        const now = performance.now();
        if (!v.quiet && now - lastReport > 3000) {
          lastReport = now;
          const mb = totalBytes / 1e6;
          console.error(
            `export: ${rowCount} rows, ${((now - started) / 1000).toFixed(0)} s (input ${
              mb.toFixed(1)
            } MB)`,
          );
        }
      }
    } finally {
      file.close();
    }
    if (!v.quiet) {
      const s = (performance.now() - started) / 1000;
      console.error(
        `export: ${rowCount} rows in ${s.toFixed(1)} s, ${(totalBytes / 1e6 / s).toFixed(1)} MB/s`,
      );
    }
    skipped.summarize();
    return skipped.count > 0 ? EXIT_PROBLEM : EXIT_OK;
  },
};
