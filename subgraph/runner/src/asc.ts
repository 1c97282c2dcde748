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
}

const utf16 = new TextDecoder("utf-16le");

export class AscMemory {
  private readonly classIds = new Map<number, number>();
  private view: DataView;
  private bytes: Uint8Array;

  constructor(private readonly exports: AscExports) {
    this.view = new DataView(exports.memory.buffer);
    this.bytes = new Uint8Array(exports.memory.buffer);
  }

  /**
   * Memory grows only inside wasm code (an allocation, or the mapping itself), which detaches the old
   * ArrayBuffer. Reading `memory.buffer` on every access costs more than the access, so views are
   * re-taken after each `__new` and whenever wasm hands control to the host (`sync()` at host-call entry).
   */
  sync(): void {
    const buffer = this.exports.memory.buffer;
    if (this.view.buffer !== buffer) {
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
    const len = this.size(ptr);
    return utf16.decode(this.bytes.subarray(ptr, ptr + len));
  }

  readNullableString(ptr: number): string | null {
    return ptr === 0 ? null : this.readString(ptr);
  }

  writeString(value: string): number {
    const ptr = this.alloc(value.length * 2, "String");
    // utf16le keeps lone surrogates as they are, which is what AssemblyScript strings hold.
    this.bytes.set(Buffer.from(value, "utf16le"), ptr);
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
    const view = this.alloc(12, "Uint8Array");
    this.setU32(view, buffer);
    this.setU32(view + 4, buffer);
    this.setU32(view + 8, data.length);
    return view;
  }

  readBigInt(ptr: number): bigint {
    return bigIntFromSignedLe(this.readBytes(ptr));
  }

  writeBigInt(value: bigint): number {
    return this.writeBytes(bigIntToSignedLe(value));
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

/** Little-endian two's complement, as graph-node's `BigInt::from_signed_bytes_le`. Empty means zero. */
export function bigIntFromSignedLe(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  if (bytes[bytes.length - 1]! & 0x80) value -= 1n << BigInt(bytes.length * 8);
  return value;
}

/** Shortest two's complement encoding that keeps the sign bit right; zero is one 0x00 byte as in num-bigint. */
export function bigIntToSignedLe(value: bigint): Uint8Array {
  // Most values (amounts in base units aside) fit 32 bits; those need no bigint arithmetic per byte.
  if (value >= -0x80000000n && value <= 0x7fffffffn) {
    let n = Number(value);
    const small: number[] = [];
    for (;;) {
      const byte = n & 0xff;
      n >>= 8;
      small.push(byte);
      const signBit = (byte & 0x80) !== 0;
      if ((n === 0 && !signBit) || (n === -1 && signBit)) return Uint8Array.from(small);
    }
  }
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(v & 0xffn);
    v >>= 8n;
    out.push(byte);
    const signBit = (byte & 0x80) !== 0;
    if ((v === 0n && !signBit) || (v === -1n && signBit)) break;
  }
  return Uint8Array.from(out);
}
