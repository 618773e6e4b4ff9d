// TEMPORARY stand-in for lib/book/depth_sync.ts (being written by another helper); same contract.
import type { DepthSnapshot, DepthUpdate } from "../binance/types.ts";
import { OrderBook } from "../book/order_book.ts";

export function bridges(event: { U: number; u: number }, lastUpdateId: number): boolean {
  return event.U <= lastUpdateId + 1 && lastUpdateId + 1 <= event.u;
}

export class DepthSync {
  book = new OrderBook();
  inSync = false;
  #buffer: DepthUpdate[] = [];
  #max: number;
  constructor(o: { maxBuffered: number }) {
    this.#max = o.maxBuffered;
  }
  get lastUpdateId(): number | null {
    return this.inSync ? this.book.lastUpdateId : null;
  }
  get bufferedCount(): number {
    return this.#buffer.length;
  }
  get firstBufferedU(): number | null {
    return this.#buffer[0]?.U ?? null;
  }
  onEvent(ev: DepthUpdate):
    | { kind: "buffered" }
    | { kind: "applied" }
    | { kind: "stale" }
    | { kind: "gap"; lastUpdateId: number; expected: number; got: number } {
    if (!this.inSync) {
      this.#buffer.push(ev);
      if (this.#buffer.length > this.#max) this.#buffer.shift();
      return { kind: "buffered" };
    }
    const id = this.book.lastUpdateId;
    if (ev.u <= id) return { kind: "stale" };
    if (bridges(ev, id)) {
      this.book.apply(ev);
      return { kind: "applied" };
    }
    this.desync();
    return { kind: "gap", lastUpdateId: id, expected: id + 1, got: ev.U };
  }
  onSnapshot(s: DepthSnapshot):
    | { kind: "synced"; applied: number; dropped: number }
    | { kind: "too-old"; firstBufferedU: number }
    | { kind: "no-bridge"; lastUpdateId: number; firstU: number } {
    const first = this.#buffer[0];
    if (first && s.lastUpdateId + 1 < first.U) return { kind: "too-old", firstBufferedU: first.U };
    const keep = this.#buffer.filter((e) => e.u > s.lastUpdateId);
    const dropped = this.#buffer.length - keep.length;
    if (keep[0] && !bridges(keep[0], s.lastUpdateId)) {
      this.#buffer = keep;
      return { kind: "no-bridge", lastUpdateId: s.lastUpdateId, firstU: keep[0].U };
    }
    this.book.reset(s);
    for (const e of keep) this.book.apply(e);
    this.#buffer = [];
    this.inSync = true;
    return { kind: "synced", applied: keep.length, dropped };
  }
  desync(): void {
    this.inSync = false;
    this.#buffer = [];
    this.book.clear();
  }
}
