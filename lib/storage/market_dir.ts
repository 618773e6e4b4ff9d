/**
 * Where a market's recordings live and what their headers say: spot at the top of the data
 * directory, USDⓈ-M futures under `<dataDir>/usdm/` (records.ts's `marketFolder`). The recorder of
 * a market is opened on its own folder, so it has its own lock (`<dataDir>/usdm/.lock`), past days,
 * hooks and retention, and a spot and a futures process can share one data directory.
 *
 * @module
 */
import type { Market, StreamKind } from "../binance/types.ts";
import { RecordFactory } from "../recording/record_factory.ts";
import { type HeaderRecord, marketFolder } from "../recording/records.ts";

/** The folder a market's recorder writes into: `dataDir` (spot) or `dataDir/usdm`. */
export function marketDataDir(dataDir: string, market: Market = "spot"): string {
  const folder = marketFolder(market).replace(/\/+$/, "");
  if (folder === "") return dataDir;
  return `${dataDir.replace(/\/+$/, "") || "."}/${folder}`;
}

/** A {@linkcode RecordFactory} whose headers name `market`. */
export class MarketRecordFactory extends RecordFactory {
  readonly market: Market;

  /** As `RecordFactory`, for `market`. */
  constructor(
    collector: string,
    options: { streamName: (symbol: string) => string; now: () => number; market: Market },
  ) {
    super(collector, options);
    this.market = options.market;
  }

  /** The header of a day file, with the market's name. */
  override header(
    symbol: string,
    day: string,
    recv = this.now(),
    kind: StreamKind = "depth",
  ): HeaderRecord {
    return { ...super.header(symbol, day, recv, kind), market: this.market };
  }
}
