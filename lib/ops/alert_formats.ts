/**
 * What one alert says, and the HTTP body it is posted as: `json` (the alert itself, for your own
 * receiver), `telegram` (Bot API `sendMessage`: `{chat_id, text}`) or `slack` (incoming webhook:
 * `{text}`). The text is short and for people; `fields` carry the numbers for machines.
 *
 * @module
 */

/** Body shapes a webhook can take. */
export type AlertFormat = "json" | "telegram" | "slack";

/** How bad it is: `critical` wants someone now, `warning` soon, `info` is news. */
export type AlertSeverity = "info" | "warning" | "critical";

/** What happened. */
export type AlertKind =
  | "start"
  | "stop"
  | "out-of-sync"
  | "back-in-sync"
  | "gap-rate"
  | "write-errors"
  | "disk-space-low"
  | "disk-space-ok"
  | "disk-check-failed"
  | "daily-summary";

/** A value of {@linkcode Alert.fields}: plain JSON. */
export type AlertValue = string | number | boolean | null | AlertValue[] | {
  [key: string]: AlertValue;
};

/** One alert, before it is given a body. */
export interface Alert {
  kind: AlertKind;
  severity: AlertSeverity;
  /** The one symbol concerned, when it is one. */
  symbol?: string;
  /** One line or a few, for people. */
  text: string;
  /** The figures behind the text. */
  fields: Record<string, AlertValue>;
  /** When it was raised, epoch ms. */
  at: number;
}

/** How alerts are addressed. */
export interface AlertAddress {
  format: AlertFormat;
  /** Telegram's `chat_id` (required with `telegram`). */
  chatId?: string | number | null;
  /** Names this collector in every message. */
  host?: string | null;
}

/** Telegram refuses a `text` over 4096 characters; Slack folds long ones. Kept under both. */
export const MAX_TEXT_LENGTH = 3500;

const MARK: Record<AlertSeverity, string> = { info: "ℹ️", warning: "⚠️", critical: "🚨" };

/** The line people read: severity mark, `[host]`, the text, cut to {@linkcode MAX_TEXT_LENGTH}. */
export function alertText(alert: Alert, host?: string | null): string {
  const text = `${MARK[alert.severity]} ${host ? `[${host}] ` : ""}${alert.text}`;
  return text.length > MAX_TEXT_LENGTH ? `${text.slice(0, MAX_TEXT_LENGTH - 1)}…` : text;
}

/** The JSON body that posts `alert` in `address.format`. */
export function alertBody(alert: Alert, address: AlertAddress): string {
  const text = alertText(alert, address.host);
  switch (address.format) {
    case "telegram":
      return JSON.stringify({
        chat_id: address.chatId,
        text,
        disable_web_page_preview: true,
      });
    case "slack":
      return JSON.stringify({ text });
    case "json":
      return JSON.stringify({
        kind: alert.kind,
        severity: alert.severity,
        ...(alert.symbol === undefined ? {} : { symbol: alert.symbol }),
        text: alert.text,
        fields: alert.fields,
        ...(address.host ? { host: address.host } : {}),
        at: new Date(alert.at).toISOString(),
      });
  }
}

/** `HH:MM:SS UTC` of an epoch ms, for texts. */
export function clockTime(at: number): string {
  return `${new Date(at).toISOString().slice(11, 19)} UTC`;
}

/** A duration for texts: `45 s`, `5.2 min`, `3.1 h`. */
export function duration(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 2 * 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** `A, B, C and 12 more`: at most `max` names of a list. */
export function someOf(names: readonly string[], max = 5): string {
  if (names.length <= max) return names.join(", ");
  return `${names.slice(0, max).join(", ")} and ${names.length - max} more`;
}
