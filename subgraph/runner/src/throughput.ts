/**
 * Indexing throughput without the RPC: replays a list of logs (e.g. fetched once from a long scenario on
 * the node) through the mappings and the PGlite store, flushing every `batchBlocks` blocks as the follower
 * does during catch-up. Reports events/s on wall time and on this process's CPU time, and peak RSS.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EntityState } from "./entity-state.js";
import { syntheticBlock, type BlockInfo, type TransactionInfo } from "./ethereum.js";
import { Indexer, type RawLog } from "./indexer.js";
import { loadManifest } from "./manifest.js";
import { FlushPipeline } from "./follower.js";
import { PgStore } from "./pg-store.js";
import { loadCustomIndexes } from "./custom-indexes.js";
import { parseSchema } from "./schema.js";

export interface ReplayBlock {
  block: BlockInfo;
  logs: RawLog[];
  transactions: Map<string, TransactionInfo>;
}

export interface ThroughputResult {
  events: number;
  blocks: number;
  seconds: number;
  eventsPerSecond: number;
  eventsPerCpuSecond: number;
  peakRssMb: number;
  /** Wall seconds inside the mappings (processBlock), and the mappings' wait for the store: encoding a range, and
   * waiting for the previous range's write to finish before handing over the next (the writes themselves run on the
   * store's thread, beside the mappings). */
  mappingSeconds: number;
  flushSeconds: number;
  /** Wall seconds of the final VACUUM and ANALYZE (included in `seconds`). */
  analyzeSeconds: number;
}

export async function measureThroughput(options: { subgraphDir: string; dbDir: string | null; blocks: Iterable<ReplayBlock> | AsyncIterable<ReplayBlock>; batchBlocks?: number; flushChanges?: number }): Promise<ThroughputResult> {
  const manifest = loadManifest(join(options.subgraphDir, "build"));
  const schema = parseSchema(readFileSync(manifest.schemaPath, "utf8"));
  const store = await PgStore.open(options.dbDir, schema, loadCustomIndexes(options.subgraphDir, schema));
  const state = new EntityState(schema, store);
  const indexer = new Indexer(manifest, state);
  const batch = options.batchBlocks ?? 500;
  let peakRss = process.memoryUsage().rss;
  let blocks = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let mapping = 0;
  let flushing = 0;
  const pipeline = new FlushPipeline(store, indexer, state);
  const flush = async (wait: boolean) => {
    const f0 = performance.now();
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    await pipeline.flush(null, wait);
    flushing += performance.now() - f0;
  };
  for await (const b of options.blocks) {
    const m0 = performance.now();
    const result = indexer.processBlock(b.block, b.logs, b.transactions);
    mapping += performance.now() - m0;
    if (result.error) throw new Error(`replay stopped at block ${result.error.block}: ${result.error.handler}: ${result.error.message}`);
    if (++blocks % batch === 0 || state.unflushedCount() >= (options.flushChanges ?? Infinity)) await flush(false);
    else if (blocks % 16 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }
  await flush(true);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  // As the follower does once caught up: vacuum and statistics for the planner, so the store is ready for queries.
  const a0 = performance.now();
  await store.analyze();
  const analyzeSeconds = (performance.now() - a0) / 1000;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await store.close();
  const events = indexer.eventsProcessed;
  return {
    events,
    blocks,
    seconds,
    eventsPerSecond: events / seconds,
    eventsPerCpuSecond: events / ((cpu.user + cpu.system) / 1e6),
    peakRssMb: peakRss / 2 ** 20,
    mappingSeconds: mapping / 1000,
    flushSeconds: flushing / 1000,
    analyzeSeconds,
  };
}

/** A synthetic block carrying `logs`, for replays built without a node. */
export function replayBlock(number: number, timestamp: bigint, logs: RawLog[], from: string): ReplayBlock {
  const transactions = new Map<string, TransactionInfo>();
  for (const l of logs) {
    transactions.set(l.transactionHash.toLowerCase(), {
      hash: l.transactionHash.toLowerCase(),
      index: BigInt(l.transactionIndex),
      from,
      to: l.address,
      value: 0n,
      gasLimit: 1_000_000n,
      gasPrice: 1n,
      input: "0x",
      nonce: 0n,
    });
  }
  return { block: syntheticBlock(BigInt(number), timestamp), logs, transactions };
}
