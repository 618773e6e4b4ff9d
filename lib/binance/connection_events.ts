/**
 * Connection events of Binance WebSocket servers: `serverShutdown` is sent when the server is
 * about to shut down, as `{"event":{"e":"serverShutdown","E":…}}`; a new connection should be
 * established at once. We also accept the event bare or wrapped in a combined-stream frame.
 *
 * @module
 */

/** Event type of the shutdown notice. */
export const SERVER_SHUTDOWN_EVENT = "serverShutdown";

/** The shutdown notice as the exchange sends it, with event time `E` (epoch ms). */
export function serverShutdownFrame(E: number): string {
  return JSON.stringify({ event: { e: SERVER_SHUTDOWN_EVENT, E } });
}

function isShutdownEvent(value: unknown): boolean {
  return typeof value === "object" && value !== null &&
    (value as { e?: unknown }).e === SERVER_SHUTDOWN_EVENT;
}

/**
 * Whether a parsed frame is a shutdown notice: `{"event":{"e":"serverShutdown"}}`, the bare event,
 * or a combined frame whose `data` is it.
 */
export function isServerShutdown(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const v = value as { event?: unknown; data?: unknown };
  return isShutdownEvent(v) || isShutdownEvent(v.event) || isShutdownEvent(v.data);
}
