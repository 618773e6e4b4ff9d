/**
 * `collector report DIR --date YYYY-MM-DD --out report.html`: one self-contained HTML page (or
 * `--json`) of a day's recordings, every symbol worst first.
 *
 * @module
 */
import { parseCommandArgs } from "../cli/args.ts";
import { dayFigures, isDate } from "../report/day_figures.ts";
import { renderReport } from "../report/report_html.ts";
import { EXIT_OK, EXIT_PROBLEM, InputError, UsageError } from "../util/errors.ts";
import type { Command } from "./command.ts";

const HELP = `Usage: collector report DIR --date YYYY-MM-DD [--out FILE] [--json]

Makes the day report of the recordings under DIR (searched recursively, every symbol's files of
that UTC day): one self-contained HTML page (no network needed to open it) with a summary line
and, per symbol, worst first, a timeline of the day in sync and in marked gaps (the reason on
hover), events per minute, the lag from event time to receipt (p50, p99), the file size, the
book checkpoints, what verify found, and the symbol's other files (trades, bookTicker).

Options:
  --date YYYY-MM-DD  the UTC day (required)
  --out FILE         where the page goes (default: report-YYYY-MM-DD.html); "-" for stdout
  --json             print the same figures as JSON instead of a page
  -h, --help         this help

Exit codes: 0 every file whole, 1 a file is damaged (the report is still written), 2 bad
arguments or no recording of that day.`;

/** The `report` subcommand. */
export const reportCommand: Command = {
  name: "report",
  summary: "a day's recordings as one HTML page (or JSON): coverage, gaps, rates, lag",
  help: HELP,
  async run(args) {
    const parsed = parseCommandArgs("report", {
      args,
      options: {
        date: { type: "string" },
        out: { type: "string" },
        json: { type: "boolean" },
      },
      allowPositionals: true,
      strict: true,
    });
    const [dir, ...extra] = parsed.positionals;
    if (dir === undefined) {
      throw new UsageError(
        "Missing the directory of the recordings: collector report DIR --date YYYY-MM-DD",
      );
    }
    if (extra.length > 0) {
      throw new UsageError(`Too many arguments "${extra.join(" ")}": report takes one directory`);
    }
    const date = parsed.values.date;
    if (date === undefined) {
      throw new UsageError("Missing --date YYYY-MM-DD: the UTC day to report on");
    }
    if (!isDate(date)) {
      throw new UsageError(`Invalid --date "${date}": expected a day written YYYY-MM-DD`);
    }
    const figures = await dayFigures(dir, date);
    if (parsed.values.json === true) {
      console.log(JSON.stringify(figures, null, 2));
    } else {
      const out = parsed.values.out ?? `report-${date}.html`;
      const page = renderReport(figures);
      if (out === "-") console.log(page);
      else {
        try {
          await Deno.writeTextFile(out, page);
        } catch (error) {
          throw new InputError(
            `Cannot write the report to "${out}": ${
              error instanceof Error ? error.message : error
            }`,
          );
        }
        const s = figures.summary;
        console.error(
          `report: ${s.symbols} symbols, ${s.files} files (${s.whole} whole, ${s.damaged} damaged, ` +
            `${s.gaps} gaps) → ${out}`,
        );
      }
    }
    return figures.summary.damaged > 0 ? EXIT_PROBLEM : EXIT_OK;
  },
};
