/**
 * One oracle node's behaviour, without transport: issue tickets, accept or reject probe submissions, observe the
 * fleets, and sign rounds that match its own observation. server.ts puts it on HTTP; leader.ts runs rounds.
 */
import { type Address, type LocalAccount } from "viem";
import { jsonLogger, type Logger } from "../../../scripts/lib/log.js";
import { validateChallenge, DEFAULT_SIZE } from "../challenge.js";
import { oracleDomain, signRound, type OracleDomain, type Round, type SignedMessage } from "../eip712.js";
import { parseSubmission, type NonceTicket, type ProbeSubmission } from "../report.js";
import { DEFAULT_TOLERANCE, judgeRound, type Observation, type Refusal, type Tolerance } from "./aggregate.js";
import type { ChainView, RoundChain } from "./chain.js";
import { createNodeMetrics, type NodeMetrics } from "./metrics.js";
import { rejection, type Rejection } from "./rejections.js";
import { createReportStore, type ReportStore } from "./store.js";
import { issueTicket, type ChallengeDims } from "./tickets.js";
import type { NodeValuation } from "./valuation.js";
import { DEFAULT_LIMITS, verifySubmission, type AcceptedReport, type VerifyLimits } from "./verify.js";

export type Clock = () => Promise<number>;
export const wallClock: Clock = async () => Math.floor(Date.now() / 1000);

export type NodeCoreConfig = {
  account: LocalAccount; // this node's oracle signer key: signs tickets and rounds
  chain: ChainView & RoundChain;
  chainId: number;
  oracle: Address; // FleetOracle, the EIP-712 verifying contract
  valuation: NodeValuation;
  limits?: Partial<VerifyLimits>;
  /** Dimensions a ticket gets when the probe asks for none. */
  challenge?: ChallengeDims;
  tolerance?: Tolerance;
  /** How old a round's or an observation request's `observedAt` may be; FleetOracle.maxAge is the hard limit. */
  maxRoundLagSeconds?: number;
  clock?: Clock;
  logger?: Logger;
};

export type AcceptResult = { accepted: true; report: AcceptedReport } | { accepted: false; rejection: Rejection };
export type SignResult = { signed: true; signature: SignedMessage } | { signed: false; refusal: Refusal | { reason: "wrong-round-id" | "round-time"; message: string } };

export type NodeCore = {
  address: Address;
  domain: OracleDomain;
  limits: VerifyLimits;
  metrics: NodeMetrics;
  store: ReportStore;
  log: Logger;
  clock: Clock;
  chain: ChainView & RoundChain;
  issue(dims?: Partial<ChallengeDims>): Promise<NonceTicket>;
  /** Accepts a submission as JSON text or as a parsed object. */
  accept(submission: string | ProbeSubmission): Promise<AcceptResult>;
  observe(asOf: number): Promise<Observation>;
  sign(round: Round): Promise<SignResult>;
};

