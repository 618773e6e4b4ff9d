import assert from "node:assert/strict";
import { parseRecordLine } from "./record_parse.ts";

const TRADE =
  '{"type":"trade","recv":1.5,"E":1723161255343,"t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}';
const AGG =
  '{"type":"aggTrade","recv":1.5,"E":2,"a":7,"p":"1.5","q":"2","f":10,"l":12,"T":2,"m":false,"M":true}';
const TICKER =
  '{"type":"bookTicker","recv":1.5,"u":50093239212,"b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}';

function edit(line: string, change: Record<string, unknown>): string {
  const r = JSON.parse(line);
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) delete r[k];
    else r[k] = v;
  }
  return JSON.stringify(r);
}

Deno.test("parseRecordLine() takes trades, aggTrades and bookTickers with their values untouched", () => {
  for (const line of [TRADE, AGG, TICKER]) {
    assert.deepEqual(parseRecordLine(line), JSON.parse(line));
  }
  // Fields a record does not need are tolerated: order ids, a later field, no M.
  const more = edit(TRADE, { b: 88, a: 99, X: "later", M: undefined });
  assert.deepEqual(parseRecordLine(more), JSON.parse(more));
});

Deno.test("parseRecordLine() names the field of a trade, aggTrade or bookTicker that is wrong", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    [TRADE, { t: -1 }, "t"],
    [TRADE, { t: 2 ** 53 }, "t"],
    [TRADE, { t: undefined }, "t"],
    [TRADE, { p: "1e2" }, "p"],
    [TRADE, { q: 0.5 }, "q"],
    [TRADE, { T: "1" }, "T"],
    [TRADE, { E: undefined }, "E"],
    [TRADE, { m: 1 }, "m"],
    [TRADE, { M: "true" }, "M"],
    [TRADE, { b: 1.5 }, "b"],
    [AGG, { a: 1.5 }, "a"],
    [AGG, { f: 13 }, "l"],
    [AGG, { l: undefined }, "l"],
    [AGG, { p: "-1" }, "p"],
    [TICKER, { u: null }, "u"],
    [TICKER, { B: "1.2.3" }, "B"],
    [TICKER, { A: "" }, "A"],
    [TICKER, { recv: undefined }, "recv"],
  ];
  for (const [line, change, field] of cases) {
    const result = parseRecordLine(edit(line, change));
    assert.equal(typeof result, "string", JSON.stringify(change));
    const type = JSON.parse(line).type;
    assert.match(result as string, new RegExp(`^Record "${type}" lacks a valid "${field}"`));
  }
});

const FUTURES_EVENT =
  '{"type":"depthUpdate","recv":1.5,"E":1723161256299,"T":1723161256298,"U":5123107832006,"u":5123107837557,"pu":5123107831937,"b":[["58710.20","0.014"]],"a":[]}';

Deno.test("parseRecordLine() takes a futures depthUpdate (T, pu) and a usdm header; checks them", () => {
  assert.deepEqual(parseRecordLine(FUTURES_EVENT), JSON.parse(FUTURES_EVENT));
  assert.match(
    parseRecordLine(edit(FUTURES_EVENT, { pu: -3 })) as string,
    /lacks a valid "pu"/,
  );
  assert.match(parseRecordLine(edit(FUTURES_EVENT, { T: "1" })) as string, /lacks a valid "T"/);
  const header =
    '{"type":"header","format":1,"exchange":"binance","market":"usdm","symbol":"BTCUSDT","date":"2024-08-08","collector":"t","recv":1,"stream":"btcusdt@depth@0ms"}';
  assert.equal((parseRecordLine(header) as { market: string }).market, "usdm");
  assert.match(
    parseRecordLine(edit(header, { market: "coinm" })) as string,
    /lacks a valid "market"/,
  );
  const snapshot =
    '{"type":"snapshot","recv":1,"lastUpdateId":5,"E":2,"T":1,"bids":[],"asks":[],"source":"rest"}';
  assert.deepEqual(parseRecordLine(snapshot), JSON.parse(snapshot));
  assert.match(parseRecordLine(edit(snapshot, { E: "2" })) as string, /lacks a valid "E"/);
});
