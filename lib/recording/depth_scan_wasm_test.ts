import assert from "node:assert/strict";
import { assembleDepthScan, depthScanModuleText } from "../../scripts/build_wasm.ts";

Deno.test("depth_scan_wasm.ts is what depth_scan.wat assembles to (run `deno task build:wasm`)", async () => {
  const committed = await Deno.readTextFile(new URL("./depth_scan_wasm.ts", import.meta.url));
  assert.equal(committed, depthScanModuleText(await assembleDepthScan()));
});
