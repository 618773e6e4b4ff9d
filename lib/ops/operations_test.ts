import assert from "node:assert/strict";
import { WeightBudget } from "../collector/weight_budget.ts";
import { budgetedFetch } from "./operations.ts";

const T0 = Date.parse("2025-06-25T12:00:00Z");

Deno.test("budgetedFetch() sends nothing while the budget is blocked, and a 429 blocks it", async () => {
  const budget = new WeightBudget({ budget: 3000 });
  let now = T0;
  const sent: string[] = [];
  const statuses: number[] = [];
  let answer = () =>
    new Response('{"serverTime":1}', { headers: { "X-MBX-USED-WEIGHT-1M": "42" } });
  const f = budgetedFetch(budget, {
    fetch: (input) => {
      sent.push(String(input));
      return Promise.resolve(answer());
    },
    now: () => now,
    onAnswer: (status) => statuses.push(status),
  });

  await (await f("http://x/api/v3/time")).text();
  assert.equal(budget.used(now), 42); // the header's figure, higher than our 1
  assert.deepEqual(statuses, [200]);

  answer = () => new Response("", { status: 429, headers: { "Retry-After": "7" } });
  await (await f("http://x/api/v3/time")).text();
  assert.equal(budget.blockedUntil, T0 + 7000);

  now = T0 + 6999;
  await assert.rejects(f("http://x/api/v3/time"), /paused for 1 s after a 429 or 418/);
  assert.equal(sent.length, 2);
  assert.deepEqual(statuses, [200, 429, 0]);

  now = T0 + 7000;
  answer = () => new Response('{"serverTime":1}');
  assert.equal((await f("http://x/api/v3/time")).status, 200);
  assert.equal(sent.length, 3);
});

Deno.test("budgetedFetch() counts a network failure as no answer and rethrows it", async () => {
  const statuses: number[] = [];
  const f = budgetedFetch(new WeightBudget({ budget: 10 }), {
    fetch: () => Promise.reject(new TypeError("connection refused")),
    onAnswer: (status) => statuses.push(status),
  });
  await assert.rejects(f("http://x/api/v3/time"), /connection refused/);
  assert.deepEqual(statuses, [0]);
});
