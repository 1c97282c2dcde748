/**
 * Entity values as the host holds them, and their conversion to and from graph-ts `Value` / `Entity`
 * objects in wasm memory. A `Value` is an enum: kind (u32) at +0, padding, 64-bit payload at +8; the
 * payload is either the scalar itself or a pointer.
 */
import { AscMemory } from "./asc.js";
import { Decimal, decimalToString, normalize } from "./bigdecimal.js";

export type StoreValue =
  | { kind: "String"; value: string }
  | { kind: "Int"; value: number }
  | { kind: "BigDecimal"; value: Decimal }
  | { kind: "Bool"; value: boolean }
  | { kind: "Array"; value: StoreValue[] }
  | { kind: "Null" }
  | { kind: "Bytes"; value: string }
  | { kind: "BigInt"; value: bigint }
  | { kind: "Int8"; value: bigint }
  | { kind: "Timestamp"; value: bigint };

export type EntityData = Map<string, StoreValue>;

/** graph-ts `ValueKind` (common/value.ts). */
const KINDS = ["String", "Int", "BigDecimal", "Bool", "Array", "Null", "Bytes", "BigInt", "Int8", "Timestamp"] as const;
type Kind = (typeof KINDS)[number];

export const NULL: StoreValue = { kind: "Null" };

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function bytesToHex(bytes: Uint8Array): string {
  // Addresses, hashes and ids are short: a table lookup per byte beats a Buffer round trip.
  if (bytes.length <= 64) {
    let out = "0x";
    for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
    return out;
  }
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.startsWith("0x") ? hex.slice(2) : hex;
  // Buffer stops decoding at the first non-hex pair, so a short result is how bad input shows.
  const bytes = Buffer.from(clean, "hex");
  if (clean.length % 2 !== 0 || bytes.length * 2 !== clean.length) {
    throw new Error(`"${hex}" is not an even-length hex string`);
  }
  return bytes;
}

export function readDecimal(mem: AscMemory, ptr: number): Decimal {
  const digits = mem.readBigInt(mem.u32(ptr));
  const exp = mem.readBigInt(mem.u32(ptr + 4));
  return { digits, exp: Number(exp) };
}

export function writeDecimal(mem: AscMemory, d: Decimal): number {
  const n = normalize(d);
  const digits = mem.writeBigInt(n.digits);
  const exp = mem.writeBigInt(BigInt(n.exp));
  return mem.writeObject([digits, exp], "BigDecimal");
}

/**
 * Bound on the values an instance remembers. What pays is the working set (the fields of the few entities a block
 * touches again and again); a larger map only costs rehashing and GC marking.
 */
const VALUE_CACHE_LIMIT = 50_000;

export function readValue(mem: AscMemory, ptr: number): StoreValue {
  // A value the host wrote and the mapping passed back as it was: same object, same kind and payload pointer.
  // (Two 32-bit reads, not one i64: a BigInt per check would be garbage on the hottest path.)
  const kindIndex = mem.u32(ptr);
  const known = mem.ptrValues.get(ptr, kindIndex, mem.u32(ptr + 8), mem.u32(ptr + 12));
  if (known) return known as StoreValue;
  const kind = KINDS[kindIndex];
  const payload = ptr + 8;
  switch (kind) {
    case "String": {
      const value: StoreValue = { kind, value: mem.readString(mem.u32(payload)) };
      remember(mem, value, ptr);
      return value;
    }
    case "Int": {
      const value: StoreValue = { kind, value: mem.i32(payload) };
      remember(mem, value, ptr);
      return value;
    }
    case "BigDecimal":
      return { kind, value: readDecimal(mem, mem.u32(payload)) };
    case "Bool": {
      const value: StoreValue = { kind, value: mem.u8(payload) !== 0 };
      remember(mem, value, ptr);
      return value;
    }
    case "Array":
      return { kind, value: mem.readArrayWords(mem.u32(payload)).map((p) => readValue(mem, p)) };
    case "Null":
      return NULL;
    case "Bytes": {
      const value: StoreValue = { kind, value: bytesToHex(mem.readBytes(mem.u32(payload))) };
      remember(mem, value, ptr);
      return value;
    }
    case "BigInt": {
      const big = mem.u32(payload);
      const value: StoreValue = { kind, value: mem.readBigInt(big) };
      // graph-node hands a BigInt back in its shortest form; a value the mapping wrote in that form can be handed
      // back as the very object it wrote, the next time the entity is loaded.
      if (mem.isShortestBigInt(big)) remember(mem, value, ptr);
      return value;
    }
    case "Int8":
    case "Timestamp":
      return { kind, value: mem.i64(payload) };
    default:
      throw new Error(`store value at ${ptr} has unknown kind ${mem.u32(ptr)}; the mapping and graph-ts 0.38 disagree`);
  }
}

