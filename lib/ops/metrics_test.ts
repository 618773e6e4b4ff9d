import assert from "node:assert/strict";
import { escapeLabelValue, formatValue, MetricsRegistry } from "./metrics.ts";

Deno.test("MetricsRegistry.render() writes counters and gauges in the 0.0.4 text format", () => {
  const r = new MetricsRegistry();
  const events = r.counter("events_total", "Diff events received.", {
    labelNames: ["connection", "symbol"],
  });
  const gaps = r.counter("gaps_total", "Gaps recorded.");
  const inSync = r.gauge("symbols_in_sync", "Symbols whose book is in sync.");
  events.inc({ connection: "1", symbol: "BTCUSDT" });
  events.inc({ symbol: "ETHUSDT", connection: "1" }, 5);
  events.inc({ connection: "1", symbol: "BTCUSDT" }, 2);
  inSync.set({}, 2);
  assert.equal(gaps.value(), 0);
  assert.equal(
    r.render(),
    [
      "# HELP collector_events_total Diff events received.",
      "# TYPE collector_events_total counter",
      'collector_events_total{connection="1",symbol="BTCUSDT"} 3',
      'collector_events_total{connection="1",symbol="ETHUSDT"} 5',
      "# HELP collector_gaps_total Gaps recorded.",
      "# TYPE collector_gaps_total counter",
      "collector_gaps_total 0",
      "# HELP collector_symbols_in_sync Symbols whose book is in sync.",
      "# TYPE collector_symbols_in_sync gauge",
      "collector_symbols_in_sync 2",
      "",
    ].join("\n"),
  );
});

Deno.test("MetricsRegistry.render() escapes label values and help text", () => {
  const r = new MetricsRegistry();
  const g = r.gauge("weird", 'Help with \\ backslash, "quotes"\nand a newline.', {
    labelNames: ["v"],
  });
  g.set({ v: 'a\\b"c\nd' }, -1.5);
  assert.equal(
    r.render(),
    '# HELP collector_weird Help with \\\\ backslash, "quotes"\\nand a newline.\n' +
      "# TYPE collector_weird gauge\n" +
      'collector_weird{v="a\\\\b\\"c\\nd"} -1.5\n',
  );
  assert.equal(escapeLabelValue('\\"\n'), '\\\\\\"\\n');
});

Deno.test("MetricsRegistry.render() calls scrape-time callbacks each time", () => {
  const r = new MetricsRegistry();
  let n = 0;
  r.gaugeFunc("uptime_seconds", "Seconds since start.", () => ++n);
  r.counterFunc(
    "bytes_written_total",
    "Bytes written.",
    () => [{ labels: { symbol: "BTCUSDT" }, value: 1e21 }, { labels: { symbol: "X" }, value: 7 }],
    { labelNames: ["symbol"] },
  );
  const text = [
    "# HELP collector_uptime_seconds Seconds since start.",
    "# TYPE collector_uptime_seconds gauge",
    "collector_uptime_seconds 1",
    "# HELP collector_bytes_written_total Bytes written.",
    "# TYPE collector_bytes_written_total counter",
    'collector_bytes_written_total{symbol="BTCUSDT"} 1e+21',
    'collector_bytes_written_total{symbol="X"} 7',
    "",
  ].join("\n");
  assert.equal(r.render(), text);
  assert.equal(r.render(), text.replace("seconds 1\n", "seconds 2\n"));
});

Deno.test("MetricsRegistry.render() leaves out a callback that throws and renders the rest", () => {
  const errors: string[] = [];
  const r = new MetricsRegistry({ onCollectError: (name, e) => errors.push(`${name}: ${e}`) });
  r.gaugeFunc("broken", "Throws.", () => {
    throw new Error("boom");
  });
  r.gaugeFunc("bad_labels", "Wrong labels.", () => [{ labels: { x: "1" }, value: 1 }]);
  r.gauge("fine", "Fine.").set({}, 1);
  assert.equal(
    r.render(),
    "# HELP collector_broken Throws.\n# TYPE collector_broken gauge\n" +
      "# HELP collector_bad_labels Wrong labels.\n# TYPE collector_bad_labels gauge\n" +
      "# HELP collector_fine Fine.\n# TYPE collector_fine gauge\ncollector_fine 1\n",
  );
  assert.equal(errors.length, 2);
  assert.match(errors[0]!, /collector_broken: Error: boom/);
  assert.match(errors[1]!, /Invalid labels/);
});

Deno.test("MetricsRegistry rejects bad names, duplicates, wrong labels and negative increments", () => {
  const r = new MetricsRegistry();
  assert.throws(() => r.counter("bad-name", "x"), /Invalid metric name "bad-name"/);
  assert.throws(() => r.gauge("g", "x", { labelNames: ["__x"] }), /Invalid label name "__x"/);
  assert.throws(() => r.gauge("g", "x", { labelNames: ["a", "a"] }), /Duplicate label name/);
  const c = r.counter("c_total", "x", { labelNames: ["symbol"] });
  assert.throws(() => r.gauge("c_total", "x"), /already registered/);
  assert.throws(() => c.inc({}), /Invalid labels \{\} for metric "collector_c_total"/);
  assert.throws(() => c.inc({ symbol: "A", extra: "B" }), TypeError);
  assert.throws(() => c.inc({ symbol: "A" }, -1), /Invalid counter increment -1/);
  assert.throws(() => c.inc({ symbol: "A" }, Number.NaN), RangeError);
  assert.equal(c.value({ symbol: "A" }), 0);
});

Deno.test("Gauge.remove() drops a series and add() moves it", () => {
  const r = new MetricsRegistry();
  const g = r.gauge("book_levels", "Levels.", { labelNames: ["symbol", "side"] });
  g.set({ symbol: "A", side: "bid" }, 10);
  g.add({ symbol: "A", side: "bid" }, -3);
  g.set({ symbol: "B", side: "ask" }, 1);
  assert.equal(g.value({ symbol: "A", side: "bid" }), 7);
  g.remove({ symbol: "B", side: "ask" });
  assert.equal(
    r.render(),
    "# HELP collector_book_levels Levels.\n# TYPE collector_book_levels gauge\n" +
      'collector_book_levels{symbol="A",side="bid"} 7\n',
  );
});

Deno.test("formatValue() writes NaN and infinities as Prometheus spells them", () => {
  assert.equal(formatValue(Number.NaN), "NaN");
  assert.equal(formatValue(Number.POSITIVE_INFINITY), "+Inf");
  assert.equal(formatValue(Number.NEGATIVE_INFINITY), "-Inf");
  assert.equal(formatValue(0.25), "0.25");
  assert.equal(formatValue(-0), "0");
});
