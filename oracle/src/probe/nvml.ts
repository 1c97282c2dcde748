/**
 * NVML (libnvidia-ml.so.1) through koffi: identity, health, utilization and power of one GPU.
 *
 * Struct layouts follow nvml.h; each is read from a Buffer by offset, so a driver that grew a struct's tail (GPM's
 * metric array did between releases) still writes into memory the probe owns.
 */
import type { LibraryHandle } from "koffi";
import type { GpuIdentity } from "../report.js";
import { cString, openLibrary, optionalFunc, pointerOut, requiredFunc, type LibrarySpec } from "./ffi.js";

export const NVML_LIBRARY: LibrarySpec = {
  names: ["libnvidia-ml.so.1", "libnvidia-ml.so"],
  env: "GPU_PROBE_NVML",
  meaning: "no NVIDIA driver on this host",
  why: "NVML is required to read GPU identity and health",
  fix: "install the NVIDIA driver or run with --replay FILE",
};

const SUCCESS = 0;
const NOT_SUPPORTED = 3;
const INSUFFICIENT_SIZE = 7;

const ERROR_NAMES: Record<number, string> = {
  1: "NVML_ERROR_UNINITIALIZED",
  2: "NVML_ERROR_INVALID_ARGUMENT",
  3: "NVML_ERROR_NOT_SUPPORTED",
  4: "NVML_ERROR_NO_PERMISSION",
  6: "NVML_ERROR_NOT_FOUND",
  7: "NVML_ERROR_INSUFFICIENT_SIZE",
  9: "NVML_ERROR_DRIVER_NOT_LOADED",
  12: "NVML_ERROR_LIBRARY_NOT_FOUND",
  14: "NVML_ERROR_CORRUPTED_INFOROM",
  15: "NVML_ERROR_GPU_IS_LOST",
  16: "NVML_ERROR_RESET_REQUIRED",
  18: "NVML_ERROR_LIB_RM_VERSION_MISMATCH",
  25: "NVML_ERROR_ARGUMENT_VERSION_MISMATCH",
  999: "NVML_ERROR_UNKNOWN",
};

const FIXES: Record<number, string> = {
  4: "run the probe as a user that can open /dev/nvidia*",
  9: "the nvidia kernel module is not loaded: load it (modprobe nvidia) or reinstall the driver",
  14: "the GPU's InfoROM is corrupted: have the board serviced",
  15: "the GPU fell off the bus: check the kernel log, then reset or reseat the GPU",
  16: "reset the GPU (nvidia-smi -r) or reboot",
  18: "the driver library and kernel module versions differ: reboot after the driver update",
  25: "this NVML is older than the probe's struct version: update the NVIDIA driver",
};

export class NvmlError extends Error {
  override name = "NvmlError";
  constructor(
    readonly call: string,
    readonly code: number,
    text: string,
  ) {
    super(`${call} failed: ${ERROR_NAMES[code] ?? "NVML error"} (${code}, "${text}"); ${FIXES[code] ?? "check nvidia-smi on this host"}`);
  }
}

/** Bits of nvmlDeviceGetCurrentClocksEventReasons (nvmlClocksEventReason*; formerly ClocksThrottleReason*). */
export const CLOCK_EVENT_REASONS = {
  GpuIdle: 0x1n,
  ApplicationsClocksSetting: 0x2n,
  SwPowerCap: 0x4n,
  HwSlowdown: 0x8n,
  SyncBoost: 0x10n,
  SwThermalSlowdown: 0x20n,
  HwThermalSlowdown: 0x40n,
  HwPowerBrakeSlowdown: 0x80n,
  DisplayClockSetting: 0x100n,
} as const;
export type ClockEventReason = keyof typeof CLOCK_EVENT_REASONS;

export function reasonNames(bits: bigint): ClockEventReason[] {
  return (Object.keys(CLOCK_EVENT_REASONS) as ClockEventReason[]).filter((name) => (bits & CLOCK_EVENT_REASONS[name]) !== 0n);
}

export const GPM_METRIC = { SM_UTIL: 2, SM_OCCUPANCY: 3 } as const;

export type MemoryRetirement = {
  retiredPages: number | null;
  retiredPagesPending: boolean;
  remappedRows: { correctable: number; uncorrectable: number; pending: boolean; failed: boolean } | null;
};

export type PcieLink = { width: number; maxWidth: number; generation: number; maxGeneration: number };

/** One GPM sample handle; two of them bracket a window. */
export type GpmSample = { handle: bigint };

