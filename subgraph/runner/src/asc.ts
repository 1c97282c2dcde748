/**
 * Reading and writing AssemblyScript 0.19 objects in a mapping's linear memory, the way graph-node's
 * `AscHeap` does. Every managed object is preceded by a 20-byte header; the two words right before the
 * pointer are its runtime class id (ptr-8) and its payload size in bytes (ptr-4). Mappings are compiled
 * with the stub runtime, so nothing is ever freed and no pinning is needed between allocations.
 */

/** graph-ts `TypeId` discriminants (global/global.ts); `id_of_type` maps them to this module's class ids. */
export const TypeId = {
  String: 0,
  ArrayBuffer: 1,
  Uint8Array: 6,
  BigDecimal: 12,
  ArrayBool: 13,
  ArrayUint8Array: 14,
  ArrayEthereumValue: 15,
  ArrayStoreValue: 16,
  ArrayString: 18,
  ArrayEventParam: 19,
  ArrayTypedMapEntryStringStoreValue: 21,
  EventParam: 23,
  EthereumTransaction: 24,
  EthereumBlock: 25,
  WrappedBool: 28,
  EthereumValue: 30,
  StoreValue: 31,
  EthereumEvent: 33,
  TypedMapEntryStringStoreValue: 34,
  TypedMapStringStoreValue: 36,
  ArrayI32: 47,
  ArrayBigDecimal: 51,
} as const;
export type TypeIdName = keyof typeof TypeId;

export interface AscExports {
  memory: WebAssembly.Memory;
  __new(size: number, classId: number): number;
  id_of_type(typeId: number): number;
  /** Start of the runtime type table, which the compiler places after the static data (string literals). */
  __rtti_base?: WebAssembly.Global;
}

const utf16 = new TextDecoder("utf-16le");

/** Strings read from or interned into one instance's memory, keyed by pointer; bounded so ids cannot grow it. */
const STRING_CACHE_LIMIT = 8192;

/** Slots of a PointerCache: a power of two. */
const POINTER_SLOTS = 1 << 16;

/**
 * Pointer → the object decoded from the 16-byte store value there, with the value's three words (kind and 64-bit
 * payload) to check against memory before reuse. Direct-mapped: a pointer has one slot, and a newer pointer takes it
 * over. A Map of records cost an allocation and two hash insertions per value the host wrote or read, 7 % of the
 * indexing profile; this costs four typed-array stores and keeps no garbage.
 */
export class PointerCache {
  private readonly ptrs = new Int32Array(POINTER_SLOTS);
  private readonly words = new Int32Array(POINTER_SLOTS * 3);
  private readonly values = new Array<object | undefined>(POINTER_SLOTS);

  /** The object remembered for `ptr`, if the value there still has the words it had. */
  get(ptr: number, kind: number, lo: number, hi: number): object | undefined {
    const slot = (ptr >>> 4) & (POINTER_SLOTS - 1);
    if (this.ptrs[slot] !== (ptr | 0)) return undefined;
    const w = slot * 3;
    const words = this.words;
    return words[w] === (kind | 0) && words[w + 1] === (lo | 0) && words[w + 2] === (hi | 0) ? this.values[slot] : undefined;
  }

  set(ptr: number, kind: number, lo: number, hi: number, value: object): void {
    const slot = (ptr >>> 4) & (POINTER_SLOTS - 1);
    this.ptrs[slot] = ptr;
    const w = slot * 3;
    this.words[w] = kind;
    this.words[w + 1] = lo;
    this.words[w + 2] = hi;
    this.values[slot] = value;
  }
}

export class AscMemory {
  private readonly classIds = new Map<number, number>();
  private view: DataView;
  private bytes: Uint8Array;
  /** Pointer → the bytes and text of a short string read from it; checked against memory before reuse. */
  private readonly readCache = new Map<number, { raw: Uint8Array; text: string }>();
  /** Text → pointer of a string the host wrote into this instance (field names, event parameter names). */
  private readonly interned = new Map<string, number>();
  /**
   * Pointer → text of strings that cannot change under that pointer: literals in the static data segment (below
   * `__rtti_base`) and strings the host interned. AssemblyScript strings are immutable and the stub runtime never
   * reuses an address, so these are read once per instance — an entity's field names come back on every store.set.
   */
  private readonly fixedStrings = new Map<number, string>();
  private readonly staticEnd: number;
  /**
   * Store values the host has written into this instance, both ways: a value handed to the mapping again (the same
   * field of the same entity version, loaded twice) reuses its object, and a value the mapping hands back untouched
   * (a field its handler did not change) is recognised without decoding. See values.ts.
   */
  readonly valuePtrs = new Map<object, number>();
  readonly ptrValues = new PointerCache();

