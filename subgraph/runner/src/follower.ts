/**
 * Follows the node: each poll first checks that the last indexed block is still on the chain (by hash),
 * rolling back to the newest recorded block that still is; then fetches logs of the watched addresses in
 * ranges, runs the blocks that carry them, and flushes each range to the store in one transaction.
 */
import { BlockNotFoundError, createPublicClient, http, ResponseBodyTooLargeError, type Block, type Hex, type PublicClient, type Transaction } from "viem";
import type { BlockInfo, TransactionInfo } from "./ethereum.js";
import type { EntityState } from "./entity-state.js";
import type { Indexer, RawLog } from "./indexer.js";
import type { BlockPtr, IndexingError, PgStore } from "./pg-store.js";

const RANGE = 2000;
/**
 * A range is flushed early once this many entity versions wait in memory: during catch-up a range of busy blocks
 * holds hundreds of thousands of them, and every major GC would walk them all (and RSS would grow with the range).
 */
export const FLUSH_CHANGES = 20_000;

type RpcLog = { address: string; topics: string[]; data: string; logIndex: string; blockNumber: string; blockHash: string; transactionHash: string; transactionIndex: string };

/** A refusal for size: viem's response-body limit, or a node's cap on results or response size. */
function tooManyLogs(error: unknown): boolean {
  if (error instanceof ResponseBodyTooLargeError) return true;
  const text = `${(error as Error)?.message ?? ""} ${(error as { details?: string })?.details ?? ""}`;
  return /more than \d+ results|response size|too large|too many|exceed/i.test(text);
}

export interface FollowerStatus {
  head: BlockPtr | null;
  error: IndexingError | null;
}

export function blockInfo(b: Block): BlockInfo {
  return {
    hash: b.hash!,
    parentHash: b.parentHash,
    number: b.number!,
    timestamp: b.timestamp,
    author: b.miner,
    gasUsed: b.gasUsed,
    gasLimit: b.gasLimit,
    stateRoot: b.stateRoot,
    transactionsRoot: b.transactionsRoot,
    receiptsRoot: b.receiptsRoot,
    unclesHash: b.sha3Uncles,
    difficulty: b.difficulty,
    totalDifficulty: b.totalDifficulty ?? 0n,
    size: b.size,
    baseFeePerGas: b.baseFeePerGas ?? null,
  };
}

export function transactionInfo(t: Transaction): TransactionInfo {
  return {
    hash: t.hash,
    index: BigInt(t.transactionIndex ?? 0),
    from: t.from,
    to: t.to ?? null,
    value: t.value,
    gasLimit: t.gas,
    gasPrice: t.gasPrice ?? 0n,
    input: t.input,
    nonce: BigInt(t.nonce),
  };
}

/**
 * Hands committed blocks to the store with one write in flight: the store's thread writes a range while the mappings
 * run the next. The follower and the throughput replay both flush through it.
 */
export class FlushPipeline {
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: PgStore,
    private readonly indexer: Indexer,
    private readonly state: EntityState,
    private readonly onWritten: (head: BlockPtr) => void = () => {},
  ) {}

  /**
   * Hands over what is committed once the previous hand-over is written. Without `wait` it returns at once, so the
   * mappings run on while the store's thread writes; a failed write surfaces at the next call.
   */
  async flush(error: IndexingError | null, wait: boolean): Promise<void> {
    await this.inFlight;
    const { blocks, dataSources } = this.indexer.takeCommitted();
    const written = this.store.flush(this.state.takeChanges(), blocks, error, dataSources).then(() => {
      if (blocks.length > 0) this.onWritten(blocks[blocks.length - 1]!);
    });
    written.catch(() => {}); // observed by the next call, which awaits it
    this.inFlight = written;
    if (wait) await written;
  }
}

export class Follower {
  readonly client: PublicClient;
  private head: BlockPtr | null = null;
  private error: IndexingError | null = null;
  private readonly pipeline: FlushPipeline;
  rollbacks = 0;

  constructor(
    rpcUrl: string,
    private readonly indexer: Indexer,
    private readonly state: EntityState,
    private readonly store: PgStore,
  ) {
    this.pipeline = new FlushPipeline(store, indexer, state, (head) => (this.head = head));
    // cacheTime 0: viem otherwise serves eth_blockNumber from a 4 s cache and polls would miss fresh blocks.
    // Retries: a busy node (timeouts, 5xx, a dropped keep-alive socket) must cost a delay, not a failed poll.
    this.client = createPublicClient({ transport: http(rpcUrl, { batch: false, retryCount: 3 }), cacheTime: 0 }) as PublicClient;
  }

