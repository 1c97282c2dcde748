/**
 * GPU health flags: the bits of `GpuReport.healthFlags` and, OR-ed over a fleet, of `FleetValue.healthFlags`.
 * The probe sets them from NVML; the valuation model turns them into a health factor (0 on a critical fault).
 */
export const HealthFlag = {
  /** Uncorrected (double-bit) ECC errors since the driver loaded: results may be wrong. Critical. */
  EccUncorrected: 1 << 0,
  /** Row remapping failed, or retired pages reached the limit: the memory is failing. Critical. */
  MemoryRetirementFailed: 1 << 1,
  /** Rows are waiting to be remapped or pages to be retired: needs a reset soon. */
  MemoryRetirementPending: 1 << 2,
  /** Clocks held down by temperature (HW or SW thermal slowdown). */
  ThermalThrottle: 1 << 3,
  /** Clocks held down by power capping or the power brake. */
  PowerThrottle: 1 << 4,
  /** PCIe link trained below its maximum width or generation. */
  PcieDegraded: 1 << 5,
  /** The GPU does not expose SM activity, so utilization came from the coarser utilization rate. Informational. */
  SmActivityUnavailable: 1 << 6,
  /** Power draw during the window disagrees with the reported utilization (idle power at high utilization). */
  PowerUtilizationMismatch: 1 << 7,
} as const;

export type HealthFlagName = keyof typeof HealthFlag;

/** Faults that make a GPU worth nothing as collateral until repaired. */
export const CRITICAL_FLAGS = HealthFlag.EccUncorrected | HealthFlag.MemoryRetirementFailed;

export function isCritical(flags: number): boolean {
  return (flags & CRITICAL_FLAGS) !== 0;
}

/** The names of the set bits, for logs and the summary. */
export function flagNames(flags: number): HealthFlagName[] {
  return (Object.keys(HealthFlag) as HealthFlagName[]).filter((name) => (flags & HealthFlag[name]) !== 0);
}
