import assert from "node:assert/strict";
import { findUnhooked, hookedMarkerPath, markHooked, sweepRetention } from "./retention.ts";

const NOW = Date.parse("2025-06-30T12:00:00Z");

async function dayFiles(folder: string, day: string, marked: boolean): Promise<void> {
  await Deno.writeTextFile(`${folder}/${day}_dom.jsonl.gz`, "x");
  await Deno.writeTextFile(`${folder}/${day}_dom.manifest.json`, "{}");
  if (marked) await markHooked(`${folder}/${day}_dom.jsonl.gz`, { command: ["up"], at: NOW });
}

async function names(folder: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(folder))).map((e) => e.name).sort();
}

Deno.test("hookedMarkerPath() names the marker beside a day file, or null for other files", () => {
  assert.equal(
    hookedMarkerPath("/d/BTCUSDT/2025-06-25_dom.jsonl.gz"),
    "/d/BTCUSDT/2025-06-25_dom.hooked",
  );
  assert.equal(hookedMarkerPath("2025-06-25_dom.jsonl.gz"), "2025-06-25_dom.hooked");
  assert.equal(hookedMarkerPath("/d/BTCUSDT/2025-06-25_dom.manifest.json"), null);
  assert.equal(hookedMarkerPath("/d/notes.txt"), null);
  assert.equal(
    hookedMarkerPath("/d/BTCUSDT/2025-06-25_trade.jsonl.gz"),
    "/d/BTCUSDT/2025-06-25_trade.hooked",
  );
  assert.equal(hookedMarkerPath("/d/BTCUSDT/2025-06-25_trades.jsonl.gz"), null);
});

Deno.test("sweepRetention() and findUnhooked() treat every stream's files like the depth file", async () => {
  const dataDir = await Deno.makeTempDir();
  const folder = `${dataDir}/BTCUSDT`;
  await Deno.mkdir(folder);
  try {
    for (const tag of ["dom", "trade", "bookTicker"]) {
      await Deno.writeTextFile(`${folder}/2025-06-01_${tag}.jsonl.gz`, "x");
      await Deno.writeTextFile(`${folder}/2025-06-01_${tag}.manifest.json`, "{}");
    }
    const mine = (found: { file: string }[]) =>
      found.map((f) => f.file).filter((f) => f.startsWith(folder)).sort();
    assert.deepEqual(mine(await findUnhooked(dataDir)), [
      `${folder}/2025-06-01_bookTicker.jsonl.gz`,
      `${folder}/2025-06-01_dom.jsonl.gz`,
      `${folder}/2025-06-01_trade.jsonl.gz`,
    ]);
    await markHooked(`${folder}/2025-06-01_trade.jsonl.gz`, { command: ["up"], at: NOW });
    assert.equal(mine(await findUnhooked(dataDir)).length, 2);
    const deleted = await sweepRetention(dataDir, { days: 7, now: () => NOW });
    assert.deepEqual(deleted.filter((p) => p.startsWith(folder)).sort(), [
      `${folder}/2025-06-01_trade.hooked`,
      `${folder}/2025-06-01_trade.jsonl.gz`,
      `${folder}/2025-06-01_trade.manifest.json`,
    ]);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("markHooked() writes a marker with the command and refuses other files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const marker = await markHooked(`${dir}/2025-06-25_dom.jsonl.gz`, {
      command: ["a", "b"],
      at: 0,
    });
    assert.deepEqual(JSON.parse(await Deno.readTextFile(marker)), {
      hookedAt: "1970-01-01T00:00:00.000Z",
      command: ["a", "b"],
    });
    await assert.rejects(markHooked(`${dir}/x.gz`, { command: [], at: 0 }), /Invalid day file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sweepRetention() deletes only marked days older than the limit", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/BTCUSDT`);
    await Deno.mkdir(`${dir}/ETHUSDT`);
    await Deno.mkdir(`${dir}/.hidden`);
    await Deno.writeTextFile(`${dir}/.lock`, "");
    await dayFiles(`${dir}/BTCUSDT`, "2025-06-20", true);
    await dayFiles(`${dir}/BTCUSDT`, "2025-06-26", true); // older than 3 days: goes
    await dayFiles(`${dir}/BTCUSDT`, "2025-06-27", true); // exactly 3 days: stays
    await dayFiles(`${dir}/BTCUSDT`, "2025-06-25", false); // never hooked: stays
    await dayFiles(`${dir}/ETHUSDT`, "2025-06-01", true);
    await Deno.writeTextFile(`${dir}/.hidden/2025-01-01_dom.hooked`, "");
    const deleted = await sweepRetention(dir, { days: 3, now: () => NOW });
    assert.deepEqual(deleted.map((p) => p.slice(dir.length + 1)).sort(), [
      "BTCUSDT/2025-06-20_dom.hooked",
      "BTCUSDT/2025-06-20_dom.jsonl.gz",
      "BTCUSDT/2025-06-20_dom.manifest.json",
      "BTCUSDT/2025-06-26_dom.hooked",
      "BTCUSDT/2025-06-26_dom.jsonl.gz",
      "BTCUSDT/2025-06-26_dom.manifest.json",
      "ETHUSDT/2025-06-01_dom.hooked",
      "ETHUSDT/2025-06-01_dom.jsonl.gz",
      "ETHUSDT/2025-06-01_dom.manifest.json",
    ]);
    assert.deepEqual(await names(`${dir}/BTCUSDT`), [
      "2025-06-25_dom.jsonl.gz",
      "2025-06-25_dom.manifest.json",
      "2025-06-27_dom.hooked",
      "2025-06-27_dom.jsonl.gz",
      "2025-06-27_dom.manifest.json",
    ]);
    assert.deepEqual(await names(`${dir}/ETHUSDT`), []);
    assert.deepEqual(await names(`${dir}/.hidden`), ["2025-01-01_dom.hooked"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sweepRetention() never deletes today's or yesterday's files, even with days=1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/BTCUSDT`);
    for (const day of ["2025-06-28", "2025-06-29", "2025-06-30"]) {
      await dayFiles(`${dir}/BTCUSDT`, day, true);
    }
    const deleted = await sweepRetention(dir, { days: 1, now: () => NOW });
    assert.deepEqual(deleted.map((p) => p.slice(dir.length + 1)), [
      "BTCUSDT/2025-06-28_dom.jsonl.gz",
      "BTCUSDT/2025-06-28_dom.manifest.json",
      "BTCUSDT/2025-06-28_dom.hooked",
    ]);
    assert.equal((await names(`${dir}/BTCUSDT`)).length, 6);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sweepRetention() rejects a retention under one day", async () => {
  await assert.rejects(sweepRetention(".", { days: 0 }), /Invalid retention 0 days/);
  await assert.rejects(sweepRetention(".", { days: 1.5 }), /Invalid retention 1.5 days/);
});