  constructor(private readonly exports: AscExports) {
    this.view = new DataView(exports.memory.buffer);
    this.bytes = new Uint8Array(exports.memory.buffer);
    this.staticEnd = exports.__rtti_base ? Number(exports.__rtti_base.value) >>> 0 : 0;
  }

  /**
   * Memory grows only inside wasm code (an allocation, or the mapping itself), which detaches the old
   * ArrayBuffer. Reading `memory.buffer` on every access costs more than the access, so views are
   * re-taken after each `__new` and whenever wasm hands control to the host (`sync()` at host-call entry).
   */
  sync(): void {
    // A grown memory detaches the old buffer, and a detached buffer's views read as length 0: checking that is far
    // cheaper than the `memory.buffer` getter.
    if (this.bytes.byteLength === 0) {
      const buffer = this.exports.memory.buffer;
      this.view = new DataView(buffer);
      this.bytes = new Uint8Array(buffer);
    }
  }

  classId(type: TypeIdName): number {
    const key = TypeId[type];
    let id = this.classIds.get(key);
    if (id === undefined) {
      id = this.exports.id_of_type(key) >>> 0;
      this.classIds.set(key, id);
    }
    return id;
  }

  alloc(size: number, type: TypeIdName): number {
    const ptr = this.exports.__new(size, this.classId(type)) >>> 0;
    this.sync();
    return ptr;
  }

  u8(ptr: number): number {
    return this.bytes[ptr]!;
  }
  u32(ptr: number): number {
    return this.view.getUint32(ptr, true);
  }
  i32(ptr: number): number {
    return this.view.getInt32(ptr, true);
  }
  i64(ptr: number): bigint {
    return this.view.getBigInt64(ptr, true);
  }
  f64(ptr: number): number {
    return this.view.getFloat64(ptr, true);
  }
  setU32(ptr: number, value: number): void {
    this.view.setUint32(ptr, value >>> 0, true);
  }
  setI64(ptr: number, value: bigint): void {
    this.view.setBigInt64(ptr, value, true);
  }
  setU8(ptr: number, value: number): void {
    this.bytes[ptr] = value;
  }

  /** Payload size from the object header. */
  size(ptr: number): number {
    return this.u32(ptr - 4);
  }

  // --- strings -------------------------------------------------------------------------------------

  readString(ptr: number): string {
    if (ptr === 0) throw new Error("mapping passed a null string where a string is required");
    const fixed = this.fixedStrings.get(ptr);
    if (fixed !== undefined) return fixed;
    const len = this.size(ptr);
    if (ptr < this.staticEnd) {
      const text = utf16.decode(this.bytes.subarray(ptr, ptr + len));
      if (this.fixedStrings.size >= STRING_CACHE_LIMIT * 8) this.fixedStrings.clear();
      this.fixedStrings.set(ptr, text);
      return text;
    }
    if (len > 96) return utf16.decode(this.bytes.subarray(ptr, ptr + len));
    // Short strings (field names, entity names, ids) come back at the same addresses again and again: string
    // literals live in the module's data segment. Comparing the bytes is cheaper than decoding them.
    const bytes = this.bytes;
    const hit = this.readCache.get(ptr);
    if (hit && hit.raw.length === len) {
      let same = true;
      for (let i = 0; i < len; i++) {
        if (hit.raw[i] !== bytes[ptr + i]) {
          same = false;
          break;
        }
      }
      if (same) return hit.text;
    }
    const raw = bytes.slice(ptr, ptr + len);
    const text = utf16.decode(raw);
    if (this.readCache.size >= STRING_CACHE_LIMIT) this.readCache.clear();
    this.readCache.set(ptr, { raw, text });
    return text;
  }

