import assert from "node:assert/strict";
import { maskedFrame } from "./raw_ws_client.ts";
import { acceptKey, encodeFrame, FrameDecoder, Opcode, WsProtocolError } from "./ws_socket.ts";

/** A client frame masked with the fixed key 1, 2, 3, 4. */
function masked(opcode: number, payload: Uint8Array, fin = true): Uint8Array {
  return maskedFrame(opcode, payload, { fin, key: new Uint8Array([1, 2, 3, 4]) });
}

Deno.test("acceptKey() matches the RFC 6455 example", () => {
  assert.equal(acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
});

Deno.test("encodeFrame() uses the 7-bit, 16-bit and 64-bit length forms", () => {
  assert.deepEqual([...encodeFrame(Opcode.text, new Uint8Array(125)).subarray(0, 2)], [0x81, 125]);
  const mid = encodeFrame(Opcode.text, new Uint8Array(300));
  assert.deepEqual([...mid.subarray(0, 4)], [0x81, 126, 1, 44]);
  assert.equal(mid.length, 304);
  const big = encodeFrame(Opcode.binary, new Uint8Array(70000), false);
  assert.equal(big[0], 0x02);
  assert.equal(big[1], 127);
  assert.equal(new DataView(big.buffer).getBigUint64(2), 70000n);
  assert.equal(big.length, 70010);
});

Deno.test("FrameDecoder.push() unmasks frames split at any byte", () => {
  const payload = new TextEncoder().encode("x".repeat(70000));
  const bytes = new Uint8Array([
    ...masked(Opcode.text, payload),
    ...masked(Opcode.ping, new Uint8Array([7])),
    ...masked(Opcode.text, new TextEncoder().encode("hi"), false),
  ]);
  for (const cut of [1, 3, 9, 70005, bytes.length - 1]) {
    const decoder = new FrameDecoder();
    const frames = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))];
    assert.equal(frames.length, 3, `cut at ${cut}`);
    assert.equal(new TextDecoder().decode(frames[0]!.payload), "x".repeat(70000));
    assert.deepEqual([...frames[1]!.payload], [7]);
    assert.equal(frames[1]!.opcode, Opcode.ping);
    assert.equal(frames[2]!.fin, false);
  }
});

Deno.test("FrameDecoder.push() rejects unmasked client frames and oversized ones", () => {
  assert.throws(
    () => new FrameDecoder().push(encodeFrame(Opcode.text, new Uint8Array(3))),
    (e) => e instanceof WsProtocolError && e.code === 1002,
  );
  const huge = new Uint8Array([0x81, 0xff, 0, 0, 0, 0, 0x10, 0, 0, 0]);
  assert.throws(
    () => new FrameDecoder().push(huge),
    (e) => e instanceof WsProtocolError && e.code === 1009,
  );
});
