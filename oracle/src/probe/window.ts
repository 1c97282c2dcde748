/**
 * Utilization over a sampling window, with power draw as its cross-check.
 *
 * The window runs before the challenge: the probe reports how busy the host keeps the GPU, and its own GEMM would
 * otherwise read as 100 % utilization. SM activity comes from GPM (Hopper and later) as the mean over the whole
 * window; elsewhere the coarser utilization rate (share of time any kernel ran) is sampled every tick and averaged.
 */
import type { ProbeDetails } from "../report.js";
import type { NvmlDevice } from "./nvml.js";
import type { Progress } from "./progress.js";

export type WindowReading = {
  utilization: ProbeDetails["utilization"];
  powerWatts: ProbeDetails["powerWatts"];
  /** Clock event reasons OR-ed over the window. */
  reasons: bigint;
  /** Why GPM was not used, when it was not. */
  gpmUnavailable?: string;
};

const sleepMs = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export function sampleWindow(device: NvmlDevice, seconds: number, progress: Progress, tickMs = 100): WindowReading {
  let gpm = null;
  let gpmUnavailable: string | undefined;
  try {
    gpm = device.gpm();
    if (!gpm) gpmUnavailable = "this GPU or driver has no GPM (SM activity needs Hopper or later)";
  } catch (error) {
    gpmUnavailable = (error as Error).message;
  }
  let first = null;
  try {
    first = gpm?.sample() ?? null;
  } catch (error) {
    gpmUnavailable = (error as Error).message;
  }

  const ticks = Math.max(1, Math.round((seconds * 1000) / tickMs));
  let power = 0;
  let rate = 0;
  let reasons = 0n;
  progress.phase(`sampling utilization for ${seconds} s`, ticks, "samples");
  for (let tick = 0; tick < ticks; tick++) {
    if (tick > 0) sleepMs(tickMs);
    power += device.powerMilliwatts();
    rate += device.utilizationRate();
    reasons |= device.clockEventReasons();
    progress.update(tick + 1);
  }

  let smActivity: number | null = null;
  if (gpm && first) {
    try {
      const last = gpm.sample();
      smActivity = gpm.metrics(first, last).smUtil;
      gpm.free(last);
    } catch (error) {
      gpmUnavailable = (error as Error).message;
    }
    gpm.free(first);
  }

  const utilization: ProbeDetails["utilization"] =
    smActivity === null
      ? { source: "utilization-rate", windowSeconds: seconds, samples: ticks, meanBps: Math.round((rate / ticks) * 100) }
      : { source: "sm-activity", windowSeconds: seconds, samples: ticks, meanBps: Math.round(smActivity * 100) };
  const powerWatts = { mean: power / ticks / 1000, limit: device.powerLimitMilliwatts() / 1000 };
  progress.finish(`${(utilization.meanBps / 100).toFixed(1)} % ${utilization.source} at ${powerWatts.mean.toFixed(0)} W of ${powerWatts.limit.toFixed(0)} W`);
  return { utilization, powerWatts, reasons, ...(smActivity === null ? { gpmUnavailable } : {}) };
}