/**
 * Writes a graph-ts `Value`. Scalar values (everything but lists) are written once per instance and shared by every
 * load that hands them out: graph-ts never mutates a `Value`, a `BigInt`, `Bytes` or a `BigDecimal` in place (a change
 * makes a new object and re-points the entity's entry), and the entity's entry objects, which a mapping does change,
 * are written fresh on every load. Lists are written fresh too: a mapping may push to the array it got.
 */
export function writeValue(mem: AscMemory, value: StoreValue): number {
  if (value.kind !== "Array") {
    const cached = mem.valuePtrs.get(value);
    if (cached !== undefined) return cached;
  }
  const kindIndex = KINDS.indexOf(value.kind as Kind);
  let payload: bigint;
  switch (value.kind) {
    case "String":
      payload = BigInt(mem.writeString(value.value));
      break;
    case "Int":
      payload = BigInt(value.value >>> 0);
      break;
    case "BigDecimal":
      payload = BigInt(writeDecimal(mem, value.value));
      break;
    case "Bool":
      payload = value.value ? 1n : 0n;
      break;
    case "Array":
      payload = BigInt(
        mem.writeArrayWords(
          value.value.map((v) => writeValue(mem, v)),
          "ArrayStoreValue",
        ),
      );
      break;
    case "Null":
      payload = 0n;
      break;
    case "Bytes":
      payload = BigInt(mem.writeBytes(hexToBytes(value.value)));
      break;
    case "BigInt":
      payload = BigInt(mem.writeBigInt(value.value));
      break;
    case "Int8":
    case "Timestamp":
      payload = value.value;
      break;
  }
  const ptr = mem.alloc(16, "StoreValue");
  mem.setU32(ptr, kindIndex);
  mem.setI64(ptr + 8, payload);
  if (value.kind !== "Array") remember(mem, value, ptr);
  return ptr;
}

function remember(mem: AscMemory, value: StoreValue, ptr: number): void {
  if (mem.valuePtrs.size >= VALUE_CACHE_LIMIT) mem.valuePtrs.clear();
  mem.valuePtrs.set(value, ptr);
  mem.ptrValues.set(ptr, mem.u32(ptr), mem.u32(ptr + 8), mem.u32(ptr + 12), value);
}

/** `Entity` is `TypedMap<string, Value>`: one field, an array of {key, value} entries. */
export function readEntity(mem: AscMemory, ptr: number): EntityData {
  const out: EntityData = new Map();
  for (const entry of mem.readArrayWords(mem.u32(ptr))) {
    out.set(mem.readString(mem.u32(entry)), readValue(mem, mem.u32(entry + 4)));
  }
  return out;
}

export function writeEntity(mem: AscMemory, entity: EntityData): number {
  const entries: number[] = [];
  for (const [key, value] of entity) {
    const k = mem.internString(key);
    const v = writeValue(mem, value);
    entries.push(mem.writeObject([k, v], "TypedMapEntryStringStoreValue"));
  }
  const array = mem.writeArrayWords(entries, "ArrayTypedMapEntryStringStoreValue");
  return mem.writeObject([array], "TypedMapStringStoreValue");
}

/** The id as graph-node keys it: strings as-is, bytes as lowercase hex, Int8 as decimal. */
export function idKey(value: StoreValue): string {
  switch (value.kind) {
    case "String":
    case "Bytes":
      return value.kind === "Bytes" ? value.value.toLowerCase() : value.value;
    case "Int8":
      return value.value.toString();
    default:
      throw new Error(`entity id must be a String, Bytes or Int8, got ${value.kind}`);
  }
}

/** Plain JSON-ish rendering used by GraphQL responses and test assertions (graph-node's output forms). */
export function displayValue(value: StoreValue): unknown {
  switch (value.kind) {
    case "Null":
      return null;
    case "BigDecimal":
      return decimalToString(value.value);
    case "BigInt":
    case "Int8":
    case "Timestamp":
      return value.value.toString();
    case "Array":
      return value.value.map(displayValue);
    default:
      return value.value;
  }
}
