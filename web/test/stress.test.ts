import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { SECONDS_PER_YEAR, parseClassParams, valueGpu, type ClassParams } from "../../oracle/src/valuation";
import { HealthFlag } from "../../oracle/src/health";
import { shockFactor, shockedValue, stressBook, type StressFleet, type StressVault } from "../lib/math/stress";

const PARAMS = parseClassParams(JSON.parse(readFileSync(new URL("../../oracle/config/classes.json", import.meta.url), "utf8")));
const H100 = PARAMS.get(1)!;
const NOW = 1_800_000_000;
const WAD = 10n ** 18n;

const fleet = (over: Partial<StressFleet> = {}): StressFleet => ({
  fleetId: 1n,
  classId: 1,
  gpuCount: 64,
  value: 64n * 15_000n * WAD,
  utilizationBps: 7_000,
  throughputBps: 9_700,
  healthFlags: 0,
  acquiredAt: NOW - 200 * 86_400,
  ...over,
});

/** The same shock the other way round: the rate that makes the oracle's valueGpu give the published value, found by bisection. */
function viaModel(f: StressFleet, params: ClassParams, rental: number, utilization: number): number {
  const input = { ageYears: (NOW - f.acquiredAt) / SECONDS_PER_YEAR, acquisitionCostPerGpu: 1e12, tflops: (f.throughputBps / 1e4) * params.referenceTflops, healthFlags: f.healthFlags };
  const perGpu = Number(f.value) / 1e18 / f.gpuCount;
  const value = (rate: number, u: number) => valueGpu({ ...input, rentalRatePerHour: rate, utilization: u }, params).value;
  let [lo, hi] = [0, 1];
  while (value(hi, f.utilizationBps / 1e4) < perGpu) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (value(mid, f.utilizationBps / 1e4) < perGpu) lo = mid;
    else hi = mid;
  }
  return value(lo * (1 - rental), (f.utilizationBps / 1e4) * (1 - utilization)) / perGpu;
}

describe("stress test re-pricing", function () {
  it("leaves every value unchanged without a shock", function () {
    assert.equal(shockFactor(fleet(), H100, NOW, { rental: 0, utilization: 0 }), 1);
    assert.equal(shockedValue(fleet(), H100, NOW, { rental: 0, utilization: 0 }), fleet().value);
  });

  it("agrees with the oracle's valueGpu run backwards and forwards, for rental and utilization shocks", function () {
    const cases = [fleet(), fleet({ utilizationBps: 9_500, healthFlags: HealthFlag.ThermalThrottle }), fleet({ throughputBps: 6_000, acquiredAt: NOW - 3 * 365 * 86_400 }), fleet({ classId: 3, gpuCount: 128, value: 128n * 5_000n * WAD })];
    for (const f of cases) {
      const params = PARAMS.get(f.classId)!;
      for (const [rental, utilization] of [[0.1, 0], [0.3, 0], [0, 0.25], [0.2, 0.4], [0.6, 0.6]] as const) {
        const ours = shockFactor(f, params, NOW, { rental, utilization });
        const theirs = Math.min(1, viaModel(f, params, rental, utilization));
        assert.ok(Math.abs(ours - theirs) < 1e-9, `fleet ${JSON.stringify({ ...f, value: String(f.value), fleetId: "1" })} shock ${rental}/${utilization}: ${ours} vs ${theirs}`);
      }
    }
  });

  it("falls faster than the rental index, because operating costs stay", function () {
    const f = shockFactor(fleet(), H100, NOW, { rental: 0.2, utilization: 0 });
    assert.ok(f < 0.8 && f > 0, `factor ${f}`);
    assert.ok(shockFactor(fleet(), H100, NOW, { rental: 0.4, utilization: 0 }) < f);
  });

  it("ignores a utilization shock that stays above the cap, where the model earns nothing more", function () {
    const busy = fleet({ utilizationBps: 10_000 }); // cap 0.8: a 10 % fall still leaves 0.9
    assert.equal(shockFactor(busy, H100, NOW, { rental: 0, utilization: 0.1 }), 1);
    assert.ok(shockFactor(busy, H100, NOW, { rental: 0, utilization: 0.3 }) < 1);
  });

  it("counts liquidatable vaults, their debt and the shortfall the reserve covers", function () {
    const vault = (id: bigint, debt: bigint, f: StressFleet | null, missedPayment = false): StressVault => ({ vaultId: id, debt, liquidationLtv: (WAD * 8n) / 10n, missedPayment, fleet: f });
    const f = fleet();
    const threshold = (f.value * 8n) / 10n;
    const vaults = [
      vault(1n, threshold / 2n, f), // safe under any moderate shock
      vault(2n, (threshold * 95n) / 100n, f), // falls under a modest shock
      vault(3n, 0n, f), // no debt: not counted
      vault(4n, WAD, f, true), // missed a payment: liquidatable regardless
    ];
    const calm = stressBook(vaults, PARAMS, NOW, { rental: 0, utilization: 0 }, 0n);
    assert.equal(calm.liquidatable, 1);
    const shocked = stressBook(vaults, PARAMS, NOW, { rental: 0.1, utilization: 0 }, 10n ** 30n);
    assert.equal(shocked.liquidatable, 2);
    assert.equal(shocked.debtLiquidatable, vaults[1]!.debt + vaults[3]!.debt);
    assert.equal(shocked.reserveCovers, shocked.shortfall);
    const severe = stressBook(vaults, PARAMS, NOW, { rental: 0.9, utilization: 0.9 }, 0n);
    assert.equal(severe.liquidatable, 3);
    assert.ok(severe.shortfall > 0n && severe.reserveCovers === 0n);
  });
});
