/**
 * The optional operations HTTP endpoint (`metricsAddr`, e.g. `127.0.0.1:9464`):
 *
 * - `GET /metrics`: Prometheus text format 0.0.4;
 * - `GET /health`: 200 when healthy, 503 otherwise, JSON body (see `health.ts` for the policy);
 * - `GET /book/<SYMBOL>?depth=N`: the live top `N` levels per side (default 20) with the book's
 *   update id; 404 for a symbol not recorded, 503 while out of sync, 400 for a bad symbol or depth.
 *
 * It reads everything through {@linkcode LiveView}, so it knows nothing of the collector. Binds to
 * 127.0.0.1 unless the address names another host; port 0 picks a free port.
 *
 * @module
 */
import type { PriceLevel } from "../binance/types.ts";
import type { HealthReport } from "./health.ts";
import { type Logger, silentLogger } from "../util/log.ts";
import { METRICS_CONTENT_TYPE } from "./metrics.ts";
import { parseListenAddr } from "../util/listen_addr.ts";
import { isSymbol, SYMBOL_EXPECTED } from "../util/symbol.ts";

/** A book as `/book` serves it: the best `depth` levels of each side. */
export interface BookView {
  /** Update id the book is at. */
  lastUpdateId: number;
  /** Bids, best (highest) first. */
  bids: PriceLevel[];
  /** Asks, best (lowest) first. */
  asks: PriceLevel[];
}

/** What the endpoint reads from the running collector. */
export interface LiveView {
  /** The exposition text for `/metrics`. */
  metricsText(): string;
  /** The health report for `/health` (normally `evaluateHealth(...)`). */
  health(): HealthReport;
  /** The top `depth` levels of `symbol` (upper case), or why there is none. */
  book(symbol: string, depth: number): BookView | "unknown" | "out-of-sync";
}

/** A running endpoint. */
export interface OpsServer {
  /** The bound address, `host:port` (`[v6]:port` for IPv6), with the actual port. */
  addr: string;
  /** Bound host name. */
  hostname: string;
  /** Bound port. */
  port: number;
  /** Stops listening and waits for requests in flight. */
  close(): Promise<void>;
}

/** Options of {@linkcode serveOps}. */
export interface ServeOpsOptions {
  /** Where request failures are logged. */
  logger?: Logger;
  /** Depth served when `?depth` is absent. Default 20. */
  defaultDepth?: number;
  /** Largest depth accepted. Default 5000. */
  maxDepth?: number;
}

function json(body: unknown, status: number): Response {
  return new Response(JSON.stringify(body) + "\n", {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

function text(body: string, status: number, contentType = "text/plain; charset=utf-8"): Response {
  return new Response(body, {
    status,
    headers: { "content-type": contentType, "cache-control": "no-store" },
  });
}

const INDEX = "collector operations endpoint\n\n" +
  "GET /metrics              Prometheus metrics\n" +
  "GET /health               200 healthy, 503 not (JSON)\n" +
  "GET /book/SYMBOL?depth=N  live top N levels per side (JSON)\n";

/** Answers one request from `view`; exported for tests and embedding. */
export function handleOpsRequest(
  request: Request,
  view: LiveView,
  options: { defaultDepth?: number; maxDepth?: number } = {},
): Response {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response(`Method ${request.method} not allowed\n`, {
      status: 405,
      headers: { allow: "GET, HEAD" },
    });
  }
  const url = new URL(request.url);
  const path = url.pathname;
  if (path === "/") return text(INDEX, 200);
  if (path === "/metrics") return text(view.metricsText(), 200, METRICS_CONTENT_TYPE);
  if (path === "/health") {
    const report = view.health();
    return json(report, report.ok ? 200 : 503);
  }
  const m = /^\/book\/([^/]*)$/.exec(path);
  if (!m) return json({ error: `Not found: "${path}"` }, 404);
  let raw = m[1]!;
  try {
    raw = decodeURIComponent(raw);
  } catch {
    // Left encoded; rejected below.
  }
  if (!isSymbol(raw)) {
    return json({ error: `Invalid symbol "${raw}": expected ${SYMBOL_EXPECTED}` }, 400);
  }
  const symbol = raw.toUpperCase();
  const maxDepth = options.maxDepth ?? 5000;
  const depthParam = url.searchParams.get("depth");
  const depth = depthParam === null ? options.defaultDepth ?? 20 : Number(depthParam);
  if ((depthParam !== null && !/^\d+$/.test(depthParam)) || !(depth >= 1 && depth <= maxDepth)) {
    return json(
      { error: `Invalid depth "${depthParam}": expected an integer from 1 to ${maxDepth}` },
      400,
    );
  }
  const book = view.book(symbol, depth);
  if (book === "unknown") {
    return json({ error: `Unknown symbol "${symbol}": not recorded` }, 404);
  }
  if (book === "out-of-sync") {
    return json({ error: `Book of "${symbol}" is out of sync`, symbol, inSync: false }, 503);
  }
  return json({
    symbol,
    lastUpdateId: book.lastUpdateId,
    bids: book.bids.slice(0, depth),
    asks: book.asks.slice(0, depth),
  }, 200);
}

/** Starts the endpoint on `addr` (see {@linkcode parseListenAddr}); resolves once listening. */
// deno-lint-ignore require-await
export async function serveOps(
  addr: string,
  view: LiveView,
  options: ServeOpsOptions = {},
): Promise<OpsServer> {
  const { hostname, port } = parseListenAddr(addr);
  const log = options.logger ?? silentLogger;
  const limits: { defaultDepth?: number; maxDepth?: number } = {};
  if (options.defaultDepth !== undefined) limits.defaultDepth = options.defaultDepth;
  if (options.maxDepth !== undefined) limits.maxDepth = options.maxDepth;
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname,
      port,
      onListen: () => {},
      onError: (error) => {
        log.error("ops endpoint request failed", { error: String(error) });
        return json({ error: "Internal error" }, 500);
      },
    }, (request) => {
      try {
        return handleOpsRequest(request, view, limits);
      } catch (error) {
        log.error("ops endpoint request failed", {
          path: new URL(request.url).pathname,
          error: String(error),
        });
        return json(
          { error: `Internal error: ${error instanceof Error ? error.message : error}` },
          500,
        );
      }
    });
  } catch (error) {
    throw new Error(
      `Cannot listen on "${addr}": ${error instanceof Error ? error.message : error}`,
      { cause: error },
    );
  }
  const bound = server.addr;
  const shown = bound.hostname.includes(":") ? `[${bound.hostname}]` : bound.hostname;
  log.info(`ops endpoint listening on http://${shown}:${bound.port}`, {
    addr: `${shown}:${bound.port}`,
  });
  return {
    addr: `${shown}:${bound.port}`,
    hostname: bound.hostname,
    port: bound.port,
    close: () => server.shutdown(),
  };
}