export function createNodeCore(config: NodeCoreConfig): NodeCore {
  const { account, chain } = config;
  const address = account.address;
  const limits = { ...DEFAULT_LIMITS, ...config.limits };
  const domain = oracleDomain(config.chainId, config.oracle);
  const clock = config.clock ?? wallClock;
  const tolerance = config.tolerance ?? DEFAULT_TOLERANCE;
  const maxRoundLag = config.maxRoundLagSeconds ?? 300;
  const defaultDims = config.challenge ?? { m: DEFAULT_SIZE, n: DEFAULT_SIZE, k: DEFAULT_SIZE };
  const metrics = createNodeMetrics(address);
  const store = createReportStore();
  const base = config.logger ?? jsonLogger("oracle-node");
  const log: Logger = {
    info: (event, fields) => base.info(event, { node: address, ...fields }),
    warn: (event, fields) => base.warn(event, { node: address, ...fields }),
    error: (event, fields) => base.error(event, { node: address, ...fields }),
  };

  async function issue(dims: Partial<ChallengeDims> = {}): Promise<NonceTicket> {
    const wanted = { ...defaultDims, ...dims };
    for (const dim of ["m", "n", "k"] as const) {
      if (!Number.isInteger(wanted[dim]) || wanted[dim] < limits.minEdge || wanted[dim] > limits.maxEdge) {
        throw new RangeError(`${dim} ${wanted[dim]} is outside [${limits.minEdge}, ${limits.maxEdge}]; ask without ${dim} for the default ${defaultDims[dim]}`);
      }
    }
    const ticket = await issueTicket(account, wanted, await clock());
    validateChallenge({ nonce: ticket.nonce, ...wanted });
    metrics.noncesIssued.inc();
    log.info("nonce-issued", { nonce: ticket.nonce, m: wanted.m, n: wanted.n, k: wanted.k });
    return ticket;
  }

  function rejected(r: Rejection, context: Record<string, unknown>): AcceptResult {
    metrics.reportsRejected.inc({ reason: r.code });
    log.warn("report-rejected", { reason: r.code, field: r.field, value: r.value, message: r.message, ...context });
    return { accepted: false, rejection: r };
  }

  async function accept(input: string | ProbeSubmission): Promise<AcceptResult> {
    let submission: ProbeSubmission;
    try {
      submission = typeof input === "string" ? parseSubmission(input) : input;
    } catch (error) {
      return rejected(rejection("malformed", "submission", typeof input === "string" ? `${input.length} bytes` : typeof input, `does not parse (${(error as Error).message})`, "post the JSON the probe printed"), {});
    }
    const context = { fleetId: submission?.report?.fleetId, gpuUuidHash: submission?.report?.gpuUuidHash, nonce: submission?.report?.nonce };
    const started = performance.now();
    const now = await clock();
    const verdict = await verifySubmission(submission, { chain, domain, limits, classPeak: (c) => config.valuation.classPeak(c), isNonceUsed: store.isNonceUsed, now });
    metrics.verifySeconds.observe((performance.now() - started) / 1000);
    if (!verdict.ok) return rejected(verdict.rejection, context);
    // Verification awaited the chain; a copy of this submission may have been accepted meanwhile.
    if (!store.accept(verdict.report, submission.ticket.issuedAt)) {
      return rejected(rejection("replayed-nonce", "report.nonce", verdict.report.nonce, "was used by a report accepted while this one was being verified", "fetch a fresh ticket for each GPU and each run"), context);
    }
    metrics.reportsAccepted.inc();
    const r = verdict.report;
    log.info("report-accepted", { ...context, signer: r.signer, observedAt: r.observedAt, tflops: r.tflops, bandwidthGBps: r.bandwidthGBps, utilizationBps: r.utilizationBps, healthFlags: r.healthFlags, replay: r.replay });
    store.prune(now, limits.maxTicketAgeSeconds, limits.maxReportAgeSeconds);
    return { accepted: true, report: r };
  }

  async function observe(asOf: number): Promise<Observation> {
    const entries = [];
    for (const fleetId of store.fleetIds()) {
      const fleet = await chain.fleet(fleetId);
      if (!fleet) continue;
      const reports = store.reportsFor(fleetId, asOf).filter((r) => asOf - r.observedAt <= limits.maxReportAgeSeconds);
      if (reports.length) entries.push({ fleet, reports });
    }
    const valued = config.valuation.value(entries, asOf);
    // A fleet with no fresh GPU is worth nothing to the model, and zero is outside every on-chain bound: it goes
    // stale on-chain instead, which stops new borrowing against it.
    const fleets = valued.fleets.filter((f) => f.freshGpus > 0 && f.value > 0n).sort((a, b) => (a.fleetId < b.fleetId ? -1 : 1));
    const indices = valued.indices.filter((c) => c.valuePerGpu > 0n).sort((a, b) => a.classId - b.classId);
    return { node: address, observedAt: asOf, fleets, indices };
  }

  async function sign(round: Round): Promise<SignResult> {
    const refuse = (refusal: Exclude<SignResult, { signed: true }>["refusal"]): SignResult => {
      metrics.signRefusals.inc({ reason: refusal.reason });
      log.warn("round-refused", { roundId: round.roundId, observedAt: round.observedAt, reason: refusal.reason, message: refusal.message });
      return { signed: false, refusal };
    };
    const [latest, now] = await Promise.all([chain.latestRoundId(), clock()]);
    metrics.lastRoundId.set(Number(latest));
    if (round.roundId !== latest + 1n) {
      return refuse({ reason: "wrong-round-id", message: `round.roundId ${round.roundId} is not latestRoundId + 1 = ${latest + 1n}; propose the next round` });
    }
    if (round.observedAt > now + limits.maxFutureSkewSeconds || now - round.observedAt > maxRoundLag) {
      return refuse({ reason: "round-time", message: `round.observedAt ${round.observedAt} is not within ${maxRoundLag} s before node time ${now}; propose a round observed now` });
    }
    const refusal = judgeRound(round, await observe(round.observedAt), tolerance);
    if (refusal) return refuse(refusal);
    const signature = await signRound(account, domain, round);
    metrics.roundsSigned.inc();
    log.info("round-signed", { roundId: round.roundId, observedAt: round.observedAt, fleets: round.fleets.length, indices: round.indices.length });
    return { signed: true, signature };
  }

  return { address, domain, limits, metrics, store, log, clock, chain, issue, accept, observe, sign };
}
