/**
 * The valuation model: pure functions from a fleet's registry record, its GPUs' reports, a rental rate and the class
 * parameters to the `FleetValue` a round carries. No I/O, no clock: `now` is an argument.
 *
 * Per GPU (DESIGN §4, oracle/README.md "Valuation model"):
 *   income = max(0, rate × min(u, cap) − opCost) × HOURS_PER_YEAR × annuity(min(remaining life, horizon cap), r)
 *   book   = max(cost × curve(age), cost × floor)
 *   value  = min(income, book) × min(1, tflops ÷ reference) × health × (1 − model haircut)
 * Fleet value = Σ over GPUs with fresh reports, each rounded down to whole cents, so the protocol never lends against
 * more than was measured.
 */
import type { Hex } from "viem";
import type { ClassIndex, FleetValue } from "../eip712.js";
import { CRITICAL_FLAGS, HealthFlag } from "../health.js";
import { NON_CRITICAL_FLAGS, operatingCostPerHour, type ClassParams } from "./params.js";

export const HOURS_PER_YEAR = 8766; // 365.25 × 24
export const SECONDS_PER_YEAR = 31_557_600; // 365.25 × 86,400
const WAD_PER_CENT = 10n ** 16n;
const UINT16_MAX = 0xffff;
const KNOWN_FLAGS = Object.values(HealthFlag).reduce((all, bit) => all | bit, 0);

/** One GPU's latest measurement, as the node accepted it (the `GpuReport` fields in plain units). */
export type GpuObservation = {
  gpuUuidHash: Hex;
  observedAt: number; // [unix s]
  tflops: number; // bf16 GEMM throughput [TFLOP/s]
  bandwidthGBps: number; // [GB/s]
  utilizationBps: number; // [bps] 10,000 = fully busy
  powerWatts: number;
  healthFlags: number; // HealthFlag bits
  replay: boolean;
};

/** The FleetRegistry record, as far as valuation needs it. */
export type FleetRecord = {
  fleetId: bigint;
  classId: number;
  gpuCount: number;
  acquiredAt: number; // [unix s]
  acquisitionCost: bigint; // [wad] USD, whole fleet
};

/** Inputs of one GPU's value, in plain numbers. */
export type GpuValueInput = {
  rentalRatePerHour: number; // [USD per GPU-hour]
  utilization: number; // [fraction] measured, before the cap
  ageYears: number; // since acquisition
  acquisitionCostPerGpu: number; // [USD]
  tflops: number; // measured
  healthFlags: number;
};

/** Every factor of one GPU's value, so an analyst can recompute it. */
export type GpuValueParts = {
  utilizationUsed: number; // min(utilization, cap)
  netPerHour: number; // [USD] max(0, rate × utilizationUsed − opCost)
  remainingLifeYears: number; // max(0, usefulLife − age)
  horizonYears: number; // min(remainingLife, incomeHorizonCap)
  annuityFactor: number; // [years] present value of 1 USD a year over the horizon
  income: number; // [USD]
  book: number; // [USD]
  throughputRatio: number; // tflops ÷ reference, uncapped
  throughputFactor: number; // min(1, throughputRatio)
  healthFactor: number; // 0 on a critical fault (or an unknown flag bit), else Π(1 − haircut) over set flags
  modelFactor: number; // 1 − model haircut
  value: number; // [USD] min(income, book) × throughputFactor × healthFactor × modelFactor
};

/** Present value of 1 USD a year paid continuously for `years`, at effective annual rate `rate`:
 * ∫₀ᵀ (1+r)^−t dt = (1 − (1+r)^−T) ÷ ln(1+r); T when r = 0. */
export function annuityFactor(years: number, rate: number): number {
  if (years <= 0) return 0;
  if (rate === 0) return years;
  return (1 - Math.pow(1 + rate, -years)) / Math.log(1 + rate);
}

