import assert from "node:assert/strict";
import { describe, it } from "mocha";
import {
  bf16ToNumber,
  checkSamples,
  elementA,
  elementB,
  fillMatrix,
  recompute,
  sampleDigest,
  samplePositions,
  validateChallenge,
  type Challenge,
} from "../src/challenge.js";

const nonce = (byte: number) => `0x${byte.toString(16).padStart(2, "0").repeat(32)}` as const;

/** A plain float32 GEMM on the CPU, accumulating in row order like the simplest GPU kernel would. */
function cpuGemm(challenge: Challenge): Float32Array {
  const { m, n, k } = challenge;
  const a = new Uint16Array(m * k);
  const b = new Uint16Array(k * n);
  fillMatrix(challenge, "A", a);
  fillMatrix(challenge, "B", b);
  const d = new Float32Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum = Math.fround(sum + Math.fround(bf16ToNumber(a[i * k + p]!) * bf16ToNumber(b[p * n + j]!)));
      d[i * n + j] = sum;
    }
  return d;
}

const reported = (challenge: Challenge, d: Float32Array) => samplePositions(challenge).map(({ row, col }) => d[row * challenge.n + col]!);

describe("challenge", () => {
  const small: Challenge = { nonce: nonce(0xab), m: 48, n: 40, k: 256 };

  it("accepts the samples of a real float32 GEMM over the generated inputs", () => {
    assert.deepEqual(checkSamples(small, reported(small, cpuGemm(small))), { ok: true });
  });

  it("accepts bf16-rounded outputs, as a GEMM with bf16 output writes them", () => {
    const bf16 = reported(small, cpuGemm(small)).map((x) => bf16ToNumber(new Uint32Array(new Float32Array([x]).buffer)[0]! >>> 16));
    assert.deepEqual(checkSamples(small, bf16), { ok: true });
  });

  it("rejects a sample off by 5 %, and names the position and both values", () => {
    const samples = reported(small, cpuGemm(small));
    samples[3] = samples[3]! * 1.05 + 0.5;
    const check = checkSamples(small, samples);
    assert.equal(check.ok, false);
    if (check.ok) return;
    assert.equal(check.index, 3);
    assert.deepEqual({ row: check.row, col: check.col }, samplePositions(small)[3]);
    assert.equal(check.got, samples[3]);
  });

  it("rejects outputs computed from another nonce's inputs", () => {
    const other = { ...small, nonce: nonce(0xac) };
    assert.equal(checkSamples(small, reported(small, cpuGemm(other))).ok, false);
  });

  it("recomputes an output element as the exact sum of its row of A times its column of B, indices past 2^31 included", () => {
    // 10^6 × 4096: A's indices row·k + i pass 2^31 and 2^32 − 1, where the recompute's stepped index hash must wrap
    // exactly as the per-element hash does.
    const wide: Challenge = { nonce: nonce(0x5d), m: 1_000_000, n: 3, k: 4096 };
    for (const position of [{ row: 999_999, col: 2 }, { row: 524_288, col: 0 }, { row: 7, col: 1 }]) {
      let value = 0;
      let magnitude = 0;
      for (let i = 0; i < wide.k; i++) {
        const product = elementA(wide, position.row, i) * elementB(wide, i, position.col);
        value += product;
        magnitude += Math.abs(product);
      }
      assert.deepEqual(recompute(wide, position), { value, magnitude }, `D[${position.row}][${position.col}]`);
    }
  });

  it("fills matrices piecewise exactly as in one pass, with row-major indices", () => {
    const whole = new Uint16Array(small.m * small.k);
    fillMatrix(small, "A", whole);
    const piece = new Uint16Array(100);
    fillMatrix(small, "A", piece, 1000, 1100);
    assert.deepEqual(piece, whole.subarray(1000, 1100));
    assert.equal(elementA(small, 7, 9), bf16ToNumber(whole[7 * small.k + 9]!));
    const b = new Uint16Array(small.k * small.n);
    fillMatrix(small, "B", b);
    assert.equal(elementB(small, 9, 7), bf16ToNumber(b[9 * small.n + 7]!));
  });

  it("draws full-entropy inputs: both signs, magnitudes in [1/8, 2), most mantissas distinct", () => {
    const values = Array.from({ length: 4096 }, (_, i) => elementA({ ...small, k: 4096, m: 1 }, 0, i));
    assert.ok(values.every((v) => Math.abs(v) >= 0.125 && Math.abs(v) < 2));
    const negatives = values.filter((v) => v < 0).length;
    assert.ok(negatives > 1800 && negatives < 2300, `negatives ${negatives}`);
    assert.ok(new Set(values).size > 900, `distinct ${new Set(values).size}`);
  });

  it("spreads sample positions over the output and keeps them inside it", () => {
    const big: Challenge = { nonce: nonce(0x11), m: 8192, n: 8192, k: 8192 };
    const positions = samplePositions(big);
    assert.ok(positions.every(({ row, col }) => row >= 0 && row < 8192 && col >= 0 && col < 8192));
    assert.equal(new Set(positions.map(({ row, col }) => `${row},${col}`)).size, positions.length);
  });

  it("commits to the samples bit for bit", () => {
    const samples = reported(small, cpuGemm(small));
    const changed = [...samples];
    changed[0] = Math.fround(changed[0]! + 2 ** -10 * Math.abs(changed[0]!));
    assert.notEqual(sampleDigest(samples), sampleDigest(changed));
    assert.equal(sampleDigest(samples), sampleDigest([...samples]));
  });

  it("names the field and the fix for a challenge it cannot run", () => {
    assert.throws(() => validateChallenge({ ...small, nonce: "0x1234" }), /challenge\.nonce 0x1234 is not 32 bytes/);
    assert.throws(() => validateChallenge({ ...small, k: 0 }), /challenge\.k 0 must be a positive integer/);
    assert.throws(() => validateChallenge({ ...small, m: 70000, k: 70000 }), /over 2\^32 elements/);
    assert.throws(() => fillMatrix(small, "A", new Uint16Array(10), small.m * small.k - 5), /does not fit/);
  });
});
