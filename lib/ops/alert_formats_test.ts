import assert from "node:assert/strict";
import { type Alert, alertBody, MAX_TEXT_LENGTH } from "./alert_formats.ts";

const ALERT: Alert = {
  kind: "out-of-sync",
  severity: "warning",
  symbol: "ETHUSDT",
  text: "ETHUSDT out of sync for 5.0 min",
  fields: { symbols: ["ETHUSDT"], thresholdMs: 300_000 },
  at: Date.parse("2025-07-10T12:00:00Z"),
};

Deno.test("alertBody() gives json the alert itself, with host and an ISO time", () => {
  assert.deepEqual(JSON.parse(alertBody(ALERT, { format: "json", host: "rec-1" })), {
    kind: "out-of-sync",
    severity: "warning",
    symbol: "ETHUSDT",
    text: "ETHUSDT out of sync for 5.0 min",
    fields: { symbols: ["ETHUSDT"], thresholdMs: 300_000 },
    host: "rec-1",
    at: "2025-07-10T12:00:00.000Z",
  });
  const { symbol: _, ...bare } = ALERT;
  const body = JSON.parse(alertBody(bare, { format: "json" }));
  assert.ok(!("symbol" in body) && !("host" in body));
});

Deno.test("alertBody() gives telegram {chat_id, text} and slack {text}, marked by severity", () => {
  assert.deepEqual(
    JSON.parse(alertBody(ALERT, { format: "telegram", chatId: "@ops", host: "rec-1" })),
    {
      chat_id: "@ops",
      text: "⚠️ [rec-1] ETHUSDT out of sync for 5.0 min",
      disable_web_page_preview: true,
    },
  );
  assert.deepEqual(JSON.parse(alertBody({ ...ALERT, severity: "critical" }, { format: "slack" })), {
    text: "🚨 ETHUSDT out of sync for 5.0 min",
  });
});

Deno.test("alertBody() cuts a long text under the chat services' limits", () => {
  const long = { ...ALERT, text: "x".repeat(10_000) };
  const { text } = JSON.parse(alertBody(long, { format: "slack" }));
  assert.equal(text.length, MAX_TEXT_LENGTH);
  assert.ok(text.endsWith("…"));
});