export type NvmlDevice = {
  index: number;
  identity(): GpuIdentity;
  /** Uncorrected ECC errors since the driver loaded; 0 where ECC is off or unsupported (nothing to count). */
  eccUncorrected(): number;
  memoryRetirement(): MemoryRetirement;
  clockEventReasons(): bigint;
  pcie(): PcieLink;
  /** nvmlDeviceGetUtilizationRates().gpu [%]: share of time any kernel ran, the coarse fallback for SM activity. */
  utilizationRate(): number;
  powerMilliwatts(): number;
  powerLimitMilliwatts(): number;
  /** GPM (Hopper and later); null where the GPU or driver lacks it. */
  gpm(): Gpm | null;
};

export type Gpm = {
  sample(): GpmSample;
  /** Metrics over the interval between two samples [%]. */
  metrics(first: GpmSample, second: GpmSample): { smUtil: number; smOccupancy: number };
  free(sample: GpmSample): void;
};

export type Nvml = {
  path: string;
  driverVersion(): string;
  deviceCount(): number;
  device(index: number): NvmlDevice;
  shutdown(): void;
};

// nvmlGpmMetric_t: metricId u32, nvmlReturn i32, value f64, metricInfo { char *shortName, *longName, *unit }.
const GPM_METRIC_SIZE = 40;
// Larger than any release's NVML_GPM_METRIC_MAX (98 in R525, 210 in R570), so a driver that clears its whole
// declared array still writes inside this buffer.
const GPM_METRIC_SLOTS = 256;

type Fn = (...args: unknown[]) => unknown;

function bind(lib: LibraryHandle, path: string) {
  const req = (proto: string) => requiredFunc(lib, path, proto) as Fn;
  const opt = (proto: string) => optionalFunc(lib, proto) as Fn | null;
  return {
    init: req("int nvmlInit_v2()"),
    shutdown: req("int nvmlShutdown()"),
    errorString: req("const char *nvmlErrorString(int result)"),
    systemGetDriverVersion: req("int nvmlSystemGetDriverVersion(void *version, unsigned int length)"),
    getCount: req("int nvmlDeviceGetCount_v2(void *count)"),
    getHandleByIndex: req("int nvmlDeviceGetHandleByIndex_v2(unsigned int index, void *device)"),
    getUUID: req("int nvmlDeviceGetUUID(void *device, void *uuid, unsigned int length)"),
    getName: req("int nvmlDeviceGetName(void *device, void *name, unsigned int length)"),
    getMemoryInfo: req("int nvmlDeviceGetMemoryInfo(void *device, void *memory)"),
    getVbiosVersion: req("int nvmlDeviceGetVbiosVersion(void *device, void *version, unsigned int length)"),
    getPciInfo: req("int nvmlDeviceGetPciInfo_v3(void *device, void *pci)"),
    getTotalEccErrors: req("int nvmlDeviceGetTotalEccErrors(void *device, int errorType, int counterType, void *count)"),
    getRetiredPages: opt("int nvmlDeviceGetRetiredPages(void *device, int cause, void *pageCount, void *addresses)"),
    getRetiredPagesPendingStatus: opt("int nvmlDeviceGetRetiredPagesPendingStatus(void *device, void *isPending)"),
    getRemappedRows: opt("int nvmlDeviceGetRemappedRows(void *device, void *corrRows, void *uncRows, void *isPending, void *failureOccurred)"),
    // Renamed in CUDA 12.2's NVML; older drivers only have the throttle name, newer keep it as a deprecated alias.
    getClockEventReasons:
      opt("int nvmlDeviceGetCurrentClocksEventReasons(void *device, void *reasons)") ??
      req("int nvmlDeviceGetCurrentClocksThrottleReasons(void *device, void *reasons)"),
    getCurrPcieLinkWidth: req("int nvmlDeviceGetCurrPcieLinkWidth(void *device, void *width)"),
    getMaxPcieLinkWidth: req("int nvmlDeviceGetMaxPcieLinkWidth(void *device, void *width)"),
    getCurrPcieLinkGeneration: req("int nvmlDeviceGetCurrPcieLinkGeneration(void *device, void *gen)"),
    getMaxPcieLinkGeneration: req("int nvmlDeviceGetMaxPcieLinkGeneration(void *device, void *gen)"),
    getUtilizationRates: req("int nvmlDeviceGetUtilizationRates(void *device, void *utilization)"),
    getPowerUsage: req("int nvmlDeviceGetPowerUsage(void *device, void *power)"),
    getEnforcedPowerLimit: req("int nvmlDeviceGetEnforcedPowerLimit(void *device, void *limit)"),
    gpmQueryDeviceSupport: opt("int nvmlGpmQueryDeviceSupport(void *device, void *gpmSupport)"),
    gpmSampleAlloc: opt("int nvmlGpmSampleAlloc(void *gpmSample)"),
    gpmSampleFree: opt("int nvmlGpmSampleFree(void *gpmSample)"),
    gpmSampleGet: opt("int nvmlGpmSampleGet(void *device, void *gpmSample)"),
    gpmMetricsGet: opt("int nvmlGpmMetricsGet(void *metricsGet)"),
  };
}

