/**
 * Mapping unit tests without a chain, in the spirit of matchstick: load the compiled wasm, feed it
 * synthetic events (encoded to real logs and decoded again, as the follower would), and assert on the
 * store. `describe`/`test` collect cases; `runTests()` runs them and prints `N passed, N failed`.
 *
 *   const m = loadMapping("subgraph/build");
 *   describe("transfers", () => {
 *     test("credits the receiver", () => {
 *       m.emit("TestUSDC", "Transfer", { from, to, value: 5n });
 *       assert.fieldEquals("Account", to, "balance", "5");
 *     });
 *   });
 *   await runTests();
 */
import { readFileSync } from "node:fs";
import { encodeAbiParameters, encodeEventTopics, type Hex } from "viem";
import { EntityState } from "./entity-state.js";
import { syntheticBlock, type TransactionInfo } from "./ethereum.js";
import { Indexer } from "./indexer.js";
import { loadManifest } from "./manifest.js";
import { parseSchema } from "./schema.js";
import { displayValue, type EntityData } from "./values.js";
import type { IndexingError } from "./pg-store.js";

export interface EmitOptions {
  address?: string;
  block?: number;
  timestamp?: bigint;
  logIndex?: number;
  txHash?: string;
  txFrom?: string;
}

export class MappingAbort extends Error {
  constructor(readonly failure: IndexingError) {
    super(`${failure.handler} failed at block ${failure.block}: ${failure.message}`);
  }
}

export class MappingHarness {
  readonly state: EntityState;
  private indexer: Indexer;
  private nextBlock = 1;
  private nextTimestamp = 1_700_000_000n;
  readonly logs: string[] = [];

  constructor(readonly buildDir: string) {
    const manifest = loadManifest(buildDir);
    this.state = new EntityState(parseSchema(readFileSync(manifest.schemaPath, "utf8")));
    this.indexer = new Indexer(manifest, this.state, (level, msg) => this.logs.push(`${level}: ${msg}`));
  }

  /** Forget all entities, like matchstick's clearStore(). */
  clearStore(): void {
    this.state.reset(new Map([...this.state.schema.entities.values()].filter((e) => !e.timeseries && !e.aggregation).map((e) => [e.name, new Map()])), new Map());
  }

  /** Run the handler for `eventName` of data source `dataSource` on one synthetic log in its own block. */
  emit(dataSource: string, eventName: string, args: Record<string, unknown>, opts: EmitOptions = {}): void {
    const ds = this.indexer.manifest.dataSources.find((d) => d.name === dataSource) ?? this.indexer.manifest.templates.get(dataSource);
    if (!ds) throw new Error(`no data source or template named ${dataSource} in the manifest`);
    const handler = [...ds.handlers.values()].find((h) => h.abiEvent.name === eventName);
    if (!handler) throw new Error(`data source ${dataSource} has no handler for event ${eventName}`);
    const event = handler.abiEvent;
    const topics = encodeEventTopics({ abi: [event], eventName, args: args as never }) as string[];
    const dataInputs = event.inputs.filter((i) => !i.indexed);
    const data = encodeAbiParameters(dataInputs, dataInputs.map((i) => args[i.name ?? ""]));
    const number = opts.block ?? this.nextBlock;
    this.nextBlock = number + 1;
    const timestamp = opts.timestamp ?? this.nextTimestamp;
    this.nextTimestamp = timestamp + 12n;
    const txHash = (opts.txHash ?? `0xfe${number.toString(16).padStart(62, "0")}`).toLowerCase();
    const tx: TransactionInfo = {
      hash: txHash,
      index: 0n,
      from: opts.txFrom ?? `0x${"11".repeat(20)}`,
      to: opts.address ?? ds.address ?? null,
      value: 0n,
      gasLimit: 1_000_000n,
      gasPrice: 1n,
      input: "0x",
      nonce: 0n,
    };
    const address = opts.address ?? ds.address;
    if (!address) throw new Error(`template ${dataSource} needs opts.address`);
    const result = this.indexer.processBlock(
      syntheticBlock(BigInt(number), timestamp),
      [{ address, topics, data: data as Hex, logIndex: opts.logIndex ?? 0, transactionHash: txHash, transactionIndex: 0 }],
      new Map([[txHash, tx]]),
    );
    this.state.takeChanges();
    this.indexer.takeCommitted();
    if (result.error) throw new MappingAbort(result.error);
  }