/** Acquisition cost depreciated on the class curve, never below its residual floor. */
export function bookValue(acquisitionCostPerGpu: number, ageYears: number, params: ClassParams): number {
  const age = Math.max(0, ageYears);
  const floor = acquisitionCostPerGpu * params.residualFloor;
  const curve =
    params.depreciation.curve === "declining-balance"
      ? acquisitionCostPerGpu * Math.pow(1 - params.depreciation.annualRate, age)
      : acquisitionCostPerGpu - (acquisitionCostPerGpu - floor) * Math.min(1, age / params.usefulLifeYears);
  return Math.max(curve, floor);
}

/** 0 on a critical fault or a bit the model does not know; otherwise the product of (1 − haircut) per set flag. */
export function healthFactor(flags: number, params: ClassParams): number {
  if ((flags & CRITICAL_FLAGS) !== 0 || (flags & ~KNOWN_FLAGS) !== 0) return 0;
  let factor = 1;
  for (const name of NON_CRITICAL_FLAGS) if ((flags & HealthFlag[name]) !== 0) factor *= 1 - params.haircuts.flags[name];
  return factor;
}

export function valueGpu(input: GpuValueInput, params: ClassParams): GpuValueParts {
  const utilizationUsed = Math.min(Math.max(0, input.utilization), params.utilizationCap);
  const netPerHour = Math.max(0, input.rentalRatePerHour * utilizationUsed - operatingCostPerHour(params));
  const remainingLifeYears = Math.max(0, params.usefulLifeYears - Math.max(0, input.ageYears));
  const horizonYears = Math.min(remainingLifeYears, params.incomeHorizonCapYears);
  const annuity = annuityFactor(horizonYears, params.discountRate);
  const income = netPerHour * HOURS_PER_YEAR * annuity;
  const book = bookValue(input.acquisitionCostPerGpu, input.ageYears, params);
  const throughputRatio = Math.max(0, input.tflops) / params.referenceTflops;
  const throughputFactor = Math.min(1, throughputRatio);
  const health = healthFactor(input.healthFlags, params);
  const modelFactor = 1 - params.haircuts.model;
  const value = Math.min(income, book) * throughputFactor * health * modelFactor;
  return {
    utilizationUsed,
    netPerHour,
    remainingLifeYears,
    horizonYears,
    annuityFactor: annuity,
    income,
    book,
    throughputRatio,
    throughputFactor,
    healthFactor: health,
    modelFactor,
    value,
  };
}

/** [whole cents] a USD amount rounded down; a non-finite or negative amount is a bug upstream. */
export function usdToCentsDown(usd: number): bigint {
  if (!Number.isFinite(usd) || usd < 0) throw new RangeError(`value ${usd} USD is not a finite non-negative amount`);
  return BigInt(Math.floor(usd * 100));
}

/** [USD] a wad amount as a number, exact to the micro-dollar for anything below ~9 billion USD. */
export function wadToUsd(wad: bigint): number {
  return Number(wad / 10n ** 12n) / 1e6;
}

/** One counted GPU in a fleet valuation. */
export type GpuValuation = GpuValueParts & {
  gpuUuidHash: Hex;
  observedAt: number;
  tflops: number;
  utilizationBps: number;
  healthFlags: number;
  replay: boolean;
  valueWad: bigint; // [wad] value rounded down to whole cents
};

