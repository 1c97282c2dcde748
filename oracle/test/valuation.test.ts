import assert from "node:assert/strict";
import { describe, it } from "mocha";
import type { Hex } from "viem";
import { HealthFlag } from "../src/health.js";
import {
  ClassParamsError,
  SECONDS_PER_YEAR,
  classIndex,
  loadClassParams,
  parseClassParams,
  valueFleet,
  type ClassParams,
  type FleetRecord,
  type GpuObservation,
} from "../src/valuation/index.js";
import { readFileSync } from "node:fs";
import { DEFAULT_CLASSES_PATH } from "../src/valuation/params.js";

const WAD = 10n ** 18n;
const NOW = 1_767_225_600; // 2026-01-01T00:00:00Z
const HOUR = 3600;
const rawConfig = () => JSON.parse(readFileSync(DEFAULT_CLASSES_PATH, "utf8")) as { classes: Record<string, unknown>[] };
const classes = parseClassParams(rawConfig());
const H100 = classes.get(1)!;
const A100 = classes.get(3)!;

const gpuHash = (i: number) => `0x${i.toString(16).padStart(64, "0")}` as Hex;
const obs = (i: number, over: Partial<GpuObservation> = {}): GpuObservation => ({
  gpuUuidHash: gpuHash(i),
  observedAt: NOW - 60,
  tflops: 750,
  bandwidthGBps: 3000,
  utilizationBps: 8500,
  powerWatts: 620,
  healthFlags: 0,
  replay: false,
  ...over,
});
/** The README's worked example: 8 H100s bought a year ago for $280,000, rented at $2.00 an hour. */
const exampleFleet: FleetRecord = { fleetId: 7n, classId: 1, gpuCount: 8, acquiredAt: NOW - SECONDS_PER_YEAR, acquisitionCost: 280_000n * WAD };
const exampleObservations: GpuObservation[] = [
  ...[1, 2, 3, 4, 5, 6].map((i) => obs(i)),
  obs(7, { tflops: 705, utilizationBps: 6000, healthFlags: HealthFlag.ThermalThrottle }),
  obs(8, { healthFlags: HealthFlag.EccUncorrected }),
];
const value = (over: { fleet?: Partial<FleetRecord>; observations?: GpuObservation[]; rate?: number; params?: ClassParams; excludeReplays?: boolean } = {}) =>
  valueFleet({
    fleet: { ...exampleFleet, ...over.fleet },
    observations: over.observations ?? exampleObservations,
    rentalRatePerHour: over.rate ?? 2,
    params: over.params ?? H100,
    now: NOW,
    maxReportAge: HOUR,
    excludeReplays: over.excludeReplays,
  });

