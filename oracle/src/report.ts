/**
 * What travels between a probe and the oracle nodes, as JSON.
 *
 * A node issues a `NonceTicket`; the probe runs the challenge it names, signs a `GpuReport` (the EIP-712 struct
 * defined in IFleetOracle) with the fleet's host key, and posts a `ProbeSubmission` to every node. Any node accepts a
 * ticket signed by a registered oracle signer, so one challenge serves the whole quorum; each node remembers the
 * nonces it has accepted, so none is used twice.
 */
import { encodeAbiParameters, keccak256, type Address, type Hex } from "viem";
import type { GpuReport } from "./eip712.js";

/** A challenge a node issued: `nonce = keccak256(abi.encode(issuer, issuedAt, salt, m, n, k))`, signed by the issuer
 * as an EIP-191 message over the 32 nonce bytes. */
export type NonceTicket = {
  issuer: Address;
  issuedAt: number; // [unix s]
  salt: Hex; // 32 random bytes
  m: number;
  n: number;
  k: number;
  nonce: Hex;
  signature: Hex;
};

export type GpuIdentity = {
  uuid: string; // e.g. "GPU-5c1d…"; keccak256 of its UTF-8 bytes is `gpuUuidHash`
  name: string;
  memoryBytes: number;
  driverVersion: string;
  vbiosVersion: string;
  pciBusId: string;
};

/** The probe's raw readings behind the report's compact fields, so a node and an analyst can see why. */
export type ProbeDetails = {
  identity: GpuIdentity;
  eccUncorrected: number;
  retiredPages: number | null; // null where the GPU remaps rows instead
  remappedRows: { correctable: number; uncorrectable: number; pending: boolean; failed: boolean } | null;
  throttleReasons: string[];
  pcie: { width: number; maxWidth: number; generation: number; maxGeneration: number };
  utilization: { source: "sm-activity" | "utilization-rate"; windowSeconds: number; samples: number; meanBps: number };
  powerWatts: { mean: number; limit: number };
  gemm: { m: number; n: number; k: number; iterations: number; seconds: number; tflops: number };
  copy: { bytes: number; iterations: number; seconds: number; gbps: number };
  probeSeconds: number;
};

export type ProbeSubmission = {
  ticket: NonceTicket;
  report: GpuReport;
  signer: Address; // the host key; must be registered for `report.fleetId` in FleetRegistry
  signature: Hex; // EIP-712 over `report` under the FleetOracle domain
  samples: number[]; // GEMM output at the ticket's sample positions; `report.sampleDigest` commits to them
  proof: Hex[]; // Merkle proof of `report.gpuUuidHash` under the fleet's `gpuRoot` (sorted-pair keccak)
  details: ProbeDetails;
};

export function ticketNonce(ticket: Pick<NonceTicket, "issuer" | "issuedAt" | "salt" | "m" | "n" | "k">): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "address" }, { type: "uint40" }, { type: "bytes32" }, { type: "uint32" }, { type: "uint32" }, { type: "uint32" }],
      [ticket.issuer, ticket.issuedAt, ticket.salt, ticket.m, ticket.n, ticket.k],
    ),
  );
}

/** JSON with bigints as decimal strings; `parseSubmission` restores them. */
export { stringify } from "../../scripts/lib/log.js";

/** Restores a submission's bigint fields. Validation of content is the node's job; this only rebuilds types. */
export function parseSubmission(json: string): ProbeSubmission {
  const raw = JSON.parse(json) as ProbeSubmission & { report: Record<string, unknown> };
  if (typeof raw !== "object" || raw === null || typeof raw.report !== "object" || raw.report === null) {
    throw new Error("submission.report is missing; post the JSON the probe printed");
  }
  const fleetId = raw.report.fleetId;
  if (typeof fleetId !== "string" && typeof fleetId !== "number") {
    throw new Error(`submission.report.fleetId ${String(fleetId)} is not a decimal string; post the JSON the probe printed`);
  }
  return { ...raw, report: { ...raw.report, fleetId: BigInt(fleetId) } as GpuReport };
}
