/**
 * The CUDA driver API (libcuda.so.1) through koffi: a context on the GPU NVML picked, device memory, copies and
 * events. Device pointers (CUdeviceptr) travel as BigInts in `uint64_t` parameters; handles as BigInts in `void *`.
 */
import type { LibraryHandle } from "koffi";
import { formatUuid } from "../gpuUuid.js";
import { loadKoffi, openLibrary, optionalFunc, pointerOut, requiredFunc, type LibrarySpec } from "./ffi.js";

export const CUDA_LIBRARY: LibrarySpec = {
  names: ["libcuda.so.1", "libcuda.so"],
  env: "GPU_PROBE_CUDA",
  meaning: "the NVIDIA driver's CUDA library is missing",
  why: "the CUDA driver runs the GEMM and copy challenges",
  fix: "install the full NVIDIA driver (not only the NVML/utilities package) or run with --replay FILE",
};

const NOT_READY = 600;

const FIXES: Record<number, string> = {
  2: "free GPU memory (nvidia-smi lists the processes holding it) or run a smaller --size",
  3: "cuInit failed earlier; check the driver installation",
  46: "the GPU is in exclusive-process mode and another process holds it; stop that process",
  100: "CUDA sees no GPU: check CUDA_VISIBLE_DEVICES and that /dev/nvidia* are accessible",
  101: "CUDA_VISIBLE_DEVICES hides the GPU NVML picked; unset it or pick a visible --gpu",
  700: "the kernel hit an illegal address; the GPU needs a reset (nvidia-smi -r)",
  802: "start nvidia-fabricmanager: NVSwitch systems run no CUDA work without it",
  803: "the driver library and kernel module versions differ: reboot after the driver update",
  804: "this driver's forward-compatibility package does not support this GPU; remove it or update the driver",
  999: "check the kernel log (dmesg) for Xid errors",
};

export class CudaError extends Error {
  override name = "CudaError";
  constructor(
    readonly call: string,
    readonly code: number,
    errorName: string,
    text: string,
  ) {
    super(`${call} failed: ${errorName} (${code}, "${text}"); ${FIXES[code] ?? "check nvidia-smi and the kernel log"}`);
  }
}

export type DevicePtr = bigint;
export type CudaEvent = bigint;

export type Cuda = {
  path: string;
  /** Device ordinal of the GPU on PCI bus `busId` (NVML's format); checked against the NVML UUID. */
  open(busId: string, uuid: string): void;
  alloc(bytes: number): DevicePtr;
  free(ptr: DevicePtr): void;
  copyToDevice(dst: DevicePtr, src: ArrayBufferView, bytes: number): void;
  copyToHost(dst: ArrayBufferView, src: DevicePtr, bytes: number): void;
  copyOnDevice(dst: DevicePtr, src: DevicePtr, bytes: number): void;
  event(): CudaEvent;
  /** Records on the legacy default stream, where the copies and GEMMs also run. */
  record(event: CudaEvent): void;
  done(event: CudaEvent): boolean;
  synchronize(event: CudaEvent): void;
  /** Milliseconds between two completed events. */
  elapsedMs(start: CudaEvent, end: CudaEvent): number;
  destroy(event: CudaEvent): void;
  close(): void;
};

type Fn = (...args: unknown[]) => unknown;

function bind(lib: LibraryHandle, path: string) {
  const req = (proto: string) => requiredFunc(lib, path, proto) as Fn;
  const opt = (proto: string) => optionalFunc(lib, proto) as Fn | null;
  return {
    init: req("int cuInit(unsigned int flags)"),
    getErrorName: req("int cuGetErrorName(int error, void *pStr)"),
    getErrorString: req("int cuGetErrorString(int error, void *pStr)"),
    deviceGetByPCIBusId: req("int cuDeviceGetByPCIBusId(void *dev, const char *pciBusId)"),
    deviceGetUuid: opt("int cuDeviceGetUuid_v2(void *uuid, int dev)") ?? req("int cuDeviceGetUuid(void *uuid, int dev)"),
    primaryCtxRetain: req("int cuDevicePrimaryCtxRetain(void *pctx, int dev)"),
    primaryCtxRelease: req("int cuDevicePrimaryCtxRelease_v2(int dev)"),
    ctxSetCurrent: req("int cuCtxSetCurrent(void *ctx)"),
    memAlloc: req("int cuMemAlloc_v2(void *dptr, size_t bytesize)"),
    memFree: req("int cuMemFree_v2(uint64_t dptr)"),
    memcpyHtoD: req("int cuMemcpyHtoD_v2(uint64_t dst, const void *src, size_t bytes)"),
    memcpyDtoH: req("int cuMemcpyDtoH_v2(void *dst, uint64_t src, size_t bytes)"),
    memcpyDtoD: req("int cuMemcpyDtoD_v2(uint64_t dst, uint64_t src, size_t bytes)"),
    eventCreate: req("int cuEventCreate(void *event, unsigned int flags)"),
    eventRecord: req("int cuEventRecord(void *event, void *stream)"),
    eventQuery: req("int cuEventQuery(void *event)"),
    eventSynchronize: req("int cuEventSynchronize(void *event)"),
    // CUDA 12.8 added _v2 and CUDA 13's header maps the plain name onto it; older drivers have only the plain one.
    eventElapsedTime: opt("int cuEventElapsedTime_v2(void *ms, void *start, void *end)") ?? req("int cuEventElapsedTime(void *ms, void *start, void *end)"),
    eventDestroy: req("int cuEventDestroy_v2(void *event)"),
  };
}

