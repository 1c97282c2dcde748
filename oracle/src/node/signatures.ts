/**
 * "Did `claimed` sign `hash`?", fast for keys seen before.
 *
 * Signature checks were half of a report's verification time in JavaScript bigints, so they run in libsecp256k1
 * compiled to WebAssembly (tiny-secp256k1). Every signature a node checks names its signer (a ticket's issuer, a
 * submission's host key), and the caller checks that key is registered before asking, so the first signature of a key
 * is recovered, the key is kept, and later signatures are verified against it, which skips the recovery's square root.
 * Only registered keys reach the cache, and it is bounded, so nobody can fill it.
 */
import * as secp from "tiny-secp256k1";
import { getAddress, hexToBigInt, hexToBytes, isHex, keccak256, type Address, type Hex } from "viem";

const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/** r and s of a 65-byte signature, or null when it is malformed or has a high s, which OpenZeppelin's ECDSA refuses
 * (libsecp256k1's non-strict verify would quietly normalise it). */
function parse(signature: Hex): { rs: Uint8Array; recovery: 0 | 1 } | null {
  if (signature.length !== 132 || !isHex(signature)) return null;
  const bytes = hexToBytes(signature);
  const s = hexToBigInt(`0x${signature.slice(66, 130)}`);
  if (s === 0n || s > HALF_N) return null;
  const v = bytes[64]!;
  const recovery = v >= 27 ? v - 27 : v;
  if (recovery !== 0 && recovery !== 1) return null;
  return { rs: bytes.subarray(0, 64), recovery };
}

const addressOf = (publicKey: Uint8Array): Address => getAddress(`0x${keccak256(publicKey.subarray(1)).slice(26)}`);

/** The library throws on an r or s outside [1, n): such a signature is nobody's. */
function orFalse<T>(f: () => T): T | false {
  try {
    return f();
  } catch {
    return false;
  }
}

export type SignatureCheck = (hash: Hex, signature: Hex, claimed: Address) => Promise<boolean>;

export function createSignatureCheck(opts: { maxKeys?: number } = {}): SignatureCheck {
  const maxKeys = opts.maxKeys ?? 256;
  const keys = new Map<Address, Uint8Array>(); // insertion order doubles as least-recently-used order

  return async (hash, signature, claimed) => {
    const parsed = parse(signature);
    if (!parsed || !isHex(hash) || hash.length !== 66) return false;
    const digest = hexToBytes(hash);
    const address = getAddress(claimed);
    const cached = keys.get(address);
    if (cached) {
      keys.delete(address);
      keys.set(address, cached);
      return orFalse(() => secp.verify(digest, cached, parsed.rs));
    }
    const publicKey = orFalse(() => secp.recover(digest, parsed.rs, parsed.recovery, false));
    if (!publicKey || addressOf(publicKey) !== address) return false;
    keys.set(address, publicKey);
    if (keys.size > maxKeys) keys.delete(keys.keys().next().value!);
    return true;
  };
}
