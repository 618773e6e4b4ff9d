/**
 * The synthetic market: a {@linkcode SyntheticBook} and a {@linkcode DepthHistory} per symbol,
 * advanced by one timer. Main symbols get an event every tick; "extra" symbols (for all-symbols
 * tests) have tiny books and an event on about one tick in twenty, so thousands stay light.
 *
 * @module
 */
import type { DepthUpdate, Market } from "../binance/types.ts";
import { DepthHistory } from "./depth_history.ts";
import { SyntheticBook } from "./synthetic_book.ts";
import { Random } from "../util/random.ts";

/** Options of {@linkcode SyntheticMarket}. */
export interface SyntheticMarketOptions {
  /** `usdm`: events carry `T` (= `E`) and `pu` (the previous event's `u`), as futures send. */
  market?: Market;
  symbols: string[];
  extraSymbols: number;
  seed: number;
  levelsPerSide: number;
  /** Levels per side of a main symbol, where it differs from `levelsPerSide`. */
  levelsOf?: (symbol: string) => number | undefined;
  /** Levels per side of extra symbols; default 5. */
  extraLevelsPerSide?: number;
  /** Chance that an extra symbol has an event on a tick; default 0.05. */
  extraEventChance?: number;
  /** Event history bound per symbol. */
  maxEvents?: number;
}

const KNOWN: Record<string, { mid: number; tickUnits: number }> = {
  BTCUSDT: { mid: 6_183_763, tickUnits: 1_000_000 },
  ETHUSDT: { mid: 261_234, tickUnits: 1_000_000 },
  BNBUSDT: { mid: 52_310, tickUnits: 1_000_000 },
};

/** Name of the `index`-th extra symbol, e.g. `XS0007USDT`. */
export function extraSymbolName(index: number): string {
  return `XS${String(index).padStart(4, "0")}USDT`;
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Every symbol's generator and history. */
export class SyntheticMarket {
  readonly histories = new Map<string, DepthHistory>();
  readonly main: string[];
  readonly extra: string[];
  #books = new Map<string, SyntheticBook>();
  #rng: Random;
  #extraEventChance: number;
  #futures: boolean;

  /** Builds the initial books. */
  constructor(options: SyntheticMarketOptions) {
    this.#rng = new Random(options.seed ^ 0x5eed);
    this.#extraEventChance = options.extraEventChance ?? 0.05;
    this.#futures = options.market === "usdm";
    this.main = options.symbols.map((s) => s.toUpperCase());
    this.extra = Array.from({ length: options.extraSymbols }, (_, i) => extraSymbolName(i + 1));
    const extraLevels = options.extraLevelsPerSide ?? 5;
    for (const symbol of [...this.main, ...this.extra]) {
      const isExtra = !this.main.includes(symbol);
      const h = (hash(symbol) ^ options.seed) >>> 0;
      const known = KNOWN[symbol];
      const book = new SyntheticBook({
        symbol,
        midTicks: known?.mid ?? 100_000 + (h % 5_000_000),
        tickUnits: known?.tickUnits ?? 10_000,
        levelsPerSide: isExtra ? extraLevels : options.levelsOf?.(symbol) ?? options.levelsPerSide,
        firstUpdateId: 10_000_000_000 + (h % 40_000) * 1_000_000,
        seed: h,
      });
      this.#books.set(symbol, book);
      const historyOptions = options.maxEvents ? { maxEvents: options.maxEvents } : {};
      this.histories.set(symbol, new DepthHistory(symbol, book.snapshot(), historyOptions));
    }
  }

  /** Every symbol with a book. */
  get symbols(): string[] {
    return [...this.main, ...this.extra];
  }

  /** Generates this tick's events (time `E`), records them, and returns them. */
  tick(E: number): DepthUpdate[] {
    const out: DepthUpdate[] = [];
    for (const symbol of this.main) out.push(this.#next(symbol, E));
    for (const symbol of this.extra) {
      if (this.#rng.next() < this.#extraEventChance) out.push(this.#next(symbol, E, 2));
    }
    return out;
  }

  #next(symbol: string, E: number, changes?: number): DepthUpdate {
    const history = this.histories.get(symbol)!;
    const made = this.#books.get(symbol)!.next(E, changes);
    const event: DepthUpdate = this.#futures
      ? {
        e: made.e,
        E,
        T: E,
        s: made.s,
        U: made.U,
        u: made.u,
        pu: history.lastUpdateId,
        b: made.b,
        a: made.a,
      }
      : made;
    history.append(event);
    return event;
  }
}
