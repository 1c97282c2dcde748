/**
 * Why a node refuses a probe submission. Each code is a Prometheus label value and a log field, so they are stable
 * kebab-case strings; each rejection names the field, the value it had, and what would fix it.
 */
export const REJECTION_CODES = [
  "malformed", // a field is missing or of the wrong type or range
  "ticket-nonce-mismatch", // the ticket's fields do not hash to its nonce, or the report carries another nonce
  "bad-ticket-signature", // the ticket's signature does not recover to its issuer
  "unknown-nonce-issuer", // the issuer is not a registered FleetOracle signer
  "challenge-size", // the ticket's GEMM dimensions are outside what nodes accept
  "stale-ticket", // the ticket was issued too long ago, or in the future
  "replayed-nonce", // this node already accepted a report for this nonce
  "future-observation", // observedAt is ahead of the node's clock beyond the allowed skew
  "stale-observation", // observedAt is older than the report age limit, or before its ticket was issued
  "bad-signature", // the report's EIP-712 signature does not recover to the claimed host key
  "unknown-fleet", // FleetRegistry does not know the fleet (never onboarded, or retired)
  "host-not-registered", // FleetRegistry.isHostSigner(fleetId, signer) is false
  "uuid-mismatch", // details.identity.uuid is not a GPU UUID, or does not hash to gpuUuidHash
  "gpu-not-in-fleet", // the Merkle proof does not lead from gpuUuidHash to the fleet's gpuRoot
  "class-not-configured", // the node has no model parameters for the fleet's class
  "replay-not-accepted", // a recorded-profile replay sent to a node that only takes live measurements
  "tflops-above-peak", // GEMM throughput above the class's spec peak
  "bandwidth-above-peak", // copy bandwidth above the class's spec peak
  "sample-digest-mismatch", // the samples do not hash to report.sampleDigest
  "sample-mismatch", // a GEMM sample does not recompute
] as const;

export type RejectionCode = (typeof REJECTION_CODES)[number];

export type Rejection = { code: RejectionCode; field: string; value: unknown; message: string };

const show = (value: unknown) => (typeof value === "bigint" ? value.toString() : typeof value === "string" ? value : JSON.stringify(value));

/** `message` reads "<field> <value> <what is wrong>; <fix>". */
export function rejection(code: RejectionCode, field: string, value: unknown, problem: string, fix: string): Rejection {
  return { code, field, value, message: `${field} ${show(value)} ${problem}; ${fix}` };
}