  entity(entity: string, id: string): EntityData | null {
    return this.state.peek(entity, id.toLowerCase().startsWith("0x") ? id.toLowerCase() : id);
  }
}

// --- matchstick-style registry and assertions -----------------------------------------------------

interface Case {
  name: string;
  fn: () => void | Promise<void>;
  shouldFail: boolean;
}

let prefix: string[] = [];
const cases: Case[] = [];
let current: MappingHarness | null = null;

/** Load a `graph build` output folder; later assertions read this harness's store. */
export function loadMapping(buildDir: string): MappingHarness {
  current = new MappingHarness(buildDir);
  return current;
}

export function describe(name: string, fn: () => void): void {
  prefix.push(name);
  try {
    fn();
  } finally {
    prefix = prefix.slice(0, -1);
  }
}

export function test(name: string, fn: () => void | Promise<void>, shouldFail = false): void {
  cases.push({ name: [...prefix, name].join(" > "), fn, shouldFail });
}

function harness(): MappingHarness {
  if (!current) throw new Error("call loadMapping(buildDir) before asserting on the store");
  return current;
}

function render(v: unknown): string {
  return Array.isArray(v) ? `[${v.map(render).join(", ")}]` : String(v);
}

export const assert = {
  /** Compares the field's graph-node display form (BigInt as decimal, Bytes as hex, lists as `[a, b]`). */
  fieldEquals(entity: string, id: string, field: string, expected: string): void {
    const data = harness().entity(entity, id);
    if (!data) throw new Error(`assert.fieldEquals: ${entity}[${id}] is not in the store`);
    const v = data.get(field);
    const actual = v ? render(displayValue(v)) : "null";
    if (actual !== expected) throw new Error(`assert.fieldEquals: ${entity}[${id}].${field} is ${actual}, expected ${expected}`);
  },
  notInStore(entity: string, id: string): void {
    if (harness().entity(entity, id)) throw new Error(`assert.notInStore: ${entity}[${id}] is in the store`);
  },
  entityCount(entity: string, expected: number): void {
    const n = harness().state.count(entity);
    if (n !== expected) throw new Error(`assert.entityCount: ${entity} has ${n} entities, expected ${expected}`);
  },
  equals(actual: unknown, expected: unknown): void {
    if (render(actual) !== render(expected)) throw new Error(`assert.equals: ${render(actual)} != ${render(expected)}`);
  },
  /** The call must fail in the mapping (abort, assert, host error), optionally with a message fragment. */
  aborts(fn: () => void, fragment?: string): void {
    try {
      fn();
    } catch (error) {
      if (!(error instanceof MappingAbort)) throw error;
      if (fragment && !error.message.includes(fragment)) throw new Error(`assert.aborts: message "${error.message}" lacks "${fragment}"`);
      return;
    }
    throw new Error("assert.aborts: the handler did not fail");
  },
};

/** Run the registered cases, print each and the `N passed, N failed` line, and clear the registry. */
export async function runTests(out: (line: string) => void = console.log): Promise<{ passed: number; failed: number }> {
  let passed = 0;
  let failed = 0;
  for (const c of cases.splice(0)) {
    let error: unknown = null;
    try {
      await c.fn();
    } catch (e) {
      error = e;
    }
    const ok = c.shouldFail ? error !== null : error === null;
    if (ok) passed++;
    else failed++;
    out(`${ok ? "✔" : "✘"} ${c.name}${ok || !error ? "" : `: ${(error as Error).message}`}${!ok && c.shouldFail ? " (expected a failure)" : ""}`);
  }
  out(`${passed} passed, ${failed} failed`);
  return { passed, failed };
}
