import assert from "node:assert/strict";
import { USED_WEIGHT_HEADER } from "../binance/limits.ts";
import type { DepthSnapshot } from "../binance/types.ts";
import { SnapshotScheduler } from "./snapshot_scheduler.ts";
import { retryAfterMs } from "./weighted_fetch.ts";
import { WeightBudget } from "./weight_budget.ts";

interface Sent {
  symbol: string;
  at: number;
}

/** A fake REST server: answers with `answer(symbol, n)` and logs every request. */
function fakeRest(answer: (symbol: string, n: number) => Response = () => ok()) {
  const sent: Sent[] = [];
  const fetch = (input: string | URL | Request): Promise<Response> => {
    const symbol = new URL(String(input)).searchParams.get("symbol")!;
    sent.push({ symbol, at: Date.now() });
    return Promise.resolve(answer(symbol, sent.length));
  };
  return { sent, fetch: fetch as typeof globalThis.fetch };
}

function ok(lastUpdateId = 7, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ lastUpdateId, bids: [], asks: [] }), { headers });
}

function collect() {
  const got: string[] = [];
  let resolve = () => {};
  let want = 0;
  return {
    got,
    onSnapshot(symbol: string, _s: DepthSnapshot) {
      got.push(symbol);
      if (got.length === want) resolve();
    },
    until(n: number) {
      want = n;
      return got.length >= n ? Promise.resolve() : new Promise<void>((r) => resolve = r);
    },
  };
}

Deno.test("SnapshotScheduler never spends more than the budget in a window", async () => {
  const windowMs = 250;
  const rest = fakeRest();
  const sink = collect();
  const scheduler = new SnapshotScheduler({
    restUrl: "http://127.0.0.1:1",
    limit: 100, // weight 5
    budget: new WeightBudget({ budget: 20, windowMs }),
    fetch: rest.fetch,
    onSnapshot: sink.onSnapshot,
  });
  try {
    for (let i = 0; i < 10; i++) scheduler.request(`S${i}`, "start");
    await sink.until(10);
    const perWindow = new Map<number, number>();
    for (const s of rest.sent) {
      const w = Math.floor(s.at / windowMs);
      perWindow.set(w, (perWindow.get(w) ?? 0) + 1);
    }
    assert.ok([...perWindow.values()].every((n) => n <= 4), JSON.stringify([...perWindow]));
    assert.ok(perWindow.size >= 3);
    assert.equal(scheduler.stats.weightSent, 50);
    assert.deepEqual(sink.got, Array.from({ length: 10 }, (_, i) => `S${i}`));
  } finally {
    await scheduler.close();
  }
});

Deno.test("SnapshotScheduler serves resyncs and cold starts in turns, each first come first served", async () => {
  const rest = fakeRest();
  const sink = collect();
  const budget = new WeightBudget({ budget: 1000 });
  budget.block(100, Date.now());
  const scheduler = new SnapshotScheduler({
    restUrl: "http://127.0.0.1:1",
    limit: 100,
    budget,
    fetch: rest.fetch,
    onSnapshot: sink.onSnapshot,
  });
  try {
    for (const s of ["A", "B", "C"]) scheduler.request(s, "start");
    scheduler.request("D", "resync");
    scheduler.request("B", "resync");
    scheduler.request("A", "start");
    assert.equal(scheduler.queued, 4);
    await sink.until(4);
    assert.deepEqual(sink.got, ["D", "A", "B", "C"]);
  } finally {
    await scheduler.close();
  }
});