describe("valuation parameters", () => {
  it("ships one entry per on-chain GPU class, with datasheet peaks and a rental index key", () => {
    assert.deepEqual([...classes.keys()], [1, 2, 3]);
    assert.deepEqual(
      [...classes.values()].map((c) => [c.key, c.peakTflops, c.peakBandwidthGBps, c.rentalIndexKey]),
      [
        ["H100-SXM", 989, 3350, "H100-SXM"],
        ["H200-SXM", 989, 4800, "H200-SXM"],
        ["A100-SXM-80GB", 312, 2039, "A100-SXM-80GB"],
      ],
    );
  });

  it("loads the shipped file from disk", async () => {
    assert.deepEqual(await loadClassParams(), classes);
  });

  it("names the field, the value and the fix when a number is out of range", () => {
    const config = rawConfig();
    config.classes[0]!.usefulLifeYears = -2;
    assert.throws(
      () => parseClassParams(config),
      (e: Error) =>
        e instanceof ClassParamsError && e.message === "classes.json: class 1 usefulLifeYears -2 must be > 0 and ≤ 30; set the expected service life in years",
    );
  });

  it("refuses a number without a source", () => {
    const config = rawConfig();
    delete (config.classes[1]!.sources as Record<string, string>)["operatingCost.pue"];
    assert.throws(() => parseClassParams(config), /class 2 operatingCost.pue 1.3 has no sources\["operatingCost.pue"\]/);
  });

  it("refuses a haircut for a critical flag, which always zeroes the GPU", () => {
    const config = rawConfig();
    (config.classes[0]!.haircuts as { flags: Record<string, number> }).flags.EccUncorrected = 0.5;
    assert.throws(() => parseClassParams(config), /class 1 haircuts.flags.EccUncorrected is not a non-critical health flag/);
  });

  it("refuses a missing haircut, a reference above peak and a duplicate class", () => {
    const missing = rawConfig();
    delete (missing.classes[2]!.haircuts as { flags: Record<string, number> }).flags.PcieDegraded;
    assert.throws(() => parseClassParams(missing), /class 3 haircuts.flags.PcieDegraded undefined must be a number/);
    const above = rawConfig();
    above.classes[0]!.referenceTflops = 1000;
    assert.throws(() => parseClassParams(above), /class 1 referenceTflops 1000 must be ≤ peakTflops 989/);
    const twice = rawConfig();
    twice.classes[1]!.classId = 1;
    assert.throws(() => parseClassParams(twice), /class 1 appears twice/);
  });
});

describe("valuation model: worked example (README)", () => {
  it("uses the parameters the README quotes", () => {
    assert.equal(H100.referenceTflops, 742);
    assert.equal(H100.usefulLifeYears, 5);
    assert.equal(H100.incomeHorizonCapYears, 3);
    assert.deepEqual(H100.depreciation, { curve: "declining-balance", annualRate: 0.3 });
    assert.equal(H100.residualFloor, 0.1);
    assert.equal(H100.utilizationCap, 0.8);
    assert.deepEqual(H100.operatingCost, { powerKw: 1.275, usdPerKwh: 0.085, pue: 1.3, fixedUsdPerHour: 0.29 });
    assert.equal(H100.discountRate, 0.12);
    assert.equal(H100.haircuts.model, 0.1);
    assert.equal(H100.haircuts.flags.ThermalThrottle, 0.1);
  });

  it("matches the formula recomputed here, and pins the wad", () => {
    // Independent of the model's code: the formula written out with the README's numbers.
    const opCost = 1.275 * 0.085 * 1.3 + 0.29; // 0.4308875 $/h
    const annuity = (1 - Math.pow(1.12, -3)) / Math.log(1.12); // horizon min(5 − 1, 3) = 3 years
    const income = (u: number) => Math.max(0, 2 * Math.min(u, 0.8) - opCost) * 8766 * annuity;
    const book = Math.max(35_000 * 0.7, 3_500); // one year of 30 % declining balance
    const healthy = Math.min(income(0.85), book) * 1 * 1 * 0.9; // 750 TFLOP/s ≥ 742: factor 1
    const throttled = Math.min(income(0.6), book) * (705 / 742) * 0.9 * 0.9;
    assert.equal(healthy, 22_050); // book binds: income(0.8) ≈ 26,064
    assert.ok(Math.abs(throttled - 13_196.0957) < 1e-3, String(throttled));

    const v = value();
    const cents = (usd: number) => BigInt(Math.floor(usd * 100));
    assert.equal(v.value.value, (6n * cents(healthy) + cents(throttled) + 0n) * 10n ** 16n);
    assert.equal(v.value.value, 145_496_090_000_000_000_000_000n); // $145,496.09
    assert.deepEqual(v.value, {
      fleetId: 7n,
      value: 145_496_090_000_000_000_000_000n,
      throughputBps: 10_032, // (7 × 750 + 705) ÷ 8 ÷ 742 = 1.00323…, uncapped
      utilizationBps: 8187, // (7 × 8500 + 6000) ÷ 8 = 8187.5, rounded down
      healthFlags: HealthFlag.ThermalThrottle | HealthFlag.EccUncorrected,
      freshGpus: 8,
    });
    assert.equal(v.parts.bookPerGpu, 24_500);
    assert.equal(v.parts.annuityFactor, annuity);
    assert.equal(v.parts.operatingCostPerHour, opCost);
    assert.ok(Math.abs(v.gpus.find((g) => g.gpuUuidHash === gpuHash(1))!.income - income(0.85)) < 1e-9);
  });

  it("publishes parts that reproduce the fleet value exactly", () => {
    const v = value();
    assert.equal(
      v.gpus.reduce((sum, g) => sum + g.valueWad, 0n),
      v.value.value,
    );
    for (const g of v.gpus) {
      assert.equal(g.value, Math.min(g.income, g.book) * g.throughputFactor * g.healthFactor * g.modelFactor);
      assert.equal(g.valueWad, BigInt(Math.floor(g.value * 100)) * 10n ** 16n);
    }
    assert.equal(v.parts.valueUsd, 145_496.09);
  });
});