export type FleetValuation = {
  classId: number;
  /** What the round carries for this fleet. */
  value: FleetValue;
  /** Fleet-wide inputs and totals; with `gpus` they reproduce `value.value` exactly. */
  parts: {
    rentalRatePerHour: number; // [USD per GPU-hour]
    operatingCostPerHour: number; // [USD per GPU-hour]
    hoursPerYear: number;
    ageYears: number;
    remainingLifeYears: number;
    horizonYears: number;
    discountRate: number;
    annuityFactor: number;
    acquisitionCostPerGpu: number; // [USD]
    bookPerGpu: number; // [USD] same for every GPU of the fleet
    residualFloorPerGpu: number; // [USD]
    incomePerGpu: number; // [USD] mean over counted GPUs (income differs by utilization)
    utilizationCap: number;
    referenceTflops: number;
    modelHaircut: number;
    valueUsd: number; // Σ counted GPUs' value in whole cents, as USD
    reports: {
      received: number;
      stale: number; // older than maxReportAge, or from the future
      superseded: number; // an older (or equally new, higher-valued) report for a GPU already counted
      replays: number; // replayed profiles among the counted GPUs
      excludedReplays: number; // replays not counted because `excludeReplays` was set
      overCount: number; // fresh distinct GPUs beyond gpuCount, not counted (the highest-valued go)
    };
  };
  /** Counted GPUs, lowest value first. */
  gpus: GpuValuation[];
};

export type ValueFleetArgs = {
  fleet: FleetRecord;
  observations: readonly GpuObservation[];
  rentalRatePerHour: number; // [USD per GPU-hour] from `rentalRate`
  params: ClassParams;
  now: number; // [unix s] the round's observedAt
  maxReportAge: number; // [s] reports older than this count for nothing
  excludeReplays?: boolean; // production nodes set it: a replayed profile measures no hardware
};

