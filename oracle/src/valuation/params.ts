/**
 * Per-class valuation parameters: `oracle/config/classes.json`, parsed and checked.
 *
 * `parseClassParams` is pure (JSON in, typed parameters or an error that names the field, the value and the fix);
 * `loadClassParams` is the one function here that reads a file.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { CRITICAL_FLAGS, HealthFlag, type HealthFlagName } from "../health.js";

/** Flags that lower a GPU's value without zeroing it; each needs a haircut in the config. Must list the flags
 * outside CRITICAL_FLAGS (checked at load: NON_CRITICAL_FLAGS is computed from the bits). */
export type NonCriticalFlagName = Exclude<HealthFlagName, "EccUncorrected" | "MemoryRetirementFailed">;

export const NON_CRITICAL_FLAGS = (Object.keys(HealthFlag) as HealthFlagName[]).filter(
  (name) => (HealthFlag[name] & CRITICAL_FLAGS) === 0,
) as NonCriticalFlagName[];

export type Depreciation =
  /** book = cost × (1 − annualRate)^age */
  | { curve: "declining-balance"; annualRate: number }
  /** book falls in a straight line from cost to the residual floor over the useful life */
  | { curve: "straight-line" };

export type ClassParams = {
  classId: number;
  key: string; // e.g. "H100-SXM"
  name: string;
  rentalIndexKey: string; // the `classKey` of the rental quotes that price this class
  referenceTflops: number; // [TFLOP/s] bf16 dense, what a healthy GPU measures on the challenge
  peakTflops: number; // [TFLOP/s] bf16 dense spec peak; a report above it is implausible
  peakBandwidthGBps: number; // [GB/s] spec memory bandwidth; a report above it is implausible
  usefulLifeYears: number; // [years] from acquisition
  incomeHorizonCapYears: number; // [years] income counts over min(remaining life, this)
  depreciation: Depreciation;
  residualFloor: number; // [fraction of acquisition cost] book value never goes below it
  utilizationCap: number; // [fraction] utilization above it earns nothing more
  operatingCost: { powerKw: number; usdPerKwh: number; pue: number; fixedUsdPerHour: number };
  discountRate: number; // [fraction per year, effective annual]
  haircuts: { model: number; flags: Record<NonCriticalFlagName, number> };
  sources: Record<string, string>; // rationale per numeric field, by dotted path
};

/** [USD per GPU-hour] power × price × PUE + fixed, charged for every hour the GPU stays in service. */
export function operatingCostPerHour(params: Pick<ClassParams, "operatingCost">): number {
  const { powerKw, usdPerKwh, pue, fixedUsdPerHour } = params.operatingCost;
  return powerKw * usdPerKwh * pue + fixedUsdPerHour;
}

export class ClassParamsError extends Error {
  override name = "ClassParamsError";
}

type Check = { min: number; max: number; minOpen?: boolean; fix: string };

/** Every numeric field, its allowed range and what to do when it is out of range. */
const NUMERIC: Record<string, Check> = {
  referenceTflops: { min: 0, max: Infinity, minOpen: true, fix: "set what a healthy GPU measures on the bf16 GEMM challenge" },
  peakTflops: { min: 0, max: Infinity, minOpen: true, fix: "set the datasheet bf16 dense peak" },
  peakBandwidthGBps: { min: 0, max: Infinity, minOpen: true, fix: "set the datasheet memory bandwidth in GB/s" },
  usefulLifeYears: { min: 0, max: 30, minOpen: true, fix: "set the expected service life in years" },
  incomeHorizonCapYears: { min: 0, max: 30, minOpen: true, fix: "set the longest horizon income may be counted over, in years" },
  "depreciation.annualRate": { min: 0, max: 1, fix: "set the yearly declining-balance rate as a fraction, e.g. 0.3" },
  residualFloor: { min: 0, max: 1, fix: "set the floor as a fraction of acquisition cost, e.g. 0.1" },
  utilizationCap: { min: 0, max: 1, minOpen: true, fix: "set the highest utilization that earns income, as a fraction, e.g. 0.8" },
  "operatingCost.powerKw": { min: 0, max: 100, fix: "set the all-in power per GPU in kW" },
  "operatingCost.usdPerKwh": { min: 0, max: 10, fix: "set the electricity price in USD per kWh" },
  "operatingCost.pue": { min: 1, max: 5, fix: "set the data center's power usage effectiveness (≥ 1)" },
  "operatingCost.fixedUsdPerHour": { min: 0, max: 1000, fix: "set colocation and other fixed costs in USD per GPU-hour" },
  discountRate: { min: 0, max: 10, fix: "set the yearly discount rate as a fraction, e.g. 0.12" },
  "haircuts.model": { min: 0, max: 1, fix: "set the model haircut as a fraction, e.g. 0.1" },
};
for (const flag of NON_CRITICAL_FLAGS) {
  NUMERIC[`haircuts.flags.${flag}`] = { min: 0, max: 1, fix: `set the haircut for ${flag} as a fraction (0 for none)` };
}

const at = (obj: unknown, path: string): unknown =>
  path.split(".").reduce<unknown>((o, key) => (typeof o === "object" && o !== null ? (o as Record<string, unknown>)[key] : undefined), obj);