for (const status of [429, 418]) {
  Deno.test(`SnapshotScheduler sends nothing until a ${status}'s Retry-After has passed`, async () => {
    let limitedAt = 0;
    const rest = fakeRest((_symbol, n) => {
      if (n !== 2) return ok();
      limitedAt = Date.now();
      return new Response("{}", { status, headers: { "Retry-After": "1" } });
    });
    const sink = collect();
    const scheduler = new SnapshotScheduler({
      restUrl: "http://127.0.0.1:1",
      limit: 5000,
      budget: new WeightBudget({ budget: 6000 }),
      fetch: rest.fetch,
      onSnapshot: sink.onSnapshot,
    });
    try {
      for (const s of ["A", "B", "C", "D"]) scheduler.request(s, "start");
      await sink.until(4);
      assert.equal(status === 429 ? scheduler.stats.status429 : scheduler.stats.status418, 1);
      const after = rest.sent.filter((s) => s.at > limitedAt);
      assert.ok(after.length > 0);
      assert.ok(after.every((s) => s.at >= limitedAt + 1000), JSON.stringify(rest.sent));
      assert.deepEqual(new Set(sink.got), new Set(["A", "B", "C", "D"]));
    } finally {
      await scheduler.close();
    }
  });
}

Deno.test("SnapshotScheduler waits for the minute when the server reports the weight used", async () => {
  const windowMs = 300;
  const rest = fakeRest(() => ok(1, { [USED_WEIGHT_HEADER]: "96" }));
  const sink = collect();
  const scheduler = new SnapshotScheduler({
    restUrl: "http://127.0.0.1:1",
    limit: 100,
    budget: new WeightBudget({ budget: 100, windowMs }),
    fetch: rest.fetch,
    onSnapshot: sink.onSnapshot,
  });
  try {
    for (const s of ["A", "B", "C"]) scheduler.request(s, "start");
    await sink.until(3);
    const windows = rest.sent.map((s) => Math.floor(s.at / windowMs));
    assert.equal(new Set(windows).size, 3, `one request a window (96 of 100 used): ${windows}`);
  } finally {
    await scheduler.close();
  }
});

Deno.test("SnapshotScheduler retries a failed request after a backoff", async () => {
  const rest = fakeRest((_s, n) =>
    n === 1 ? new Response("oops", { status: 502 }) : n === 2 ? new Response("<html>") : ok()
  );
  const sink = collect();
  const scheduler = new SnapshotScheduler({
    restUrl: "http://127.0.0.1:1",
    limit: 100,
    budget: new WeightBudget({ budget: 6000 }),
    fetch: rest.fetch,
    onSnapshot: sink.onSnapshot,
    retryBaseMs: 40,
  });
  try {
    scheduler.request("A", "start");
    await sink.until(1);
    assert.equal(rest.sent.length, 3);
    assert.equal(scheduler.stats.failed, 2);
    assert.ok(rest.sent[1]!.at - rest.sent[0]!.at >= 19);
  } finally {
    await scheduler.close();
  }
});

Deno.test("SnapshotScheduler.close() aborts a request in flight", async () => {
  let aborted = false;
  const fetch = ((_u: string, init?: RequestInit) =>
    new Promise<Response>((_resolve, reject) => {
      init?.signal?.addEventListener("abort", () => {
        aborted = true;
        reject(new DOMException("aborted", "AbortError"));
      });
    })) as typeof globalThis.fetch;
  const scheduler = new SnapshotScheduler({
    restUrl: "http://127.0.0.1:1",
    limit: 100,
    budget: new WeightBudget({ budget: 6000 }),
    fetch,
    onSnapshot: () => assert.fail("no snapshot expected"),
  });
  scheduler.request("A", "start");
  assert.equal(scheduler.inFlight, 1);
  await scheduler.close();
  assert.ok(aborted);
  assert.equal(scheduler.stats.failed, 0);
});

Deno.test("retryAfterMs() reads seconds", () => {
  assert.equal(retryAfterMs(new Headers({ "Retry-After": "7" })), 7000);
  assert.equal(retryAfterMs(new Headers()), null);
  assert.equal(retryAfterMs(new Headers({ "Retry-After": "soon" })), null);
});

Deno.test("SnapshotScheduler takes a new request made while handling an answer", async () => {
  const rest = fakeRest();
  const got: string[] = [];
  let resolve = () => {};
  const done = new Promise<void>((r) => resolve = r);
  const scheduler: SnapshotScheduler = new SnapshotScheduler({
    restUrl: "http://127.0.0.1:1",
    limit: 100,
    budget: new WeightBudget({ budget: 6000 }),
    fetch: rest.fetch,
    onSnapshot: (symbol) => {
      got.push(symbol);
      if (got.length < 3) scheduler.request(symbol, "start"); // "too old": again
      else resolve();
    },
  });
  try {
    scheduler.request("A", "start");
    await done;
    assert.deepEqual(got, ["A", "A", "A"]);
    assert.equal(rest.sent.length, 3);
  } finally {
    await scheduler.close();
  }
});