  async init(): Promise<void> {
    this.head = await this.store.head();
    this.error = await this.store.indexingError();
    for (const ds of await this.store.dataSources()) this.indexer.restoreDataSource(ds.template, ds.address);
    const { current, seriesIds } = await this.store.loadCurrent();
    this.state.reset(current, seriesIds);
  }

  status(): FollowerStatus {
    return { head: this.head, error: this.error };
  }

  private async chainHash(number: number): Promise<string | null> {
    try {
      const b = await this.client.getBlock({ blockNumber: BigInt(number) });
      return b.hash;
    } catch (error) {
      // Only "no such block" means the chain got shorter. Any other failure must abort the poll: read as a
      // missing block, one dropped request at the head would roll back and re-index a block that never changed.
      if (error instanceof BlockNotFoundError) return null;
      throw error;
    }
  }

  /** Returns true if a rollback happened. */
  private async checkReorg(): Promise<boolean> {
    if (!this.head) return false;
    if ((await this.chainHash(this.head.number)) === this.head.hash) return false;
    let ancestor = this.indexer.startBlock() - 1;
    let below = this.head.number;
    search: for (;;) {
      const recorded = await this.store.recentBlocks(below, 64);
      if (recorded.length === 0) break;
      for (const r of recorded) {
        if ((await this.chainHash(r.number)) === r.hash) {
          ancestor = r.number;
          break search;
        }
      }
      below = recorded[recorded.length - 1]!.number;
    }
    await this.store.rollback(ancestor);
    this.head = await this.store.head();
    this.error = await this.store.indexingError();
    const { current, seriesIds } = await this.store.loadCurrent();
    this.state.reset(current, seriesIds);
    this.rollbacks++;
    return true;
  }

  /** Index everything the node has now. Returns the number of blocks advanced. */
  async poll(): Promise<number> {
    await this.checkReorg();
    if (this.error) return 0;
    const latest = Number(await this.client.getBlockNumber());
    let from = Math.max(this.head ? this.head.number + 1 : 0, this.indexer.startBlock());
    const start = from;
    while (from <= latest && !this.error) {
      const to = Math.min(latest, from + RANGE - 1);
      from = await this.indexRange(from, to);
    }
    // Caught up with the node: vacuum and refresh the planner's statistics for the queries (cheap when nothing grew much).
    if (from > start) await this.store.analyze();
    return from - start;
  }

  /**
   * The logs of [from, to], or of a shorter range [from, to'] when the node (or the transport's body limit) refuses
   * this many at once: the range halves until the answer fits, as graph-node narrows its ranges.
   */
  private async fetchLogs(from: number, to: number): Promise<{ to: number; logs: RpcLog[] }> {
    for (;;) {
      try {
        const logs = (await this.client.request({
          method: "eth_getLogs",
          params: [{ address: this.indexer.addresses() as Hex[], fromBlock: `0x${from.toString(16)}`, toBlock: `0x${to.toString(16)}` }],
        })) as RpcLog[];
        return { to, logs };
      } catch (error) {
        if (to > from && tooManyLogs(error)) {
          to = from + Math.floor((to - from) / 2);
          continue;
        }
        throw error;
      }
    }
  }

  /** Returns the next block to index. */
  private async indexRange(from: number, wanted: number): Promise<number> {
    const { to, logs } = await this.fetchLogs(from, wanted);
    const byBlock = new Map<number, RawLog[]>();
    for (const l of logs) {
      const n = Number(l.blockNumber);
      let list = byBlock.get(n);
      if (!list) byBlock.set(n, (list = []));
      list.push({ address: l.address, topics: l.topics, data: l.data, logIndex: Number(l.logIndex), transactionHash: l.transactionHash, transactionIndex: Number(l.transactionIndex) });
    }
    let next = to + 1;
    let error: IndexingError | null = null;
    for (const number of [...byBlock.keys()].sort((a, b) => a - b)) {
      const block = await this.client.getBlock({ blockNumber: BigInt(number), includeTransactions: true });
      const txs = new Map(block.transactions.map((t) => [t.hash.toLowerCase(), transactionInfo(t as Transaction)]));
      const result = this.indexer.processBlock(blockInfo(block as Block), byBlock.get(number)!, txs);
      if (result.error) {
        error = result.error;
        next = number;
        break;
      }
      if (result.newDataSources) {
        next = number + 1;
        break;
      }
      if (this.state.unflushedCount() >= FLUSH_CHANGES) await this.pipeline.flush(null, false);
    }
    if (!error && next === to + 1) {
      // Record the range end, so the next poll's reorg check has a recent hash even without events.
      const end = await this.client.getBlock({ blockNumber: BigInt(to) });
      this.indexer.markBlock({ number: to, hash: end.hash, parentHash: end.parentHash, timestamp: end.timestamp });
    }
    await this.pipeline.flush(error, true);
    if (error) this.error = error;
    return next;
  }
}
