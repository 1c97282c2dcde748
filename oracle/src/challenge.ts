/**
 * The throughput challenge: a bf16 GEMM `D = A · B` whose inputs a node's nonce determines, so a probe cannot compute
 * the output ahead of time, and a node can recompute any output element on the CPU from the nonce alone.
 *
 * Every input element is a counter-based hash of (nonce, matrix, index). That gives random access with no state: the
 * probe fills 2 × 8192² elements in one pass, and a node needs only one row of A and one column of B per sample.
 * Values are full-entropy bf16 (random sign, all 7 mantissa bits, magnitude in [1/8, 2)) because tensor cores draw
 * less power on low-entropy bit patterns, and small-integer inputs would flatter the measured TFLOP/s.
 *
 * Layout: A is m×k and B is k×n, both row-major; element (r, c) of a matrix with `cols` columns has index r·cols + c.
 *
 * Known limit: positions come from the nonce, so a probe that skips the GEMM could compute only the sampled elements.
 * The samples prove the arithmetic is right; they cannot prove the timing. A node bounds the timing by the class's
 * peak throughput, and the operator's attestations and audits cover the rest.
 */
import { bytesToHex, hexToBytes, isHex, keccak256, type Hex } from "viem";

export type Challenge = { nonce: Hex; m: number; n: number; k: number };
export type SamplePosition = { row: number; col: number };
export type Matrix = "A" | "B";
export type SampleCheck =
  | { ok: true }
  | { ok: false; index: number; row: number; col: number; expected: number; got: number; tolerance: number };

/** Output elements a probe reports and a node recomputes. */
export const SAMPLE_COUNT = 16;
/** The edge of the square GEMM a real probe runs: large enough to saturate an H100 or H200. */
export const DEFAULT_SIZE = 8192;

const GOLDEN = 0x9e3779b1;

/** murmur3's 32-bit finalizer: every input bit reaches every output bit. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

type Seeds = { A: number; B: number; positions: number };

function seeds(nonce: Hex): Seeds {
  const words = new DataView(hexToBytes(keccak256(nonce)).buffer);
  return { A: words.getUint32(0), B: words.getUint32(4), positions: words.getUint32(8) };
}

/** The bf16 bit pattern a hash selects: sign from bit 15, exponent 124–127 from bits 7–8, mantissa from bits 0–6. */
function patternOf(h: number): number {
  return (h & 0x8000) | ((124 + ((h >>> 7) & 3)) << 7) | (h & 0x7f);
}

/** The bf16 bit pattern of element `index`. */
function bf16Bits(seed: number, index: number): number {
  return patternOf(mix(seed ^ Math.imul(index, GOLDEN)));
}

/** bf16 is the top half of a float32; a table of all 65,536 patterns keeps recomputation at table-lookup speed. */
const BF16 = (() => {
  const words = new Uint32Array(65536);
  for (let bits = 0; bits < 65536; bits++) words[bits] = bits << 16;
  return new Float32Array(words.buffer);
})();

export function bf16ToNumber(bits: number): number {
  return BF16[bits & 0xffff]!;
}

/**
 * An element's value from the 10 hash bits `patternOf` keeps (bit 15, bits 0–8), indexed by
 * `(h >>> 6 & 0x200) | (h & 0x1ff)`: one lookup per element in the recompute loop, in float64 so the product needs
 * no conversion.
 */
const VALUE_BY_HASH = (() => {
  const values = new Float64Array(1024);
  for (let i = 0; i < 1024; i++) values[i] = BF16[patternOf(((i & 0x200) << 6) | (i & 0x1ff))]!;
  return values;
})();

/** Throws, naming the field, when a challenge cannot be run or recomputed. */
export function validateChallenge(challenge: Challenge): void {
  if (!isHex(challenge.nonce) || challenge.nonce.length !== 66) {
    throw new Error(`challenge.nonce ${String(challenge.nonce)} is not 32 bytes of hex; use the nonce a node issued`);
  }
  for (const field of ["m", "n", "k"] as const) {
    const value = challenge[field];
    if (!Number.isInteger(value) || value < 1) throw new Error(`challenge.${field} ${value} must be a positive integer`);
  }
  // Indices are hashed as 32-bit integers.
  if (challenge.m * challenge.k > 2 ** 32 || challenge.k * challenge.n > 2 ** 32) {
    throw new Error(`challenge ${challenge.m}×${challenge.k}×${challenge.n} has a matrix over 2^32 elements; use edges of at most 65536`);
  }
}

/**
 * Writes the bf16 bit patterns of elements [start, end) of matrix A (m×k) or B (k×n) into `out[0 .. end-start)`.
 * Chunked so a probe can report progress and fill pinned host buffers piecewise.
 */
export function fillMatrix(challenge: Challenge, matrix: Matrix, out: Uint16Array, start = 0, end = out.length + start): void {
  const seed = seeds(challenge.nonce)[matrix];
  const size = matrix === "A" ? challenge.m * challenge.k : challenge.k * challenge.n;
  if (start < 0 || end > size || end - start > out.length) {
    throw new Error(`fillMatrix(${matrix}) range [${start}, ${end}) does not fit a matrix of ${size} elements and a buffer of ${out.length}`);
  }
  for (let index = start; index < end; index++) out[index - start] = bf16Bits(seed, index);
}

