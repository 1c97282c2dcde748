/**
 * Builds graph-ts `ethereum.Event` objects in wasm memory from decoded logs. Field order follows
 * graph-ts chain/ethereum.ts (Event, Block, Transaction, EventParam); `ethereum.Value` is an enum whose
 * payload is a pointer for everything but booleans.
 */
import type { AbiParameter } from "viem";
import type { AscMemory } from "./asc.js";
import { hexToBytes } from "./values.js";

export interface BlockInfo {
  hash: string;
  parentHash: string;
  number: bigint;
  timestamp: bigint;
  author: string;
  gasUsed: bigint;
  gasLimit: bigint;
  stateRoot: string;
  transactionsRoot: string;
  receiptsRoot: string;
  unclesHash: string;
  difficulty: bigint;
  totalDifficulty: bigint;
  size: bigint | null;
  baseFeePerGas: bigint | null;
}

export interface TransactionInfo {
  hash: string;
  index: bigint;
  from: string;
  to: string | null;
  value: bigint;
  gasLimit: bigint;
  gasPrice: bigint;
  input: string;
  nonce: bigint;
}

export interface EventParamInfo {
  name: string;
  abi: AbiParameter & { indexed?: boolean };
  value: unknown;
}

export interface EventInfo {
  address: string;
  logIndex: bigint;
  transactionLogIndex: bigint;
  block: BlockInfo;
  transaction: TransactionInfo;
  params: EventParamInfo[];
}

const ETH_KIND = { address: 0, fixedBytes: 1, bytes: 2, int: 3, uint: 4, bool: 5, string: 6, fixedArray: 7, array: 8, tuple: 9 };

function writeEthValue(mem: AscMemory, param: AbiParameter & { indexed?: boolean }, value: unknown): number {
  const type = param.type;
  let kind: number;
  let payload: bigint;
  const arrayMatch = /^(.*)\[(\d*)\]$/.exec(type);
  if (param.indexed && (type === "string" || type === "bytes" || arrayMatch || type.startsWith("tuple"))) {
    // Indexed dynamic values are only present as their keccak hash in the topic.
    kind = ETH_KIND.fixedBytes;
    payload = BigInt(mem.writeBytes(hexToBytes(value as string)));
  } else if (arrayMatch) {
    const inner = { ...param, type: arrayMatch[1]!, indexed: false } as unknown as AbiParameter;
    const items = (value as unknown[]).map((v) => writeEthValue(mem, inner, v));
    kind = arrayMatch[2] ? ETH_KIND.fixedArray : ETH_KIND.array;
    payload = BigInt(mem.writeArrayWords(items, "ArrayEthereumValue"));
  } else if (type === "tuple") {
    const components = (param as { components: readonly AbiParameter[] }).components;
    const items = components.map((c, i) => {
      const v = Array.isArray(value) ? value[i] : (value as Record<string, unknown>)[c.name ?? String(i)];
      return writeEthValue(mem, c, v);
    });
    kind = ETH_KIND.tuple;
    payload = BigInt(mem.writeArrayWords(items, "ArrayEthereumValue"));
  } else if (type === "address") {
    kind = ETH_KIND.address;
    payload = BigInt(mem.writeBytes(hexToBytes(value as string)));
  } else if (type === "bool") {
    kind = ETH_KIND.bool;
    payload = value ? 1n : 0n;
  } else if (type === "string") {
    kind = ETH_KIND.string;
    payload = BigInt(mem.writeString(value as string));
  } else if (type === "bytes") {
    kind = ETH_KIND.bytes;
    payload = BigInt(mem.writeBytes(hexToBytes(value as string)));
  } else if (/^bytes\d+$/.test(type)) {
    kind = ETH_KIND.fixedBytes;
    payload = BigInt(mem.writeBytes(hexToBytes(value as string)));
  } else if (/^u?int\d*$/.test(type)) {
    kind = type.startsWith("u") ? ETH_KIND.uint : ETH_KIND.int;
    payload = BigInt(mem.writeBigInt(BigInt(value as bigint | number)));
  } else {
    throw new Error(`event parameter ${param.name ?? "?"} has ABI type ${type}, which the runner cannot pass to a mapping`);
  }
  const ptr = mem.alloc(16, "EthereumValue");
  mem.setU32(ptr, kind);
  mem.setI64(ptr + 8, payload);
  return ptr;
}

