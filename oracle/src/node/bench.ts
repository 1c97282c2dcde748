/**
 * `verifyReport` benchmark for `npm run bench:oracle`: the median time to verify one GpuReport at the real challenge
 * size (8192³, so each of the 16 samples recomputes an 8192-long dot product), with both signature recoveries, the
 * Merkle proof and the plausibility checks. The chain is an in-memory view: the benchmark measures the node's own
 * work, since a live node answers registry reads from its cache.
 */
import { keccak256, toHex, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { labelledUuid } from "../gpuUuid.js";
import { DEFAULT_SIZE, recompute, SAMPLE_COUNT, sampleDigest, samplePositions } from "../challenge.js";
import { oracleDomain, signGpuReport, type GpuReport } from "../eip712.js";
import type { ProbeSubmission } from "../report.js";
import type { ChainView } from "./chain.js";
import { gpuLeaf, merkleProof, merkleRoot } from "./merkle.js";
import { issueTicket } from "./tickets.js";
import { DEFAULT_LIMITS, verifySubmission } from "./verify.js";

/** Wall times per report, and the process's CPU time per report, median and mean (the figures to trust on a busy
 * machine: they leave out time the process spent waiting for a core). */
export type VerifyBenchmark = { reports: number; size: number; medianMs: number; p90Ms: number; minMs: number; cpuMedianMs: number; cpuMeanMs: number };

export async function benchmarkVerify(opts: { reports?: number; size?: number } = {}): Promise<VerifyBenchmark> {
  const reports = opts.reports ?? 200;
  const size = opts.size ?? DEFAULT_SIZE;
  const label = (s: string): Hex => keccak256(toHex(`bench ${s}`));
  const issuer = privateKeyToAccount(label("oracle node"));
  const host = privateKeyToAccount(label("host"));
  const domain = oracleDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
  const uuids = Array.from({ length: 64 }, (_, i) => labelledUuid(`bench gpu ${i}`));
  const leaves = uuids.map(gpuLeaf);
  const root = merkleRoot(leaves);
  const chain: ChainView = {
    fleet: async (fleetId) => ({ fleetId, classId: 1, gpuCount: uuids.length, acquiredAt: 0, acquisitionCost: 0n, gpuRoot: root }),
    isHostSigner: async (_, signer) => signer === host.address,
    isOracleSigner: async (account) => account === issuer.address,
  };
  const now = Math.floor(Date.now() / 1000);
  const dims = { m: size, n: size, k: size };

  // Submissions are built first: computing exact samples is the probe's side and not part of the measurement.
  const submissions: ProbeSubmission[] = [];
  for (let i = 0; i < reports; i++) {
    const ticket = await issueTicket(issuer, dims, now);
    const challenge = { nonce: ticket.nonce, ...dims };
    const samples = samplePositions(challenge, SAMPLE_COUNT).map((p) => Math.fround(recompute(challenge, p).value));
    const uuid = uuids[i % uuids.length]!;
    const report: GpuReport = {
      fleetId: 1n,
      gpuUuidHash: gpuLeaf(uuid),
      nonce: ticket.nonce,
      observedAt: now,
      tflopsMilli: 742_000,
      bandwidthGBps: 3_000,
      utilizationBps: 8_000,
      powerMilliwatts: 600_000,
      healthFlags: 0,
      sampleDigest: sampleDigest(samples),
      replay: false,
    };
    const { signature } = await signGpuReport(host, domain, report);
    submissions.push({ ticket, report, signer: host.address, signature, samples, proof: merkleProof(leaves, gpuLeaf(uuid)), details: { identity: { uuid } } as ProbeSubmission["details"] });
  }

  const limits = { ...DEFAULT_LIMITS, minEdge: Math.min(size, DEFAULT_LIMITS.minEdge), maxEdge: Math.max(size, DEFAULT_LIMITS.maxEdge) };
  const ctx = { chain, domain, limits, classPeak: () => ({ peakTflops: 989, peakBandwidthGBps: 3350 }), isNonceUsed: () => false, now };
  const times: number[] = [];
  const cpuTimes: number[] = [];
  const cpu = process.cpuUsage();
  for (const submission of submissions) {
    const before = process.cpuUsage();
    const started = performance.now();
    const verdict = await verifySubmission(submission, ctx);
    times.push(performance.now() - started);
    const spent = process.cpuUsage(before);
    cpuTimes.push((spent.user + spent.system) / 1000);
    if (!verdict.ok) throw new Error(`benchmark report rejected: ${verdict.rejection.message}`);
  }
  const used = process.cpuUsage(cpu);
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const at = (q: number, sorted = times) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { reports, size, medianMs: at(0.5), p90Ms: at(0.9), minMs: times[0]!, cpuMedianMs: at(0.5, cpuTimes), cpuMeanMs: (used.user + used.system) / 1000 / reports };
}
