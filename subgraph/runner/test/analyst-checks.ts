/**
 * What each README analyst query must answer, worked out independently of the subgraph: from the contracts' views
 * (at the head, at the block of an entity's last event, or at the last block of an aggregation bucket) and from the
 * chain's own event logs. `variablesFor` picks the query variables from the chain; `checkAnalystQuery` returns one
 * line per difference.
 */
import type { Abi, Address } from "viem";
import type { Protocol } from "../../../scripts/lib/protocol.js";
import { GPU_CLASSES } from "../../../scripts/lib/protocolConfig.js";
import { RAY } from "../../../scripts/lib/rates.js";
import type { TestChain } from "./chain.js";
import { blocksByTimestamp, bucketOf, Mismatches, type Gql } from "./reconcile.js";

const WAD = 10n ** 18n;
const MAX = 2n ** 256n - 1n;
const DAY = 86_400n;
const HOUR = 3_600n;
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
const rMulUp = (x: bigint, y: bigint) => (x * y + RAY - 1n) / RAY;
const BUCKETS = ["below100", "from100To110", "from110To125", "from125To150", "from150To200", "above200"] as const;

type Log = { blockNumber: bigint; transactionHash: string; logIndex: number; args: any; ts: bigint };

export class QueryContext {
  private logCache = new Map<string, Log[]>();
  /** Block timestamps by number, and block numbers by timestamp. */
  tsOf = new Map<bigint, bigint>();
  blockOf = new Map<bigint, bigint>();
  headTs = 0n;

  private constructor(
    readonly p: Protocol,
    readonly chain: TestChain,
    readonly gql: Gql,
    readonly head: bigint,
  ) {}

  static async create(p: Protocol, chain: TestChain, gql: Gql, head: bigint): Promise<QueryContext> {
    const ctx = new QueryContext(p, chain, gql, head);
    for (const [ts, block] of await blocksByTimestamp(chain, Number(head))) {
      ctx.tsOf.set(block, BigInt(ts));
      ctx.blockOf.set(BigInt(ts), block);
    }
    ctx.headTs = ctx.tsOf.get(head)!;
    return ctx;
  }

  contract(name: string): { address: Address; abi: Abi } {
    const p = this.p;
    const map: Record<string, { address: Address; abi: Abi }> = {
      CreditEngine: p.engine,
      FleetOracle: p.oracle,
      FleetRegistry: p.registry,
      PegStabilityModule: p.psm,
      SavingsVault: p.savings,
      Reserve: p.reserve,
      LiquidationAuction: p.auction,
      GPUSD: p.gpusd,
      ProtocolAccessManager: p.authority,
    };
    return map[name]!;
  }

  /** Decoded logs of one event up to the head, oldest first, with their block timestamps. */
  async events(contract: string, eventName: string): Promise<Log[]> {
    const key = `${contract}.${eventName}`;
    let logs = this.logCache.get(key);
    if (!logs) {
      const c = this.contract(contract);
      const raw = (await this.p.publicClient.getContractEvents({ address: c.address, abi: c.abi, eventName: eventName as never, fromBlock: 0n, toBlock: this.head })) as unknown as Omit<Log, "ts">[];
      logs = raw.map((l) => ({ ...l, ts: this.tsOf.get(l.blockNumber)! }));
      this.logCache.set(key, logs);
    }
    return logs;
  }

  /** The last block whose timestamp is before `end` [s]. */
  lastBlockBefore(end: bigint): bigint {
    let best = 0n;
    for (const [block, ts] of this.tsOf) if (ts < end && block > best) best = block;
    return best;
  }

  /** A vault's class as the engine recorded it at a block. */
  async classAt(vaultId: bigint, block: bigint): Promise<number> {
    return (await this.p.engine.read.vault([vaultId], { blockNumber: block })).classId;
  }
}

/** Variables for the parameterized queries, chosen from the chain so every run has something to show. */
export async function variablesFor(n: number, ctx: QueryContext): Promise<Record<string, unknown> | undefined> {
  if (n === 2) {
    // The 30 days up to the head's day, in microseconds as graph-node's Timestamp.
    const today = (ctx.headTs / DAY) * DAY;
    return { since: String((today - 30n * DAY) * 1_000_000n) };
  }
  if (n === 14) {
    // The vault of the last borrow, at the block of that borrow.
    const last = (await ctx.events("CreditEngine", "Borrowed")).at(-1)!;
    return { id: String(last.args.vaultId), block: Number(last.blockNumber) };
  }
  return undefined;
}

/** Bucket boundaries of an aggregation row: [start, end) in seconds. */
function bucket(row: { timestamp: string }, width: bigint): [bigint, bigint] {
  const start = BigInt(row.timestamp) / 1_000_000n;
  return [start, start + width];
}

const sum = (logs: Log[], f: (l: Log) => bigint) => logs.reduce((s, l) => s + f(l), 0n);
const within = (logs: Log[], [start, end]: [bigint, bigint]) => logs.filter((l) => l.ts >= start && l.ts < end);

