/**
 * From the probe's readings to `GpuReport.healthFlags`: a pure function, so a replayed profile, a live run and a
 * node checking a submission's details all derive the same bits.
 */
import { HealthFlag } from "../health.js";
import type { ProbeDetails } from "../report.js";
import type { ClockEventReason } from "./nvml.js";

/** NVIDIA's dynamic page retirement retires at most 64 pages per GPU; past that, new faults cannot be isolated. */
export const RETIRED_PAGE_LIMIT = 64;
/** Reported utilization at or above this [bps] must come with real power draw. */
export const MISMATCH_MIN_UTILIZATION_BPS = 5000;
/**
 * A GPU busy half the time draws well over this share of its power limit (an H100 SXM idles near 10 % of 700 W and
 * passes 30 % with half its SMs active); below it, the utilization figure is not believable.
 */
export const MISMATCH_MAX_POWER_FRACTION = 0.15;

const THERMAL: readonly ClockEventReason[] = ["SwThermalSlowdown", "HwThermalSlowdown"];
// SwPowerCap appears in `throttleReasons` only when it was seen outside the probe's own GEMM (see live.ts): a GEMM
// built to saturate the GPU always meets the power cap, and that says nothing about the host.
const POWER: readonly ClockEventReason[] = ["SwPowerCap", "HwPowerBrakeSlowdown"];

/** Inputs beyond ProbeDetails: pre-Ampere GPUs report pending page retirement separately from the page count. */
export type ExtraReadings = { retiredPagesPending?: boolean };

export function healthFlags(details: ProbeDetails, extra: ExtraReadings = {}): number {
  let flags = 0;
  if (details.eccUncorrected > 0) flags |= HealthFlag.EccUncorrected;
  const rows = details.remappedRows;
  if (rows?.failed || (details.retiredPages ?? 0) >= RETIRED_PAGE_LIMIT) flags |= HealthFlag.MemoryRetirementFailed;
  if (rows?.pending || extra.retiredPagesPending) flags |= HealthFlag.MemoryRetirementPending;
  const reasons = new Set(details.throttleReasons);
  if (THERMAL.some((reason) => reasons.has(reason))) flags |= HealthFlag.ThermalThrottle;
  if (POWER.some((reason) => reasons.has(reason))) flags |= HealthFlag.PowerThrottle;
  const { pcie } = details;
  if (pcie.width < pcie.maxWidth || pcie.generation < pcie.maxGeneration) flags |= HealthFlag.PcieDegraded;
  if (details.utilization.source === "utilization-rate") flags |= HealthFlag.SmActivityUnavailable;
  const { mean, limit } = details.powerWatts;
  if (details.utilization.meanBps >= MISMATCH_MIN_UTILIZATION_BPS && limit > 0 && mean < MISMATCH_MAX_POWER_FRACTION * limit) {
    flags |= HealthFlag.PowerUtilizationMismatch;
  }
  return flags;
}
