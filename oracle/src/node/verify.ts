/**
 * Verification of one probe submission. It reads the chain and the node's used-nonce set but writes nothing: the
 * caller records an accepted report (and burns its nonce) in one synchronous step afterwards, so a rejected report
 * leaves no trace but a metric and a log line.
 *
 * Why a rejection never burns the nonce: tickets are public (anyone may call `GET /nonce`, and a probe posts the same
 * ticket to every node), so a third party can copy a ticket in flight and post a forged report with it. If a
 * rejection used the nonce up, that forgery would lock the honest probe's real report out of every node. Only a
 * report signed by a host key registered for the fleet can burn a nonce, and that is an operator racing itself.
 *
 * Checks run cheapest first, the GEMM recompute (about 1 ms at k = 8192) last, so junk costs little.
 */
import { getAddress, hashMessage, isAddress, isHex, keccak256, toBytes, type Address, type Hex } from "viem";
import { checkSamples, SAMPLE_COUNT, sampleDigest } from "../challenge.js";
import { hashGpuReport, type GpuReport, type OracleDomain } from "../eip712.js";
import { ticketNonce, type NonceTicket, type ProbeSubmission } from "../report.js";
import type { ChainView } from "./chain.js";
import { verifyMerkleProof } from "./merkle.js";
import { rejection, type Rejection } from "./rejections.js";
import { createSignatureCheck, type SignatureCheck } from "./signatures.js";

/** Spec peaks of a GPU class: a measurement above them is not a faster GPU, it is a false report. */
export type ClassPeak = { peakTflops: number; peakBandwidthGBps: number };

export type VerifyLimits = {
  maxTicketAgeSeconds: number; // a ticket issued longer ago is stale; also how long used nonces are remembered
  maxReportAgeSeconds: number; // a report observed longer ago is stale
  maxFutureSkewSeconds: number; // clock difference tolerated between a host and the node
  minEdge: number; // smallest GEMM edge (m, n, k) a ticket may name
  maxEdge: number;
  acceptReplays: boolean; // whether recorded-profile replays count (the demo: yes; production: no)
};

export const DEFAULT_LIMITS: VerifyLimits = {
  maxTicketAgeSeconds: 15 * 60,
  maxReportAgeSeconds: 60 * 60,
  maxFutureSkewSeconds: 60,
  minEdge: 8192,
  maxEdge: 16384,
  acceptReplays: false,
};

export type VerifyContext = {
  chain: ChainView;
  domain: OracleDomain;
  limits: VerifyLimits;
  classPeak: (classId: number) => ClassPeak | undefined;
  isNonceUsed: (nonce: Hex) => boolean;
  now: number; // [unix s]
  /** Defaults to one process-wide check, whose cache holds only registered keys. */
  signedBy?: SignatureCheck;
};

const sharedSignatureCheck = createSignatureCheck();

/** What the node keeps of an accepted report: the valuation model's GpuObservation plus where it came from. */
export type AcceptedReport = {
  fleetId: bigint;
  classId: number;
  gpuUuidHash: Hex;
  nonce: Hex;
  signer: Address;
  observedAt: number;
  tflops: number;
  bandwidthGBps: number;
  utilizationBps: number;
  powerWatts: number;
  healthFlags: number;
  replay: boolean;
};

export type Verdict = { ok: true; report: AcceptedReport } | { ok: false; rejection: Rejection };

const fail = (r: Rejection): Verdict => ({ ok: false, rejection: r });
const GPU_UUID = /^GPU-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const PRINTED = "post the JSON the probe printed";

const isUint = (v: unknown, bits: number) => typeof v === "number" && Number.isInteger(v) && v >= 0 && v < 2 ** bits;
const isBytes32 = (v: unknown): v is Hex => typeof v === "string" && isHex(v) && v.length === 66;

