/**
 * A deliberately plain local book for tests that check the simulator from outside: price →
 * quantity maps fed the way Binance's "manage a local order book" page says, sharing no code with
 * the collector's books.
 *
 * @module
 */
import type { DepthSnapshot, DepthUpdate } from "../../lib/binance/types.ts";

/** Price → quantity strings per side, and the id of the last event applied. */
export class LocalBook {
  bids: Map<string, string> = new Map();
  asks: Map<string, string> = new Map();
  id: number;

  /** A book holding `snapshot`. */
  constructor(snapshot: DepthSnapshot) {
    this.id = snapshot.lastUpdateId;
    for (const [p, q] of snapshot.bids) this.bids.set(p, q);
    for (const [p, q] of snapshot.asks) this.asks.set(p, q);
  }

  /** Sets every level of `event` (quantity 0 removes it) and takes its `u`. */
  apply(event: DepthUpdate): void {
    for (const [side, levels] of [[this.bids, event.b], [this.asks, event.a]] as const) {
      for (const [p, q] of levels) {
        if (Number(q) === 0) side.delete(p);
        else side.set(p, q);
      }
    }
    this.id = event.u;
  }

  /** The best level of `side`: the highest price for bids, the lowest for asks. */
  best(side: Map<string, string>, highest: boolean): [string, string] {
    let best: string | null = null;
    for (const p of side.keys()) {
      if (best === null || (highest ? Number(p) > Number(best) : Number(p) < Number(best))) {
        best = p;
      }
    }
    return [best!, side.get(best!)!];
  }

  /** Both sides sorted, best first. */
  sorted(): { bids: [string, string][]; asks: [string, string][] } {
    const sort = (m: Map<string, string>, sign: number) =>
      [...m].sort((x, y) => sign * (Number(x[0]) - Number(y[0])));
    return { bids: sort(this.bids, -1), asks: sort(this.asks, 1) };
  }
}
