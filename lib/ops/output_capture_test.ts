import assert from "node:assert/strict";
import { OutputCapture } from "./output_capture.ts";

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return ReadableStream.from(chunks.map((c) => enc.encode(c)));
}

Deno.test("OutputCapture keeps everything, when under the limit", async () => {
  const c = new OutputCapture(streamOf("hello ", "world\n\n"), 100);
  await c.done;
  assert.equal(c.text(), "hello world");
});

Deno.test("OutputCapture keeps the first bytes and counts the rest, when over the limit", async () => {
  const c = new OutputCapture(streamOf("abcdef", "ghij", "klmnop"), 8);
  await c.done;
  assert.equal(c.text(), "abcdefgh… [8 more bytes]");
});

Deno.test("OutputCapture.cancel() stops reading a stream that never ends", async () => {
  let pulls = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulls++;
      if (pulls < 3) controller.enqueue(new Uint8Array([120]));
    },
  });
  const c = new OutputCapture(endless, 10);
  await new Promise((resolve) => setTimeout(resolve, 5));
  await c.cancel();
  await c.done;
  assert.equal(c.text(), "xx");
});
