/**
 * Connection planning: which symbols share a WebSocket connection. Stream names go into the URL
 * (combined streams), at most `maxStreams` a connection, spread evenly so no connection is much
 * busier than another.
 *
 * @module
 */
import { MAX_STREAMS_PER_CONNECTION } from "../binance/limits.ts";

/**
 * Splits `symbols` into the fewest groups whose streams (`kinds` per symbol: depth, trade, …) are
 * at most `maxStreams`, of nearly equal size, keeping the given order. 1500 symbols at 1024 a
 * connection make two groups of 750; with two kinds each, three groups of 500.
 */
export function planConnections(
  symbols: readonly string[],
  maxStreams: number,
  kinds = 1,
): string[][] {
  if (!Number.isInteger(maxStreams) || maxStreams < 1 || maxStreams > MAX_STREAMS_PER_CONNECTION) {
    throw new RangeError(
      `Invalid streams per connection ${maxStreams}: expected 1 to ${MAX_STREAMS_PER_CONNECTION}`,
    );
  }
  if (!Number.isInteger(kinds) || kinds < 1 || kinds > maxStreams) {
    throw new RangeError(
      `Invalid streams per symbol ${kinds}: expected 1 to ${maxStreams} (streams per connection)`,
    );
  }
  if (symbols.length === 0) return [];
  const perConnection = Math.floor(maxStreams / kinds);
  const count = Math.ceil(symbols.length / perConnection);
  const groups: string[][] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const size = Math.floor(symbols.length / count) + (i < symbols.length % count ? 1 : 0);
    groups.push(symbols.slice(start, start + size));
    start += size;
  }
  return groups;
}