/** Completed buckets only, newest first, on the interval's grid, from `since` on. */
function checkBuckets(m: Mismatches, path: string, rows: { timestamp: string }[], width: bigint, ctx: QueryContext, since = 0n): void {
  const current = (ctx.headTs / width) * width;
  let previous: bigint | null = null;
  for (const row of rows) {
    const [start] = bucket(row, width);
    if (start % width !== 0n) m.fail(`${path}: bucket ${row.timestamp} is not on the ${width} s grid`);
    if (start >= current) m.fail(`${path}: bucket ${row.timestamp} is not complete yet (the head is at ${ctx.headTs})`);
    if (start * 1_000_000n < since) m.fail(`${path}: bucket ${row.timestamp} is before $since`);
    if (previous !== null && start >= previous) m.fail(`${path}: buckets are not newest first`);
    previous = start;
  }
}

/** A vault's debt, value and health from the engine's views at the block of its last event (as the subgraph keeps them). */
async function vaultAt(ctx: QueryContext, vaultId: bigint, block: bigint) {
  const p = ctx.p;
  const at = { blockNumber: block };
  const v = await p.engine.read.vault([vaultId], at);
  const debt = await p.engine.read.debtOf([vaultId], at);
  const value = v.fleetId === 0 ? 0n : (await p.oracle.read.liquidationValue([BigInt(v.fleetId)], at))[0];
  const h = v.fleetId === 0 ? MAX : await p.engine.read.healthOf([vaultId], at);
  const health = h === MAX ? null : h;
  return { v, debt, value, health, bucket: bucketOf(health) };
}

/** lastUpdatedBlockNumber of every vault, as of `block` (time travel) or the head. */
async function lastUpdates(ctx: QueryContext, block?: bigint): Promise<Map<string, { b: bigint; closed: boolean }>> {
  const arg = block === undefined ? "" : `, block: { number: ${block} }`;
  const data = await ctx.gql(`{ vaults(first: 1000${arg}) { id closed lastUpdatedBlockNumber } }`);
  return new Map(data.vaults.map((v: { id: string; closed: boolean; lastUpdatedBlockNumber: string }) => [v.id, { b: BigInt(v.lastUpdatedBlockNumber), closed: v.closed }]));
}

const className = (classId: number) => GPU_CLASSES.find((c) => c.classId === classId)!.name;

