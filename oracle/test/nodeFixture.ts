/**
 * What the node tests share: GPU fleets with real Merkle roots, probe submissions built in-process (CPU-computed GEMM
 * samples for a small challenge), a stand-in valuation, and a deployed protocol.
 */
import { keccak256, parseEther, toHex, type Address, type Hex, type LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { NetworkConnection } from "hardhat/types/network";
import { recompute, sampleDigest, samplePositions, SAMPLE_COUNT } from "../src/challenge.js";
import { signGpuReport, type ClassIndex, type FleetValue, type GpuReport, type OracleDomain } from "../src/eip712.js";
import type { NonceTicket, ProbeSubmission } from "../src/report.js";
import { labelledUuid } from "../src/gpuUuid.js";
import { gpuLeaf, merkleProof, merkleRoot } from "../src/node/merkle.js";
import type { NodeValuation } from "../src/node/valuation.js";
import type { ClassPeak } from "../src/node/verify.js";
import { deployProtocol, type Protocol } from "../../scripts/lib/protocol.js";

export const key = (label: string): Hex => keccak256(toHex(label));
export const NODE_KEYS = [1, 2, 3, 4].map((i) => key(`gpu-credit oracle node ${i}`));
export const NODE_ACCOUNTS = NODE_KEYS.map((k) => privateKeyToAccount(k));
export const HOST = privateKeyToAccount(key("gpu-credit host key A"));
export const OTHER_HOST = privateKeyToAccount(key("gpu-credit host key B"));
export const OUTSIDER = privateKeyToAccount(key("gpu-credit not an oracle signer"));

/** The small challenge every test probe runs: 64³ recomputes in microseconds. */
export const SMALL = { m: 64, n: 64, k: 64 } as const;
export const TEST_LIMITS = { minEdge: 64, maxEdge: 8192, acceptReplays: true } as const;

/** A deterministic, well-formed NVML-style UUID. */
export function gpuUuid(fleet: string, i: number): string {
  return labelledUuid(`${fleet} gpu ${i}`);
}

export type TestFleet = { name: string; classId: number; uuids: string[]; leaves: Hex[]; root: Hex; fleetId?: bigint };

export function testFleet(name: string, classId: number, gpuCount: number): TestFleet {
  const uuids = Array.from({ length: gpuCount }, (_, i) => gpuUuid(name, i));
  const leaves = uuids.map(gpuLeaf);
  return { name, classId, uuids, leaves, root: merkleRoot(leaves) };
}

/** Exact GEMM outputs at the ticket's sample positions, as a GPU writing float32 would report them. */
export function cpuSamples(ticket: Pick<NonceTicket, "nonce" | "m" | "n" | "k">): number[] {
  const challenge = { nonce: ticket.nonce, m: ticket.m, n: ticket.n, k: ticket.k };
  return samplePositions(challenge, SAMPLE_COUNT).map((p) => Math.fround(recompute(challenge, p).value));
}

export type Measurement = { tflops: number; bandwidthGBps: number; utilizationBps: number; powerWatts: number; healthFlags: number; replay: boolean };
export const HEALTHY_H100: Measurement = { tflops: 740, bandwidthGBps: 2900, utilizationBps: 8_500, powerWatts: 610, healthFlags: 0, replay: false };

/** A probe's submission for one GPU, signed with `host`; every field can be overridden after signing by the caller. */
export async function buildSubmission(opts: {
  ticket: NonceTicket;
  fleet: TestFleet;
  gpu: number;
  host?: LocalAccount;
  domain: OracleDomain;
  observedAt: number;
  measurement?: Partial<Measurement>;
  samples?: number[];
  report?: Partial<GpuReport>;
}): Promise<ProbeSubmission> {
  const m = { ...HEALTHY_H100, ...opts.measurement };
  const uuid = opts.fleet.uuids[opts.gpu]!;
  const samples = opts.samples ?? cpuSamples(opts.ticket);
  const report: GpuReport = {
    fleetId: opts.fleet.fleetId ?? 1n,
    gpuUuidHash: gpuLeaf(uuid),
    nonce: opts.ticket.nonce,
    observedAt: opts.observedAt,
    tflopsMilli: Math.round(m.tflops * 1000),
    bandwidthGBps: m.bandwidthGBps,
    utilizationBps: m.utilizationBps,
    powerMilliwatts: Math.round(m.powerWatts * 1000),
    healthFlags: m.healthFlags,
    sampleDigest: sampleDigest(samples),
    replay: m.replay,
    ...opts.report,
  };
  const host = opts.host ?? HOST;
  const { signature } = await signGpuReport(host, opts.domain, report);
  return {
    ticket: opts.ticket,
    report,
    signer: host.address,
    signature,
    samples,
    proof: merkleProof(opts.fleet.leaves, gpuLeaf(uuid)),
    details: {
      identity: { uuid, name: "NVIDIA H100 80GB HBM3", memoryBytes: 85_899_345_920, driverVersion: "550.90.07", vbiosVersion: "96.00.99.00.01", pciBusId: "00000000:1B:00.0" },
      eccUncorrected: 0,
      retiredPages: null,
      remappedRows: { correctable: 0, uncorrectable: 0, pending: false, failed: false },
      throttleReasons: [],
      pcie: { width: 16, maxWidth: 16, generation: 5, maxGeneration: 5 },
      utilization: { source: "sm-activity", windowSeconds: 10, samples: 100, meanBps: m.utilizationBps },
      powerWatts: { mean: m.powerWatts, limit: 700 },
      gemm: { ...SMALL, iterations: 1, seconds: 0.001, tflops: m.tflops },
      copy: { bytes: 1 << 30, iterations: 1, seconds: 0.001, gbps: m.bandwidthGBps },
      probeSeconds: 1,
    },
  };
}

export const PEAKS: Record<number, ClassPeak> = { 1: { peakTflops: 989, peakBandwidthGBps: 3350 }, 2: { peakTflops: 989, peakBandwidthGBps: 4800 } };

/**
 * A stand-in for the valuation model, simple enough to predict in a test: each fresh GPU is worth `perGpu` scaled by
 * its throughput against 700 TFLOP/s (capped at 1), times `scale` (10 for the lying node).
 */
export function testValuation(opts: { perGpu?: bigint; scale?: bigint } = {}): NodeValuation {
  const perGpu = opts.perGpu ?? parseEther("20000");
  const scale = opts.scale ?? 1n;
  return {
    classPeak: (classId) => PEAKS[classId],
    value(fleets) {
      const values: FleetValue[] = fleets.map(({ fleet, reports }) => {
        const gpuValues = reports.map((r) => (perGpu * BigInt(Math.min(10_000, Math.round((r.tflops / 700) * 10_000)))) / 10_000n);
        const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
        return {
          fleetId: fleet.fleetId,
          value: gpuValues.reduce((a, b) => a + b, 0n) * scale,
          throughputBps: mean(reports.map((r) => Math.round((r.tflops / 700) * 10_000))),
          utilizationBps: mean(reports.map((r) => r.utilizationBps)),
          healthFlags: reports.reduce((a, r) => a | r.healthFlags, 0),
          freshGpus: reports.length,
        };
      });
      const classes = [...new Set(fleets.map((f) => f.fleet.classId))].sort((a, b) => a - b);
      const indices: ClassIndex[] = classes.map((classId) => {
        const v = values.filter((_, i) => fleets[i]!.fleet.classId === classId);
        const total = v.reduce((a, f) => a + f.value, 0n);
        const gpus = v.reduce((a, f) => a + BigInt(f.freshGpus), 0n);
        return { classId, valuePerGpu: gpus ? total / gpus : 0n };
      });
      return { fleets: values, indices };
    },
  };
}

/** Deploys the protocol with the test node keys as the oracle signers (quorum 3) and onboards `fleets` with real roots. */
export async function deployWithFleets(connection: NetworkConnection, fleets: TestFleet[], hosts: Address[] = [HOST.address]): Promise<Protocol> {
  const p = await deployProtocol(connection, NODE_ACCOUNTS, 3n);
  const now = await p.networkHelpers.time.latest();
  for (const fleet of fleets) {
    await p.registry.write.onboard(
      [
        {
          operator: p.accounts.operatorA.account.address,
          classId: fleet.classId,
          gpuCount: fleet.uuids.length,
          acquiredAt: now - 30 * 86_400,
          acquisitionCost: parseEther("25000") * BigInt(fleet.uuids.length),
          gpuRoot: fleet.root,
          legalDocsHash: keccak256(toHex(`legal documents of ${fleet.name}`)),
        },
        hosts,
      ],
      { account: p.accounts.underwriter.account },
    );
    fleet.fleetId = await p.registry.read.lastFleetId();
  }
  return p;
}