/** Loads NVML and initializes it. `libraryPath` (or $GPU_PROBE_NVML) points at a specific file, as the tests do. */
export async function openNvml(options: { libraryPath?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Nvml> {
  const env = options.libraryPath ? { ...(options.env ?? process.env), [NVML_LIBRARY.env]: options.libraryPath } : options.env;
  const { lib, path } = await openLibrary(NVML_LIBRARY, env);
  const f = bind(lib, path);

  const fail = (call: string, code: number) => new NvmlError(call, code, String(f.errorString(code)));
  const check = (call: string, code: unknown) => {
    if (code !== SUCCESS) throw fail(call, code as number);
  };
  /** NOT_SUPPORTED means "this GPU has no such counter"; every other failure is an error. */
  const supported = (call: string, code: unknown) => {
    if (code === NOT_SUPPORTED) return false;
    check(call, code);
    return true;
  };

  check("nvmlInit_v2()", f.init());

  function device(index: number): NvmlDevice {
    const out = pointerOut();
    check(`nvmlDeviceGetHandleByIndex_v2(${index})`, f.getHandleByIndex(index, out));
    const handle = out.readBigUInt64LE();
    const at = (call: string) => `${call}(gpu ${index})`;

    const u32 = (call: string, fn: Fn) => {
      const value = Buffer.alloc(4);
      check(at(call), fn(handle, value));
      return value.readUInt32LE();
    };
    const text = (call: string, fn: Fn, size: number) => {
      const buffer = Buffer.alloc(size);
      check(at(call), fn(handle, buffer, size));
      return cString(buffer);
    };

    return {
      index,
      identity() {
        const memory = Buffer.alloc(24); // nvmlMemory_t: total, free, used (unsigned long long)
        check(at("nvmlDeviceGetMemoryInfo"), f.getMemoryInfo(handle, memory));
        const pci = Buffer.alloc(68); // nvmlPciInfo_t: busIdLegacy[16], 5 × u32, busId[32]
        check(at("nvmlDeviceGetPciInfo_v3"), f.getPciInfo(handle, pci));
        return {
          uuid: text("nvmlDeviceGetUUID", f.getUUID, 96),
          name: text("nvmlDeviceGetName", f.getName, 96),
          memoryBytes: Number(memory.readBigUInt64LE(0)),
          driverVersion: driverVersion(),
          vbiosVersion: text("nvmlDeviceGetVbiosVersion", f.getVbiosVersion, 32),
          pciBusId: cString(pci.subarray(36, 68)),
        };
      },
      eccUncorrected() {
        const count = Buffer.alloc(8);
        // errorType 1 = NVML_MEMORY_ERROR_TYPE_UNCORRECTED, counterType 0 = NVML_VOLATILE_ECC (since driver load).
        return supported(at("nvmlDeviceGetTotalEccErrors"), f.getTotalEccErrors(handle, 1, 0, count)) ? Number(count.readBigUInt64LE()) : 0;
      },
      memoryRetirement() {
        // Ampere and later remap rows and report page retirement as unsupported; Volta and Turing retire pages.
        if (f.getRemappedRows) {
          const [corr, unc, pending, failed] = [Buffer.alloc(4), Buffer.alloc(4), Buffer.alloc(4), Buffer.alloc(4)];
          if (supported(at("nvmlDeviceGetRemappedRows"), f.getRemappedRows(handle, corr, unc, pending, failed))) {
            const remappedRows = {
              correctable: corr.readUInt32LE(),
              uncorrectable: unc.readUInt32LE(),
              pending: pending.readUInt32LE() !== 0,
              failed: failed.readUInt32LE() !== 0,
            };
            return { retiredPages: null, retiredPagesPending: false, remappedRows };
          }
        }
        if (!f.getRetiredPages || !f.getRetiredPagesPendingStatus) return { retiredPages: null, retiredPagesPending: false, remappedRows: null };
        let retiredPages = 0;
        // cause 0 = multiple single-bit errors, 1 = double-bit error. A count of 0 asks only for the number of pages.
        for (const cause of [0, 1]) {
          const count = Buffer.alloc(4);
          const code = f.getRetiredPages(handle, cause, count, null);
          if (code === NOT_SUPPORTED) return { retiredPages: null, retiredPagesPending: false, remappedRows: null };
          if (code !== INSUFFICIENT_SIZE) check(at(`nvmlDeviceGetRetiredPages(cause ${cause})`), code);
          retiredPages += count.readUInt32LE();
        }
        const pending = Buffer.alloc(4);
        check(at("nvmlDeviceGetRetiredPagesPendingStatus"), f.getRetiredPagesPendingStatus(handle, pending));
        return { retiredPages, retiredPagesPending: pending.readUInt32LE() !== 0, remappedRows: null };
      },
      clockEventReasons() {
        const reasons = Buffer.alloc(8);
        return supported(at("nvmlDeviceGetCurrentClocksEventReasons"), f.getClockEventReasons(handle, reasons)) ? reasons.readBigUInt64LE() : 0n;
      },
      pcie() {
        return {
          width: u32("nvmlDeviceGetCurrPcieLinkWidth", f.getCurrPcieLinkWidth),
          maxWidth: u32("nvmlDeviceGetMaxPcieLinkWidth", f.getMaxPcieLinkWidth),
          generation: u32("nvmlDeviceGetCurrPcieLinkGeneration", f.getCurrPcieLinkGeneration),
          maxGeneration: u32("nvmlDeviceGetMaxPcieLinkGeneration", f.getMaxPcieLinkGeneration),
        };
      },
      utilizationRate() {
        const utilization = Buffer.alloc(8); // nvmlUtilization_t: gpu, memory [%]
        check(at("nvmlDeviceGetUtilizationRates"), f.getUtilizationRates(handle, utilization));
        return utilization.readUInt32LE(0);
      },
      powerMilliwatts: () => u32("nvmlDeviceGetPowerUsage", f.getPowerUsage),
      powerLimitMilliwatts: () => u32("nvmlDeviceGetEnforcedPowerLimit", f.getEnforcedPowerLimit),
      gpm: () => gpm(handle, at),
    };
  }

  function gpm(handle: bigint, at: (call: string) => string): Gpm | null {
    const { gpmQueryDeviceSupport: query, gpmSampleAlloc: alloc, gpmSampleFree: free, gpmSampleGet: get, gpmMetricsGet: metricsGet } = f;
    if (!query || !alloc || !free || !get || !metricsGet) return null;
    const support = Buffer.alloc(8); // nvmlGpmSupport_t: version, isSupportedDevice
    support.writeUInt32LE(1, 0); // NVML_GPM_SUPPORT_VERSION
    if (!supported(at("nvmlGpmQueryDeviceSupport"), query(handle, support)) || support.readUInt32LE(4) === 0) return null;
    return {
      sample() {
        const out = pointerOut();
        check("nvmlGpmSampleAlloc", alloc(out));
        const sampleHandle = out.readBigUInt64LE();
        check(at("nvmlGpmSampleGet"), get(handle, sampleHandle));
        return { handle: sampleHandle };
      },
      metrics(first, second) {
        const ids = [GPM_METRIC.SM_UTIL, GPM_METRIC.SM_OCCUPANCY];
        // nvmlGpmMetricsGet_t: version u32, numMetrics u32, sample1, sample2, metrics[].
        const request = Buffer.alloc(24 + GPM_METRIC_SIZE * GPM_METRIC_SLOTS);
        request.writeUInt32LE(1, 0); // NVML_GPM_METRICS_GET_VERSION
        request.writeUInt32LE(ids.length, 4);
        request.writeBigUInt64LE(first.handle, 8);
        request.writeBigUInt64LE(second.handle, 16);
        ids.forEach((id, i) => request.writeUInt32LE(id, 24 + GPM_METRIC_SIZE * i));
        check(at("nvmlGpmMetricsGet"), metricsGet(request));
        const [smUtil, smOccupancy] = ids.map((id, i) => {
          const offset = 24 + GPM_METRIC_SIZE * i;
          const code = request.readInt32LE(offset + 4);
          if (code !== SUCCESS) throw fail(at(`nvmlGpmMetricsGet(metric ${id})`), code);
          return request.readDoubleLE(offset + 8);
        }) as [number, number];
        return { smUtil, smOccupancy };
      },
      free(sample) {
        check("nvmlGpmSampleFree", free(sample.handle));
      },
    };
  }

  function driverVersion(): string {
    const buffer = Buffer.alloc(80);
    check("nvmlSystemGetDriverVersion", f.systemGetDriverVersion(buffer, buffer.length));
    return cString(buffer);
  }

  function deviceCount(): number {
    const count = Buffer.alloc(4);
    check("nvmlDeviceGetCount_v2", f.getCount(count));
    return count.readUInt32LE();
  }

  return {
    path,
    driverVersion,
    deviceCount,
    device(index) {
      const count = deviceCount();
      if (!Number.isInteger(index) || index < 0 || index >= count) {
        throw new Error(`--gpu ${index} does not exist: NVML sees ${count} GPU${count === 1 ? "" : "s"} (indices 0 to ${count - 1})`);
      }
      return device(index);
    },
    shutdown() {
      check("nvmlShutdown", f.shutdown());
    },
  };
}
