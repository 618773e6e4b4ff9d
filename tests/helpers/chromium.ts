/**
 * A real headless Chromium (Debian's `chromium` package) driven over the DevTools protocol, for
 * tests of pages: open a URL, collect console messages and uncaught exceptions, evaluate an
 * expression, take a screenshot. `.ci/run` installs the package when it is missing.
 *
 * @module
 */

/** Where Debian puts it; `CHROMIUM` overrides. */
export function chromiumPath(): string | null {
  const candidates = [Deno.env.get("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  for (const path of candidates) {
    if (!path) continue;
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not there
    }
  }
  return null;
}

/** What a page did while it loaded. */
export interface PageVisit {
  /** Console messages of level `error` or `warning`, and uncaught exceptions. */
  errors: string[];
  /** The value of `expression`, evaluated after the load and the screenshot. */
  value: unknown;
  /** A PNG of the page as it loaded. */
  screenshot: Uint8Array;
}

interface Pending {
  resolve(value: Record<string, unknown>): void;
  reject(error: Error): void;
}

/**
 * Opens `url` in a new headless Chromium, waits for the load event, takes a full-width screenshot
 * (`width` wide), then evaluates `expression`; closes the browser.
 */
export async function visitPage(
  url: string,
  options: { expression: string; width?: number; height?: number; timeoutMs?: number },
): Promise<PageVisit> {
  const binary = chromiumPath();
  if (binary === null) {
    throw new Error(
      "Chromium not found (apt-get install chromium; .ci/run installs it): cannot test the page",
    );
  }
  const profile = await Deno.makeTempDir({ prefix: "chromium-profile-" });
  const child = new Deno.Command(binary, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
      `--user-data-dir=${profile}`,
      "--remote-debugging-port=0",
      `--window-size=${options.width ?? 1280},${options.height ?? 900}`,
      "about:blank",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const timeout = options.timeoutMs ?? 30_000;
  const timer = setTimeout(() => child.kill("SIGKILL"), timeout);
  try {
    const wsUrl = await devtoolsUrl(child.stderr);
    const target = await fetch(
      `${new URL(wsUrl).origin.replace("ws:", "http:")}/json/new?about:blank`,
      {
        method: "PUT",
      },
    ).then((r) => r.json()) as { webSocketDebuggerUrl: string };
    return await drive(target.webSocketDebuggerUrl, url, options);
  } finally {
    clearTimeout(timer);
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

/** Reads Chromium's stderr until it prints its DevTools address. */
async function devtoolsUrl(stderr: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`Chromium exited before listening: ${text.slice(-500)}`);
    text += value;
    const match = text.match(/DevTools listening on (ws:\/\/\S+)/);
    if (match) {
      // Keep draining stderr so that Chromium never blocks on a full pipe.
      (async () => {
        try {
          while (!(await reader.read()).done) { /* drain */ }
        } catch { /* closed */ }
      })();
      return match[1]!;
    }
  }
}

async function drive(
  wsUrl: string,
  url: string,
  options: { expression: string },
): Promise<PageVisit> {
  const ws = new WebSocket(wsUrl);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`Cannot connect to Chromium at ${wsUrl}`));
  });
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const errors: string[] = [];
  let loaded: () => void = () => {};
  const load = new Promise<void>((resolve) => loaded = resolve);
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data as string);
    if (message.id !== undefined) {
      const p = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) p?.reject(new Error(JSON.stringify(message.error)));
      else p?.resolve(message.result);
      return;
    }
    if (message.method === "Page.loadEventFired") loaded();
    if (message.method === "Runtime.exceptionThrown") {
      errors.push(`exception: ${JSON.stringify(message.params.exceptionDetails)}`);
    }
    if (message.method === "Runtime.consoleAPICalled") {
      const type = message.params.type;
      if (type === "error" || type === "warning" || type === "assert") {
        errors.push(`console.${type}: ${JSON.stringify(message.params.args)}`);
      }
    }
    if (message.method === "Log.entryAdded") {
      const entry = message.params.entry;
      if (entry.level === "error" || entry.level === "warning") {
        errors.push(`log ${entry.level}: ${entry.text} ${entry.url ?? ""}`);
      }
    }
  };
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  try {
    await send("Page.enable");
    await send("Runtime.enable");
    await send("Log.enable");
    await send("Page.navigate", { url });
    await load;
    const metrics = await send("Page.getLayoutMetrics") as {
      cssContentSize: { width: number; height: number };
    };
    const shot = await send("Page.captureScreenshot", {
      format: "png",
      captureBeyondViewport: true,
      clip: {
        x: 0,
        y: 0,
        width: metrics.cssContentSize.width,
        height: Math.min(metrics.cssContentSize.height, 4000),
        scale: 1,
      },
    }) as { data: string };
    const evaluated = await send("Runtime.evaluate", {
      expression: options.expression,
      returnByValue: true,
    }) as { result: { value: unknown } };
    const binary = atob(shot.data);
    const screenshot = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return { errors, value: evaluated.result.value, screenshot };
  } finally {
    ws.close();
  }
}