/**
 * The `ethereum.Block` and `ethereum.Transaction` objects of one instance, by the host object they were written from:
 * the events of one block (a factory transaction can emit hundreds) share them instead of each writing 24 fields
 * again. Mappings read these objects and never assign to their fields.
 */
const written = new WeakMap<AscMemory, WeakMap<object, number>>();

function writeOnce(mem: AscMemory, key: object, write: () => number): number {
  let byKey = written.get(mem);
  if (!byKey) written.set(mem, (byKey = new WeakMap()));
  let ptr = byKey.get(key);
  if (ptr === undefined) byKey.set(key, (ptr = write()));
  return ptr;
}

function writeBlock(mem: AscMemory, b: BlockInfo): number {
  const hex = (h: string) => mem.writeBytes(hexToBytes(h));
  const big = (v: bigint) => mem.writeBigInt(v);
  return mem.writeObject(
    [
      hex(b.hash),
      hex(b.parentHash),
      hex(b.unclesHash),
      hex(b.author),
      hex(b.stateRoot),
      hex(b.transactionsRoot),
      hex(b.receiptsRoot),
      big(b.number),
      big(b.gasUsed),
      big(b.gasLimit),
      big(b.timestamp),
      big(b.difficulty),
      big(b.totalDifficulty),
      b.size === null ? 0 : big(b.size),
      b.baseFeePerGas === null ? 0 : big(b.baseFeePerGas),
    ],
    "EthereumBlock",
  );
}

function writeTransaction(mem: AscMemory, t: TransactionInfo): number {
  const hex = (h: string) => mem.writeBytes(hexToBytes(h));
  const big = (v: bigint) => mem.writeBigInt(v);
  return mem.writeObject(
    [hex(t.hash), big(t.index), hex(t.from), t.to === null ? 0 : hex(t.to), big(t.value), big(t.gasLimit), big(t.gasPrice), hex(t.input), big(t.nonce)],
    "EthereumTransaction",
  );
}

export function writeEvent(mem: AscMemory, e: EventInfo): number {
  const params = e.params.map((p) => mem.writeObject([mem.internString(p.name), writeEthValue(mem, p.abi, p.value)], "EventParam"));
  return mem.writeObject(
    [
      mem.writeBytes(hexToBytes(e.address)),
      mem.writeBigInt(e.logIndex),
      mem.writeBigInt(e.transactionLogIndex),
      0, // logType: null on Ethereum mainnet-style chains, as graph-node passes it
      writeOnce(mem, e.block, () => writeBlock(mem, e.block)),
      writeOnce(mem, e.transaction, () => writeTransaction(mem, e.transaction)),
      mem.writeArrayWords(params, "ArrayEventParam"),
      0, // receipt: only with `receipt: true` on the handler, which the runner does not fetch
    ],
    "EthereumEvent",
  );
}

const ZERO32 = `0x${"00".repeat(32)}`;

/** A block with every unknown field zeroed, for synthetic events in mapping unit tests. */
export function syntheticBlock(number: bigint, timestamp: bigint, hash?: string): BlockInfo {
  return {
    hash: hash ?? `0x${number.toString(16).padStart(64, "0")}`,
    parentHash: ZERO32,
    number,
    timestamp,
    author: `0x${"00".repeat(20)}`,
    gasUsed: 0n,
    gasLimit: 30_000_000n,
    stateRoot: ZERO32,
    transactionsRoot: ZERO32,
    receiptsRoot: ZERO32,
    unclesHash: ZERO32,
    difficulty: 0n,
    totalDifficulty: 0n,
    size: null,
    baseFeePerGas: null,
  };
}