  readNullableString(ptr: number): string | null {
    return ptr === 0 ? null : this.readString(ptr);
  }

  writeString(value: string): number {
    const ptr = this.alloc(value.length * 2, "String");
    const bytes = this.bytes;
    if (value.length <= 64) {
      // Short strings: the loop beats a Buffer round trip. charCodeAt gives UTF-16 units, lone surrogates included.
      for (let i = 0, p = ptr; i < value.length; i++, p += 2) {
        const c = value.charCodeAt(i);
        bytes[p] = c & 0xff;
        bytes[p + 1] = c >>> 8;
      }
      return ptr;
    }
    // utf16le keeps lone surrogates as they are, which is what AssemblyScript strings hold.
    bytes.set(Buffer.from(value, "utf16le"), ptr);
    return ptr;
  }

  /**
   * A string the host hands to the mapping again and again (an entity's field names, event parameter names): written
   * once per instance and shared. AssemblyScript strings are immutable, and the stub runtime never frees, so the
   * pointer stays valid for the instance's life.
   */
  internString(value: string): number {
    let ptr = this.interned.get(value);
    if (ptr === undefined) {
      if (this.interned.size >= STRING_CACHE_LIMIT) this.interned.clear();
      ptr = this.writeString(value);
      this.interned.set(value, ptr);
      this.fixedStrings.set(ptr, value);
    }
    return ptr;
  }

  // --- Uint8Array, Bytes, BigInt --------------------------------------------------------------------

  readBytes(ptr: number): Uint8Array {
    if (ptr === 0) throw new Error("mapping passed null where Bytes are required");
    const dataStart = this.u32(ptr + 4);
    const byteLength = this.u32(ptr + 8);
    return this.bytes.slice(dataStart, dataStart + byteLength);
  }

  writeBytes(data: Uint8Array): number {
    const buffer = this.alloc(data.length, "ArrayBuffer");
    this.bytes.set(data, buffer);
    return this.uint8ArrayOver(buffer, data.length);
  }

  private uint8ArrayOver(buffer: number, length: number): number {
    const view = this.alloc(12, "Uint8Array");
    this.setU32(view, buffer);
    this.setU32(view + 4, buffer);
    this.setU32(view + 8, length);
    return view;
  }

  /** A graph-ts BigInt (a Uint8Array of little-endian two's complement), decoded where it lies. */
  readBigInt(ptr: number): bigint {
    if (ptr === 0) throw new Error("mapping passed null where a BigInt is required");
    return decodeSignedLe(this.bytes, this.view, this.u32(ptr + 4), this.u32(ptr + 8));
  }

  /** Whether the BigInt at `ptr` is in the shortest form, the one `writeBigInt` and graph-node produce. */
  isShortestBigInt(ptr: number): boolean {
    const start = this.u32(ptr + 4);
    const n = this.u32(ptr + 8);
    if (n <= 1) return n === 1;
    const top = this.bytes[start + n - 1]!;
    const signOfNext = this.bytes[start + n - 2]! & 0x80;
    return !((top === 0 && signOfNext === 0) || (top === 0xff && signOfNext !== 0));
  }

  /** A BigInt encoded straight into the instance's memory, with no intermediate buffer. */
  writeBigInt(value: bigint): number {
    const { length, write } = signedLe(value);
    const buffer = this.alloc(length, "ArrayBuffer");
    write(this.bytes, buffer);
    return this.uint8ArrayOver(buffer, length);
  }

  // --- Array<T> -------------------------------------------------------------------------------------

  /** Element pointers (or 32-bit values) of an `Array<T>` whose elements are 4 bytes wide. */
  readArrayWords(ptr: number): number[] {
    const dataStart = this.u32(ptr + 4);
    const length = this.i32(ptr + 12);
    const out = new Array<number>(length);
    for (let i = 0; i < length; i++) out[i] = this.u32(dataStart + i * 4);
    return out;
  }

