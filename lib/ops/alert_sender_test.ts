import assert from "node:assert/strict";
import { captureLogs } from "../../tests/helpers/capture_logs.ts";
import type { Alert } from "./alert_formats.ts";
import { AlertSender, retryAfter } from "./alert_sender.ts";

const WEBHOOK = "https://api.telegram.org/bot123:SECRET/sendMessage";

function alert(kind: Alert["kind"], text: string = kind): Alert {
  return { kind, severity: "warning", text, fields: {}, at: Date.parse("2025-07-10T12:00:00Z") };
}

/** A fake clock whose sleeps end only when the test advances it, and a scripted webhook. */
function setup(
  answers: (() => Response | Promise<Response>)[],
  options: { maxQueue?: number } = {},
) {
  const clock = { t: 0 };
  const sleeps: { until: number; ms: number; wake: () => void }[] = [];
  const posts: { body: unknown; at: number }[] = [];
  const { lines, logger } = captureLogs();
  const fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
    posts.push({ body: JSON.parse(String(init?.body)), at: clock.t });
    const answer = answers.shift() ?? (() => new Response("ok"));
    return await answer();
  }) as typeof globalThis.fetch;
  const sender = new AlertSender(WEBHOOK, { format: "telegram", chatId: 42 }, {
    logger,
    fetch,
    now: () => clock.t,
    sleep: (ms, signal) =>
      new Promise<void>((wake) => {
        sleeps.push({ until: clock.t + ms, ms, wake });
        signal.addEventListener("abort", () => wake());
      }),
    ...options,
  });
  /** Lets the sender's promises run until `done` holds (no timers involved). */
  const settle = async (done: () => boolean) => {
    for (let i = 0; i < 1000 && !done(); i++) await new Promise((r) => setTimeout(r, 0));
    assert.ok(done(), "the sender did not get there");
  };
  const advance = (ms: number) => {
    clock.t += ms;
    for (const s of sleeps.splice(0)) {
      if (s.until <= clock.t) s.wake();
      else sleeps.push(s);
    }
  };
  return { sender, posts, sleeps, lines, settle, advance, clock };
}

Deno.test("AlertSender retries 5xx and network errors with doubling delays, then delivers", async () => {
  const t = setup([
    () => new Response("busy", { status: 503 }),
    () => Promise.reject(new TypeError(`error sending request for url (${WEBHOOK})`)),
  ]);
  t.sender.send(alert("start"));
  await t.settle(() => t.sleeps.length === 1);
  assert.equal(t.sleeps[0]!.ms, 1000);
  t.advance(1000);
  await t.settle(() => t.sleeps.length === 1);
  assert.equal(t.sleeps[0]!.ms, 2000, "doubled");
  t.advance(2000);
  await t.settle(() => t.sender.stats().sent === 1);
  assert.deepEqual(t.posts.map((p) => p.at), [0, 1000, 3000]);
  assert.deepEqual(t.sender.stats(), { queued: 0, sent: 1, failed: 0, dropped: 0, retries: 2 });
  const logged = JSON.stringify(t.lines);
  assert.ok(!logged.includes("SECRET"), `the token is never logged: ${logged}`);
  assert.ok(logged.includes("api.telegram.org"));
});

Deno.test("AlertSender honours Retry-After of a 429, in seconds or as a date", async () => {
  const t = setup([
    () => new Response("", { status: 429, headers: { "Retry-After": "7" } }),
    () =>
      new Response("", { status: 429, headers: { "Retry-After": new Date(20_000).toUTCString() } }),
  ]);
  t.sender.send(alert("gap-rate"));
  await t.settle(() => t.sleeps.length === 1);
  assert.equal(t.sleeps[0]!.ms, 7000);
  t.advance(7000);
  await t.settle(() => t.sleeps.length === 1);
  assert.equal(t.sleeps[0]!.ms, 13_000, "until the date");
  t.advance(13_000);
  await t.settle(() => t.sender.stats().sent === 1);
  assert.equal(retryAfter(new Headers({ "Retry-After": "soon" }), 0), null);
});

Deno.test("AlertSender gives up at once on a 4xx refusal, and after maxAttempts otherwise", async () => {
  const t = setup([
    () => new Response('{"ok":false,"description":"Bad Request: chat not found"}', { status: 400 }),
    ...Array.from({ length: 5 }, () => () => new Response("", { status: 502 })),
  ]);
  t.sender.send(alert("out-of-sync"));
  t.sender.send(alert("back-in-sync"));
  await t.settle(() => t.sender.stats().failed === 1);
  const texts = () => t.posts.map((p) => (p.body as { text: string }).text);
  assert.equal(texts().filter((x) => x.includes("out-of-sync")).length, 1, "not retried");
  const error = t.lines.find((l) => l.level === "error")!;
  assert.match(error.msg, /HTTP 400: .*chat not found/);
  for (let i = 0; i < 4; i++) {
    await t.settle(() => t.sleeps.length === 1);
    t.advance(t.sleeps[0]!.ms);
  }
  await t.settle(() => t.sender.stats().failed === 2);
  assert.equal(t.posts.length, 6);
  // The next alert delivered says two were lost.
  t.sender.send(alert("stop"));
  await t.settle(() => t.sender.stats().sent === 1);
  const last = t.posts.at(-1)!.body as { chat_id: number; text: string };
  assert.equal(last.chat_id, 42);
  assert.match(last.text, /stop\n\(2 earlier alert\(s\) not delivered\)/);
});

Deno.test("AlertSender drops the oldest waiting alert when its queue is full", async () => {
  const t = setup([() => new Response("", { status: 500 })], { maxQueue: 3 });
  for (let i = 0; i < 6; i++) t.sender.send(alert("write-errors", `alert ${i}`));
  await t.settle(() => t.sleeps.length === 1); // alert 0 in flight, waiting to retry
  assert.deepEqual(t.sender.stats(), { queued: 4, sent: 0, failed: 0, dropped: 2, retries: 1 });
  t.advance(1000);
  await t.settle(() => t.sender.stats().sent === 4);
  const texts = t.posts.map((p) => (p.body as { text: string }).text);
  assert.deepEqual(texts.slice(1).map((x) => x.split("\n")[0]!.replace(/^\S+ /, "")), [
    "alert 0",
    "alert 3",
    "alert 4",
    "alert 5",
  ]);
  assert.match(
    texts[2]!,
    /alert 3\n\(2 earlier alert\(s\) not delivered\)/,
    "the first after the drops",
  );
});

Deno.test("AlertSender.close() gives up on a webhook that never answers after its grace", async () => {
  const { logger, lines } = captureLogs();
  let aborted = false;
  const sender = new AlertSender("http://127.0.0.1:9/hook", { format: "slack" }, {
    logger,
    fetch: (_url, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => {
          aborted = true;
          reject(init.signal!.reason);
        });
      }),
  });
  sender.send(alert("start"));
  sender.send(alert("stop"));
  const started = performance.now();
  await sender.close(50);
  assert.ok(performance.now() - started < 1000, "within its grace");
  assert.ok(aborted, "the request in flight was aborted");
  assert.deepEqual(sender.stats(), { queued: 0, sent: 0, failed: 1, dropped: 1, retries: 0 });
  assert.ok(lines.some((l) => l.msg === "1 alert(s) not sent at shutdown"));
  sender.send(alert("start"));
  assert.equal(sender.stats().dropped, 2, "nothing is queued after close");
});
