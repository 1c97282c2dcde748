/**
 * "Did `claimed` sign `hash`?", fast for keys seen before.
 *
 * Recovering a signer costs about five times an ECDSA verification against a public key whose multiples are
 * precomputed, and recovery was most of a report's verification time. Every signature a node checks names its signer
 * (a ticket's issuer, a submission's host key), and the caller checks that key is registered before asking, so the
 * first signature of a key is recovered, the key's point is kept with a precomputed window, and later signatures are
 * verified against it. Only registered keys reach the cache, and it is bounded, so nobody can fill it.
 */
import { invert, mod } from "@noble/curves/abstract/modular";
import { secp256k1 } from "@noble/curves/secp256k1";
import { getAddress, hexToBigInt, recoverPublicKey, type Address, type Hex } from "viem";
import { publicKeyToAddress } from "viem/accounts";

type Point = ReturnType<typeof secp256k1.ProjectivePoint.fromHex>;

const N = secp256k1.CURVE.n;
const HALF_N = N >> 1n;
const G = secp256k1.ProjectivePoint.BASE;

/** Plain ECDSA verification with low-s enforced, as OpenZeppelin's ECDSA and viem's signers produce. */
function verifyWithPoint(point: Point, hash: Hex, signature: Hex): boolean {
  const r = hexToBigInt(`0x${signature.slice(2, 66)}`);
  const s = hexToBigInt(`0x${signature.slice(66, 130)}`);
  if (r <= 0n || r >= N || s <= 0n || s > HALF_N) return false;
  const w = invert(s, N);
  const R = G.multiply(mod(hexToBigInt(hash) * w, N)).add(point.multiply(mod(r * w, N)));
  if (R.equals(secp256k1.ProjectivePoint.ZERO)) return false;
  return mod(R.toAffine().x, N) === r;
}

export type SignatureCheck = (hash: Hex, signature: Hex, claimed: Address) => Promise<boolean>;

export function createSignatureCheck(opts: { maxKeys?: number; windowSize?: number } = {}): SignatureCheck {
  const maxKeys = opts.maxKeys ?? 256;
  // Window 6 precomputes ~1,400 points (~200 kB) per key: most of window 8's speed at a quarter of its memory.
  const windowSize = opts.windowSize ?? 6;
  const points = new Map<Address, Point>(); // insertion order doubles as least-recently-used order

  return async (hash, signature, claimed) => {
    const address = getAddress(claimed);
    const cached = points.get(address);
    if (cached && signature.length === 132) {
      points.delete(address);
      points.set(address, cached);
      return verifyWithPoint(cached, hash, signature);
    }
    const publicKey = await recoverPublicKey({ hash, signature }).catch(() => null);
    if (publicKey === null || publicKeyToAddress(publicKey) !== address) return false;
    const point = secp256k1.ProjectivePoint.fromHex(publicKey.slice(2));
    point._setWindowSize(windowSize);
    points.set(address, point);
    if (points.size > maxKeys) points.delete(points.keys().next().value!);
    return true;
  };
}
