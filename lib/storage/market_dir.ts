/**
 * Where a market's recordings live: spot at the top of the data directory, USDⓈ-M futures under
 * `<dataDir>/usdm/` (records.ts's `marketFolder`; the headers name the market, `RecordFactory`). The recorder of
 * a market is opened on its own folder, so it has its own lock (`<dataDir>/usdm/.lock`), past days,
 * hooks and retention, and a spot and a futures process can share one data directory.
 *
 * @module
 */
import type { Market } from "../binance/types.ts";
import { marketFolder } from "../recording/records.ts";

/** The folder a market's recorder writes into: `dataDir` (spot) or `dataDir/usdm`. */
export function marketDataDir(dataDir: string, market: Market = "spot"): string {
  const folder = marketFolder(market).replace(/\/+$/, "");
  if (folder === "") return dataDir;
  return `${dataDir.replace(/\/+$/, "") || "."}/${folder}`;
}
