/**
 * `collector verify PATH…`: proves recordings whole, or names where they are not.
 *
 * @module
 */
import { parseCommandArgs } from "../cli/args.ts";
import { EXIT_OK, UsageError } from "../util/errors.ts";
import { findRecordings } from "../verify/find_recordings.ts";
import { fileSummary, totalsLine } from "../verify/summary.ts";
import { verifyFiles } from "../verify/verify_files.ts";
import type { Command } from "./command.ts";

const HELP = `Usage: collector verify [--json] [--strict] [--cross-check] PATH…

Checks recording files (or directories, searched recursively for *.jsonl.gz). Each symbol's
files are replayed in date order with Binance's rules, and verify reports:
  - unmarked discontinuities (missing update ids with no gap record before them): file, line,
    event time and the missing id range;
  - marked gaps (gap record to next sync) with their span, and the day's coverage: the share of
    the UTC day during which the replayed book was in sync;
  - book snapshots that differ from the replayed book (the first difference), crossed books,
    event times going backwards or outside the file's day, a missing or wrong header, lines
    that are not JSON, lack fields or hold unusable values (a price that is not a decimal),
    duplicate, swapped or out-of-order events; no line stops the check of the rest;
  - torn or corrupt gzip (truncated member, bad CRC, garbage) with the byte offset; everything
    before it is still checked;
  - whether each day continues the day before, and the manifest's SHA-256 and counts.
Trade, aggTrade and bookTicker files (<day>_trade.jsonl.gz, …) are checked too: trade ids
(t, or a for aggTrade) without unmarked holes, never repeated or going back, trade times T in
order and inside the file's day; a bookTicker's u never decreasing; header, gaps, coverage (the
share of the day covered by continuous stretches), manifest.
Memory stays bounded whatever the file size; lines longer than 64 MiB are reported and skipped.

Options:
  --json     print the whole report as JSON (shape in docs/FORMAT.md, "What verify checks")
  --strict   marked gaps fail too
  --cross-check
             compare each depth file's replayed book with the exchange's own best bid/ask: every
             bookTicker of the same symbol and day whose u is the book's update id at that point
             must have the book's best bid and ask price and quantity (by value); a
             disagreement is damage. Reports how many were checked and how many disagreed.
  -h, --help this help

Exit codes: 0 every file whole (marked gaps allowed unless --strict), 1 damage or an unmarked
discontinuity found, 2 a path cannot be read or is not a recording.`;

const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;

function progressBar(total: number): ((bytes: number) => void) | undefined {
  if (total < PROGRESS_MIN_BYTES || !Deno.stderr.isTerminal()) return undefined;
  let done = 0;
  let shown = 0;
  const encoder = new TextEncoder();
  return (bytes) => {
    done += bytes;
    const now = performance.now();
    if (now - shown < 200 && done < total) return;
    shown = now;
    const share = Math.min(1, done / total);
    const bar = "#".repeat(Math.round(share * 30)).padEnd(30, ".");
    const text = `\rverify [${bar}] ${(share * 100).toFixed(0).padStart(3)}% ` +
      `${(done / 1e6).toFixed(0)}/${(total / 1e6).toFixed(0)} MB${done >= total ? "\n" : ""}`;
    Deno.stderr.writeSync(encoder.encode(text));
  };
}

/** The `verify` subcommand. */
export const verifyCommand: Command = {
  name: "verify",
  summary: "check recordings: continuity, gaps, coverage, checkpoints, gzip integrity",
  help: HELP,
  async run(args) {
    const parsed = parseCommandArgs("verify", {
      args,
      options: {
        json: { type: "boolean" },
        strict: { type: "boolean" },
        "cross-check": { type: "boolean" },
      },
      allowPositionals: true,
      strict: true,
    });
    const paths = parsed.positionals;
    if (paths.length === 0) {
      throw new UsageError("verify needs at least one file or directory");
    }
    const strict = parsed.values.strict === true;
    const json = parsed.values.json === true;
    const files = await findRecordings(paths);
    const onProgress = progressBar(files.reduce((n, f) => n + f.bytes, 0));
    const report = await verifyFiles(files, {
      strict,
      crossCheck: parsed.values["cross-check"] === true,
      ...(onProgress ? { onProgress } : {}),
      ...(json ? {} : { onFile: (r) => console.log(fileSummary(r)) }),
    });
    if (json) console.log(JSON.stringify(report, null, 2));
    else console.log(totalsLine(report, strict));
    return report.exitCode === 0 ? EXIT_OK : report.exitCode;
  },
};
