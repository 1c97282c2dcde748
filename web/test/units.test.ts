import { strict as assert } from "node:assert";
import { GPUSD, USDC, formatAmount, formatDuration, parseAmount, toInput } from "../lib/units";

describe("amount entry", function () {
  it("parses whole and fractional amounts into base units, ignoring thousands separators", function () {
    assert.deepEqual(parseAmount("1,250.5", USDC), { value: 1_250_500_000n, error: null });
    assert.deepEqual(parseAmount("0.000001", USDC), { value: 1n, error: null });
    assert.deepEqual(parseAmount(".5", GPUSD), { value: 5n * 10n ** 17n, error: null });
  });

  it("says nothing for an empty field, and names each problem otherwise", function () {
    assert.deepEqual(parseAmount("  ", USDC), { value: null, error: null });
    assert.equal(parseAmount("abc", USDC).error, "Enter a number, such as 1250.50.");
    assert.equal(parseAmount("1.2.3", USDC).error, "Enter a number, such as 1250.50.");
    assert.equal(parseAmount("0.00", USDC).error, "Enter an amount above zero.");
    assert.equal(parseAmount("1.0000001", USDC).error, "USDC has 6 decimals; this amount has 7.");
    assert.equal(parseAmount("10.5", USDC, { balance: 10_000_000n }).error, "Your balance is too low: you have 10.00 USDC.");
    const max = { value: 5n * 10n ** 18n, message: (m: string) => `Above your max borrow of ${m} GPUSD.` };
    assert.equal(parseAmount("5.000000000000000001", GPUSD, { max }).error, "Above your max borrow of 5.00 GPUSD.");
    assert.deepEqual(parseAmount("5", GPUSD, { max }), { value: 5n * 10n ** 18n, error: null });
  });

  it("checks the balance before the maximum, so the first thing to fix is named first", function () {
    const r = parseAmount("20", USDC, { balance: 1_000_000n, max: { value: 2_000_000n, message: () => "max" } });
    assert.match(r.error!, /balance is too low/);
  });

  it("formats rounding down and writes back exactly what Max puts in the field", function () {
    assert.equal(formatAmount(1_234_567_899n, 6), "1,234.56");
    assert.equal(formatAmount(10n ** 24n + 5n * 10n ** 19n, 24, 4), "1.0000");
    assert.equal(formatAmount(-15n * 10n ** 17n, 18), "-1.50");
    for (const v of [0n, 1n, 10n ** 18n, 123_456_789_012_345_678_901n]) {
      assert.equal(parseAmount(toInput(v, 18), GPUSD).value ?? 0n, v);
    }
  });

  it("describes waits in days, hours and minutes", function () {
    assert.equal(formatDuration(30), "under a minute");
    assert.equal(formatDuration(25 * 60), "25 min");
    assert.equal(formatDuration(3 * 3600 + 120), "3 h 2 min");
    assert.equal(formatDuration(3 * 86_400 + 4 * 3600), "3 d 4 h");
  });
});
