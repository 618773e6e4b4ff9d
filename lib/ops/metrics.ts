/**
 * A tiny metrics registry: counters and gauges with labels, and metrics computed on scrape through
 * callbacks, rendered in the Prometheus text exposition format 0.0.4. Every name gets the
 * `collector_` prefix. Metrics render in registration order, series in first-use order, labels in
 * the order the metric declared them.
 *
 * @module
 */

/** Label values of one series, by label name. */
export type Labels = Readonly<Record<string, string>>;

/** One sample produced by a callback: its labels and value. */
export interface Sample {
  /** Label values; must name exactly the metric's declared labels. */
  labels: Labels;
  /** The value. */
  value: number;
}

/** What a scrape-time callback returns: one value (no labels) or one sample per series. */
export type Collected = number | readonly Sample[];

/** Options of a metric. */
export interface MetricOptions {
  /** Names of the labels every series carries; none by default. */
  labelNames?: readonly string[];
}

/** Content type of {@linkcode MetricsRegistry.render}'s output. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Prefix of every metric name. */
export const METRIC_PREFIX = "collector_";

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type MetricType = "counter" | "gauge";

interface Metric {
  name: string;
  help: string;
  type: MetricType;
  labelNames: readonly string[];
  series: Map<string, { labels: Labels; value: number }>;
  collect?: () => Collected;
}