describe("valuation model: boundaries", () => {
  it("values an idle GPU at nothing, whatever its book value", () => {
    const v = value({ observations: [obs(1, { utilizationBps: 0 })] });
    assert.equal(v.parts.bookPerGpu, 24_500);
    assert.equal(v.gpus[0]!.income, 0);
    assert.equal(v.value.value, 0n);
    assert.equal(v.value.freshGpus, 1);
  });

  it("never lets operating cost push income below zero", () => {
    const v = value({ observations: [obs(1, { utilizationBps: 1000 })] }); // 2 × 0.1 = $0.20/h < $0.43/h cost
    assert.equal(v.gpus[0]!.netPerHour, 0);
    assert.equal(v.value.value, 0n);
  });

  it("zeroes a GPU with a critical fault and leaves the others alone", () => {
    const healthy = value({ observations: [obs(1), obs(2)] });
    for (const critical of [HealthFlag.EccUncorrected, HealthFlag.MemoryRetirementFailed, HealthFlag.EccUncorrected | HealthFlag.ThermalThrottle]) {
      const v = value({ observations: [obs(1), obs(2, { healthFlags: critical })] });
      assert.equal(v.gpus.find((g) => g.gpuUuidHash === gpuHash(2))!.valueWad, 0n);
      assert.equal(v.value.value, healthy.value.value / 2n);
      assert.equal(v.value.freshGpus, 2);
    }
  });

  it("treats a health bit the model does not know as critical", () => {
    const v = value({ observations: [obs(1, { healthFlags: 1 << 12 })] });
    assert.equal(v.value.value, 0n);
  });

  it("applies one haircut per non-critical flag", () => {
    const clean = value({ observations: [obs(1)] }).gpus[0]!.value;
    const both = value({ observations: [obs(1, { healthFlags: HealthFlag.PcieDegraded | HealthFlag.PowerThrottle })] }).gpus[0]!;
    assert.equal(both.healthFactor, 0.9 * 0.95);
    assert.equal(both.value, clean * 0.9 * 0.95);
  });

  it("counts a GPU without a fresh report for nothing", () => {
    const all = value({ observations: [obs(1), obs(2), obs(3)] });
    const stale = value({ observations: [obs(1), obs(2), obs(3, { observedAt: NOW - HOUR - 1 })] });
    const future = value({ observations: [obs(1), obs(2), obs(3, { observedAt: NOW + 1 })] });
    const edge = value({ observations: [obs(1), obs(2), obs(3, { observedAt: NOW - HOUR })] });
    assert.equal(all.value.value, 3n * 22_050n * WAD);
    for (const v of [stale, future]) {
      assert.equal(v.value.value, 2n * 22_050n * WAD);
      assert.equal(v.value.freshGpus, 2);
      assert.equal(v.parts.reports.stale, 1);
    }
    assert.equal(edge.value.value, all.value.value); // exactly maxReportAge old is still fresh
    const none = value({ observations: [] });
    assert.deepEqual(none.value, { fleetId: 7n, value: 0n, throughputBps: 0, utilizationBps: 0, healthFlags: 0, freshGpus: 0 });
  });

  it("caps throughput above the reference at 1× but reports the ratio", () => {
    const atRef = value({ observations: [obs(1, { tflops: 742 })] });
    const above = value({ observations: [obs(1, { tflops: 742 * 1.5 })] });
    const below = value({ observations: [obs(1, { tflops: 742 * 0.5 })] });
    assert.equal(above.value.value, atRef.value.value);
    assert.equal(above.value.throughputBps, 15_000);
    assert.equal(below.value.value, atRef.value.value / 2n);
    const absurd = value({ observations: [obs(1, { tflops: 742 * 100 })] });
    assert.equal(absurd.value.throughputBps, 0xffff); // clamped to uint16
  });

  it("counts duplicate reports for one GPU once, using the newest", () => {
    const v = value({
      observations: [
        obs(1, { observedAt: NOW - 600, utilizationBps: 8500 }),
        obs(1, { observedAt: NOW - 60, utilizationBps: 6000 }),
        obs(1, { observedAt: NOW - 300, utilizationBps: 8500 }),
      ],
    });
    assert.equal(v.value.freshGpus, 1);
    assert.equal(v.value.utilizationBps, 6000);
    assert.equal(v.parts.reports.superseded, 2);
  });

  it("takes the lower value when two reports for one GPU are equally new, whatever the hash's case", () => {
    const upper = gpuHash(0xab).toUpperCase().replace("0X", "0x") as Hex;
    const order1 = value({ observations: [obs(0xab, { tflops: 700 }), { ...obs(0xab), gpuUuidHash: upper }] });
    const order2 = value({ observations: [{ ...obs(0xab), gpuUuidHash: upper }, obs(0xab, { tflops: 700 })] });
    assert.equal(order1.value.freshGpus, 1);
    assert.equal(order1.value.value, order2.value.value);
    assert.equal(order1.gpus[0]!.tflops, 700);
  });

  it("counts at most gpuCount GPUs, keeping the lowest-valued", () => {
    const v = value({ fleet: { gpuCount: 2, acquisitionCost: 70_000n * WAD }, observations: [obs(1), obs(2, { tflops: 371 }), obs(3, { utilizationBps: 0 })] });
    assert.equal(v.value.freshGpus, 2);
    assert.equal(v.parts.reports.overCount, 1);
    assert.deepEqual(v.gpus.map((g) => g.gpuUuidHash), [gpuHash(3), gpuHash(2)]);
    assert.equal(v.value.value, 11_025n * WAD);
  });

  it("holds book value at the residual floor, and values nothing past the useful life", () => {
    const steep: ClassParams = { ...H100, depreciation: { curve: "declining-balance", annualRate: 0.6 } };
    const threeYears = value({ params: steep, fleet: { acquiredAt: NOW - 3 * SECONDS_PER_YEAR }, observations: [obs(1)] });
    assert.equal(threeYears.parts.bookPerGpu, 3_500); // 35,000 × 0.4³ = 2,240 < floor 3,500
    assert.equal(threeYears.value.value, 3_150n * WAD); // floor × 0.9 model haircut; income (2 years left) is higher

    const straight: ClassParams = { ...H100, depreciation: { curve: "straight-line" } };
    const half = value({ params: straight, fleet: { acquiredAt: NOW - 2.5 * SECONDS_PER_YEAR }, observations: [obs(1)] });
    assert.equal(half.parts.bookPerGpu, 35_000 - 31_500 / 2);

    for (const years of [5, 7]) {
      const old = value({ fleet: { acquiredAt: NOW - years * SECONDS_PER_YEAR }, observations: [obs(1)] });
      assert.equal(old.parts.remainingLifeYears, 0);
      assert.equal(old.parts.bookPerGpu, Math.max(35_000 * 0.7 ** years, 3_500));
      assert.equal(old.value.value, 0n); // no income horizon left: min(income 0, book) = 0
    }
  });

  it("shortens the income horizon as the end of life nears", () => {
    const fourYears = value({ fleet: { acquiredAt: NOW - 4 * SECONDS_PER_YEAR }, observations: [obs(1)] });
    assert.equal(fourYears.parts.horizonYears, 1);
    assert.ok(Math.abs(fourYears.gpus[0]!.income - (2 * 0.8 - 0.4308875) * 8766 * (1 - 1 / 1.12) / Math.log(1.12)) < 1e-6);
  });

  it("rounds each GPU down to whole cents", () => {
    const v = value({ observations: [obs(7, { tflops: 705, utilizationBps: 6000, healthFlags: HealthFlag.ThermalThrottle })] });
    assert.ok(v.gpus[0]!.value > 13_196.09 && v.gpus[0]!.value < 13_196.1);
    assert.equal(v.value.value, 1_319_609n * 10n ** 16n);
  });

  it("splits the acquisition cost per GPU in integers, rounded down to the micro-dollar", () => {
    const v = value({ fleet: { gpuCount: 3, acquisitionCost: 100_000n * WAD + 2n }, observations: [obs(1)] });
    assert.equal(v.parts.acquisitionCostPerGpu, 33_333.333333);
  });

  it("leaves replays out only when asked", () => {
    const observations = [obs(1), obs(2, { replay: true })];
    assert.equal(value({ observations }).value.freshGpus, 2);
    assert.equal(value({ observations }).parts.reports.replays, 1);
    const strict = value({ observations, excludeReplays: true });
    assert.equal(strict.value.freshGpus, 1);
    assert.equal(strict.parts.reports.excludedReplays, 1);
  });

  it("refuses another class's parameters and nonsense inputs", () => {
    assert.throws(() => value({ params: A100 }), /fleet 7 is class 1 but was given class 3 parameters/);
    assert.throws(() => value({ rate: Number.NaN }), /rentalRatePerHour NaN must be a finite number ≥ 0/);
    assert.throws(() => value({ fleet: { gpuCount: 0 } }), /gpuCount 0 must be a positive integer/);
    assert.throws(() => value({ observations: [obs(1, { tflops: -1 })] }), /tflops -1 must be a finite number/);
  });
});

