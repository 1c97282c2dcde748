import { bytesToHex, hexToBytes, keccak256, toHex } from "viem";

/** NVML prints a GPU's 16-byte UUID as "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"; CUDA returns the same bytes raw. */
export function formatUuid(bytes: Uint8Array): string {
  const hex = bytesToHex(bytes.subarray(0, 16)).slice(2);
  return `GPU-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A well-formed UUID made from a label (the same label, the same UUID): for replaying hosts, fixtures and benchmarks. */
export function labelledUuid(label: string): string {
  return formatUuid(hexToBytes(keccak256(toHex(label))));
}
