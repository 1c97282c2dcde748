/**
 * The oracle network `npm start` runs: several nodes (3 of 4 by default) on localhost against the local Hardhat node,
 * and one probe host per demo fleet. Each round, every host probes each of its GPUs against a fresh node ticket and
 * posts the signed report to every node; the node whose turn it is then gathers observations, takes the median,
 * collects a quorum of signatures and submits. So every value on-chain came out of the valuation model, from probe
 * reports, through a quorum round.
 *
 * Hosts measure a GPU only where NVML is present; otherwise (CI, this demo's machines) they replay recorded profiles
 * from oracle/profiles/, and every report, log line and the summary says so.
 */
import { fileURLToPath } from "node:url";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import type { Hex } from "viem";
import { stringify, type NonceTicket } from "../../oracle/src/report.js";
import { labelledUuid } from "../../oracle/src/gpuUuid.js";
import { gpuLeaf, merkleProof, merkleRoot } from "../../oracle/src/node/merkle.js";
import { startOracleNetwork, type OracleNetwork } from "../../oracle/src/node/network.js";
import { modelValuation } from "../../oracle/src/node/valuation.js";
import { DEFAULT_LIMITS } from "../../oracle/src/node/verify.js";
import { openLibrary } from "../../oracle/src/probe/ffi.js";
import { NVML_LIBRARY } from "../../oracle/src/probe/nvml.js";
import { runProbe } from "../../oracle/src/probe/probe.js";
import { createProgress } from "../../oracle/src/probe/progress.js";
import { loadProfile, type RecordedProfile } from "../../oracle/src/probe/replay.js";
import { fileQuoteSource, loadQuotes, rentalRate } from "../../oracle/src/quotes/index.js";
import { loadClassParams } from "../../oracle/src/valuation/index.js";
import type { Logger } from "./log.js";

const PROFILES = fileURLToPath(new URL("../../oracle/profiles/", import.meta.url));
/** The replay profile each demo class runs, and the one a fleet switches to when it degrades. */
export const CLASS_PROFILES: Record<number, string> = { 1: "h100-sxm.json", 2: "h200.json", 3: "a100-sxm.json" };
export const DEGRADED_PROFILE = "h200-degraded.json";
export const profile = (file: string): RecordedProfile => loadProfile(`${PROFILES}${file}`);

/**
 * The bundled quotes are 2025–26 list prices; the demo's chain time runs to late 2026 and on, so it accepts quotes up
 * to this many days old. A production node keeps the default and adds a live source.
 */
const DEMO_MAX_QUOTE_AGE_DAYS = 700;
/** Replayed samples are recomputed on the CPU by every probe and node: at 64³ that is microseconds a report. */
const DEMO_CHALLENGE = { m: 64, n: 64, k: 64 } as const;

export type ProbeMode = { mode: "replay" | "real"; why: string };

/** "real" where NVML loads (a GPU host), else "replay", with the reason in words for the logs and the summary. */
export async function detectProbeMode(): Promise<ProbeMode> {
  try {
    const { path } = await openLibrary(NVML_LIBRARY);
    return { mode: "real", why: `NVML found (${path})` };
  } catch {
    return { mode: "replay", why: "no libnvidia-ml.so.1 on this machine: hosts replay recorded profiles (reports marked replay = true)" };
  }
}

/** A demo fleet's GPUs: deterministic NVML-style UUIDs, the registry's Merkle tree over them, and the host's key. */
export type DemoHost = { fleetName: string; classId: number; uuids: string[]; leaves: Hex[]; root: Hex; key: PrivateKeyAccount; profile: RecordedProfile; fleetId?: bigint };

export function demoHost(fleetName: string, classId: number, gpuCount: number): DemoHost {
  const uuids = Array.from({ length: gpuCount }, (_, i) => labelledUuid(`${fleetName} gpu ${i}`));
  const leaves = uuids.map(gpuLeaf);
  const file = CLASS_PROFILES[classId];
  if (!file) throw new Error(`class ${classId} has no replay profile; add one to CLASS_PROFILES in scripts/lib/demoOracle.ts`);
  // Host keys are generated at start and live only in this process.
  return { fleetName, classId, uuids, leaves, root: merkleRoot(leaves), key: privateKeyToAccount(generatePrivateKey()), profile: profile(file) };
}

export type DemoOracle = {
  net: OracleNetwork;
  mode: ProbeMode;
  quorum: number;
  hosts: DemoHost[];
  /** Rounds this network has landed. */
  published(): number;
  /** Every host probes every GPU and posts to every node; then the node whose turn it is leads. Returns the round id. */
  round(): Promise<bigint>;
  /**
   * The nodes' heartbeat in the demo's compressed time: a round if the last one landed was observed at least
   * `seconds` of chain time ago, else nothing (null). Where only time passes, values need no more rounds than that.
   */
  heartbeat(seconds: number): Promise<bigint | null>;
  /** After the demo: hosts re-probe and nodes publish on their own timer until `stop`. */
  startTimers(intervalMs: number): void;
  stop(): Promise<void>;
};

