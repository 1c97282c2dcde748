/**
 * Replaying a recorded profile where no GPU is present (demos, CI). The profile fixes identity, health and the
 * measured rates; the GEMM samples depend on the nonce, so they are computed on the CPU from challenge.ts and
 * rounded to bf16 as the GPU's output would be. Every replayed report carries `replay = true`.
 */
import { readFileSync } from "node:fs";
import { gemmFlops, recompute, samplePositions, type Challenge } from "../challenge.js";
import type { ProbeDetails } from "../report.js";
import { healthFlags, type ExtraReadings } from "./flags.js";
import type { Measurement } from "./live.js";

export type RecordedProfile = {
  /** Says, to anyone opening the file, that it is replayed and where its figures come from. */
  about: string;
  source: "recorded" | "synthesized";
  basedOn: string;
  details: ProbeDetails;
  extra?: ExtraReadings;
};

function need(ok: boolean, file: string, field: string, value: unknown, want: string): void {
  if (!ok) throw new Error(`${file}: ${field} is ${JSON.stringify(value)}; expected ${want} (see oracle/profiles/ for complete profiles)`);
}

const isNum = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value) && value >= 0;

export function parseProfile(json: string, file = "profile"): RecordedProfile {
  const profile = JSON.parse(json) as RecordedProfile;
  need(typeof profile?.about === "string", file, "about", profile?.about, "a sentence saying the profile is replayed");
  need(profile.source === "recorded" || profile.source === "synthesized", file, "source", profile.source, '"recorded" or "synthesized"');
  const d = profile.details;
  need(typeof d?.identity?.uuid === "string" && d.identity.uuid.startsWith("GPU-"), file, "details.identity.uuid", d?.identity?.uuid, 'a "GPU-…" UUID');
  need(typeof d.identity.name === "string", file, "details.identity.name", d.identity.name, "the GPU's name");
  need(isNum(d.gemm?.tflops) && d.gemm.tflops > 0, file, "details.gemm.tflops", d.gemm?.tflops, "a positive TFLOP/s");
  need(Number.isInteger(d.gemm.iterations) && d.gemm.iterations > 0, file, "details.gemm.iterations", d.gemm.iterations, "a positive integer");
  need(isNum(d.copy?.gbps) && d.copy.gbps > 0, file, "details.copy.gbps", d.copy?.gbps, "a positive GB/s");
  need(isNum(d.utilization?.meanBps) && d.utilization.meanBps <= 10_000, file, "details.utilization.meanBps", d.utilization?.meanBps, "0 to 10000");
  need(isNum(d.powerWatts?.mean) && isNum(d.powerWatts.limit), file, "details.powerWatts", d.powerWatts, "{ mean, limit } in W");
  need(isNum(d.eccUncorrected), file, "details.eccUncorrected", d.eccUncorrected, "a count");
  need(Array.isArray(d.throttleReasons), file, "details.throttleReasons", d.throttleReasons, "a list of NVML clock event reason names");
  need(isNum(d.pcie?.width) && isNum(d.pcie.maxWidth) && isNum(d.pcie.generation) && isNum(d.pcie.maxGeneration), file, "details.pcie", d.pcie, "{ width, maxWidth, generation, maxGeneration }");
  return profile;
}

export const loadProfile = (file: string): RecordedProfile => parseProfile(readFileSync(file, "utf8"), file);

/** Nearest bf16 (ties to even) of a float32-representable value: what a GEMM with bf16 output stores. */
export function roundToBf16(value: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value);
  const bits = view.getUint32(0);
  view.setUint32(0, ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) << 16);
  return view.getFloat32(0);
}

export type ReplayOptions = { uuid?: string };

export function replayMeasurement(profile: RecordedProfile, challenge: Challenge, options: ReplayOptions = {}): Measurement {
  const started = performance.now();
  const samples = samplePositions(challenge).map((position) => roundToBf16(recompute(challenge, position).value));
  const recorded = profile.details;
  const { iterations, tflops } = recorded.gemm;
  const details: ProbeDetails = {
    ...recorded,
    identity: { ...recorded.identity, ...(options.uuid ? { uuid: options.uuid } : {}) },
    // The recorded rate applied to this ticket's shape: the time the recorded GPU would take for it.
    gemm: { m: challenge.m, n: challenge.n, k: challenge.k, iterations, tflops, seconds: (gemmFlops(challenge) * iterations) / (tflops * 1e12) },
    probeSeconds: (performance.now() - started) / 1000,
  };
  return { details, samples, healthFlags: healthFlags(details, profile.extra), replay: true };
}
