/**
 * Sharding: `--shard i/n` gives a collector a stable share of the symbol list, so that n hosts
 * split `symbols: "all"` without overlap. A symbol's shard depends on its name only (FNV-1a over
 * its upper-case name, modulo n), never on the order of the list or on the other symbols the
 * exchange lists, so a symbol listed tomorrow does not move the others.
 *
 * @module
 */

/** One shard of n: `index` from 0 to `count - 1`. */
export interface Shard {
  /** This collector's shard, 0-based. */
  index: number;
  /** How many shards split the list. */
  count: number;
}

/** Most shards accepted. */
export const MAX_SHARDS = 1024;

const SHARD_TEXT = /^(\d{1,4})\/(\d{1,4})$/;

/** The shard written as `i/n` (`0/3`), or `null` when the text is not one. */
export function parseShard(text: string): Shard | null {
  const m = SHARD_TEXT.exec(text.trim());
  if (m === null) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS || index >= count) return null;
  return { index, count };
}

/** `i/n`, as {@linkcode parseShard} reads it. */
export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** FNV-1a, 32 bits, over the UTF-16 code units of `text` (symbols are ASCII). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The shard (0 to `count - 1`) `symbol` belongs to, whatever list it appears in. */
export function shardOf(symbol: string, count: number): number {
  return fnv1a(symbol.toUpperCase()) % count;
}

/** The symbols of `symbols` that belong to `shard`, in the given order. */
export function shardSymbols(symbols: readonly string[], shard: Shard): string[] {
  return symbols.filter((s) => shardOf(s, shard.count) === shard.index);
}