/** Escapes a label value: backslash, double quote and newline. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Escapes HELP text: backslash and newline. */
export function escapeHelp(help: string): string {
  return help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** A number as the text format writes it (`NaN`, `+Inf`, `-Inf`, or JavaScript's shortest form). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function checkLabels(metric: Metric, labels: Labels): string {
  const keys = Object.keys(labels);
  const ok = keys.length === metric.labelNames.length &&
    metric.labelNames.every((n) => typeof labels[n] === "string");
  if (!ok) {
    throw new TypeError(
      `Invalid labels ${JSON.stringify(labels)} for metric "${metric.name}": expected ${
        JSON.stringify(metric.labelNames)
      }`,
    );
  }
  return JSON.stringify(metric.labelNames.map((n) => labels[n]));
}

function seriesOf(metric: Metric, labels: Labels): { labels: Labels; value: number } {
  const key = checkLabels(metric, labels);
  let s = metric.series.get(key);
  if (!s) {
    s = { labels: { ...labels }, value: 0 };
    metric.series.set(key, s);
  }
  return s;
}

/** A monotonically increasing count. */
export class Counter {
  readonly #metric: Metric;
  /** Wraps a registered metric; use {@linkcode MetricsRegistry.counter}. */
  constructor(metric: Metric) {
    this.#metric = metric;
  }
  /** Adds `n` (default 1, never negative) to the series with `labels`. */
  inc(labels: Labels = {}, n = 1): void {
    if (!(n >= 0)) throw new RangeError(`Invalid counter increment ${n}: expected 0 or more`);
    seriesOf(this.#metric, labels).value += n;
  }
  /** Current value of the series with `labels` (0 if never used). */
  value(labels: Labels = {}): number {
    return this.#metric.series.get(checkLabels(this.#metric, labels))?.value ?? 0;
  }
}

/** A value that goes up and down. */
export class Gauge {
  readonly #metric: Metric;
  /** Wraps a registered metric; use {@linkcode MetricsRegistry.gauge}. */
  constructor(metric: Metric) {
    this.#metric = metric;
  }
  /** Sets the series with `labels` to `value`. */
  set(labels: Labels, value: number): void {
    seriesOf(this.#metric, labels).value = value;
  }
  /** Adds `n` (may be negative) to the series with `labels`. */
  add(labels: Labels, n: number): void {
    seriesOf(this.#metric, labels).value += n;
  }
  /** Removes the series with `labels` (e.g. a symbol no longer recorded). */
  remove(labels: Labels): void {
    this.#metric.series.delete(checkLabels(this.#metric, labels));
  }
  /** Current value of the series with `labels` (0 if never set). */
  value(labels: Labels = {}): number {
    return this.#metric.series.get(checkLabels(this.#metric, labels))?.value ?? 0;
  }
}

/** Holds metrics and renders them for `/metrics`. */
export class MetricsRegistry {
  readonly #metrics = new Map<string, Metric>();
  readonly #onCollectError: (name: string, error: unknown) => void;

  /**
   * Creates an empty registry. `onCollectError` hears about a callback that threw; that metric's
   * samples are left out of the scrape and the rest still render.
   */
  constructor(options: { onCollectError?: (name: string, error: unknown) => void } = {}) {
    this.#onCollectError = options.onCollectError ?? (() => {});
  }

  #register(
    name: string,
    help: string,
    type: MetricType,
    options: MetricOptions,
    collect?: () => Collected,
  ): Metric {
    const full = METRIC_PREFIX + name;
    if (!NAME.test(full)) throw new TypeError(`Invalid metric name "${name}"`);
    if (this.#metrics.has(full)) throw new TypeError(`Metric "${full}" is already registered`);
    const labelNames = [...(options.labelNames ?? [])];
    for (const l of labelNames) {
      if (!LABEL.test(l) || l.startsWith("__")) {
        throw new TypeError(`Invalid label name "${l}" for metric "${full}"`);
      }
    }
    if (new Set(labelNames).size !== labelNames.length) {
      throw new TypeError(`Duplicate label name in ${JSON.stringify(labelNames)} for "${full}"`);
    }
    const metric: Metric = { name: full, help, type, labelNames, series: new Map() };
    if (collect) metric.collect = collect;
    // A metric without labels exists from the start, at 0, so rates and alerts see it.
    else if (labelNames.length === 0) seriesOf(metric, {});
    this.#metrics.set(full, metric);
    return metric;
  }

  /** Registers a counter `collector_<name>`; conventionally `name` ends in `_total`. */
  counter(name: string, help: string, options: MetricOptions = {}): Counter {
    return new Counter(this.#register(name, help, "counter", options));
  }

  /** Registers a gauge `collector_<name>`. */
  gauge(name: string, help: string, options: MetricOptions = {}): Gauge {
    return new Gauge(this.#register(name, help, "gauge", options));
  }

  /** Registers a gauge whose samples `collect` computes at each scrape. */
  gaugeFunc(
    name: string,
    help: string,
    collect: () => Collected,
    options: MetricOptions = {},
  ): void {
    this.#register(name, help, "gauge", options, collect);
  }

  /** Registers a counter whose samples `collect` computes at each scrape (kept elsewhere). */
  counterFunc(
    name: string,
    help: string,
    collect: () => Collected,
    options: MetricOptions = {},
  ): void {
    this.#register(name, help, "counter", options, collect);
  }

  /** The exposition text of every metric, `\n`-terminated. */
  render(): string {
    let out = "";
    for (const metric of this.#metrics.values()) {
      out += `# HELP ${metric.name} ${escapeHelp(metric.help)}\n`;
      out += `# TYPE ${metric.name} ${metric.type}\n`;
      let samples: Iterable<{ labels: Labels; value: number }> = metric.series.values();
      if (metric.collect) {
        try {
          samples = this.#collect(metric);
        } catch (error) {
          this.#onCollectError(metric.name, error);
          continue;
        }
      }
      for (const s of samples) {
        const labels = metric.labelNames.map((n) => `${n}="${escapeLabelValue(s.labels[n]!)}"`);
        const braces = labels.length > 0 ? `{${labels.join(",")}}` : "";
        out += `${metric.name}${braces} ${formatValue(s.value)}\n`;
      }
    }
    return out;
  }

  #collect(metric: Metric): Sample[] {
    const got = metric.collect!();
    const samples = typeof got === "number" ? [{ labels: {}, value: got }] : [...got];
    for (const s of samples) {
      checkLabels(metric, s.labels);
      if (typeof s.value !== "number") {
        throw new TypeError(`Invalid value ${JSON.stringify(s.value)} for "${metric.name}"`);
      }
    }
    return samples;
  }
}
