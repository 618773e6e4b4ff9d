/**
 * Assembles a {@linkcode LiveView} for the HTTP endpoint from what the collector has: a metrics
 * registry, a function giving the health policy's input, and a function reading a book. The
 * health policy (`health.ts`) is applied here, at request time.
 *
 * @module
 */
import { evaluateHealth, type HealthInput, type HealthPolicy } from "./health.ts";
import type { BookView, LiveView } from "./http_server.ts";
import type { MetricsRegistry } from "./metrics.ts";

/** What {@linkcode createLiveView} reads. */
export interface LiveViewParts {
  /** Rendered for `/metrics`. */
  registry: MetricsRegistry;
  /** The current state, judged by the health policy for `/health`. */
  healthInput(): HealthInput;
  /** The top `depth` levels of `symbol`, or why there are none (see {@linkcode LiveView.book}). */
  book(symbol: string, depth: number): BookView | "unknown" | "out-of-sync";
  /** Overrides of the default health policy. */
  policy?: Partial<HealthPolicy>;
  /** Current time, epoch ms. Default `Date.now`. */
  now?: () => number;
}

/** A live view over the collector's parts. */
export function createLiveView(parts: LiveViewParts): LiveView {
  const now = parts.now ?? Date.now;
  return {
    metricsText: () => parts.registry.render(),
    health: () => evaluateHealth(parts.healthInput(), now(), parts.policy ?? {}),
    book: (symbol, depth) => parts.book(symbol, depth),
  };
}
