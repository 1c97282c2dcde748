import { keccak256, toHex } from "viem";
import { checkSamples, recompute, samplePositions, SAMPLE_COUNT } from "./oracle/src/challenge.js";
const ch = { nonce: keccak256(toHex("n")), m: 8192, n: 8192, k: 8192 };
const samples = samplePositions(ch, SAMPLE_COUNT).map((p) => Math.fround(recompute(ch, p).value));
const GOLDEN = 0x9e3779b1;
const BF16 = (() => { const w = new Uint32Array(65536); for (let b = 0; b < 65536; b++) w[b] = b << 16; return new Float32Array(w.buffer); })();
// value by the 10 bits that matter: sign (bit 15 -> bit 9), exponent offset (bits 7-8), mantissa (bits 0-6)
const V = new Float64Array(1024);
for (let i = 0; i < 1024; i++) { const sign = (i >> 9) & 1; const low = i & 0x1ff; V[i] = BF16[(sign << 15) | ((124 + ((low >>> 7) & 3)) << 7) | (low & 0x7f)]!; }
function dot2(seedA: number, seedB: number, row: number, col: number, k: number, n: number) {
  let hashA = Math.imul(row * k, GOLDEN); let hashB = Math.imul(col, GOLDEN); const stepB = Math.imul(n, GOLDEN);
  let value = 0, magnitude = 0;
  for (let inner = 0; inner < k; inner++) {
    let a = seedA ^ hashA; a ^= a >>> 16; a = Math.imul(a, 0x85ebca6b); a ^= a >>> 13; a = Math.imul(a, 0xc2b2ae35); a ^= a >>> 16;
    let b = seedB ^ hashB; b ^= b >>> 16; b = Math.imul(b, 0x85ebca6b); b ^= b >>> 13; b = Math.imul(b, 0xc2b2ae35); b ^= b >>> 16;
    const p = V[((a >>> 6) & 0x200) | (a & 0x1ff)]! * V[((b >>> 6) & 0x200) | (b & 0x1ff)]!;
    value += p; magnitude += Math.abs(p);
    hashA = (hashA + GOLDEN) | 0; hashB = (hashB + stepB) | 0;
  }
  return { value, magnitude };
}
const pos = samplePositions(ch, 16);
const ref = pos.map((p) => recompute(ch, p));
const alt = pos.map((p) => dot2(0x1234, 0x5678, p.row, p.col, 8192, 8192));
function t(name: string, f: () => void) { for (let i = 0; i < 50; i++) f(); const s = performance.now(); for (let i = 0; i < 300; i++) f(); console.log(name, ((performance.now() - s) / 300).toFixed(3)); }
t("checkSamples", () => checkSamples(ch, samples));
t("dot2 x16", () => { for (const p of pos) dot2(0x1234, 0x5678, p.row, p.col, 8192, 8192); });