export async function openCuda(env: NodeJS.ProcessEnv = process.env): Promise<Cuda> {
  const { lib, path } = await openLibrary(CUDA_LIBRARY, env);
  const koffi = await loadKoffi();
  const f = bind(lib, path);

  const describe = (fn: Fn, code: number) => {
    const out = pointerOut();
    return fn(code, out) === 0 ? String(koffi.decode(out, "const char *")) : "unknown";
  };
  const check = (call: string, code: unknown) => {
    if (code === 0) return;
    throw new CudaError(call, code as number, describe(f.getErrorName, code as number), describe(f.getErrorString, code as number));
  };

  check("cuInit(0)", f.init(0));
  let device = -1;

  return {
    path,
    open(busId, uuid) {
      const ordinal = Buffer.alloc(4);
      check(`cuDeviceGetByPCIBusId(${busId})`, f.deviceGetByPCIBusId(ordinal, busId));
      device = ordinal.readInt32LE();
      const raw = Buffer.alloc(16);
      check(`cuDeviceGetUuid(${device})`, f.deviceGetUuid(raw, device));
      if (formatUuid(raw).toLowerCase() !== uuid.toLowerCase()) {
        throw new Error(`CUDA device ${device} on ${busId} has UUID ${formatUuid(raw)}, but NVML reports ${uuid} there; the probe would measure another GPU`);
      }
      const ctx = pointerOut();
      check(`cuDevicePrimaryCtxRetain(${device})`, f.primaryCtxRetain(ctx, device));
      check("cuCtxSetCurrent", f.ctxSetCurrent(ctx.readBigUInt64LE()));
    },
    alloc(bytes) {
      const ptr = pointerOut();
      check(`cuMemAlloc_v2(${bytes} bytes)`, f.memAlloc(ptr, bytes));
      return ptr.readBigUInt64LE();
    },
    free: (ptr) => check("cuMemFree_v2", f.memFree(ptr)),
    copyToDevice: (dst, src, bytes) => check(`cuMemcpyHtoD_v2(${bytes} bytes)`, f.memcpyHtoD(dst, src, bytes)),
    copyToHost: (dst, src, bytes) => check(`cuMemcpyDtoH_v2(${bytes} bytes)`, f.memcpyDtoH(dst, src, bytes)),
    copyOnDevice: (dst, src, bytes) => check(`cuMemcpyDtoD_v2(${bytes} bytes)`, f.memcpyDtoD(dst, src, bytes)),
    event() {
      const event = pointerOut();
      check("cuEventCreate", f.eventCreate(event, 0));
      return event.readBigUInt64LE();
    },
    record: (event) => check("cuEventRecord", f.eventRecord(event, 0n)),
    done(event) {
      const code = f.eventQuery(event);
      if (code === NOT_READY) return false;
      check("cuEventQuery", code);
      return true;
    },
    synchronize: (event) => check("cuEventSynchronize", f.eventSynchronize(event)),
    elapsedMs(start, end) {
      const ms = Buffer.alloc(4);
      check("cuEventElapsedTime", f.eventElapsedTime(ms, start, end));
      return ms.readFloatLE();
    },
    destroy: (event) => check("cuEventDestroy_v2", f.eventDestroy(event)),
    close() {
      if (device >= 0) check(`cuDevicePrimaryCtxRelease_v2(${device})`, f.primaryCtxRelease(device));
      device = -1;
    },
  };
}