function checkFinite(value: number, what: string, fix: string): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${what} ${value} must be a finite number ≥ 0; ${fix}`);
}

/** Ascending by value, then by hash so every node picks the same GPUs. */
function byValueThenHash(a: GpuValuation, b: GpuValuation): number {
  if (a.valueWad !== b.valueWad) return a.valueWad < b.valueWad ? -1 : 1;
  return a.gpuUuidHash < b.gpuUuidHash ? -1 : a.gpuUuidHash > b.gpuUuidHash ? 1 : 0;
}

export function valueFleet(args: ValueFleetArgs): FleetValuation {
  const { fleet, observations, rentalRatePerHour, params, now, maxReportAge } = args;
  if (fleet.classId !== params.classId) {
    throw new RangeError(`fleet ${fleet.fleetId} is class ${fleet.classId} but was given class ${params.classId} parameters; pass the fleet's own class`);
  }
  if (!Number.isInteger(fleet.gpuCount) || fleet.gpuCount < 1) throw new RangeError(`fleet ${fleet.fleetId} gpuCount ${fleet.gpuCount} must be a positive integer`);
  if (fleet.acquisitionCost < 0n) throw new RangeError(`fleet ${fleet.fleetId} acquisitionCost ${fleet.acquisitionCost} must be ≥ 0`);
  checkFinite(rentalRatePerHour, "rentalRatePerHour", "pass the rate from rentalRate()");
  checkFinite(maxReportAge, "maxReportAge", "pass the report freshness window in seconds");
  checkFinite(now, "now", "pass the round's observedAt in unix seconds");

  const ageYears = Math.max(0, now - fleet.acquiredAt) / SECONDS_PER_YEAR;
  const acquisitionCostPerGpu = wadToUsd(fleet.acquisitionCost / BigInt(fleet.gpuCount));
  const reports = { received: observations.length, stale: 0, superseded: 0, replays: 0, excludedReplays: 0, overCount: 0 };

  // Newest fresh report per GPU; among equally new ones, the lower value (the protocol's side of a tie).
  const latest = new Map<string, GpuValuation>();
  for (const obs of observations) {
    if (obs.observedAt > now || now - obs.observedAt > maxReportAge) {
      reports.stale++;
      continue;
    }
    if (args.excludeReplays && obs.replay) {
      reports.excludedReplays++;
      continue;
    }
    const where = `fleet ${fleet.fleetId} GPU ${obs.gpuUuidHash}`;
    checkFinite(obs.tflops, `${where} tflops`, "the node must reject malformed reports");
    checkFinite(obs.utilizationBps, `${where} utilizationBps`, "the node must reject malformed reports");
    const parts = valueGpu(
      { rentalRatePerHour, utilization: obs.utilizationBps / 10_000, ageYears, acquisitionCostPerGpu, tflops: obs.tflops, healthFlags: obs.healthFlags },
      params,
    );
    const gpu: GpuValuation = {
      ...parts,
      gpuUuidHash: obs.gpuUuidHash.toLowerCase() as Hex,
      observedAt: obs.observedAt,
      tflops: obs.tflops,
      utilizationBps: obs.utilizationBps,
      healthFlags: obs.healthFlags,
      replay: obs.replay,
      valueWad: usdToCentsDown(parts.value) * WAD_PER_CENT,
    };
    const held = latest.get(gpu.gpuUuidHash);
    if (held === undefined) {
      latest.set(gpu.gpuUuidHash, gpu);
      continue;
    }
    reports.superseded++;
    if (gpu.observedAt > held.observedAt || (gpu.observedAt === held.observedAt && gpu.valueWad < held.valueWad)) {
      latest.set(gpu.gpuUuidHash, gpu);
    }
  }

  // At most gpuCount GPUs count; if more distinct GPUs reported, the lowest-valued ones are kept.
  let gpus = [...latest.values()].sort(byValueThenHash);
  if (gpus.length > fleet.gpuCount) {
    reports.overCount = gpus.length - fleet.gpuCount;
    gpus = gpus.slice(0, fleet.gpuCount);
  }

  let valueWad = 0n;
  let throughputSum = 0;
  let utilizationSum = 0;
  let incomeSum = 0;
  let flags = 0;
  for (const gpu of gpus) {
    valueWad += gpu.valueWad;
    throughputSum += gpu.throughputRatio;
    utilizationSum += gpu.utilizationBps;
    incomeSum += gpu.income;
    flags |= gpu.healthFlags;
    if (gpu.replay) reports.replays++;
  }
  const n = gpus.length;
  const remainingLifeYears = Math.max(0, params.usefulLifeYears - ageYears);
  const horizonYears = Math.min(remainingLifeYears, params.incomeHorizonCapYears);
  const value: FleetValue = {
    fleetId: fleet.fleetId,
    value: valueWad,
    throughputBps: n === 0 ? 0 : Math.min(UINT16_MAX, Math.floor((throughputSum / n) * 10_000)),
    utilizationBps: n === 0 ? 0 : Math.min(UINT16_MAX, Math.floor(utilizationSum / n)),
    healthFlags: flags & UINT16_MAX,
    freshGpus: n,
  };
  return {
    classId: fleet.classId,
    value,
    parts: {
      rentalRatePerHour,
      operatingCostPerHour: operatingCostPerHour(params),
      hoursPerYear: HOURS_PER_YEAR,
      ageYears,
      remainingLifeYears,
      horizonYears,
      discountRate: params.discountRate,
      annuityFactor: annuityFactor(horizonYears, params.discountRate),
      acquisitionCostPerGpu,
      bookPerGpu: bookValue(acquisitionCostPerGpu, ageYears, params),
      residualFloorPerGpu: acquisitionCostPerGpu * params.residualFloor,
      incomePerGpu: n === 0 ? 0 : incomeSum / n,
      utilizationCap: params.utilizationCap,
      referenceTflops: params.referenceTflops,
      modelHaircut: params.haircuts.model,
      valueUsd: Number(valueWad / WAD_PER_CENT) / 100,
      reports,
    },
    gpus,
  };
}

/**
 * The class's value index: the median value per GPU over every counted GPU of the class's fleets (the two middle
 * values averaged, rounded down, when the count is even). `undefined` when the class has no fresh GPU: a round must
 * not publish an index nobody measured.
 */
export function classIndex(classId: number, valuations: readonly FleetValuation[]): ClassIndex | undefined {
  const values: bigint[] = [];
  for (const fleet of valuations) if (fleet.classId === classId) for (const gpu of fleet.gpus) values.push(gpu.valueWad);
  if (values.length === 0) return undefined;
  values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = values.length >> 1;
  const valuePerGpu = values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2n;
  return { classId, valuePerGpu };
}
