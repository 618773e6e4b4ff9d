/**
 * Listen addresses as the configuration names them (`metricsAddr`): `host:port`, `[v6]:port`,
 * `:port` or `port`.
 *
 * @module
 */

/** Splits `host:port`, `[v6]:port`, `:port` or `port` into host (default 127.0.0.1) and port. */
export function parseListenAddr(addr: string): { hostname: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]*):)?(\d{1,5})$/.exec(addr.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port <= 65535)) {
    throw new TypeError(
      `Invalid listen address "${addr}": expected host:port, e.g. "127.0.0.1:9464"`,
    );
  }
  let hostname = m[1] ?? "";
  if (hostname.startsWith("[")) hostname = hostname.slice(1, -1);
  return { hostname: hostname === "" ? "127.0.0.1" : hostname, port };
}
