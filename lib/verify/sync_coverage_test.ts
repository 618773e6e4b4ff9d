import assert from "node:assert/strict";
import type { MarkedGap } from "./report.ts";
import { SyncCoverage } from "./sync_coverage.ts";

const DAY = Date.parse("2024-08-10T00:00:00Z");
const gap = (): MarkedGap => ({
  line: 7,
  reason: "disconnect",
  detail: null,
  lastUpdateId: 1,
  from: null,
  to: null,
  durationMs: null,
});

Deno.test("SyncCoverage adds in-sync stretches clipped to the day and ends waiting gaps", () => {
  const c = new SyncCoverage(DAY, DAY + 86_400_000);
  c.applied(DAY - 5_000); // a stretch that starts before midnight counts from midnight
  c.applied(DAY + 10_000);
  c.ended();
  assert.equal(c.inSyncMs, 10_000);
  const g = gap();
  c.waitFor(g, c.lastAppliedE);
  c.ended(); // no stretch open: nothing added
  c.started(DAY + 12_500);
  assert.equal(g.to, "2024-08-10T00:00:12.500Z");
  assert.equal(g.durationMs, 2_500);
  c.applied(DAY + 20_000);
  c.ended();
  assert.equal(c.inSyncMs, 10_000 + 7_500);
  const unknown = gap();
  c.waitFor(unknown, null);
  c.started(null); // no event known: no stretch, the gap keeps waiting
  assert.equal(unknown.to, null);
  c.started(DAY + 30_000);
  assert.equal(unknown.to, "2024-08-10T00:00:30.000Z");
  assert.equal(unknown.durationMs, null, "no start known, no duration");
});
