import assert from "node:assert/strict";
import { USED_WEIGHT_HEADER } from "../binance/limits.ts";
import { WeightBudget } from "./weight_budget.ts";
import { DEFAULT_418_MS, RestBlockedError, weightedFetch } from "./weighted_fetch.ts";

function server(answers: Response[]) {
  const sent: string[] = [];
  const fetch = ((input: string | URL | Request) => {
    sent.push(String(input));
    return Promise.resolve(answers.shift()!);
  }) as typeof globalThis.fetch;
  return { sent, fetch };
}

Deno.test("weightedFetch() counts the weight and takes the server's used weight", async () => {
  const budget = new WeightBudget({ budget: 100, windowMs: 60_000 });
  const s = server([new Response("{}", { headers: { [USED_WEIGHT_HEADER]: "70" } })]);
  const { response, limitedMs } = await weightedFetch("http://x/a", {
    budget,
    weight: 5,
    fetch: s.fetch,
    now: () => 1000,
  });
  assert.equal(await response.text(), "{}");
  assert.equal(limitedMs, null);
  assert.equal(budget.used(1000), 70, "the server's figure, higher than our 5");
});

Deno.test("weightedFetch(): a 418 without Retry-After blocks every request, and nothing is sent then", async () => {
  const budget = new WeightBudget({ budget: 100 });
  let now = 1000;
  const s = server([new Response("banned", { status: 418 })]);
  const options = { budget, weight: 1, fetch: s.fetch, now: () => now };
  const { response, limitedMs } = await weightedFetch("http://x/a", options);
  await response.body?.cancel();
  assert.equal(limitedMs, DEFAULT_418_MS);
  now += DEFAULT_418_MS - 1;
  await assert.rejects(() => weightedFetch("http://x/b", options), RestBlockedError);
  assert.deepEqual(s.sent, ["http://x/a"], "the second request was not sent");
});

Deno.test("weightedFetch(): a 429's Retry-After (seconds) sets the block", async () => {
  const budget = new WeightBudget({ budget: 100 });
  const s = server([new Response("", { status: 429, headers: { "Retry-After": "7" } })]);
  const { limitedMs } = await weightedFetch("http://x", {
    budget,
    weight: 1,
    fetch: s.fetch,
    now: () => 0,
  });
  assert.equal(limitedMs, 7000);
  assert.equal(budget.blockedUntil, 7000);
});
