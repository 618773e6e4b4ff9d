/**
 * Symbol names as the command line and configuration accept them. A symbol becomes a directory
 * name and part of a URL, so only letters and digits pass.
 *
 * @module
 */
import { UsageError } from "./errors.ts";

const SYMBOL = /^[A-Za-z0-9]{1,32}$/;

/** What a valid symbol looks like, completing "expected …". */
export const SYMBOL_EXPECTED = "letters and digits";

/** Whether `text` is a valid symbol (letters and digits, 1 to 32 of them), in any case. */
export function isSymbol(text: string): boolean {
  return SYMBOL.test(text);
}

/**
 * `symbol` upper-cased (`"btcusdt"` → `"BTCUSDT"`); anything but letters and digits
 * (`"btc/usdt"`, `"../x"`, `""`) is a {@linkcode UsageError}.
 */
export function validateSymbol(symbol: string): string {
  if (!isSymbol(symbol)) {
    throw new UsageError(`Invalid symbol ${JSON.stringify(symbol)}: expected ${SYMBOL_EXPECTED}`);
  }
  return symbol.toUpperCase();
}
