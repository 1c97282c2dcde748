/**
 * The stress test's expected answer, computed apart from the app: every vault read straight from the engine, every
 * fleet re-priced by running the oracle's own `valueGpu` (not the app's closed form): the rental rate that reproduces
 * the published value is found by bisection, then the shocked rate and utilization are fed back in. Health is the
 * contracts' formula written out here in bigint.
 */
import { SECONDS_PER_YEAR, loadClassParams, valueGpu, type ClassParams } from "../../oracle/src/valuation/index.js";
import type { DemoState } from "../../scripts/lib/demo.js";

const WAD = 10n ** 18n;

/** The per-GPU rental rate [USD/h] at which valueGpu gives `target` USD (book value kept out of the way). */
function impliedRate(target: number, input: { utilization: number; ageYears: number; tflops: number; healthFlags: number }, params: ClassParams): number {
  const value = (rate: number) => valueGpu({ rentalRatePerHour: rate, acquisitionCostPerGpu: 1e12, ...input }, params).value;
  let lo = 0;
  let hi = 1;
  while (value(hi) < target) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (value(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export async function expectedStressCount(d: DemoState, now: number, shock: { rental: number; utilization: number }) {
  const params = await loadClassParams();
  const last = await d.engine.read.lastVaultId();
  let count = 0;
  let closest = Infinity;
  for (let id = 1n; id <= last; id++) {
    const vault = await d.engine.read.vault([id]);
    const debt = await d.engine.read.debtOf([id]);
    if (vault.owner === "0x0000000000000000000000000000000000000000" || debt === 0n) continue;
    const [, , missed] = await d.engine.read.isLiquidatable([id]);
    if (missed) {
      count++;
      continue;
    }
    const fleetId = BigInt(vault.fleetId);
    const state = await d.oracle.read.fleetState([fleetId]);
    const fleet = await d.registry.read.fleet([fleetId]);
    const p = params.get(fleet.classId)!;
    const liquidationLtv = (await d.engine.read.classParams([fleet.classId])).liquidationLtv;
    const perGpu = Number(state.value) / 1e18 / fleet.gpuCount;
    const input = {
      utilization: state.utilizationBps / 10_000,
      ageYears: Math.max(0, now - fleet.acquiredAt) / SECONDS_PER_YEAR,
      tflops: (state.throughputBps / 10_000) * p.referenceTflops,
      healthFlags: state.healthFlags,
    };
    let ratio = 1;
    if (shock.rental > 0 || shock.utilization > 0) {
      const rate = impliedRate(perGpu, input, p);
      const shocked = valueGpu({ rentalRatePerHour: rate * (1 - shock.rental), acquisitionCostPerGpu: 1e12, ...input, utilization: input.utilization * (1 - shock.utilization) }, p).value;
      ratio = Math.min(1, shocked / perGpu);
    }
    const value = BigInt(Math.floor(Number(state.value) * ratio));
    // Health.compute: ⌊⌊value × ltv ÷ WAD⌋ × WAD ÷ debt⌋, liquidatable below WAD.
    const health = (((value * liquidationLtv) / WAD) * WAD) / debt;
    closest = Math.min(closest, Math.abs(Number(health) / 1e18 - 1));
    if (health < WAD) count++;
  }
  if (closest < 1e-6) throw new Error(`a vault sits within 1e-6 of health 1 under shock ${JSON.stringify(shock)}; pick another shock`);
  return { count, closest };
}