/** Checks one class entry; every message reads `<file>: class <id> <field> <value> must be …; <fix>`. */
function parseClass(raw: unknown, index: number, file: string): ClassParams {
  if (typeof raw !== "object" || raw === null) throw new ClassParamsError(`${file}: classes[${index}] is not an object; write one object per GPU class`);
  const entry = raw as Record<string, unknown>;
  const classId = entry.classId;
  if (typeof classId !== "number" || !Number.isInteger(classId) || classId < 1 || classId > 0xffff) {
    throw new ClassParamsError(`${file}: classes[${index}].classId ${String(classId)} must be an integer 1..65535; use the id from GPU_CLASSES`);
  }
  const where = `${file}: class ${classId}`;
  for (const field of ["key", "name", "rentalIndexKey"]) {
    const v = entry[field];
    if (typeof v !== "string" || v.trim() === "") throw new ClassParamsError(`${where} ${field} ${JSON.stringify(v)} must be a non-empty string`);
  }
  const curve = at(entry, "depreciation.curve");
  if (curve !== "declining-balance" && curve !== "straight-line") {
    throw new ClassParamsError(`${where} depreciation.curve ${JSON.stringify(curve)} must be "declining-balance" or "straight-line"`);
  }
  const sources = entry.sources;
  if (typeof sources !== "object" || sources === null) throw new ClassParamsError(`${where} sources is missing; give the source of every number`);
  for (const [path, check] of Object.entries(NUMERIC)) {
    if (path === "depreciation.annualRate" && curve !== "declining-balance") continue;
    const value = at(entry, path);
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new ClassParamsError(`${where} ${path} ${JSON.stringify(value)} must be a number; ${check.fix}`);
    }
    const low = check.minOpen ? value <= check.min : value < check.min;
    if (low || value > check.max) {
      const range = check.max === Infinity ? `${check.minOpen ? ">" : "≥"} ${check.min}` : `${check.minOpen ? ">" : "≥"} ${check.min} and ≤ ${check.max}`;
      throw new ClassParamsError(`${where} ${path} ${value} must be ${range}; ${check.fix}`);
    }
    const source = (sources as Record<string, unknown>)[path];
    if (typeof source !== "string" || source.trim() === "") {
      throw new ClassParamsError(`${where} ${path} ${value} has no sources["${path}"]; say where the figure comes from`);
    }
  }
  const num = (path: string) => at(entry, path) as number;
  if (num("referenceTflops") > num("peakTflops")) {
    throw new ClassParamsError(`${where} referenceTflops ${num("referenceTflops")} must be ≤ peakTflops ${num("peakTflops")}; the reference is what a healthy GPU measures, below the spec peak`);
  }
  const flags = at(entry, "haircuts.flags") as Record<string, unknown>;
  for (const name of Object.keys(flags)) {
    if (!(NON_CRITICAL_FLAGS as string[]).includes(name)) {
      throw new ClassParamsError(`${where} haircuts.flags.${name} is not a non-critical health flag; use one of ${NON_CRITICAL_FLAGS.join(", ")} (critical flags always zero the GPU)`);
    }
  }
  return {
    classId,
    key: entry.key as string,
    name: entry.name as string,
    rentalIndexKey: entry.rentalIndexKey as string,
    referenceTflops: num("referenceTflops"),
    peakTflops: num("peakTflops"),
    peakBandwidthGBps: num("peakBandwidthGBps"),
    usefulLifeYears: num("usefulLifeYears"),
    incomeHorizonCapYears: num("incomeHorizonCapYears"),
    depreciation: curve === "declining-balance" ? { curve, annualRate: num("depreciation.annualRate") } : { curve },
    residualFloor: num("residualFloor"),
    utilizationCap: num("utilizationCap"),
    operatingCost: {
      powerKw: num("operatingCost.powerKw"),
      usdPerKwh: num("operatingCost.usdPerKwh"),
      pue: num("operatingCost.pue"),
      fixedUsdPerHour: num("operatingCost.fixedUsdPerHour"),
    },
    discountRate: num("discountRate"),
    haircuts: {
      model: num("haircuts.model"),
      flags: Object.fromEntries(NON_CRITICAL_FLAGS.map((f) => [f, num(`haircuts.flags.${f}`)])) as Record<NonCriticalFlagName, number>,
    },
    sources: { ...(sources as Record<string, string>) },
  };
}

/** Parses the whole config: `{ classes: [...] }`, one entry per class id. */
export function parseClassParams(json: unknown, file = "classes.json"): Map<number, ClassParams> {
  const classes = typeof json === "object" && json !== null ? (json as { classes?: unknown }).classes : undefined;
  if (!Array.isArray(classes) || classes.length === 0) {
    throw new ClassParamsError(`${file}: "classes" must be a non-empty array; write one object per GPU class`);
  }
  const byId = new Map<number, ClassParams>();
  const keys = new Set<string>();
  classes.forEach((raw, i) => {
    const params = parseClass(raw, i, file);
    if (byId.has(params.classId)) throw new ClassParamsError(`${file}: class ${params.classId} appears twice; keep one entry per class id`);
    if (keys.has(params.key)) throw new ClassParamsError(`${file}: class ${params.classId} key "${params.key}" is used by another class; keys must be unique`);
    byId.set(params.classId, params);
    keys.add(params.key);
  });
  return byId;
}

/** The config shipped with the oracle. */
export const DEFAULT_CLASSES_PATH = fileURLToPath(new URL("../../config/classes.json", import.meta.url));

/** Reads and parses a classes file (default: `oracle/config/classes.json`). */
export async function loadClassParams(path: string = DEFAULT_CLASSES_PATH): Promise<Map<number, ClassParams>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ClassParamsError(`cannot read class parameters from ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ClassParamsError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseClassParams(json, path);
}
