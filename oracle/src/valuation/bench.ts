/**
 * Timing for `npm run bench:oracle`: values `fleets × gpusPerFleet` fresh GPU reports (10,000 by default) and returns
 * the best of a few runs, after a warm-up. Synthetic but realistic inputs: every report passes the freshness filter
 * and is valued, with a sprinkle of duplicates, flags and stale reports so every branch runs.
 *
 * By hand: `npx tsx oracle/src/valuation/bench.ts`
 */
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import type { Hex } from "viem";
import { HealthFlag } from "../health.js";
import { SECONDS_PER_YEAR, classIndex, valueFleet, type FleetRecord, type FleetValuation, type GpuObservation } from "./model.js";
import { loadClassParams, type ClassParams } from "./params.js";

export type ValuationBench = { reports: number; fleets: number; firstMs: number; bestMs: number; medianMs: number; runs: number };

export function benchFleets(fleets: number, gpusPerFleet: number, now: number): { fleet: FleetRecord; observations: GpuObservation[] }[] {
  return Array.from({ length: fleets }, (_, f) => ({
    fleet: { fleetId: BigInt(f + 1), classId: 1, gpuCount: gpusPerFleet, acquiredAt: now - SECONDS_PER_YEAR, acquisitionCost: BigInt(gpusPerFleet) * 35_000n * 10n ** 18n },
    observations: Array.from({ length: gpusPerFleet }, (_, g) => ({
      gpuUuidHash: `0x${(f * 100_000 + (g % 97 === 96 ? g - 1 : g)).toString(16).padStart(64, "0")}` as Hex, // ~1 % duplicates
      observedAt: now - (g % 50 === 49 ? 7200 : 60 + g), // 2 % stale
      tflops: 690 + (g % 80),
      bandwidthGBps: 3000,
      utilizationBps: 5000 + ((g * 37) % 5000),
      powerWatts: 600,
      healthFlags: g % 23 === 0 ? HealthFlag.ThermalThrottle : g % 101 === 0 ? HealthFlag.EccUncorrected : 0,
      replay: false,
    })),
  }));
}

export function benchValuation(params: ClassParams, options: { fleets?: number; gpusPerFleet?: number; runs?: number } = {}): ValuationBench {
  const { fleets = 100, gpusPerFleet = 100, runs = 7 } = options;
  const now = 1_767_225_600;
  const inputs = benchFleets(fleets, gpusPerFleet, now);
  const once = (): FleetValuation[] => {
    const valued = inputs.map(({ fleet, observations }) => valueFleet({ fleet, observations, rentalRatePerHour: 2.2, params, now, maxReportAge: 3600 }));
    classIndex(1, valued);
    return valued;
  };
  const cold = performance.now();
  once(); // the first run, before the JIT has warmed up: what a freshly started node pays
  const firstMs = performance.now() - cold;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    once();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { reports: fleets * gpusPerFleet, fleets, firstMs, bestMs: times[0]!, medianMs: times[runs >> 1]!, runs };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const params = (await loadClassParams()).get(1)!;
  console.log(JSON.stringify(benchValuation(params)));
}
