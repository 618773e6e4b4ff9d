import assert from "node:assert/strict";
import { addCounts, countLines, emptyCounts } from "./record_counts.ts";

Deno.test("countLines() counts events, snapshots and gaps and the update-id range", () => {
  const counts = emptyCounts();
  countLines(
    [
      '{"type":"header","format":1}',
      '{"type":"gap","recv":1,"lastUpdateId":null,"reason":"start"}',
      '{"type":"depthUpdate","recv":1,"E":2,"U":10,"u":12,"b":[],"a":[]}',
      '{"type":"snapshot","recv":1,"lastUpdateId":12,"bids":[],"asks":[],"source":"book"}',
      '{"type":"depthUpdate","recv":1,"E":2,"U":13,"u":20,"b":[],"a":[]}',
      '{"type":"clock","recv":1}',
      "",
    ].join("\n"),
    counts,
  );
  assert.deepEqual(counts, {
    firstUpdateId: 10,
    lastUpdateId: 20,
    events: 2,
    snapshots: 1,
    gaps: 1,
  });
});

Deno.test("addCounts() keeps the first range start and takes the later end", () => {
  const into = { firstUpdateId: 1, lastUpdateId: 5, events: 2, snapshots: 0, gaps: 1 };
  addCounts(into, { firstUpdateId: 6, lastUpdateId: 9, events: 3, snapshots: 1, gaps: 0 });
  assert.deepEqual(into, { firstUpdateId: 1, lastUpdateId: 9, events: 5, snapshots: 1, gaps: 1 });
  addCounts(into, emptyCounts());
  assert.equal(into.lastUpdateId, 9);
});
