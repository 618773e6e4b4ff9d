/**
 * The day report as one self-contained HTML page: inline CSS, plain SVG charts, a few lines of
 * script for the filter box; no network needed to open it. One row per symbol, worst first: a
 * timeline of the UTC day (in sync, marked gaps with their reason on hover, no data), events per
 * minute, lag, file size, checkpoints and problems.
 *
 * @module
 */
import { formatBytes } from "../util/format_bytes.ts";
import type { DayFigures, Stretch, SymbolFigures } from "./day_figures.ts";

const DAY_MS = 86_400_000;
/** Chart width in SVG units: one per minute of the day. */
const WIDTH = 1440;

/** `text` safe inside HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 19);
const ms = (x: number | null) => (x === null ? "–" : `${x} ms`);

function timelineSvg(stretches: readonly Stretch[], day: number): string {
  const x = (t: number) => ((t - day) / DAY_MS * WIDTH).toFixed(2);
  const w = (s: Stretch) => Math.max(0.5, (s.to - s.from) / DAY_MS * WIDTH).toFixed(2);
  const rects = stretches.map((s) => {
    const span = `${hhmm(s.from)}–${hhmm(s.to)} UTC`;
    const title = s.state === "gap" ? `gap: ${s.reason ?? ""} (${span})` : `in sync ${span}`;
    return `<rect class="${s.state}" x="${x(s.from)}" y="0" width="${w(s)}" height="16">` +
      `<title>${escapeHtml(title)}</title></rect>`;
  });
  const ticks = Array.from({ length: 23 }, (_, h) => {
    const at = ((h + 1) * 60).toString();
    return `<line class="tick" x1="${at}" x2="${at}" y1="0" y2="16"/>`;
  });
  return `<svg class="timeline" viewBox="0 0 ${WIDTH} 16" preserveAspectRatio="none" ` +
    `role="img" aria-label="in sync and gaps over the day">` +
    `<rect class="nodata" x="0" y="0" width="${WIDTH}" height="16"><title>no data</title></rect>` +
    `${rects.join("")}${ticks.join("")}</svg>`;
}

function rateSvg(perMinute: readonly number[]): string {
  const max = Math.max(1, ...perMinute);
  const points = perMinute.map((n, i) => `${i},${(30 - n / max * 28).toFixed(1)}`).join(" ");
  return `<svg class="rate" viewBox="0 0 ${WIDTH} 30" preserveAspectRatio="none" role="img" ` +
    `aria-label="events per minute"><title>events per minute, at most ${max}</title>` +
    `<polyline points="${points}"/></svg>`;
}

function row(s: SymbolFigures, day: number): string {
  const problems = s.problems.slice(0, 5).map((p) =>
    `<li>${escapeHtml(p.kind)}${p.line === undefined ? "" : ` (line ${p.line})`}: ${
      escapeHtml(p.message)
    }</li>`
  );
  const more = s.problemCount > problems.length
    ? `<li>… ${s.problemCount - problems.length} more</li>`
    : "";
  const streams = s.streams.map((x) =>
    `${escapeHtml(x.stream)} ${x.status === "damaged" ? "<b>damaged</b>" : "whole"} (${
      plural(x.events, "event")
    }, ${formatBytes(x.bytes)})`
  );
  const checkpoints = `${s.checkpointsMatched} matched` +
    (s.checkpointsDiffering > 0 ? `, <b>${s.checkpointsDiffering} differ</b>` : "");
  return `<section class="symbol ${s.status}" data-symbol="${escapeHtml(s.symbol)}">
<h2>${escapeHtml(s.symbol)} <span class="badge">${s.status}</span></h2>
<p class="figures">in sync ${pct(s.coverage)} of the day · ${plural(s.gaps.length, "gap")} · ${
    plural(s.events, "event")
  } · ${formatBytes(s.bytes)} · lag p50 ${ms(s.lagP50Ms)}, p99 ${
    ms(s.lagP99Ms)
  } · checkpoints ${checkpoints}${streams.length > 0 ? ` · ${streams.join(", ")}` : ""}</p>
${timelineSvg(s.timeline, day)}
${rateSvg(s.eventsPerMinute)}
${problems.length > 0 ? `<ul class="problems">${problems.join("")}${more}</ul>` : ""}
</section>`;
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; margin: 0 0 4px; }
.summary { font-size: 15px; margin: 0 0 16px; }
.legend span { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px;
  vertical-align: middle; }
section.symbol { border-top: 1px solid #ddd; padding: 8px 0; }
section.damaged h2 .badge { background: #c62828; }
h2 { font-size: 16px; margin: 0; }
.badge { font-size: 11px; color: #fff; background: #2e7d32; border-radius: 3px; padding: 1px 5px;
  vertical-align: middle; }
.figures { margin: 2px 0 4px; color: #444; }
svg.timeline { width: 100%; height: 16px; display: block; }
svg.rate { width: 100%; height: 30px; display: block; }
rect.nodata { fill: #e0e0e0; } rect.in-sync { fill: #43a047; } rect.gap { fill: #e53935; }
line.tick { stroke: #fff; stroke-width: 1; vector-effect: non-scaling-stroke; }
polyline { fill: none; stroke: #1e88e5; stroke-width: 1; vector-effect: non-scaling-stroke; }
.problems { color: #b71c1c; margin: 4px 0; }
#filter { margin: 0 0 8px; padding: 3px 6px; }
`;

const SCRIPT = `
const filter = document.getElementById("filter");
filter.addEventListener("input", () => {
  const text = filter.value.trim().toUpperCase();
  for (const s of document.querySelectorAll("section.symbol")) {
    s.hidden = text !== "" && !s.dataset.symbol.includes(text);
  }
});
`;

/** The page for `figures`. */
export function renderReport(figures: DayFigures): string {
  const day = Date.parse(`${figures.date}T00:00:00Z`);
  const s = figures.summary;
  const summary = `${plural(s.symbols, "symbol")}, ${plural(s.files, "file")}: ` +
    `${s.whole} whole, ${s.damaged} damaged · ` +
    `${plural(s.gaps, "gap")} · mean coverage ${pct(s.coverage)} · ${
      plural(s.events, "event")
    } · ` +
    formatBytes(s.bytes);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Recording report ${escapeHtml(figures.date)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Recording report, ${escapeHtml(figures.date)} (UTC)</h1>
<p class="summary" id="summary">${escapeHtml(summary)}</p>
<p class="legend">Timeline 00:00–24:00 UTC, a tick an hour:<span style="background:#43a047"></span>in sync<span style="background:#e53935"></span>marked gap (hover for the reason)<span style="background:#e0e0e0"></span>no data. Below it: events per minute.</p>
<input id="filter" type="search" placeholder="filter symbols" aria-label="filter symbols">
${figures.symbols.map((x) => row(x, day)).join("\n")}
<p class="generated">Made by collector report at ${escapeHtml(figures.generated)}.</p>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