Deno.test("SnapshotScheduler tells just before it sends each request", async () => {
  const order: string[] = [];
  const rest = fakeRest((symbol) => {
    order.push(`fetch ${symbol}`);
    return ok();
  });
  const sink = collect();
  const scheduler = new SnapshotScheduler({
    restUrl: "http://127.0.0.1:1",
    limit: 100,
    budget: new WeightBudget({ budget: 6000 }),
    fetch: rest.fetch,
    onDispatch: (symbol) => order.push(`dispatch ${symbol}`),
    onSnapshot: sink.onSnapshot,
  });
  try {
    scheduler.request("A", "start");
    scheduler.request("B", "start");
    await sink.until(2);
    assert.deepEqual(order, ["dispatch A", "fetch A", "dispatch B", "fetch B"]);
  } finally {
    await scheduler.close();
  }
});

Deno.test("SnapshotScheduler with limit auto asks each symbol for the tier its last snapshot needed", async () => {
  const levels: Record<string, number> = { THIN: 40, DEEP: 3000 };
  const limits: string[] = [];
  const rest = fakeRest();
  const fetch = ((input: string | URL | Request) => {
    const url = new URL(String(input));
    const symbol = url.searchParams.get("symbol")!;
    const limit = Number(url.searchParams.get("limit"));
    limits.push(`${symbol}:${limit}`);
    const n = Math.min(limit, levels[symbol]!);
    const side = Array.from({ length: n }, (_, i) => [`${i + 1}`, "1"]);
    return Promise.resolve(
      new Response(JSON.stringify({ lastUpdateId: 7, bids: side, asks: side })),
    );
  }) as typeof globalThis.fetch;
  const sink = collect();
  const scheduler = new SnapshotScheduler({
    restUrl: "http://127.0.0.1:1",
    limit: "auto",
    budget: new WeightBudget({ budget: 100_000 }),
    fetch,
    onSnapshot: sink.onSnapshot,
  });
  try {
    scheduler.request("THIN", "start");
    scheduler.request("DEEP", "start");
    await sink.until(2);
    assert.equal(scheduler.weightOf("THIN"), 5);
    assert.equal(scheduler.weightOf("DEEP"), 250);
    scheduler.request("THIN", "resync");
    scheduler.request("DEEP", "resync");
    await sink.until(4);
    assert.deepEqual(limits, ["THIN:5000", "DEEP:5000", "THIN:100", "DEEP:5000"]);
    assert.equal(scheduler.stats.weightSent, 250 + 250 + 5 + 250);
    assert.deepEqual(scheduler.stats.byLimit, { 100: 1, 5000: 3 });
    assert.equal(rest.sent.length, 0);
  } finally {
    await scheduler.close();
  }
});

Deno.test("SnapshotScheduler.etaMs() spreads the queued weight over the budget's windows", async () => {
  const budget = new WeightBudget({ budget: 500, windowMs: 60_000 });
  const now = 1_000_000 * 60_000; // the start of a window
  budget.block(10_000, now); // nothing is sent for 10 s
  const scheduler = new SnapshotScheduler({
    restUrl: "http://127.0.0.1:1",
    limit: 5000,
    budget,
    now: () => now,
    fetch: fakeRest().fetch,
    onSnapshot: () => {},
  });
  try {
    assert.equal(scheduler.etaMs(), 0, "nothing queued");
    for (const s of ["A", "B", "C", "D", "E"]) scheduler.request(s, "start");
    // 10 s until the first; the other four take two windows (two of weight 250 fit in 500).
    assert.equal(scheduler.etaMs(), 10_000 + 2 * 60_000);
    scheduler.request("F", "start");
    assert.equal(scheduler.etaMs(), 10_000 + 3 * 60_000, "a fifth after the first: one more");
  } finally {
    await scheduler.close();
  }
});
