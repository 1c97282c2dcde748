/**
 * Runs a block's triggers through the mappings: logs in log-index order, each matched to the data
 * sources watching its address and to the handler for its topic0. A block commits as a whole; if any
 * handler fails, the block's writes are dropped and indexing stops there with the handler and message.
 */
import { readFileSync } from "node:fs";
import { decodeAbiParameters, type AbiEvent, type AbiParameter, type Hex } from "viem";
import { EntityState } from "./entity-state.js";
import { writeEvent, type BlockInfo, type EventInfo, type TransactionInfo } from "./ethereum.js";
import { MappingError, MappingModule, type HandlerContext, type LogLevel } from "./host.js";
import type { DataSourceDef, Manifest } from "./manifest.js";
import type { BlockPtr, IndexingError } from "./pg-store.js";
import type { EntityData } from "./values.js";

export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  logIndex: number;
  transactionHash: string;
  transactionIndex: number;
}

interface ActiveDataSource {
  def: DataSourceDef;
  address: string;
  context: EntityData | null;
}

export interface CreatedDataSource {
  block: number;
  template: string;
  address: string;
  context: unknown;
}

/** Where each input of an event lives: indexed ones in topics[1..], the rest ABI-encoded in data. */
interface EventLayout {
  indexed: { input: AbiParameter; topic: number; dynamic: boolean }[];
  data: AbiParameter[];
  /** Every data parameter is encoded in place: read the words directly instead of through viem. */
  staticData: boolean;
}

const layouts = new WeakMap<AbiEvent, EventLayout>();

function layoutOf(event: AbiEvent): EventLayout {
  let layout = layouts.get(event);
  if (!layout) {
    layout = { indexed: [], data: [], staticData: true };
    for (const input of event.inputs) {
      if ((input as { indexed?: boolean }).indexed) {
        const dynamic = input.type === "string" || input.type === "bytes" || input.type.endsWith("]") || input.type.startsWith("tuple");
        layout.indexed.push({ input, topic: layout.indexed.length + 1, dynamic });
      } else layout.data.push(input);
    }
    layout.staticData = layout.data.every(isStatic);
    layouts.set(event, layout);
  }
  return layout;
}

const TWO_256 = 1n << 256n;
const TWO_255 = 1n << 255n;

/** Whether a type is encoded in place (one or more words, no offset), so it can be read without viem. */
function isStatic(p: AbiParameter): boolean {
  if (p.type === "tuple") return ((p as { components: readonly AbiParameter[] }).components ?? []).every(isStatic);
  return p.type === "address" || p.type === "bool" || /^u?int\d*$/.test(p.type) || /^bytes\d+$/.test(p.type);
}

/** Reads a static value from the hex words at `at` (word index); returns the value and the next word index. */
function readStatic(p: AbiParameter, hex: string, at: number): [unknown, number] {
  if (p.type === "tuple") {
    const out: Record<string, unknown> = {};
    let next = at;
    for (const c of (p as { components: readonly AbiParameter[] }).components) {
      const [v, n] = readStatic(c, hex, next);
      out[c.name ?? ""] = v;
      next = n;
    }
    return [out, next];
  }
  const word = hex.slice(at * 64, at * 64 + 64);
  if (word.length !== 64) throw new Error(`log data ends before ${p.name ?? p.type}`);
  if (p.type === "address") return [`0x${word.slice(24)}`, at + 1];
  if (p.type === "bool") return [/[^0]/.test(word), at + 1];
  if (p.type.startsWith("bytes")) return [`0x${word.slice(0, Number(p.type.slice(5)) * 2)}`, at + 1];
  const v = BigInt(`0x${word}`);
  return [p.type.startsWith("int") && v >= TWO_255 ? v - TWO_256 : v, at + 1];
}

/**
 * Decodes a log the handler matched by topic0. viem's decodeEventLog re-hashes the event signature on
 * every call to find the ABI item; the handler table has already done that, so only the values are decoded.
 */
function decodeParams(event: AbiEvent, log: RawLog): EventInfo["params"] {
  const layout = layoutOf(event);
  if (log.topics.length !== layout.indexed.length + 1) {
    throw new Error(`log ${log.logIndex} of ${log.transactionHash} has ${log.topics.length - 1} indexed values; ${event.name} declares ${layout.indexed.length}`);
  }
  const values = new Map<AbiParameter, unknown>();
  for (const { input, topic, dynamic } of layout.indexed) {
    // Indexed dynamic values are only present as their keccak hash in the topic; static ones are one word.
    values.set(input, dynamic ? log.topics[topic] : readStatic(input, log.topics[topic]!.slice(2), 0)[0]);
  }
  if (layout.data.length > 0) {
    if (layout.staticData) {
      const hex = log.data.slice(2);
      let at = 0;
      for (const input of layout.data) {
        const [v, next] = readStatic(input, hex, at);
        values.set(input, v);
        at = next;
      }
    } else {
      const decoded = decodeAbiParameters(layout.data, log.data as Hex);
      layout.data.forEach((input, i) => values.set(input, decoded[i]));
    }
  }
  return event.inputs.map((input) => ({ name: input.name ?? "", abi: input, value: values.get(input) }));
}

export type Logger = (level: LogLevel, message: string) => void;

export class Indexer {
  private readonly modules = new Map<string, MappingModule>();
  private readonly byAddress = new Map<string, ActiveDataSource[]>();
  private created: CreatedDataSource[] = [];
  private committedBlocks: BlockPtr[] = [];
  eventsProcessed = 0;

