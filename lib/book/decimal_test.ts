import assert from "node:assert/strict";
import { isZeroQuantity, parsePrice, parseQuantity } from "./decimal.ts";

Deno.test("isZeroQuantity() is true for every spelling of zero", () => {
  for (const zero of ["0", "0.00000000", "0.0", "00", ".0", "0.", "-0", "-0.000", "0e5", "+0"]) {
    assert.equal(isZeroQuantity(zero), true, zero);
  }
});

Deno.test("isZeroQuantity() is false for non-zero quantities", () => {
  for (const q of ["1", "0.00000001", "1.00000000", "0.10995000", "10", "1e-8", "-1", "0.2"]) {
    assert.equal(isZeroQuantity(q), false, q);
  }
});

Deno.test("isZeroQuantity() throws on strings that are not numbers", () => {
  for (const bad of ["", " ", "abc", "-", "0x", "."]) {
    assert.throws(() => isZeroQuantity(bad), /Invalid quantity/, JSON.stringify(bad));
  }
});

Deno.test("parsePrice() equals Number() on decimal strings and rejects the rest", () => {
  for (const p of ["61830.17000000", "0.00001234", "1", "1e3", "100.0", "0"]) {
    assert.equal(parsePrice(p), Number(p));
  }
  for (const bad of ["", "  ", "abc", "NaN", "Infinity", "-Infinity", "1,5"]) {
    assert.throws(() => parsePrice(bad), /Invalid price/, JSON.stringify(bad));
  }
});

Deno.test("parsePrice() equals Number() on random decimal strings (fast path and fallback)", () => {
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join("");
  for (let k = 0; k < 20_000; k++) {
    const whole = digits(Math.floor(random() * 12));
    const fraction = digits(Math.floor(random() * 12));
    const zeros = "0".repeat(Math.floor(random() * 4));
    const text = random() < 0.2 ? whole : `${whole}.${fraction}${zeros}`;
    if (text === "" || text === ".") continue;
    assert.equal(parsePrice(text), Number(text), text);
  }
});

Deno.test("parseQuantity() is Number() on decimals and zero exactly where isZeroQuantity() is", () => {
  for (const q of ["0", "0.00000000", "1", "0.10995000", "1e-8", "-1", "+0", "0e5", "12.5"]) {
    assert.equal(parseQuantity(q), Number(q), q);
  }
  for (const zero of ["0.0.0", "..", "00"]) assert.equal(parseQuantity(zero), 0, zero);
  assert.ok(Number.isNaN(parseQuantity("1abc")));
  assert.equal(parseQuantity("1e-400"), Number.MIN_VALUE);
  assert.equal(parseQuantity("Infinity"), Infinity);
  for (const bad of ["", " ", "abc", "-", "0x", "."]) {
    assert.throws(() => parseQuantity(bad), {
      name: "TypeError",
      message: `Invalid quantity ${JSON.stringify(bad)}: expected a decimal string`,
    });
  }
});

Deno.test("parseQuantity() throws and is zero exactly where isZeroQuantity() does, on any string", () => {
  let seed = 777;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const alphabet = "000000.....123456789-+eE xa";
  for (let k = 0; k < 50_000; k++) {
    const length = Math.floor(random() * 7);
    let text = "";
    for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
    let zero: boolean | Error;
    let parsed: number | Error;
    try {
      zero = isZeroQuantity(text);
    } catch (error) {
      zero = error as Error;
    }
    try {
      parsed = parseQuantity(text);
    } catch (error) {
      parsed = error as Error;
    }
    if (zero instanceof Error) {
      assert.ok(parsed instanceof Error, JSON.stringify(text));
      assert.equal(parsed.message, zero.message);
    } else {
      assert.equal(typeof parsed, "number", JSON.stringify(text));
      assert.equal(parsed === 0, zero, JSON.stringify(text));
      if (!Number.isNaN(Number(text))) {
        assert.ok(parsed === Number(text) || parsed === Number.MIN_VALUE);
      }
    }
  }
});