describe("class index", () => {
  const fleetOf = (fleetId: bigint, rates: number[]) =>
    valueFleet({
      fleet: { ...exampleFleet, fleetId, gpuCount: rates.length, acquisitionCost: BigInt(rates.length) * 35_000n * WAD },
      observations: rates.map((u, i) => obs(Number(fleetId) * 100 + i, { utilizationBps: u })),
      rentalRatePerHour: 2,
      params: H100,
      now: NOW,
      maxReportAge: HOUR,
    });

  it("is the median value per fresh GPU over the class's fleets", () => {
    const a = fleetOf(1n, [8000, 0]); // 22,050 and 0
    const b = fleetOf(2n, [5000]); // income-bound
    const mid = b.gpus[0]!.valueWad;
    assert.ok(mid > 0n && mid < 22_050n * WAD);
    assert.deepEqual(classIndex(1, [a, b]), { classId: 1, valuePerGpu: mid });
    // even count: the two middle values averaged, rounded down
    const c = fleetOf(3n, [8000]);
    assert.deepEqual(classIndex(1, [a, b, c]), { classId: 1, valuePerGpu: (mid + 22_050n * WAD) / 2n });
  });

  it("ignores other classes and has no index without a fresh GPU", () => {
    const a = fleetOf(1n, [8000]);
    assert.equal(classIndex(2, [a]), undefined);
    assert.equal(classIndex(1, [value({ observations: [] })]), undefined);
  });
});