  constructor(
    readonly manifest: Manifest,
    readonly state: EntityState,
    private readonly logger: Logger = () => {},
  ) {
    for (const ds of manifest.dataSources) {
      if (!ds.address) throw new Error(`data source ${ds.name} has no source.address; only templates may omit it`);
      this.activate(ds, ds.address, ds.context);
    }
  }

  private module(ds: DataSourceDef): MappingModule {
    let m = this.modules.get(ds.wasmPath);
    if (!m) {
      m = MappingModule.fromBytes(readFileSync(ds.wasmPath), ds.name);
      this.modules.set(ds.wasmPath, m);
    }
    return m;
  }

  private activate(def: DataSourceDef, address: string, context: EntityData | null): void {
    this.module(def);
    const key = address.toLowerCase();
    const list = this.byAddress.get(key) ?? [];
    list.push({ def, address: key, context });
    this.byAddress.set(key, list);
  }

  /** Restore template instances recorded before a restart. */
  restoreDataSource(template: string, address: string): void {
    const def = this.manifest.templates.get(template);
    if (!def) throw new Error(`stored data source uses template ${template}, which subgraph.yaml no longer declares`);
    this.activate(def, address, null);
  }

  addresses(): string[] {
    return [...this.byAddress.keys()];
  }

  startBlock(): number {
    return Math.min(...this.manifest.dataSources.map((d) => d.startBlock));
  }

  takeCommitted(): { blocks: BlockPtr[]; dataSources: CreatedDataSource[] } {
    const out = { blocks: this.committedBlocks, dataSources: this.created };
    this.committedBlocks = [];
    this.created = [];
    return out;
  }

  /** Record a block that had no triggers, so the cursor and reorg checks can see it. */
  markBlock(ptr: BlockPtr): void {
    if (this.committedBlocks.at(-1)?.number !== ptr.number) this.committedBlocks.push(ptr);
  }

  /**
   * Process one block. Returns the failure if a handler failed (nothing of the block is kept), and
   * whether a new data source was created (the caller must refetch logs with the new addresses).
   */
  processBlock(block: BlockInfo, logs: RawLog[], transactions: Map<string, TransactionInfo>): { error: IndexingError | null; newDataSources: boolean } {
    const number = Number(block.number);
    this.state.beginBlock(number, block.timestamp);
    const createdHere: CreatedDataSource[] = [];
    const sorted = [...logs].sort((a, b) => a.logIndex - b.logIndex);
    let events = 0;
    for (const log of sorted) {
      const sources = this.byAddress.get(log.address.toLowerCase());
      if (!sources) continue;
      for (const source of sources) {
        if (number < source.def.startBlock) continue;
        const handler = source.def.handlers.get(log.topics[0]?.toLowerCase() ?? "");
        if (!handler) continue;
        const tx = transactions.get(log.transactionHash.toLowerCase());
        if (!tx) throw new Error(`block ${number}: transaction ${log.transactionHash} of log ${log.logIndex} is missing from the block body`);
        const params = decodeParams(handler.abiEvent, log);
        const info: EventInfo = {
          address: log.address.toLowerCase(),
          logIndex: BigInt(log.logIndex),
          // The RPC does not report a log's index within its transaction; graph-node falls back to logIndex too.
          transactionLogIndex: BigInt(log.logIndex),
          block,
          transaction: tx,
          params,
        };
        const ctx = this.context(source, number, createdHere);
        try {
          this.module(source.def).call(handler.handler, ctx, (mem) => writeEvent(mem, info));
        } catch (error) {
          this.state.discardBlock();
          const handlerName = error instanceof MappingError ? error.handler : handler.handler;
          return {
            error: { block: number, handler: `${source.def.name}.${handlerName}`, message: (error as Error).message },
            newDataSources: false,
          };
        }
        events++;
      }
    }
    this.state.commitBlock();
    this.eventsProcessed += events;
    for (const ds of createdHere) {
      this.activate(this.manifest.templates.get(ds.template)!, ds.address, (ds.context as EntityData | null) ?? null);
      this.created.push(ds);
    }
    this.committedBlocks.push({ number, hash: block.hash, parentHash: block.parentHash, timestamp: block.timestamp });
    return { error: null, newDataSources: createdHere.length > 0 };
  }

  private context(source: ActiveDataSource, block: number, createdHere: CreatedDataSource[]): HandlerContext {
    const state = this.state;
    return {
      get: (e, id) => state.get(e, id),
      getInBlock: (e, id) => state.getInBlock(e, id),
      loadRelated: (e, id, f) => state.loadRelated(e, id, f),
      set: (e, id, d) => state.set(e, id, d),
      remove: (e, id) => state.remove(e, id),
      dataSourceAddress: source.address,
      dataSourceContext: source.context,
      network: source.def.network,
      createDataSource: (template, params, context) => {
        if (!this.manifest.templates.has(template)) {
          throw new Error(`dataSource.create: template ${template} is not declared under templates in subgraph.yaml`);
        }
        const address = params[0];
        if (!address || !/^0x[0-9a-fA-F]{40}$/.test(address)) throw new Error(`dataSource.create(${template}): expected an address parameter, got ${address}`);
        createdHere.push({ block, template, address: address.toLowerCase(), context });
      },
      log: (level, message) => this.logger(level, `[${source.def.name}] ${message}`),
    };
  }
}