/** Shape and range of every field verification reads; the first bad one becomes a `malformed` rejection. */
function shapeProblem(s: ProbeSubmission): Rejection | null {
  const bad = (field: string, value: unknown, expected: string) => rejection("malformed", field, value, `is not ${expected}`, PRINTED);
  if (typeof s !== "object" || s === null) return bad("submission", s, "an object");
  const t = s.ticket as Partial<NonceTicket> | undefined;
  if (typeof t !== "object" || t === null) return bad("ticket", t, "an object");
  if (typeof t.issuer !== "string" || !isAddress(t.issuer)) return bad("ticket.issuer", t.issuer, "an address");
  if (!isUint(t.issuedAt, 40)) return bad("ticket.issuedAt", t.issuedAt, "a unix time in seconds");
  if (!isBytes32(t.salt)) return bad("ticket.salt", t.salt, "32 bytes of hex");
  for (const dim of ["m", "n", "k"] as const) if (!isUint(t[dim], 32) || t[dim] === 0) return bad(`ticket.${dim}`, t[dim], "a positive integer");
  if (!isBytes32(t.nonce)) return bad("ticket.nonce", t.nonce, "32 bytes of hex");
  if (typeof t.signature !== "string" || !isHex(t.signature)) return bad("ticket.signature", t.signature, "hex");
  const r = s.report as Partial<GpuReport> | undefined;
  if (typeof r !== "object" || r === null) return bad("report", r, "an object");
  if (typeof r.fleetId !== "bigint" || r.fleetId < 1n) return bad("report.fleetId", r.fleetId, "a fleet id (decimal string)");
  for (const field of ["gpuUuidHash", "nonce", "sampleDigest"] as const) if (!isBytes32(r[field])) return bad(`report.${field}`, r[field], "32 bytes of hex");
  const widths = { observedAt: 40, tflopsMilli: 32, bandwidthGBps: 32, utilizationBps: 16, powerMilliwatts: 32, healthFlags: 16 } as const;
  for (const [field, bits] of Object.entries(widths)) {
    const value = r[field as keyof typeof widths];
    if (!isUint(value, bits)) return bad(`report.${field}`, value, `a uint${bits}`);
  }
  if (r.utilizationBps! > 10_000) return bad("report.utilizationBps", r.utilizationBps, "at most 10000 bps");
  if (typeof r.replay !== "boolean") return bad("report.replay", r.replay, "a boolean");
  if (typeof s.signer !== "string" || !isAddress(s.signer)) return bad("signer", s.signer, "an address");
  if (typeof s.signature !== "string" || !isHex(s.signature)) return bad("signature", s.signature, "hex");
  if (!Array.isArray(s.samples) || s.samples.length !== SAMPLE_COUNT || !s.samples.every((x) => typeof x === "number" && Number.isFinite(x))) {
    return bad("samples", Array.isArray(s.samples) ? `${s.samples.length} entries` : s.samples, `${SAMPLE_COUNT} finite numbers`);
  }
  if (!Array.isArray(s.proof) || s.proof.length > 32 || !s.proof.every(isBytes32)) return bad("proof", s.proof, "at most 32 hashes of 32 bytes");
  if (typeof s.details?.identity?.uuid !== "string") return bad("details.identity.uuid", s.details?.identity?.uuid, "a string");
  return null;
}