export function elementA(challenge: Challenge, row: number, inner: number): number {
  return bf16ToNumber(bf16Bits(seeds(challenge.nonce).A, row * challenge.k + inner));
}

export function elementB(challenge: Challenge, inner: number, col: number): number {
  return bf16ToNumber(bf16Bits(seeds(challenge.nonce).B, inner * challenge.n + col));
}

/** The output positions the nonce selects; a probe reports D at exactly these, in this order. */
export function samplePositions(challenge: Challenge, count = SAMPLE_COUNT): SamplePosition[] {
  return positionsFrom(seeds(challenge.nonce), challenge, count);
}

function positionsFrom({ positions: seed }: Seeds, challenge: Challenge, count: number): SamplePosition[] {
  return Array.from({ length: count }, (_, s) => ({
    row: mix(seed ^ Math.imul(2 * s + 1, GOLDEN)) % challenge.m,
    col: mix(seed ^ Math.imul(2 * s + 2, GOLDEN)) % challenge.n,
  }));
}

/** D[row][col] in float64 (exact: every product is a multiple of 2^-20 below 4, so sums stay exact up to k = 2^31), and Σ|a·b| for the rounding tolerance. */
export function recompute(challenge: Challenge, position: SamplePosition): { value: number; magnitude: number } {
  return dot(seeds(challenge.nonce), challenge, position);
}

/**
 * `recompute` with the seeds already derived. The same hash as `bf16Bits` per element, written out so the
 * loop does no multiplication for indices: A's index row·k + i and B's index i·n + col enter the hash only as
 * index × GOLDEN mod 2^32, which steps by GOLDEN and by n × GOLDEN as i grows.
 */
function dot(seed: Seeds, challenge: Challenge, position: SamplePosition): { value: number; magnitude: number } {
  const { k, n } = challenge;
  const seedA = seed.A | 0;
  const seedB = seed.B | 0;
  let hashA = Math.imul(position.row * k, GOLDEN); // row·k < 2^32: exact before the modular product
  let hashB = Math.imul(position.col, GOLDEN);
  const stepB = Math.imul(n, GOLDEN);
  let value = 0;
  let magnitude = 0;
  for (let inner = 0; inner < k; inner++) {
    let a = seedA ^ hashA;
    a ^= a >>> 16;
    a = Math.imul(a, 0x85ebca6b);
    a ^= a >>> 13;
    a = Math.imul(a, 0xc2b2ae35);
    a ^= a >>> 16;
    let b = seedB ^ hashB;
    b ^= b >>> 16;
    b = Math.imul(b, 0x85ebca6b);
    b ^= b >>> 13;
    b = Math.imul(b, 0xc2b2ae35);
    b ^= b >>> 16;
    const product = VALUE_BY_HASH[((a >>> 6) & 0x200) | (a & 0x1ff)]! * VALUE_BY_HASH[((b >>> 6) & 0x200) | (b & 0x1ff)]!;
    value += product;
    magnitude += Math.abs(product);
    hashA = (hashA + GOLDEN) | 0;
    hashB = (hashB + stepB) | 0;
  }
  return { value, magnitude };
}

/**
 * How far a GPU's element may sit from the exact value: fp32 accumulation in any order (2^-9 of Σ|a·b| is 16× the
 * worst case at k = 8192) plus bf16 output rounding (2^-7 of the value, 2× its worst case). A made-up element misses
 * by about the value's own size, around 8× this tolerance at k = 8192.
 */
export function tolerance(value: number, magnitude: number): number {
  return magnitude * 2 ** -9 + Math.abs(value) * 2 ** -7;
}

/** Recomputes every sample; reports the first that misses. */
export function checkSamples(challenge: Challenge, samples: readonly number[]): SampleCheck {
  const seed = seeds(challenge.nonce); // one keccak for all samples
  const positions = positionsFrom(seed, challenge, samples.length);
  for (let index = 0; index < samples.length; index++) {
    const position = positions[index]!;
    const { value, magnitude } = dot(seed, challenge, position);
    const got = samples[index]!;
    const allowed = tolerance(value, magnitude);
    if (!(Math.abs(got - value) <= allowed)) {
      return { ok: false, index, row: position.row, col: position.col, expected: value, got, tolerance: allowed };
    }
  }
  return { ok: true };
}

/** keccak256 over the samples as big-endian float32s: what `GpuReport.sampleDigest` commits to. */
export function sampleDigest(samples: readonly number[]): Hex {
  const bytes = new DataView(new ArrayBuffer(4 * samples.length));
  samples.forEach((sample, i) => bytes.setFloat32(4 * i, sample));
  return keccak256(bytesToHex(new Uint8Array(bytes.buffer)));
}

/** FLOPs of one GEMM, for TFLOP/s. */
export function gemmFlops(challenge: Challenge): number {
  return 2 * challenge.m * challenge.n * challenge.k;
}
