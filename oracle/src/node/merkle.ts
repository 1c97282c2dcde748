/**
 * The fleet GPU tree of FleetRegistry: leaves are keccak256(abi.encodePacked(gpuUuid)), parents hash their two
 * children in sorted order (OpenZeppelin MerkleProof's commutative keccak), so a proof is just the list of siblings.
 *
 * Leaves are single-hashed, as the registry defines them. A 64-byte inner node could therefore pose as a leaf with a
 * shorter proof; the node closes that door by requiring the UUID string itself (see verify.ts), whose keccak must be
 * the leaf and which must look like a GPU UUID, something 64 random bytes never do.
 */
import { concat, keccak256, toBytes, type Hex } from "viem";

export function gpuLeaf(uuid: string): Hex {
  return keccak256(toBytes(uuid));
}

function hashPair(a: Hex, b: Hex): Hex {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

/** Levels from leaves up to the root; an odd node out is carried up unchanged. */
function levels(leaves: readonly Hex[]): Hex[][] {
  if (leaves.length === 0) throw new Error("a fleet's GPU tree needs at least one leaf");
  const out: Hex[][] = [[...leaves]];
  while (out[out.length - 1]!.length > 1) {
    const below = out[out.length - 1]!;
    const above: Hex[] = [];
    for (let i = 0; i < below.length; i += 2) above.push(i + 1 < below.length ? hashPair(below[i]!, below[i + 1]!) : below[i]!);
    out.push(above);
  }
  return out;
}

export function merkleRoot(leaves: readonly Hex[]): Hex {
  const all = levels(leaves);
  return all[all.length - 1]![0]!;
}

/** The siblings from `leaf` up to the root. */
export function merkleProof(leaves: readonly Hex[], leaf: Hex): Hex[] {
  let index = leaves.findIndex((l) => l.toLowerCase() === leaf.toLowerCase());
  if (index < 0) throw new Error(`leaf ${leaf} is not in the tree; list the fleet's GPU UUIDs exactly as onboarded`);
  const proof: Hex[] = [];
  for (const level of levels(leaves).slice(0, -1)) {
    const sibling = index ^ 1;
    if (sibling < level.length) proof.push(level[sibling]!);
    index >>= 1;
  }
  return proof;
}

/** OpenZeppelin's `MerkleProof.verify`. */
export function verifyMerkleProof(proof: readonly Hex[], root: Hex, leaf: Hex): boolean {
  let computed = leaf;
  for (const sibling of proof) computed = hashPair(computed, sibling);
  return computed.toLowerCase() === root.toLowerCase();
}
