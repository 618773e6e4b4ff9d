import assert from "node:assert/strict";
import { parseListenAddr } from "./listen_addr.ts";

Deno.test("parseListenAddr() reads host:port forms and defaults to 127.0.0.1", () => {
  assert.deepEqual(parseListenAddr("127.0.0.1:9464"), { hostname: "127.0.0.1", port: 9464 });
  assert.deepEqual(parseListenAddr(":9464"), { hostname: "127.0.0.1", port: 9464 });
  assert.deepEqual(parseListenAddr("9464"), { hostname: "127.0.0.1", port: 9464 });
  assert.deepEqual(parseListenAddr("0.0.0.0:0"), { hostname: "0.0.0.0", port: 0 });
  assert.deepEqual(parseListenAddr("[::1]:80"), { hostname: "::1", port: 80 });
  assert.deepEqual(parseListenAddr("localhost:1"), { hostname: "localhost", port: 1 });
  for (const bad of ["", "host", "1.2.3.4:65536", "a:b:1", "1.2.3.4:-1", "::1:80"]) {
    assert.throws(() => parseListenAddr(bad), new RegExp(`Invalid listen address "${bad}"`));
  }
});
