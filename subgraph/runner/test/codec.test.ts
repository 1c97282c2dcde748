import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { AscMemory, type AscExports } from "../src/asc.js";

/** The definition, one bigint step per byte: what the fast codec must agree with. */
function referenceEncode(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(BigInt.asUintN(8, v));
    v >>= 8n;
    out.push(byte);
    if ((v === 0n && (byte & 0x80) === 0) || (v === -1n && (byte & 0x80) !== 0)) return out;
  }
}

function referenceDecode(bytes: readonly number[]): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return bytes.length > 0 && (bytes.at(-1)! & 0x80) !== 0 ? v - (1n << BigInt(8 * bytes.length)) : v;
}

/** Boundaries of every width the codec switches on (32-bit fast path, 48-bit doubles, 64-bit words) and random values. */
function samples(): bigint[] {
  const out = new Set<bigint>([0n, 1n, -1n, 127n, 128n, -128n, -129n, 255n, 256n]);
  for (let bits = 1; bits <= 300; bits++) {
    const p = 1n << BigInt(bits);
    for (const v of [p - 1n, p, p + 1n, -p, -p - 1n, -p + 1n]) out.add(v);
  }
  let seed = 0x2545f491;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 2000; i++) {
    let v = 0n;
    for (let w = random() % 10; w >= 0; w--) v = (v << 32n) | BigInt(random());
    out.add(random() & 1 ? -v : v);
  }
  return [...out];
}

/** A bump allocator over a plain memory, with AssemblyScript's 20-byte object header. */
function fakeInstance(): AscMemory {
  const memory = new WebAssembly.Memory({ initial: 64 });
  let offset = 64;
  const exports: AscExports = {
    memory,
    __new(size, classId) {
      const ptr = offset + 20;
      const view = new DataView(memory.buffer);
      view.setUint32(ptr - 8, classId, true);
      view.setUint32(ptr - 4, size, true);
      offset = (ptr + size + 15) & ~15;
      return ptr;
    },
    id_of_type: (typeId) => typeId + 100,
  };
  return new AscMemory(exports);
}

describe("BigInt codec (graph-ts little-endian two's complement)", () => {
  it("encodes every boundary and random value as the shortest two's complement, and decodes it back", () => {
    const mem = fakeInstance();
    for (const value of samples()) {
      const ptr = mem.writeBigInt(value);
      assert.deepEqual([...mem.readBytes(ptr)], referenceEncode(value), `encode ${value}`);
      assert.ok(mem.isShortestBigInt(ptr), `shortest ${value}`);
      assert.equal(mem.readBigInt(ptr), value, `decode ${value}`);
    }
    assert.throws(() => mem.readBigInt(0), /null where a BigInt is required/);
  });

  it("decodes any byte string, shortest or not, as graph-node does", () => {
    const mem = fakeInstance();
    for (const bytes of [[], [0], [0xff], [0x80], [0, 0], [0xff, 0xff], [1, 2, 3, 4, 5, 6, 7], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0], Array.from({ length: 33 }, (_, i) => (i * 37 + 11) & 0xff)]) {
      assert.equal(mem.readBigInt(mem.writeBytes(Uint8Array.from(bytes))), referenceDecode(bytes), `[${bytes.join(",")}]`);
    }
    // The same numbers with a redundant sign byte: still read right, but not in graph-node's form.
    for (const [bytes, value] of [[[0, 0], 0n], [[0x7f, 0], 127n], [[0xff, 0xff], -1n], [[0x80, 0xff], -128n]] as const) {
      const ptr = mem.writeBytes(Uint8Array.from(bytes));
      assert.equal(mem.readBigInt(ptr), value);
      assert.equal(mem.isShortestBigInt(ptr), false, `[${bytes.join(",")}]`);
    }
  });
});