export async function checkAnalystQuery(n: number, data: any, ctx: QueryContext, variables?: Record<string, unknown>): Promise<{ mismatches: string[]; checks: number }> {
  const m = new Mismatches();
  const p = ctx.p;
  const at = { blockNumber: ctx.head };
  const q = `query ${n}`;
  const openVaults = async (block = ctx.head) => {
    const last = await p.engine.read.lastVaultId({ blockNumber: block });
    const out: { id: bigint; v: Awaited<ReturnType<typeof p.engine.read.vault>> }[] = [];
    for (let id = 1n; id <= last; id++) {
      const v = await p.engine.read.vault([id], { blockNumber: block });
      if (v.owner !== ZERO_ADDRESS) out.push({ id, v });
    }
    return out;
  };
  /** Auctions from the logs: class, cause, debt, tips, resets, the take and its loss split. */
  const auctionsFromLogs = async () => {
    const kicks = await ctx.events("LiquidationAuction", "Kicked");
    const redos = await ctx.events("LiquidationAuction", "Redone");
    const takes = await ctx.events("LiquidationAuction", "Taken");
    const settles = await ctx.events("LiquidationAuction", "LossSettled");
    const seizures = await ctx.events("CreditEngine", "Seized");
    const out = [];
    for (const k of kicks) {
      const id = k.args.auctionId as bigint;
      const seized = seizures.find((s) => s.transactionHash === k.transactionHash)!;
      const classId = await ctx.classAt(k.args.vaultId, k.blockNumber - 1n);
      const myRedos = redos.filter((r) => r.args.auctionId === id);
      const take = takes.find((t) => t.args.auctionId === id);
      const settle = settles.find((s) => s.args.auctionId === id);
      const running = await p.auction.read.auction([id], at);
      out.push({
        id,
        classId,
        kick: k,
        redos: myRedos,
        take,
        settle,
        cause: seized.args.unhealthy && seized.args.missedPayment ? "both" : seized.args.unhealthy ? "unhealthy" : "missedPayment",
        tab: take ? (take.args.tab as bigint) : running.tab,
        tips: (k.args.tip as bigint) + sum(myRedos, (r) => r.args.tip),
      });
    }
    return out;
  };

  switch (n) {
    case 1: {
      // Every class; in each, the vaults whose health (as of their last event) is under 1.1, lowest first.
      const updates = await lastUpdates(ctx);
      const vaults = await openVaults();
      m.eq(`${q} classes`, GPU_CLASSES.map((c) => c.classId).join(","), data.collateralClasses.map((c: any) => c.classId).join(","));
      for (const row of data.collateralClasses) {
        m.eq(`${q} class ${row.classId} name`, className(row.classId), row.gpuModel.name);
        const expected = [];
        for (const { id, v } of vaults.filter((x) => x.v.classId === row.classId && x.v.normDebt > 0n)) {
          const b = updates.get(String(id))!.b;
          const s = await vaultAt(ctx, id, b);
          if (s.health !== null && s.health < 11n * 10n ** 17n) expected.push({ id, b, ...s });
        }
        expected.sort((a, b) => (a.health! < b.health! ? -1 : a.health! > b.health! ? 1 : 0));
        m.eq(`${q} class ${row.classId} vaults`, expected.map((e) => e.id).join(","), row.vaults.map((x: any) => x.id).join(","));
        for (const [i, e] of expected.entries()) {
          const r = row.vaults[i];
          if (!r) continue;
          const path = `${q} vault ${e.id}`;
          m.eq(`${path}.owner`, e.v.owner, r.owner.id);
          m.eq(`${path}.fleet`, String(e.v.fleetId), r.fleet.id);
          m.eq(`${path}.fleet.gpuCount`, (await p.registry.read.fleet([BigInt(e.v.fleetId)], at)).gpuCount, r.fleet.gpuCount);
          m.eq(`${path}.debt`, e.debt, r.debt);
          m.eq(`${path}.collateralValue`, e.value, r.collateralValue);
          m.eq(`${path}.health`, e.health, r.health);
          m.eq(`${path}.healthBucket`, e.bucket, r.healthBucket);
          m.eq(`${path}.lastUpdatedTimestamp`, ctx.tsOf.get(e.b), r.lastUpdatedTimestamp);
        }
      }
      break;
    }
    case 2: {
      const rows = data.protocolStats_collection;
      checkBuckets(m, q, rows, DAY, ctx, BigInt(variables!.since as string));
      const badDebt = await ctx.events("LiquidationAuction", "BadDebt");
      const settles = await ctx.events("LiquidationAuction", "LossSettled");
      for (const row of rows) {
        const b = bucket(row, DAY);
        const e = { blockNumber: ctx.lastBlockBefore(b[1]) };
        const path = `${q} day ${b[0]}`;
        m.eq(`${path}.reserveBuffer (buffer() at the day's last block)`, await p.reserve.read.buffer(e), row.reserveBuffer);
        m.eq(`${path}.reserveCommitted`, await p.reserve.read.totalCommitted(e), row.reserveCommitted);
        m.eq(`${path}.totalBadDebt`, await p.auction.read.totalBadDebt(e), row.totalBadDebt);
        m.eq(`${path}.totalImpaired`, await p.savings.read.totalImpaired(e), row.totalImpaired);
        m.eq(`${path}.badDebtUSD (Σ BadDebt)`, sum(within(badDebt, b), (l) => l.args.amount), row.badDebtUSD);
        m.eq(`${path}.reserveCoveredUSD (Σ LossSettled)`, sum(within(settles, b), (l) => l.args.coveredByReserve), row.reserveCoveredUSD);
        m.eq(`${path}.saversAbsorbedUSD (Σ LossSettled)`, sum(within(settles, b), (l) => l.args.absorbedBySavers), row.saversAbsorbedUSD);
        if (BigInt(row.minReserveBuffer) > BigInt(row.reserveBuffer)) m.fail(`${path}: minReserveBuffer above the day's last buffer`);
        if (BigInt(row.maxImpaired) < BigInt(row.totalImpaired)) m.fail(`${path}: maxImpaired below the day's last impairment`);
      }
      break;
    }
    case 3: {
      const fleetId = 3n;
      const valued = (await ctx.events("FleetOracle", "FleetValued")).filter((l) => l.args.fleetId === fleetId);
      const rounds = await ctx.events("FleetOracle", "RoundSubmitted");
      const clamps = await ctx.events("FleetOracle", "IncreaseClamped");
      const onboarded = (await ctx.events("FleetRegistry", "FleetOnboarded")).find((l) => l.args.fleetId === fleetId)!;
      const gpuCount = BigInt(onboarded.args.gpuCount);
      const rows = data.fleetValuations;
      m.eq(`${q} count`, Math.min(valued.length, 100), rows.length);
      let previous = 0n;
      for (const [i, l] of valued.slice(0, 100).entries()) {
        const r = rows[i];
        if (!r) break;
        const path = `${q} valuation ${i}`;
        const round = rounds.find((x) => x.transactionHash === l.transactionHash)!;
        const clamp = clamps.find((x) => x.transactionHash === l.transactionHash && x.args.fleetId === fleetId);
        m.eq(`${path}.round`, round.args.roundId, r.round.roundId);
        m.eq(`${path}.round.signers`, (round.args.signers as string[]).map((s) => s.toLowerCase()).join(","), r.round.signers.join(","));
        m.eq(`${path}.observedAt`, round.args.observedAt, r.observedAt);
        m.eq(`${path}.value`, l.args.value, r.value);
        m.eq(`${path}.valuePerGpu`, (l.args.value as bigint) / gpuCount, r.valuePerGpu);
        m.eq(`${path}.change`, (l.args.value as bigint) - previous, r.change);
        m.eq(`${path}.priorValue`, l.args.priorValue, r.priorValue);
        m.eq(`${path}.maturesAt`, l.args.maturesAt, r.maturesAt);
        m.eq(`${path}.throughputBps`, l.args.throughputBps, r.throughputBps);
        m.eq(`${path}.utilizationBps`, l.args.utilizationBps, r.utilizationBps);
        m.eq(`${path}.healthFlags`, l.args.healthFlags, r.healthFlags);
        m.eq(`${path}.freshGpus`, l.args.freshGpus, r.freshGpus);
        m.eq(`${path}.gpuCount`, gpuCount, r.gpuCount);
        m.eq(`${path}.clamped`, clamp !== undefined, r.clamped);
        m.eq(`${path}.reportedValue`, clamp ? clamp.args.reported : null, r.reportedValue);
        previous = l.args.value;
      }
      break;
    }
    case 4: {
      const queued = await ctx.events("PegStabilityModule", "RedemptionQueued");
      const fills = await ctx.events("PegStabilityModule", "QueueFilled");
      const cancels = await ctx.events("PegStabilityModule", "RedemptionCancelled");
      const expectedIds = [...queued].reverse().slice(0, 50).map((l) => String(l.args.requestId));
      m.eq(`${q} requests`, expectedIds.join(","), data.redemptionRequests.map((r: any) => r.requestId).join(","));
      for (const r of data.redemptionRequests) {
        const id = BigInt(r.requestId);
        const path = `${q} request ${id}`;
        const onChain = await p.psm.read.request([id], at);
        const log = queued.find((l) => l.args.requestId === id)!;
        const cancel = cancels.find((l) => l.args.requestId === id);
        m.eq(`${path}.owner`, onChain.owner, r.owner.id);
        m.eq(`${path}.amount`, onChain.amount, r.amount);
        m.eq(`${path}.claimed`, onChain.claimed, r.claimed);
        m.eq(`${path}.cancelled`, onChain.cancelled, r.cancelled);
        m.eq(`${path}.filled`, (await p.psm.read.queueStatus([id], at)).filled, r.filled);
        m.eq(`${path}.amountAheadAtRequest`, (await p.psm.read.queueStatus([id], { blockNumber: log.blockNumber })).amountAhead, r.amountAheadAtRequest);
        m.eq(`${path}.requestedTimestamp`, log.ts, r.requestedTimestamp);
        // Each QueueFilled that reached the request (before any cancel) is a fill step.
        const steps: { amount: bigint; filledAfter: bigint; ts: bigint }[] = [];
        let filled = 0n;
        for (const f of fills) {
          if (f.blockNumber < log.blockNumber || (cancel && f.blockNumber > cancel.blockNumber)) continue;
          const q2 = f.args.queueFilled as bigint;
          const now = q2 <= onChain.start ? 0n : q2 - onChain.start < onChain.amount ? q2 - onChain.start : onChain.amount;
          if (now > filled) steps.push({ amount: now - filled, filledAfter: now, ts: f.ts });
          filled = now > filled ? now : filled;
        }
        m.eq(`${path}.fills`, steps.map((s) => `${s.amount}/${s.filledAfter}@${s.ts}`).join(","), r.fills.map((f: any) => `${f.amount}/${f.filledAfter}@${f.timestamp}`).join(","));
        const full = steps.find((s) => s.filledAfter === onChain.amount);
        m.eq(`${path}.fullyFilledTimestamp`, full ? full.ts : null, r.fullyFilledTimestamp);
        m.eq(`${path}.waitSeconds`, full ? full.ts - log.ts : null, r.waitSeconds);
      }
      const rows = data.psmStats_collection;
      checkBuckets(m, `${q} psmStats`, rows, DAY, ctx);
      const inflows = await ctx.events("PegStabilityModule", "InflowRateUpdated");
      for (const row of rows) {
        const b = bucket(row, DAY);
        const e = { blockNumber: ctx.lastBlockBefore(b[1]) };
        const path = `${q} psm day ${b[0]}`;
        m.eq(`${path}.usdcReserve (balance at the day's last block)`, await p.usdc.read.balanceOf([p.psm.address], e), row.usdcReserve);
        m.eq(`${path}.queueDepth`, await p.psm.read.queueDepth(e), row.queueDepth);
        m.eq(`${path}.inflowRate (last InflowRateUpdated)`, inflows.filter((l) => l.ts < b[1]).at(-1)?.args.ratePerSecond ?? 0n, row.inflowRate);
        if (BigInt(row.maxQueueDepth) < BigInt(row.queueDepth)) m.fail(`${path}: maxQueueDepth below the day's last depth`);
        if (BigInt(row.minUsdcReserve) > BigInt(row.usdcReserve)) m.fail(`${path}: minUsdcReserve above the day's last reserve`);
      }
      break;
    }
    case 5: {
      const auctions = await auctionsFromLogs();
      auctions.sort((a, b) => (a.kick.args.debt > b.kick.args.debt ? -1 : 1));
      const expected = auctions.slice(0, 10);
      m.eq(`${q} auctions`, expected.map((a) => String(a.id)).join(","), data.auctions.map((a: any) => a.auctionId).join(","));
      for (const [i, a] of expected.entries()) {
        const r = data.auctions[i];
        if (!r) continue;
        const path = `${q} auction ${a.id}`;
        m.eq(`${path}.class`, className(a.classId), r.collateralClass.gpuModel.name);
        m.eq(`${path}.fleet`, String(a.kick.args.auction.fleetId), r.fleet.id);
        m.eq(`${path}.cause`, a.cause, r.cause);
        m.eq(`${path}.status`, a.take ? "taken" : "running", r.status);
        m.eq(`${path}.debt`, a.kick.args.debt, r.debt);
        m.eq(`${path}.tab`, a.tab, r.tab);
        m.eq(`${path}.tips`, a.tips, r.tips);
        m.eq(`${path}.resetCount`, a.redos.length, r.resetCount);
        m.eq(`${path}.price`, a.take?.args.price ?? null, r.price);
        m.eq(`${path}.recoveryRate`, a.take ? (a.take.args.price * WAD) / a.take.args.tab : null, r.recoveryRate);
        m.eq(`${path}.shortfall`, a.take?.args.shortfall ?? null, r.shortfall);
        m.eq(`${path}.coveredByReserve`, a.take ? (a.settle?.args.coveredByReserve ?? 0n) : null, r.coveredByReserve);
        m.eq(`${path}.absorbedBySavers`, a.take ? (a.settle?.args.absorbedBySavers ?? 0n) : null, r.absorbedBySavers);
        m.eq(`${path}.badDebt`, a.take ? (a.settle?.args.uncovered ?? 0n) : null, r.badDebt);
        m.eq(`${path}.kickedTimestamp`, a.kick.ts, r.kickedTimestamp);
        m.eq(`${path}.takenTimestamp`, a.take?.ts ?? null, r.takenTimestamp);
      }
      break;
    }
    case 6: {
      const kinds = ["Deposit", "Withdraw", "InterestAdded", "Impaired", "ImpairmentReleased", "LossAbsorbed"];
      const all: Log[] = [];
      for (const k of kinds) all.push(...(await ctx.events("SavingsVault", k)));
      all.sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));
      const interest = await ctx.events("SavingsVault", "InterestAdded");
      const losses = await ctx.events("SavingsVault", "LossAbsorbed");
      const rows = data.savingsStats_collection;
      checkBuckets(m, `${q} savingsStats`, rows, DAY, ctx);
      const ONE_SHARE = 10n ** 24n;
      for (const row of rows) {
        const b = bucket(row, DAY);
        const path = `${q} savings day ${b[0]}`;
        const inDay = within(all, b);
        if (inDay.length === 0) {
          m.fail(`${path}: a bucket without any savings event`);
          continue;
        }
        const last = { blockNumber: inDay.at(-1)!.blockNumber };
        m.eq(`${path}.sharePrice (at the day's last savings event)`, await p.savings.read.convertToAssets([ONE_SHARE], last), row.sharePrice);
        m.eq(`${path}.totalAssets`, await p.savings.read.totalAssets(last), row.totalAssets);
        m.eq(`${path}.apr`, await p.savings.read.currentApr(last), row.apr);
        // The day's first point: exact where its transaction moved the books once.
        const first = inDay[0]!;
        if (inDay.filter((l) => l.transactionHash === first.transactionHash).length === 1) {
          m.eq(`${path}.openSharePrice`, await p.savings.read.convertToAssets([ONE_SHARE], { blockNumber: first.blockNumber }), row.openSharePrice);
        }
        if (BigInt(row.minSharePrice) > BigInt(row.sharePrice) || BigInt(row.minSharePrice) > BigInt(row.openSharePrice)) m.fail(`${path}: minSharePrice above the open or close`);
        m.eq(`${path}.interestUSD (Σ InterestAdded)`, sum(within(interest, b), (l) => l.args.amount), row.interestUSD);
        m.eq(`${path}.lossUSD (Σ LossAbsorbed)`, sum(within(losses, b), (l) => l.args.absorbed), row.lossUSD);
      }
      const sv = data.savingsVaults[0];
      const lastEvent = { blockNumber: all.at(-1)!.blockNumber };
      m.eq(`${q} savingsVault.outputTokenPriceUSD`, await p.savings.read.convertToAssets([ONE_SHARE], lastEvent), sv.outputTokenPriceUSD);
      m.eq(`${q} savingsVault.apr`, await p.savings.read.currentApr(lastEvent), sv.apr);
      m.eq(`${q} savingsVault.inputTokenBalance`, await p.savings.read.totalAssets(lastEvent), sv.inputTokenBalance);
      m.eq(`${q} savingsVault.outputTokenSupply`, await p.savings.read.totalSupply(at), sv.outputTokenSupply);
      m.eq(`${q} savingsVault.totalImpaired`, await p.savings.read.totalImpaired(at), sv.totalImpaired);
      m.eq(`${q} savingsVault.smearEnd`, await p.savings.read.smearEnd(at), sv.smearEnd);
      break;
    }
    case 7: {
      const rounds = await ctx.events("FleetOracle", "RoundSubmitted");
      const valued = await ctx.events("FleetOracle", "FleetValued");
      const gpus = new Map((await ctx.events("FleetRegistry", "FleetOnboarded")).map((l) => [l.args.fleetId as bigint, BigInt(l.args.gpuCount)]));
      const stale = [];
      for (const r of [...rounds].reverse()) {
        const vs = valued.filter((v) => v.transactionHash === r.transactionHash);
        const short = vs.filter((v) => BigInt(v.args.freshGpus) < gpus.get(v.args.fleetId)!);
        if (short.length > 0) stale.push({ r, vs, short });
      }
      const expected = stale.slice(0, 20);
      m.eq(`${q} rounds`, expected.map((x) => String(x.r.args.roundId)).join(","), data.oracleRounds.map((r: any) => r.roundId).join(","));
      for (const [i, x] of expected.entries()) {
        const row = data.oracleRounds[i];
        if (!row) continue;
        const path = `${q} round ${x.r.args.roundId}`;
        m.eq(`${path}.observedAt`, x.r.args.observedAt, row.observedAt);
        m.eq(`${path}.fleetCount`, x.r.args.fleetCount, row.fleetCount);
        m.eq(`${path}.fleetsWithStaleGpus`, x.short.length, row.fleetsWithStaleGpus);
        m.eq(`${path}.freshGpus`, sum(x.vs, (v) => BigInt(v.args.freshGpus)), row.freshGpus);
        m.eq(`${path}.gpuCount`, sum(x.vs, (v) => gpus.get(v.args.fleetId)!), row.gpuCount);
        const want = x.short.map((v) => `${v.args.fleetId}:${v.args.freshGpus}/${gpus.get(v.args.fleetId)}:${v.args.value}`).sort().join(",");
        const got = row.valuations.map((v: any) => `${v.fleet.id}:${v.freshGpus}/${v.gpuCount}:${v.value}`).sort().join(",");
        m.eq(`${path}.valuations`, want, got);
        for (const v of row.valuations) {
          m.eq(`${path} fleet ${v.fleet.id}.missingGpus`, v.gpuCount - v.freshGpus, v.missingGpus);
          const owner = (await ctx.events("FleetRegistry", "FleetOnboarded")).find((l) => String(l.args.fleetId) === v.fleet.id)!.args.operator;
          m.eq(`${path} fleet ${v.fleet.id}.operator`, owner, v.fleet.operator.id);
        }
      }
      break;
    }
    case 8: {
      const accruals = await ctx.events("CreditEngine", "Accrued");
      const expected = [];
      for (const c of GPU_CLASSES) {
        const st = await p.engine.read.classState([c.classId], at);
        const rate = accruals.filter((l) => l.args.classId === c.classId).at(-1)?.args.rate ?? RAY;
        const debt = rMulUp(st.normDebt, rate);
        const cap = (await p.engine.read.classParams([c.classId], at)).debtCeiling;
        expected.push({ classId: c.classId, debt, cap, util: (debt * WAD) / cap });
      }
      expected.sort((a, b) => (a.util > b.util ? -1 : a.util < b.util ? 1 : a.classId > b.classId ? -1 : 1));
      m.eq(`${q} order`, expected.map((e) => e.classId).join(","), data.collateralClasses.map((c: any) => c.classId).join(","));
      for (const [i, e] of expected.entries()) {
        const r = data.collateralClasses[i];
        if (!r) continue;
        m.eq(`${q} class ${e.classId}.name`, className(e.classId), r.gpuModel.name);
        m.eq(`${q} class ${e.classId}.totalBorrowBalanceUSD`, e.debt, r.totalBorrowBalanceUSD);
        m.eq(`${q} class ${e.classId}.borrowCap`, e.cap, r.borrowCap);
        m.eq(`${q} class ${e.classId}.ceilingUtilization`, e.util, r.ceilingUtilization);
      }
      const borrows = await ctx.events("CreditEngine", "Borrowed");
      const repays = await ctx.events("CreditEngine", "Repaid");
      const rows = data.classStats_collection;
      checkBuckets(m, `${q} classStats`, rows, DAY, ctx);
      for (const row of rows) {
        const b = bucket(row, DAY);
        let borrowed = 0n;
        for (const l of within(borrows, b)) if ((await ctx.classAt(l.args.vaultId, l.blockNumber)) === 1) borrowed += l.args.amount;
        let repaid = 0n;
        for (const l of within(repays, b)) if ((await ctx.classAt(l.args.vaultId, l.blockNumber)) === 1) repaid += l.args.amount;
        m.eq(`${q} class 1 day ${b[0]}.borrowedUSD`, borrowed, row.borrowedUSD);
        m.eq(`${q} class 1 day ${b[0]}.repaidUSD`, repaid, row.repaidUSD);
      }
      break;
    }
    case 9: {
      const updates = await lastUpdates(ctx);
      const vaults = await openVaults();
      const owners = [...new Set((await ctx.events("CreditEngine", "VaultOpened")).map((l) => (l.args.owner as string).toLowerCase()))];
      const withPrincipal = [];
      for (const o of owners) {
        const principal = await p.engine.read.operatorPrincipal([o as Address], at);
        if (principal > 0n) withPrincipal.push({ o, principal });
      }
      withPrincipal.sort((a, b) => (a.principal > b.principal ? -1 : 1));
      m.eq(`${q} accounts`, withPrincipal.slice(0, 20).map((x) => x.o).join(","), data.accounts.map((a: any) => a.id).join(","));
      const ceilings = await ctx.events("CreditEngine", "OperatorCeilingSet");
      for (const a of data.accounts) {
        const path = `${q} account ${a.id}`;
        m.eq(`${path}.principal`, await p.engine.read.operatorPrincipal([a.id], at), a.principal);
        m.eq(`${path}.operatorCeiling (own)`, ceilings.filter((l) => (l.args.operator as string).toLowerCase() === a.id).at(-1)?.args.ceiling ?? 0n, a.operatorCeiling);
        const mine = vaults.filter((x) => x.v.owner.toLowerCase() === a.id);
        m.eq(`${path}.openPositionCount`, mine.length, a.openPositionCount);
        m.eq(`${path}.vaults`, mine.map((x) => String(x.id)).sort().join(","), a.vaults.map((v: any) => v.id).sort().join(","));
        for (const v of a.vaults) {
          const s = await vaultAt(ctx, BigInt(v.id), updates.get(v.id)!.b);
          m.eq(`${path} vault ${v.id}.class`, s.v.classId === 0 ? null : s.v.classId, v.collateralClass?.classId ?? null);
          m.eq(`${path} vault ${v.id}.debt`, s.debt, v.debt);
          m.eq(`${path} vault ${v.id}.health`, s.health, v.health);
        }
      }
      m.eq(`${q} defaultOperatorCeiling`, await p.engine.read.defaultOperatorCeiling(at), data.protocols[0].defaultOperatorCeiling);
      break;
    }
    case 10: {
      const auctions = await auctionsFromLogs();
      for (const cause of ["unhealthy", "missedPayment", "both"]) {
        const want = auctions.filter((a) => a.cause === cause);
        const rows = data[cause];
        m.eq(`${q} ${cause}`, want.map((a) => String(a.id)).sort().join(","), rows.map((r: any) => r.auctionId).sort().join(","));
        for (const r of rows) {
          const a = want.find((x) => String(x.id) === r.auctionId);
          if (!a) continue;
          m.eq(`${q} auction ${a.id}.debt`, a.kick.args.debt, r.debt);
          m.eq(`${q} auction ${a.id}.recoveryRate`, a.take ? (a.take.args.price * WAD) / a.take.args.tab : null, r.recoveryRate);
        }
      }
      const rows = data.liquidationStats_collection;
      checkBuckets(m, `${q} liquidationStats`, rows, DAY, ctx);
      const ofClass = auctions.filter((a) => a.classId === 3);
      for (const row of rows) {
        const b = bucket(row, DAY);
        const path = `${q} class 3 day ${b[0]}`;
        const kicks = ofClass.filter((a) => a.kick.ts >= b[0] && a.kick.ts < b[1]);
        const redos = ofClass.flatMap((a) => within(a.redos, b));
        const takes = ofClass.map((a) => a.take).filter((t): t is Log => t !== undefined && t.ts >= b[0] && t.ts < b[1]);
        m.eq(`${path}.kicks`, kicks.length, row.kicks);
        m.eq(`${path}.resets`, redos.length, row.resets);
        m.eq(`${path}.takes`, takes.length, row.takes);
        m.eq(`${path}.debtUSD`, kicks.reduce((s, a) => s + (a.kick.args.debt as bigint), 0n), row.debtUSD);
        m.eq(`${path}.proceedsUSD`, sum(takes, (t) => t.args.price), row.proceedsUSD);
        m.eq(`${path}.shortfallUSD`, sum(takes, (t) => t.args.shortfall), row.shortfallUSD);
        m.eq(`${path}.tipsUSD`, kicks.reduce((s, a) => s + (a.kick.args.tip as bigint), 0n) + sum(redos, (r) => r.args.tip), row.tipsUSD);
      }
      break;
    }
    case 11: {
      const accruals = (await ctx.events("CreditEngine", "Accrued")).filter((l) => l.args.classId === 2);
      const rates = new Set([RAY, ...accruals.map((l) => l.args.rate as bigint)].map(String));
      const rows = data.classStats_collection;
      checkBuckets(m, q, rows, HOUR, ctx);
      for (const row of rows) {
        const b = bucket(row, HOUR);
        const e = ctx.lastBlockBefore(b[1]);
        const path = `${q} class 2 hour ${b[0]}`;
        // The rate is one the engine accrued to, and the debt is the class's normalized debt at the hour's end times it.
        if (!rates.has(row.rate)) m.fail(`${path}.rate ${row.rate} is no rate class 2 ever accrued to`);
        const st = await p.engine.read.classState([2], { blockNumber: e });
        m.eq(`${path}.totalBorrowBalanceUSD`, rMulUp(st.normDebt, BigInt(row.rate)), row.totalBorrowBalanceUSD);
        m.eq(`${path}.interestUSD (Σ Accrued)`, sum(within(accruals, b), (l) => l.args.interest), row.interestUSD);
        let deposits = 0n;
        for (const { v } of (await openVaults(e)).filter((x) => x.v.classId === 2)) deposits += (await p.oracle.read.liquidationValue([BigInt(v.fleetId)], { blockNumber: e }))[0];
        m.eq(`${path}.totalDepositBalanceUSD (Σ fleet values at the hour's end)`, deposits, row.totalDepositBalanceUSD);
        if (BigInt(row.minDepositBalanceUSD) > BigInt(row.totalDepositBalanceUSD)) m.fail(`${path}: minDepositBalanceUSD above the hour's last value`);
      }
      break;
    }
    case 12: {
      // Buckets of every vault from healthOf at its last event: now, and at each day's last block.
      const histogram = async (block: bigint) => {
        const updates = await lastUpdates(ctx, block);
        const counts = new Map<string, Record<string, number>>();
        const bump = (key: string, field: string) => {
          const c = counts.get(key) ?? Object.fromEntries(["vaultsWithoutDebt", ...BUCKETS].map((f) => [f, 0]));
          c[field]!++;
          counts.set(key, c);
        };
        for (const { id, v } of await openVaults(block)) {
          const s = await vaultAt(ctx, id, updates.get(String(id))!.b);
          const field = s.bucket === "none" ? "vaultsWithoutDebt" : s.bucket;
          bump("protocol", field);
          if (v.classId !== 0) bump(String(v.classId), field);
        }
        return counts;
      };
      const now = await histogram(ctx.head);
      for (const row of data.healthDistributions) {
        for (const f of ["vaultsWithoutDebt", ...BUCKETS]) m.eq(`${q} ${row.id}.${f}`, now.get(row.id)?.[f] ?? 0, row[f]);
      }
      const rows = data.protocolStats_collection;
      checkBuckets(m, `${q} protocolStats`, rows, DAY, ctx);
      for (const row of rows) {
        const b = bucket(row, DAY);
        const then = (await histogram(ctx.lastBlockBefore(b[1]))).get("protocol");
        for (const f of BUCKETS) m.eq(`${q} day ${b[0]}.${f}`, then?.[f] ?? 0, row[f]);
      }
      break;
    }
    case 13: {
      const scheduled = await ctx.events("ProtocolAccessManager", "OperationScheduled");
      const pending = [];
      for (const l of scheduled) {
        if ((await p.authority.read.getSchedule([l.args.operationId], at)) !== 0 && (await p.authority.read.getNonce([l.args.operationId], at)) === l.args.nonce) pending.push(l);
      }
      const want = pending.map((l) => `${l.args.target.toLowerCase()}:${(l.args.data as string).slice(0, 10)}:${l.args.schedule}:${l.args.caller.toLowerCase()}:${l.ts}`).sort();
      const got = data.scheduledOperations.map((o: any) => `${o.target}:${o.selector}:${o.schedule}:${o.caller}:${o.scheduledTimestamp}`).sort();
      m.eq(`${q} scheduledOperations`, want.join(","), got.join(","));
      const names: [string, string][] = [
        ["CreditEngine", "ClassSet"],
        ["PegStabilityModule", "FeesSet"],
        ["Reserve", "ReserveFactorSet"],
        ["FleetOracle", "ParamsSet"],
        ["LiquidationAuction", "ParamsSet"],
        ["FleetOracle", "Stopped"],
        ["CreditEngine", "Paused"],
        ["PegStabilityModule", "Paused"],
        ["LiquidationAuction", "Paused"],
      ];
      const changes: (Log & { contract: string; parameter: string })[] = [];
      for (const [contract, parameter] of names) for (const l of await ctx.events(contract, parameter)) changes.push({ ...l, contract, parameter });
      changes.sort((a, b) => (a.blockNumber === b.blockNumber ? b.logIndex - a.logIndex : a.blockNumber > b.blockNumber ? -1 : 1));
      const top = changes.slice(0, 20);
      m.eq(`${q} parameterChanges`, top.map((c) => `${c.contract}.${c.parameter}@${c.ts}`).join(","), data.parameterChanges.map((c: any) => `${c.contract}.${c.parameter}@${c.timestamp}`).join(","));
      for (const [i, c] of top.entries()) {
        const r = data.parameterChanges[i];
        if (!r) continue;
        m.eq(`${q} change ${i}.classId`, c.args.classId ?? null, r.classId);
        const args = c.args.params ?? c.args;
        const value = JSON.parse(r.value) as Record<string, string>;
        for (const [k, v] of Object.entries(value)) m.eq(`${q} change ${i}.value.${k}`, typeof args[k] === "string" ? args[k].toLowerCase() : String(args[k]), v);
      }
      break;
    }
    case 14: {
      const id = BigInt(variables!.id as string);
      const block = BigInt(variables!.block as number);
      const s = await vaultAt(ctx, id, block);
      m.eq(`${q} vault ${id}@${block}.normDebt`, s.v.normDebt, data.vault.normDebt);
      m.eq(`${q} vault ${id}@${block}.principal`, s.v.principal, data.vault.principal);
      m.eq(`${q} vault ${id}@${block}.debt`, s.debt, data.vault.debt);
      m.eq(`${q} vault ${id}@${block}.collateralValue`, s.value, data.vault.collateralValue);
      m.eq(`${q} vault ${id}@${block}.health`, s.health, data.vault.health);
      m.eq(`${q} vault ${id}@${block}.healthBucket`, s.bucket, data.vault.healthBucket);
      m.eq(`${q} _meta.block.number`, ctx.head, data._meta.block.number);
      m.eq(`${q} _meta.block.timestamp`, ctx.headTs, data._meta.block.timestamp);
      break;
    }
    default:
      m.fail(`${q}: no check is written for this README query; add one to runner/test/analyst-checks.ts`);
  }
  if (m.checks === 0) m.fail(`${q}: nothing was compared`);
  return { mismatches: m.lines, checks: m.checks };
}