  writeArrayWords(words: number[], type: TypeIdName): number {
    const buffer = this.alloc(words.length * 4, "ArrayBuffer");
    for (let i = 0; i < words.length; i++) this.setU32(buffer + i * 4, words[i]!);
    const array = this.alloc(16, type);
    this.setU32(array, buffer);
    this.setU32(array + 4, buffer);
    this.setU32(array + 8, words.length * 4);
    this.setU32(array + 12, words.length);
    return array;
  }

  /** Plain class instance: fields laid out in declaration order, each pointer 4 bytes. */
  writeObject(words: number[], type: TypeIdName): number {
    const ptr = this.alloc(words.length * 4, type);
    for (let i = 0; i < words.length; i++) this.setU32(ptr + i * 4, words[i]!);
    return ptr;
  }
}

/** Value of a lower-case hex digit's char code. */
function nibble(c: number): number {
  return c <= 57 ? c - 48 : c - 87;
}

/**
 * The value of `n` little-endian two's complement bytes at `start` of `bytes` (`view` over the same memory), as
 * graph-node's `BigInt::from_signed_bytes_le`: empty means zero.
 * Eight bytes at a time through the DataView: a handful of bigint operations instead of a hex string per value.
 */
function decodeSignedLe(bytes: Uint8Array, view: DataView, start: number, n: number): bigint {
  if (n === 0) return 0n;
  const negative = (bytes[start + n - 1]! & 0x80) !== 0;
  if (n <= 6) {
    // Up to 48 bits: exact in a double.
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + bytes[start + i]!;
    return negative ? BigInt(v - 2 ** (n * 8)) : BigInt(v);
  }
  // The bytes above the last whole 64-bit word: up to 6 exact in a double, 7 as 3 over a 32-bit word.
  const head = n & 7;
  let value: bigint;
  if (head === 7) {
    value = (BigInt(bytes[start + n - 1]! * 65536 + bytes[start + n - 2]! * 256 + bytes[start + n - 3]!) << 32n) | BigInt(view.getUint32(start + n - 7, true));
  } else {
    let top = 0;
    for (let i = n - 1; i >= n - head; i--) top = top * 256 + bytes[start + i]!;
    value = BigInt(top);
  }
  for (let i = n - head - 8; i >= 0; i -= 8) value = (value << 64n) | view.getBigUint64(start + i, true);
  return negative ? BigInt.asIntN(n * 8, value) : value;
}

/**
 * The shortest two's complement encoding that keeps the sign bit right (zero is one 0x00 byte, as in num-bigint),
 * as a length and a writer, so a caller can allocate exactly that much and have it filled in place. A negative value's
 * bytes are those of its complement `~value` (which is not negative) inverted; so both signs encode from the hex
 * digits of a non-negative number, parsed natively.
 */
function signedLe(value: bigint): { length: number; write: (out: Uint8Array, at: number) => void } {
  const negative = value < 0n;
  const flip = negative ? 0xff : 0;
  if (value >= -0x80000000n && value <= 0x7fffffffn) {
    // Most values (amounts in base units aside) fit 32 bits: no bigint arithmetic per byte.
    const n = Number(value);
    const magnitude = negative ? ~n : n;
    const length = magnitude < 0x80 ? 1 : magnitude < 0x8000 ? 2 : magnitude < 0x800000 ? 3 : 4;
    return {
      length,
      write(out, at) {
        for (let i = 0; i < length; i++) out[at + i] = ((magnitude >>> (8 * i)) & 0xff) ^ flip;
      },
    };
  }
  const hex = (negative ? ~value : value).toString(16);
  const digits = (hex.length + 1) >> 1;
  // One more byte where the top byte's high bit would read as the sign.
  const topByte = hex.length & 1 ? nibble(hex.charCodeAt(0)) : (nibble(hex.charCodeAt(0)) << 4) | nibble(hex.charCodeAt(1));
  const length = topByte >= 0x80 ? digits + 1 : digits;
  return {
    length,
    write(out, at) {
      for (let i = 0, j = hex.length; i < digits; i++, j -= 2) {
        out[at + i] = (j >= 2 ? (nibble(hex.charCodeAt(j - 2)) << 4) | nibble(hex.charCodeAt(j - 1)) : nibble(hex.charCodeAt(0))) ^ flip;
      }
      if (length > digits) out[at + digits] = flip;
    },
  };
}
