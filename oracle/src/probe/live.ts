/**
 * One probe run on real hardware: NVML for identity and health, a utilization window, then the GEMM and copy
 * challenges through CUDA and cuBLASLt. Libraries load in the order a person would install them, so the first
 * error names the first thing missing.
 */
import type { Challenge } from "../challenge.js";
import type { ProbeDetails } from "../report.js";
import { runCopy, runGemm } from "./benchmark.js";
import { openCublasLt, type CublasLt } from "./cublaslt.js";
import { openCuda } from "./cuda.js";
import { healthFlags } from "./flags.js";
import { CLOCK_EVENT_REASONS, openNvml, reasonNames, type PcieLink } from "./nvml.js";
import type { Progress } from "./progress.js";
import { sampleWindow } from "./window.js";

export type Measurement = { details: ProbeDetails; samples: number[]; healthFlags: number; replay: boolean };

export type LiveOptions = {
  gpu: number;
  windowSeconds: number;
  gemmSeconds: number;
  gemmIterations?: number;
  copyBytes: number;
  copySeconds: number;
  copyIterations?: number;
  env?: NodeJS.ProcessEnv;
};

/** Idle GPUs drop their PCIe link to a lower generation to save power; the widest, fastest link seen counts. */
const bestLink = (a: PcieLink, b: PcieLink): PcieLink => ({
  width: Math.max(a.width, b.width),
  maxWidth: b.maxWidth,
  generation: Math.max(a.generation, b.generation),
  maxGeneration: b.maxGeneration,
});

export async function measureLive(challenge: Challenge, options: LiveOptions, progress: Progress): Promise<Measurement> {
  const started = performance.now();
  const env = options.env ?? process.env;
  const nvml = await openNvml({ env });
  try {
    const device = nvml.device(options.gpu);
    const identity = device.identity();
    progress.log(`GPU ${options.gpu}: ${identity.name} ${identity.uuid} on ${identity.pciBusId}, driver ${identity.driverVersion}`);
    const eccUncorrected = device.eccUncorrected();
    const retirement = device.memoryRetirement();

    // CUDA and cuBLASLt load before the window, so a host missing either fails at once rather than after it.
    const cuda = await openCuda(env);
    let lt: CublasLt | undefined;
    try {
      cuda.open(identity.pciBusId, identity.uuid);
      // cuBLASLt attaches to the context that is current when its handle is created.
      lt = await openCublasLt(env);
      progress.log(`CUDA ${cuda.path}, cuBLASLt ${lt.path} (version ${lt.version})`);

      // An idle context launches nothing, so holding it open does not move the utilization readings.
      const window = sampleWindow(device, options.windowSeconds, progress);
      if (window.gpmUnavailable) progress.log(`SM activity unavailable, using the utilization rate: ${window.gpmUnavailable}`);
      let loadReasons = 0n;
      let link = device.pcie();
      const underLoad = () => {
        loadReasons |= device.clockEventReasons();
        link = bestLink(link, device.pcie());
      };
      const gemm = runGemm(cuda, lt, challenge, { seconds: options.gemmSeconds, iterations: options.gemmIterations, onTick: underLoad }, progress);
      const copy = runCopy(cuda, { bytes: options.copyBytes, seconds: options.copySeconds, iterations: options.copyIterations }, progress);

      // SwPowerCap under the probe's own GEMM is expected (it is built to reach the cap); only the window's counts.
      const reasons = window.reasons | (loadReasons & ~CLOCK_EVENT_REASONS.SwPowerCap);
      const details: ProbeDetails = {
        identity,
        eccUncorrected,
        retiredPages: retirement.retiredPages,
        remappedRows: retirement.remappedRows,
        throttleReasons: reasonNames(reasons),
        pcie: link,
        utilization: window.utilization,
        powerWatts: window.powerWatts,
        gemm: { m: challenge.m, n: challenge.n, k: challenge.k, iterations: gemm.iterations, seconds: gemm.seconds, tflops: gemm.tflops },
        copy,
        probeSeconds: (performance.now() - started) / 1000,
      };
      return { details, samples: gemm.samples, healthFlags: healthFlags(details, { retiredPagesPending: retirement.retiredPagesPending }), replay: false };
    } finally {
      lt?.close();
      cuda.close();
    }
  } finally {
    nvml.shutdown();
  }
}
