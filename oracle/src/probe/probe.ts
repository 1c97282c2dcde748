/**
 * The probe as a function, for the CLI and for a demo that runs hosts in-process: a ticket in, a signed
 * ProbeSubmission out, measured live or replayed from a profile.
 */
import type { Hex, LocalAccount } from "viem";
import type { OracleDomain } from "../eip712.js";
import type { NonceTicket, ProbeSubmission } from "../report.js";
import { measureLive, type LiveOptions, type Measurement } from "./live.js";
import type { Progress } from "./progress.js";
import { replayMeasurement, type RecordedProfile } from "./replay.js";
import { signSubmission, ticketChallenge } from "./submission.js";

export type ProbeRequest = {
  ticket: NonceTicket;
  fleetId: bigint;
  account: LocalAccount;
  domain: OracleDomain;
  /** Merkle proof of the GPU's UUID hash, or a map from UUID to proof for hosts with several GPUs. */
  proof: Hex[] | Record<string, Hex[]>;
  /** A recorded profile to replay instead of measuring. */
  replay?: { profile: RecordedProfile; uuid?: string };
  live?: Omit<LiveOptions, "env"> & { env?: NodeJS.ProcessEnv };
  now?: () => number; // [unix s]
};

export const DEFAULT_LIVE: Omit<LiveOptions, "env"> = {
  gpu: 0,
  windowSeconds: 5,
  gemmSeconds: 2,
  copyBytes: 1 << 30,
  copySeconds: 1,
};

function proofFor(proof: ProbeRequest["proof"], uuid: string): Hex[] {
  if (Array.isArray(proof)) return proof;
  const found = proof[uuid];
  if (!found) throw new Error(`the proof file has no entry for ${uuid} (it has ${Object.keys(proof).join(", ") || "none"}); add this GPU's Merkle proof`);
  return found;
}

export async function runProbe(request: ProbeRequest, progress: Progress): Promise<ProbeSubmission> {
  const challenge = ticketChallenge(request.ticket);
  let measurement: Measurement;
  if (request.replay) {
    progress.log(`REPLAY of a ${request.replay.profile.source} profile (${request.replay.profile.details.identity.name}): no GPU is measured, the report is marked replay = true`);
    measurement = replayMeasurement(request.replay.profile, challenge, { uuid: request.replay.uuid });
  } else {
    measurement = await measureLive(challenge, { ...DEFAULT_LIVE, ...request.live }, progress);
  }
  const { details } = measurement;
  return signSubmission({
    ticket: request.ticket,
    fleetId: request.fleetId,
    challenge,
    details,
    samples: measurement.samples,
    healthFlags: measurement.healthFlags,
    replay: measurement.replay,
    observedAt: (request.now ?? (() => Math.floor(Date.now() / 1000)))(),
    account: request.account,
    domain: request.domain,
    proof: proofFor(request.proof, details.identity.uuid),
  });
}