export async function verifySubmission(s: ProbeSubmission, ctx: VerifyContext): Promise<Verdict> {
  const shape = shapeProblem(s);
  if (shape) return fail(shape);
  const { ticket, report, limits } = { ...s, limits: ctx.limits };
  const signedBy = ctx.signedBy ?? sharedSignatureCheck;

  // The ticket: its own fields, its age, and whether this node has seen its nonce.
  const expectedNonce = ticketNonce(ticket);
  if (expectedNonce !== ticket.nonce.toLowerCase()) {
    return fail(rejection("ticket-nonce-mismatch", "ticket.nonce", ticket.nonce, `does not match the ticket's fields (they hash to ${expectedNonce})`, "send the ticket exactly as the node issued it"));
  }
  if (report.nonce.toLowerCase() !== expectedNonce) {
    return fail(rejection("ticket-nonce-mismatch", "report.nonce", report.nonce, `is not the ticket's nonce ${ticket.nonce}`, "sign the report with the nonce of the ticket you send"));
  }
  for (const dim of ["m", "n", "k"] as const) {
    if (ticket[dim] < limits.minEdge || ticket[dim] > limits.maxEdge) {
      return fail(rejection("challenge-size", `ticket.${dim}`, ticket[dim], `is outside [${limits.minEdge}, ${limits.maxEdge}]`, "ask a node for a ticket without m, n, k to get the default size"));
    }
  }
  if (ticket.issuedAt > ctx.now + limits.maxFutureSkewSeconds) {
    return fail(rejection("stale-ticket", "ticket.issuedAt", ticket.issuedAt, `is in the future (node time ${ctx.now})`, "fix the issuing node's clock"));
  }
  if (ctx.now - ticket.issuedAt > limits.maxTicketAgeSeconds) {
    return fail(rejection("stale-ticket", "ticket.issuedAt", ticket.issuedAt, `is ${ctx.now - ticket.issuedAt} s old, over the ${limits.maxTicketAgeSeconds} s limit`, "fetch a fresh ticket and run the probe again"));
  }
  if (ctx.isNonceUsed(expectedNonce)) {
    return fail(rejection("replayed-nonce", "report.nonce", report.nonce, "was already used for an accepted report on this node", "fetch a fresh ticket for each GPU and each run"));
  }

  // Time of the observation.
  if (report.observedAt > ctx.now + limits.maxFutureSkewSeconds) {
    return fail(rejection("future-observation", "report.observedAt", report.observedAt, `is ${report.observedAt - ctx.now} s ahead of node time ${ctx.now}`, "sync the host's clock (NTP)"));
  }
  if (ctx.now - report.observedAt > limits.maxReportAgeSeconds) {
    return fail(rejection("stale-observation", "report.observedAt", report.observedAt, `is ${ctx.now - report.observedAt} s old, over the ${limits.maxReportAgeSeconds} s limit`, "run the probe again"));
  }
  if (report.observedAt + limits.maxFutureSkewSeconds < ticket.issuedAt) {
    return fail(rejection("stale-observation", "report.observedAt", report.observedAt, `precedes its ticket (issued at ${ticket.issuedAt})`, "measure after fetching the ticket, with the host clock in sync"));
  }

  // Who issued the challenge, and who signed the report. Registration is read first so that only registered keys
  // reach the signature cache (signatures.ts).
  if (!(await ctx.chain.isOracleSigner(ticket.issuer))) {
    return fail(rejection("unknown-nonce-issuer", "ticket.issuer", ticket.issuer, "is not a registered FleetOracle signer", "fetch the ticket from one of the protocol's oracle nodes"));
  }
  if (!(await signedBy(hashMessage({ raw: expectedNonce }), ticket.signature, ticket.issuer))) {
    return fail(rejection("bad-ticket-signature", "ticket.signature", ticket.signature, `is not the issuer ${ticket.issuer}'s signature of the nonce`, "send the ticket exactly as the node issued it"));
  }
  const fleet = await ctx.chain.fleet(report.fleetId);
  if (!fleet) return fail(rejection("unknown-fleet", "report.fleetId", report.fleetId, "is not an onboarded fleet in FleetRegistry", "report for a fleet id the registry lists"));
  if (!(await ctx.chain.isHostSigner(report.fleetId, s.signer))) {
    return fail(rejection("host-not-registered", "signer", s.signer, `is not a host key of fleet ${report.fleetId}`, "have the underwriter call FleetRegistry.setHostSigner, or sign with the fleet's registered key"));
  }
  if (!(await signedBy(hashGpuReport(ctx.domain, report), s.signature, s.signer))) {
    return fail(rejection("bad-signature", "signature", s.signature, `is not host key ${s.signer}'s EIP-712 signature of this report`, "sign the report with the host key under the FleetOracle EIP-712 domain of this chain"));
  }

  // The GPU must belong to the fleet.
  const uuid = s.details.identity.uuid;
  if (!GPU_UUID.test(uuid) || keccak256(toBytes(uuid)) !== report.gpuUuidHash.toLowerCase()) {
    return fail(rejection("uuid-mismatch", "details.identity.uuid", uuid, `is not a GPU UUID hashing to report.gpuUuidHash ${report.gpuUuidHash}`, "send the UUID NVML reports for this GPU"));
  }
  if (!verifyMerkleProof(s.proof, fleet.gpuRoot, report.gpuUuidHash)) {
    return fail(rejection("gpu-not-in-fleet", "report.gpuUuidHash", report.gpuUuidHash, `has no valid proof under fleet ${report.fleetId}'s gpuRoot ${fleet.gpuRoot}`, "send the Merkle proof built from the fleet's onboarded UUID list"));
  }

  // Plausibility against the class's spec sheet.
  const peak = ctx.classPeak(fleet.classId);
  if (!peak) return fail(rejection("class-not-configured", "fleet.classId", fleet.classId, "has no model parameters on this node", "add the class to oracle/config/classes.json"));
  if (report.replay && !limits.acceptReplays) {
    return fail(rejection("replay-not-accepted", "report.replay", true, "marks a recorded profile, which this node does not count", "run the probe on the GPU itself"));
  }
  const tflops = report.tflopsMilli / 1000;
  if (tflops > peak.peakTflops) {
    return fail(rejection("tflops-above-peak", "report.tflopsMilli", report.tflopsMilli, `(${tflops} TFLOP/s) is above class ${fleet.classId}'s bf16 peak of ${peak.peakTflops}`, "report what the GEMM measured"));
  }
  if (report.bandwidthGBps > peak.peakBandwidthGBps) {
    return fail(rejection("bandwidth-above-peak", "report.bandwidthGBps", report.bandwidthGBps, `is above class ${fleet.classId}'s peak of ${peak.peakBandwidthGBps} GB/s`, "report what the copy measured"));
  }

  // The challenge itself, last because it costs the most.
  const digest = sampleDigest(s.samples);
  if (digest !== report.sampleDigest.toLowerCase()) {
    return fail(rejection("sample-digest-mismatch", "report.sampleDigest", report.sampleDigest, `does not commit to the samples sent (they hash to ${digest})`, "send the samples the signed report commits to"));
  }
  const check = checkSamples({ nonce: expectedNonce, m: ticket.m, n: ticket.n, k: ticket.k }, s.samples);
  if (!check.ok) {
    return fail(
      rejection("sample-mismatch", `samples[${check.index}]`, check.got, `is not D[${check.row}][${check.col}] = ${check.expected} (±${check.tolerance.toPrecision(3)})`, "run the GEMM on the inputs this ticket's nonce generates"),
    );
  }

  return {
    ok: true,
    report: {
      fleetId: report.fleetId,
      classId: fleet.classId,
      gpuUuidHash: report.gpuUuidHash,
      nonce: expectedNonce,
      signer: getAddress(s.signer),
      observedAt: report.observedAt,
      tflops,
      bandwidthGBps: report.bandwidthGBps,
      utilizationBps: report.utilizationBps,
      powerWatts: report.powerMilliwatts / 1000,
      healthFlags: report.healthFlags,
      replay: report.replay,
    },
  };
}
