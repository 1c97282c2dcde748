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

const { n: N, Fp, endo } = secp256k1.CURVE;
const HALF_N = N >> 1n;
const G = secp256k1.ProjectivePoint.BASE;

/**
 * k·P in variable time (fine here: every input is public), through P's precomputed window. The table noble 1.9 keeps
 * for a point covers the 128-bit halves of the GLV endomorphism split, and `multiplyUnsafe` hands a full-width scalar
 * to it unsplit, which gives a wrong point; so the scalar is split here, as noble's constant-time `multiply` does, and
 * each half goes through the table. About half the cost of `multiply`, which adds a decoy point at every window.
 */
function mulPublic(P: Point, k: bigint): Point {
  const { k1neg, k1, k2neg, k2 } = endo!.splitScalar(k);
  let a = P.multiplyUnsafe(k1);
  let b = P.multiplyUnsafe(k2);
  if (k1neg) a = a.negate();
  if (k2neg) b = b.negate();
  return a.add(new secp256k1.ProjectivePoint(Fp.mul(b.px, endo!.beta), b.py, b.pz));
}

/** Plain ECDSA verification with low-s enforced, as OpenZeppelin's ECDSA and viem's signers produce. */
function verifyWithPoint(point: Point, hash: Hex, signature: Hex): boolean {
  const r = hexToBigInt(`0x${signature.slice(2, 66)}`);
  const s = hexToBigInt(`0x${signature.slice(66, 130)}`);
  if (r <= 0n || r >= N || s <= 0n || s > HALF_N) return false;
  const w = invert(s, N);
  const R = mulPublic(G, mod(hexToBigInt(hash) * w, N)).add(mulPublic(point, mod(r * w, N)));
  if (R.equals(secp256k1.ProjectivePoint.ZERO)) return false;
  // x(R) mod n = r, checked in projective coordinates (x = X ÷ Z) to skip the field inversion: x is r or, when that is
  // still below p, r + n.
  return Fp.eql(R.px, Fp.mul(r, R.pz)) || (r + N < Fp.ORDER && Fp.eql(R.px, Fp.mul(r + N, R.pz)));
}

export type SignatureCheck = (hash: Hex, signature: Hex, claimed: Address) => Promise<boolean>;

export function createSignatureCheck(opts: { maxKeys?: number; windowSize?: number } = {}): SignatureCheck {
  const maxKeys = opts.maxKeys ?? 256;
  // Window 6 precomputes ~740 points (23 windows of 32 over a 128-bit half scalar, ~150 kB) per key: most of window
  // 8's speed at a third of its memory.
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
