/**
 * The Risk page's stress test: every vault re-priced under a shock to the GPU rental index and to utilization, using
 * the oracle's own valuation model (oracle/src/valuation) and the contracts' health formula.
 *
 * The chain publishes each fleet's value and its parts (utilization, throughput, health flags, fresh GPUs), not the
 * rental rate the nodes used. So the rate is implied from the published value: per counted GPU, the model says
 *   value = (rate × u − opCost) × HOURS_PER_YEAR × annuity(horizon) × throughput × health × (1 − haircut)
 * with u = min(utilization, cap), which gives the net income per hour N the value stands for, and rate = (N + opCost) ÷ u.
 * Under a shock the rate becomes rate × (1 − rentalShock) and utilization u × (1 − utilizationShock) (capped as
 * before), and the value scales by N′ ÷ N: the fixed operating cost makes value fall faster than the rental index.
 * Where the published value was bound by book value rather than income, this treats income as equal to it: the least
 * income consistent with the published figure, so the stress never understates a loss.
 */
import { HOURS_PER_YEAR, SECONDS_PER_YEAR, annuityFactor, healthFactor } from "../../../oracle/src/valuation/model";
import { operatingCostPerHour, type ClassParams as ValuationParams } from "../../../oracle/src/valuation/params";
import { WAD } from "./fixed";
import { health } from "./vault";

export type { ValuationParams };

export type Shock = { rental: number; utilization: number };

/** A fleet as the chain stores it (FleetOracle.fleetState, which caches the registry's class and GPU count). */
export type StressFleet = {
  fleetId: bigint;
  classId: number;
  /** GPUs in the fleet. The value counts only GPUs with fresh reports, so a fleet with stale GPUs looks poorer per GPU
   * here, its operating cost weighs more, and the stress errs on the side of loss. */
  gpuCount: number;
  value: bigint; // [wad] liquidation value
  utilizationBps: number;
  throughputBps: number;
  healthFlags: number;
  acquiredAt: number; // [unix s]
};

export type StressVault = {
  vaultId: bigint;
  debt: bigint; // [wad]
  liquidationLtv: bigint; // [wad]
  /** Liquidatable for a missed payment already (a price shock cannot cure that). */
  missedPayment: boolean;
  fleet: StressFleet | null;
};

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** HOURS_PER_YEAR × annuity(horizon) × throughput × health × (1 − model haircut): one GPU's value per USD/hour of net income. */
export function valuePerNetIncome(fleet: StressFleet, params: ValuationParams, now: number): number {
  const ageYears = Math.max(0, now - fleet.acquiredAt) / SECONDS_PER_YEAR;
  const horizon = Math.min(Math.max(0, params.usefulLifeYears - ageYears), params.incomeHorizonCapYears);
  const throughput = Math.min(1, fleet.throughputBps / 10_000);
  return HOURS_PER_YEAR * annuityFactor(horizon, params.discountRate) * throughput * healthFactor(fleet.healthFlags, params) * (1 - params.haircuts.model);
}

/** N′ ÷ N for one fleet: the factor its value is multiplied by under the shock (1 without a shock, between 0 and 1). */
export function shockFactor(fleet: StressFleet, params: ValuationParams, now: number, shock: Shock): number {
  const rentalShock = clamp01(shock.rental);
  const utilizationShock = clamp01(shock.utilization);
  if (rentalShock === 0 && utilizationShock === 0) return 1;
  const k = valuePerNetIncome(fleet, params, now);
  const utilization = fleet.utilizationBps / 10_000;
  const used = Math.min(utilization, params.utilizationCap);
  // Nothing to infer a rate from (a zero factor or no utilization): the value moves with the rental index alone.
  if (k <= 0 || used <= 0 || fleet.gpuCount <= 0) return 1 - rentalShock;
  const net = usdOf(fleet.value) / fleet.gpuCount / k; // N [USD per GPU-hour]
  if (net <= 0) return 0;
  const opCost = operatingCostPerHour(params);
  const rate = (net + opCost) / used; // the implied rental rate [USD per GPU-hour]
  const shockedUsed = Math.min(utilization * (1 - utilizationShock), params.utilizationCap);
  const shockedNet = Math.max(0, rate * (1 - rentalShock) * shockedUsed - opCost);
  return Math.min(1, shockedNet / net);
}

const usdOf = (wad: bigint) => Number(wad / 10n ** 12n) / 1e6;
const FACTOR_SCALE = 1_000_000_000n;

/** The fleet's value under the shock [wad], never above the published value. */
export function shockedValue(fleet: StressFleet, params: ValuationParams, now: number, shock: Shock): bigint {
  const factor = shockFactor(fleet, params, now, shock);
  return (fleet.value * BigInt(Math.floor(factor * 1e9))) / FACTOR_SCALE;
}

export type StressResult = {
  vaults: { vaultId: bigint; debt: bigint; value: bigint; health: bigint; liquidatable: boolean }[];
  liquidatable: number;
  debtLiquidatable: bigint;
  /** Σ max(0, debt − shocked value) over liquidatable vaults: what their sales would leave unpaid at the oracle value. */
  shortfall: bigint;
  /** The part of the shortfall the reserve's uncommitted buffer covers. */
  reserveCovers: bigint;
};

/** Every vault with debt, re-priced under `shock`; a vault is liquidatable if shocked health < 1 or it missed a payment. */
export function stressBook(vaults: readonly StressVault[], params: ReadonlyMap<number, ValuationParams>, now: number, shock: Shock, reserveBuffer: bigint): StressResult {
  const rows = [];
  let liquidatable = 0;
  let debtLiquidatable = 0n;
  let shortfall = 0n;
  for (const v of vaults) {
    if (v.debt === 0n) continue;
    const p = v.fleet ? params.get(v.fleet.classId) : undefined;
    const value = v.fleet ? (p ? shockedValue(v.fleet, p, now, shock) : v.fleet.value) : 0n;
    const h = health(value, v.liquidationLtv, v.debt);
    const isLiquidatable = v.missedPayment || h < WAD;
    if (isLiquidatable) {
      liquidatable++;
      debtLiquidatable += v.debt;
      if (v.debt > value) shortfall += v.debt - value;
    }
    rows.push({ vaultId: v.vaultId, debt: v.debt, value, health: h, liquidatable: isLiquidatable });
  }
  return { vaults: rows, liquidatable, debtLiquidatable, shortfall, reserveCovers: shortfall < reserveBuffer ? shortfall : reserveBuffer };
}
