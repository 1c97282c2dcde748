/**
 * From measurements to the signed `ProbeSubmission` a node accepts: the compact on-chain `GpuReport`, signed with
 * the fleet's host key under the FleetOracle EIP-712 domain, plus the samples and raw details behind it.
 */
import { keccak256, stringToHex, type Hex, type LocalAccount } from "viem";
import { sampleDigest, validateChallenge, type Challenge } from "../challenge.js";
import { signGpuReport, type GpuReport, type OracleDomain } from "../eip712.js";
import { ticketNonce, type NonceTicket, type ProbeDetails, type ProbeSubmission } from "../report.js";

/** The challenge a ticket names, after checking that its nonce is the one its fields derive. */
export function ticketChallenge(ticket: NonceTicket): Challenge {
  const expected = ticketNonce(ticket);
  if (ticket.nonce !== expected) {
    throw new Error(`ticket.nonce ${ticket.nonce} is not keccak256 of the ticket's fields (${expected}); fetch a fresh ticket from a node`);
  }
  const challenge = { nonce: ticket.nonce, m: ticket.m, n: ticket.n, k: ticket.k };
  validateChallenge(challenge);
  return challenge;
}

export const gpuUuidHash = (uuid: string): Hex => keccak256(stringToHex(uuid));

/** Rounds `value` into an unsigned field of `bits` bits, or says which field overflowed and why. */
function unsigned(field: string, value: number, bits: number): number {
  const rounded = Math.round(value);
  if (!Number.isFinite(value) || rounded < 0 || rounded >= 2 ** bits) {
    throw new Error(`report.${field} ${value} does not fit uint${bits}; the measurement is implausible, rerun the probe`);
  }
  return rounded;
}

export type ReportInput = {
  fleetId: bigint;
  challenge: Challenge;
  details: ProbeDetails;
  samples: readonly number[];
  healthFlags: number;
  replay: boolean;
  observedAt: number; // [unix s]
};

export function buildReport(input: ReportInput): GpuReport {
  const { details } = input;
  return {
    fleetId: input.fleetId,
    gpuUuidHash: gpuUuidHash(details.identity.uuid),
    nonce: input.challenge.nonce,
    observedAt: unsigned("observedAt", input.observedAt, 40),
    tflopsMilli: unsigned("tflopsMilli", details.gemm.tflops * 1000, 32),
    bandwidthGBps: unsigned("bandwidthGBps", details.copy.gbps, 32),
    utilizationBps: Math.min(10_000, unsigned("utilizationBps", details.utilization.meanBps, 16)),
    powerMilliwatts: unsigned("powerMilliwatts", details.powerWatts.mean * 1000, 32),
    healthFlags: unsigned("healthFlags", input.healthFlags, 16),
    sampleDigest: sampleDigest(input.samples),
    replay: input.replay,
  };
}

export type SignInput = ReportInput & { ticket: NonceTicket; account: LocalAccount; domain: OracleDomain; proof: Hex[] };

export async function signSubmission(input: SignInput): Promise<ProbeSubmission> {
  const report = buildReport(input);
  const { signer, signature } = await signGpuReport(input.account, input.domain, report);
  return { ticket: input.ticket, report, signer, signature, samples: [...input.samples], proof: input.proof, details: input.details };
}