export async function startDemoOracle(opts: {
  rpcUrl: string;
  oracle: `0x${string}`;
  registry: `0x${string}`;
  nodeKeys: readonly PrivateKeyAccount[];
  hosts: DemoHost[];
  mode: ProbeMode;
  logger: Logger;
}): Promise<DemoOracle> {
  const params = await loadClassParams();
  let nowForRates = Math.floor(Date.now() / 1000);
  const { quotes, failures } = await loadQuotes([fileQuoteSource()]);
  for (const f of failures) opts.logger.warn("quote-source-failed", { source: f.source, error: f.error.message });
  const valuation = modelValuation({
    params,
    // The rate as of the round's time: quotes age as the demo moves the chain forward.
    rentalRatePerHour: (c) => rentalRate(quotes, c.rentalIndexKey, { now: nowForRates, maxQuoteAgeDays: DEMO_MAX_QUOTE_AGE_DAYS }).rate,
    maxReportAgeSeconds: DEFAULT_LIMITS.maxReportAgeSeconds,
    excludeReplays: opts.mode.mode === "real",
  });
  let landed = 0;
  const logger: Logger = {
    info: (event, fields) => {
      if (event === "round-submitted") landed++;
      // Per-report lines would be thousands a round; the round lines carry the story.
      if (!["report-accepted", "nonce-issued", "round-signed"].includes(event)) opts.logger.info(event, fields);
    },
    warn: opts.logger.warn,
    error: opts.logger.error,
  };
  const net = await startOracleNetwork({
    rpcUrl: opts.rpcUrl,
    oracle: opts.oracle,
    registry: opts.registry,
    nodeKeys: opts.nodeKeys,
    valuation,
    limits: { minEdge: DEMO_CHALLENGE.m, acceptReplays: true },
    challenge: DEMO_CHALLENGE,
    pollingIntervalMs: 50,
    retry: { attempts: 5, baseDelayMs: 100, maxDelayMs: 2_000, receiptTimeoutMs: 30_000 },
    logger,
  });
  const quorum = await net.nodes[0]!.core.chain.quorum();

  // The replay announces itself once per GPU; the demo says it once, in its own log and the summary.
  const silent = createProgress({ write: () => true });

  async function probeAll() {
    const clock = net.nodes[0]!.core.clock;
    const now = await clock();
    nowForRates = now;
    let g = 0;
    for (const host of opts.hosts) {
      if (host.fleetId === undefined) throw new Error(`host of ${host.fleetName} has no fleetId; onboard the fleet before a round`);
      await Promise.all(
        host.uuids.map(async (uuid) => {
          const issuer = net.nodes[g++ % net.nodes.length]!;
          const ticket = (await (await fetch(`${issuer.url}/nonce`)).json()) as NonceTicket;
          const submission = await runProbe(
            { ticket, fleetId: host.fleetId!, account: host.key, domain: issuer.core.domain, proof: merkleProof(host.leaves, gpuLeaf(uuid)), replay: { profile: host.profile, uuid }, now: () => now },
            silent,
          );
          const body = stringify(submission);
          await Promise.all(
            net.nodes.map(async (node) => {
              const response = await fetch(`${node.url}/reports`, { method: "POST", body });
              if (response.status !== 200) throw new Error(`node ${node.index} rejected ${uuid} of ${host.fleetName}: ${await response.text()}`);
            }),
          );
        }),
      );
    }
  }

  let lastObservedAt = 0;
  async function round(): Promise<bigint> {
    await probeAll();
    const latest = await net.nodes[0]!.core.chain.latestRoundId();
    const leader = net.nodes.find((n) => n.leader.leaderOf(latest + 1n, 0) === n.address)!;
    const led = await leader.leader.leadRound();
    if (led.outcome !== "submitted" || led.submit.outcome !== "landed") {
      throw new Error(`oracle round ${latest + 1n} led by node ${leader.index} did not land: ${stringify(led)}`);
    }
    lastObservedAt = led.round.observedAt;
    return led.round.roundId;
  }

  async function heartbeat(seconds: number): Promise<bigint | null> {
    const now = await net.nodes[0]!.core.clock();
    return now - lastObservedAt >= seconds ? round() : null;
  }

  let probeTimer: NodeJS.Timeout | undefined;
  let probing: Promise<void> = Promise.resolve();
  return {
    net,
    mode: opts.mode,
    quorum,
    hosts: opts.hosts,
    published: () => landed,
    round,
    heartbeat,
    startTimers(intervalMs) {
      const reprobe = () => (probing = probeAll().catch((error: unknown) => opts.logger.error("probe-failed", { error: (error as Error).message })));
      // Reports must stay fresh for the timer's rounds to carry the fleets: hosts re-probe well inside the report age.
      probeTimer = setInterval(reprobe, Math.min(intervalMs * 4, (DEFAULT_LIMITS.maxReportAgeSeconds * 1000) / 4));
      for (const node of net.nodes) node.leader.start(intervalMs);
    },
    async stop() {
      if (probeTimer) clearInterval(probeTimer);
      await probing;
      await net.stop();
    },
  };
}
