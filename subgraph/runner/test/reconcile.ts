/**
 * Reconciliation: every entity that mirrors contract state, read through the runner's GraphQL, against the contracts'
 * own views on the indexed head. Values the mappings can only know as of an entity's last event (a vault's debt and
 * health, the savings vault's released interest, the PSM's decaying inflow rate) are compared with the same views at
 * the block of that event. Returns one line per mismatch; an empty list means the subgraph equals the chain.
 */
import { getAddress, type Address, type Hex } from "viem";
import type { Protocol } from "../../../scripts/lib/protocol.js";
import { GPU_CLASSES } from "../../../scripts/lib/protocolConfig.js";
import { RAY, rPow } from "../../../scripts/lib/rates.js";
import type { TestChain } from "./chain.js";

const WAD = 10n ** 18n;
const SCALE = 10n ** 12n;
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
const MAX = 2n ** 256n - 1n;

export type Gql = (query: string) => Promise<any>;

function norm(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "bigint" || typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "string") return /^0x[0-9a-fA-F]*$/.test(v) ? v.toLowerCase() : v;
  if (typeof v === "object" && "id" in (v as object)) return norm((v as { id: unknown }).id);
  return JSON.stringify(v);
}

export class Mismatches {
  readonly lines: string[] = [];
  /** Comparisons made, so a test can tell a clean reconciliation from an empty one. */
  checks = 0;
  eq(path: string, chain: unknown, subgraph: unknown): void {
    this.checks++;
    const a = norm(chain);
    const b = norm(subgraph);
    if (a !== b) this.lines.push(`${path}: chain ${a}, subgraph ${b}`);
  }
  fail(line: string): void {
    this.lines.push(line);
  }
}

const mulDivDown = (x: bigint, y: bigint, d: bigint) => (x * y) / d;
const rMulUp = (x: bigint, y: bigint) => (x * y + RAY - 1n) / RAY;
const wDivDown = (x: bigint, y: bigint) => (x * WAD) / y;

export function bucketOf(health: bigint | null): string {
  if (health === null) return "none";
  if (health < WAD) return "below100";
  if (health < 11n * 10n ** 17n) return "from100To110";
  if (health < 125n * 10n ** 16n) return "from110To125";
  if (health < 15n * 10n ** 17n) return "from125To150";
  if (health < 2n * WAD) return "from150To200";
  return "above200";
}

const BUCKETS = ["vaultsWithoutDebt", "below100", "from100To110", "from110To125", "from125To150", "from150To200", "above200"] as const;
const bucketField = (bucket: string) => (bucket === "none" ? "vaultsWithoutDebt" : bucket);

/** All entities of a collection (they fit in a few pages here). */
export async function all(gql: Gql, collection: string, fields: string): Promise<any[]> {
  const out: any[] = [];
  for (let skip = 0; ; skip += 1000) {
    const data = await gql(`{ page: ${collection}(first: 1000, skip: ${skip}, orderBy: id) { ${fields} } }`);
    out.push(...data.page);
    if (data.page.length < 1000) return out;
  }
}

/** Block number of each block timestamp (one transaction a block, so timestamps are unique). */
export async function blocksByTimestamp(chain: TestChain, head: number): Promise<Map<number, bigint>> {
  const map = new Map<number, bigint>();
  for (let n = 0; n <= head; n++) {
    const b = await chain.rpc<{ timestamp: string }>("eth_getBlockByNumber", [`0x${n.toString(16)}`, false]);
    map.set(Number(b.timestamp), BigInt(n));
  }
  return map;
}

export async function reconcile(p: Protocol, chain: TestChain, gql: Gql, head: bigint): Promise<{ mismatches: string[]; checks: number }> {
  const m = new Mismatches();
  const at = { blockNumber: head };
  const headBlock = await p.publicClient.getBlock({ blockNumber: head });
  const now = headBlock.timestamp;
  const blockAt = await blocksByTimestamp(chain, Number(head));
  const blockOfTime = (ts: string | bigint, path: string): bigint => {
    const b = blockAt.get(Number(ts));
    if (b === undefined) throw new Error(`${path}: no block has timestamp ${ts}`);
    return b;
  };

  // ------------------------------------------------------------------------------------------------- chain reads
  const lastVaultId = await p.engine.read.lastVaultId(at);
  const vaults = new Map<bigint, Awaited<ReturnType<typeof p.engine.read.vault>>>();
  for (let id = 1n; id <= lastVaultId; id++) vaults.set(id, await p.engine.read.vault([id], at));
  const openVaults = [...vaults].filter(([, v]) => v.owner !== ZERO_ADDRESS);
  const vaultOfFleet = new Map<number, bigint>();
  for (const [id, v] of openVaults) if (v.fleetId !== 0) vaultOfFleet.set(v.fleetId, id);
  const lastFleetId = await p.registry.read.lastFleetId(at);
  const fleetRecords = new Map<bigint, Awaited<ReturnType<typeof p.registry.read.fleet>> | null>();
  for (let id = 1n; id <= lastFleetId; id++) {
    try {
      fleetRecords.set(id, await p.registry.read.fleet([id], at));
    } catch {
      fleetRecords.set(id, null); // retired
    }
  }
  const liquidationValue = async (fleetId: number | bigint, blockNumber: bigint) => (await p.oracle.read.liquidationValue([BigInt(fleetId)], { blockNumber }))[0];

  // ------------------------------------------------------------------------------------------------- vaults
  const vaultEntities = await all(
    gql,
    "vaults",
    "id vaultId owner { id } collateralClass { id } fleet { id } normDebt principal peakPrincipal scheduleStart debt collateralValue health healthBucket closed inAuction borrowCount repayCount liquidationCount lastUpdatedBlockNumber",
  );
  const byVault = new Map(vaultEntities.map((e) => [BigInt(e.id), e]));
  m.eq("Vault count", lastVaultId, vaultEntities.length);
  const borrows = await p.engine.getEvents.Borrowed({}, { fromBlock: 0n, toBlock: head });
  const repays = await p.engine.getEvents.Repaid({}, { fromBlock: 0n, toBlock: head });
  const seizures = await p.engine.getEvents.Seized({}, { fromBlock: 0n, toBlock: head });
  const countBy = (logs: { args: { vaultId?: bigint } }[], id: bigint) => logs.filter((l) => l.args.vaultId === id).length;
  for (const [id, v] of vaults) {
    const e = byVault.get(id);
    const path = `Vault ${id}`;
    if (!e) {
      m.fail(`${path}: missing`);
      continue;
    }
    m.eq(`${path}.borrowCount`, countBy(borrows, id), e.borrowCount);
    m.eq(`${path}.repayCount`, countBy(repays, id), e.repayCount);
    m.eq(`${path}.liquidationCount`, countBy(seizures, id), e.liquidationCount);
    if (v.owner === ZERO_ADDRESS) {
      m.eq(`${path}.closed`, true, e.closed);
      continue;
    }
    m.eq(`${path}.closed`, false, e.closed);
    m.eq(`${path}.inAuction`, v.inAuction, e.inAuction);
    m.eq(`${path}.owner`, v.owner, e.owner);
    m.eq(`${path}.collateralClass`, v.classId === 0 ? null : String(v.classId), e.collateralClass);
    m.eq(`${path}.fleet`, v.fleetId === 0 ? null : String(v.fleetId), e.fleet);
    m.eq(`${path}.normDebt`, v.normDebt, e.normDebt);
    m.eq(`${path}.principal`, v.principal, e.principal);
    m.eq(`${path}.peakPrincipal`, v.peakPrincipal, e.peakPrincipal);
    m.eq(`${path}.scheduleStart`, v.scheduleStart, e.scheduleStart);
    // Debt, value and health as of the vault's last event, from the engine's views at that block.
    const b = BigInt(e.lastUpdatedBlockNumber);
    const then = await p.engine.read.vault([id], { blockNumber: b });
    m.eq(`${path}.debt @${b}`, await p.engine.read.debtOf([id], { blockNumber: b }), e.debt);
    if (then.fleetId !== 0) {
      m.eq(`${path}.collateralValue @${b}`, await liquidationValue(then.fleetId, b), e.collateralValue);
      const health = await p.engine.read.healthOf([id], { blockNumber: b });
      m.eq(`${path}.health @${b}`, health === MAX ? null : health, e.health);
    } else {
      m.eq(`${path}.collateralValue @${b}`, 0n, e.collateralValue);
      m.eq(`${path}.health @${b}`, null, e.health);
    }
    m.eq(`${path}.healthBucket`, bucketOf(e.health === null ? null : BigInt(e.health)), e.healthBucket);
  }

  // ------------------------------------------------------------------------------------------------- fleets
  const fleetEntities = await all(
    gql,
    "fleets",
    "id operator { id } holder approved gpuModel { id } classId gpuCount acquiredAt acquisitionCost gpuRoot legalDocsHash retired vault { id } value priorValue maturesAt observedAt throughputBps utilizationBps healthFlags",
  );
  const byFleet = new Map(fleetEntities.map((e) => [BigInt(e.id), e]));
  m.eq("Fleet count", lastFleetId, fleetEntities.length);
  for (const [id, record] of fleetRecords) {
    const e = byFleet.get(id);
    const path = `Fleet ${id}`;
    if (!e) {
      m.fail(`${path}: missing`);
      continue;
    }
    if (record === null) {
      m.eq(`${path}.retired`, true, e.retired);
      m.eq(`${path}.holder`, ZERO_ADDRESS, e.holder);
      continue;
    }
    m.eq(`${path}.retired`, false, e.retired);
    m.eq(`${path}.operator`, record.operator, e.operator);
    m.eq(`${path}.classId`, record.classId, e.classId);
    m.eq(`${path}.gpuModel`, String(record.classId), e.gpuModel);
    m.eq(`${path}.gpuCount`, record.gpuCount, e.gpuCount);
    m.eq(`${path}.acquiredAt`, record.acquiredAt, e.acquiredAt);
    m.eq(`${path}.acquisitionCost`, record.acquisitionCost, e.acquisitionCost);
    m.eq(`${path}.gpuRoot`, record.gpuRoot, e.gpuRoot);
    m.eq(`${path}.legalDocsHash`, record.legalDocsHash, e.legalDocsHash);
    m.eq(`${path}.holder`, await p.registry.read.ownerOf([id], at), e.holder);
    const approved = await p.registry.read.getApproved([id], at);
    m.eq(`${path}.approved`, approved === ZERO_ADDRESS ? null : approved, e.approved);
    const s = await p.oracle.read.fleetState([id], at);
    m.eq(`${path}.value`, s.value, e.value);
    m.eq(`${path}.priorValue`, s.priorValue, e.priorValue);
    m.eq(`${path}.maturesAt`, s.maturesAt, e.maturesAt);
    m.eq(`${path}.observedAt`, s.observedAt, e.observedAt);
    m.eq(`${path}.throughputBps`, s.throughputBps, e.throughputBps);
    m.eq(`${path}.utilizationBps`, s.utilizationBps, e.utilizationBps);
    m.eq(`${path}.healthFlags`, s.healthFlags, e.healthFlags);
    const vaultId = vaultOfFleet.get(Number(id));
    m.eq(`${path}.vault`, vaultId === undefined ? null : String(vaultId), e.vault);
  }

  // ------------------------------------------------------------------------------------------------- classes
  const classEntities = await all(
    gql,
    "collateralClasses",
    "id classId gpuModel { id } stabilityFee maximumLTV liquidationThreshold borrowCap dust term period grace rate lastAccrual normDebt totalBorrowBalanceUSD totalDepositBalanceUSD ceilingUtilization totalPrincipal unmintedInterest openPositionCount health { id }",
  );
  const byClass = new Map(classEntities.map((e) => [Number(e.id), e]));
  const healthEntities = await all(gql, "healthDistributions", `id ${BUCKETS.join(" ")}`);
  const byHealth = new Map(healthEntities.map((e) => [e.id as string, e]));
  const modelEntities = await all(gql, "gpuModels", "id classId name minValuePerGpu maxValuePerGpu valuePerGpu indexRoundId indexObservedAt fleetCount gpuCount collateralClass { id }");
  const byModel = new Map(modelEntities.map((e) => [Number(e.id), e]));
  let classDebt = 0n;
  let classDeposits = 0n;
  for (const c of GPU_CLASSES) {
    const e = byClass.get(c.classId);
    const path = `CollateralClass ${c.classId}`;
    if (!e) {
      m.fail(`${path}: missing`);
      continue;
    }
    const params = await p.engine.read.classParams([c.classId], at);
    m.eq(`${path}.stabilityFee`, params.stabilityFee, e.stabilityFee);
    m.eq(`${path}.maximumLTV`, params.maxLtv, e.maximumLTV);
    m.eq(`${path}.liquidationThreshold`, params.liquidationLtv, e.liquidationThreshold);
    m.eq(`${path}.borrowCap`, params.debtCeiling, e.borrowCap);
    m.eq(`${path}.dust`, params.dust, e.dust);
    m.eq(`${path}.term`, params.term, e.term);
    m.eq(`${path}.period`, params.period, e.period);
    m.eq(`${path}.grace`, params.grace, e.grace);
    const st = await p.engine.read.classState([c.classId], at);
    m.eq(`${path}.normDebt`, st.normDebt, e.normDebt);
    m.eq(`${path}.lastAccrual`, st.lastAccrual, e.lastAccrual);
    const rate = BigInt(e.rate);
    const elapsed = now - BigInt(e.lastAccrual);
    const projected = elapsed > 0n ? (rate * rPow(BigInt(e.stabilityFee), elapsed)) / RAY : rate;
    m.eq(`${path}.rate (projected to the head)`, st.rate, projected);
    m.eq(`${path}.unmintedInterest (+ interest since lastAccrual)`, st.unmintedInterest, BigInt(e.unmintedInterest) + (st.normDebt * (projected - rate)) / RAY);
    m.eq(`${path}.totalBorrowBalanceUSD`, rMulUp(st.normDebt, rate), e.totalBorrowBalanceUSD);
    m.eq(`${path}.ceilingUtilization`, wDivDown(BigInt(e.totalBorrowBalanceUSD), BigInt(e.borrowCap)), e.ceilingUtilization);
    const inClass = openVaults.filter(([, v]) => v.classId === c.classId);
    m.eq(`${path}.openPositionCount`, inClass.length, e.openPositionCount);
    m.eq(`${path}.totalPrincipal`, inClass.reduce((s, [, v]) => s + v.principal, 0n), e.totalPrincipal);
    let deposits = 0n;
    for (const [, v] of inClass) deposits += await liquidationValue(v.fleetId, head);
    m.eq(`${path}.totalDepositBalanceUSD`, deposits, e.totalDepositBalanceUSD);
    classDebt += BigInt(e.totalBorrowBalanceUSD);
    classDeposits += BigInt(e.totalDepositBalanceUSD);
    // The class's histogram counts its vaults' buckets (each checked against healthOf above).
    const h = byHealth.get(String(c.classId));
    for (const field of BUCKETS) {
      const count = vaultEntities.filter((v) => !v.closed && v.collateralClass?.id === String(c.classId) && bucketField(v.healthBucket) === field).length;
      m.eq(`HealthDistribution ${c.classId}.${field}`, count, h?.[field]);
    }
    const model = byModel.get(c.classId);
    m.eq(`GpuModel ${c.classId}.name (manifest context)`, c.name, model?.name);
    const [minPer, maxPer] = await p.oracle.read.classBounds([c.classId], at);
    m.eq(`GpuModel ${c.classId}.minValuePerGpu`, minPer, model?.minValuePerGpu);
    m.eq(`GpuModel ${c.classId}.maxValuePerGpu`, maxPer, model?.maxValuePerGpu);
    const [indexRound, perGpu, indexAt] = await p.oracle.read.classIndex([c.classId], at);
    m.eq(`GpuModel ${c.classId}.valuePerGpu`, perGpu, model?.valuePerGpu);
    m.eq(`GpuModel ${c.classId}.indexRoundId`, indexRound, model?.indexRoundId);
    m.eq(`GpuModel ${c.classId}.indexObservedAt`, indexAt, model?.indexObservedAt);
    const live = [...fleetRecords.values()].filter((r) => r !== null && r.classId === c.classId);
    m.eq(`GpuModel ${c.classId}.fleetCount`, live.length, model?.fleetCount);
    m.eq(`GpuModel ${c.classId}.gpuCount`, live.reduce((s, r) => s + BigInt(r!.gpuCount), 0n), model?.gpuCount);
    m.eq(`GpuModel ${c.classId}.collateralClass`, String(c.classId), model?.collateralClass);
  }

  // ------------------------------------------------------------------------------------------------- reserve
  const reserveEntity = (await gql(`{ reserve(id: "${p.reserve.address.toLowerCase()}") { reserveFactor buffer totalCommitted pendingIncome gpusdBalance } }`)).reserve;
  if (!reserveEntity) m.fail("Reserve: missing");
  else {
    m.eq("Reserve.reserveFactor", await p.reserve.read.reserveFactor(at), reserveEntity.reserveFactor);
    m.eq("Reserve.buffer", await p.reserve.read.buffer(at), reserveEntity.buffer);
    m.eq("Reserve.totalCommitted", await p.reserve.read.totalCommitted(at), reserveEntity.totalCommitted);
    m.eq("Reserve.pendingIncome", await p.reserve.read.pendingIncome(at), reserveEntity.pendingIncome);
    m.eq("Reserve.gpusdBalance", await p.gpusd.read.balanceOf([p.reserve.address], at), reserveEntity.gpusdBalance);
  }

  // ------------------------------------------------------------------------------------------------- savings
  const sv = (
    await gql(
      `{ savingsVault(id: "${p.savings.address.toLowerCase()}") { inputTokenBalance outputTokenSupply outputTokenPriceUSD apr assets smearAmount smearStart smearEnd totalImpaired smearWindow withdrawalCooldown lastUpdatedTimestamp } }`,
    )
  ).savingsVault;
  if (!sv) m.fail("SavingsVault: missing");
  else {
    const b = blockOfTime(sv.lastUpdatedTimestamp, "SavingsVault.lastUpdatedTimestamp");
    const atB = { blockNumber: b };
    m.eq(`SavingsVault.inputTokenBalance @${b}`, await p.savings.read.totalAssets(atB), sv.inputTokenBalance);
    m.eq(`SavingsVault.outputTokenPriceUSD @${b}`, await p.savings.read.convertToAssets([10n ** 24n], atB), sv.outputTokenPriceUSD);
    m.eq(`SavingsVault.apr @${b}`, await p.savings.read.currentApr(atB), sv.apr);
    const tB = BigInt(sv.lastUpdatedTimestamp);
    const [amount, start, end] = [BigInt(sv.smearAmount), BigInt(sv.smearStart), BigInt(sv.smearEnd)];
    const released = tB >= end ? amount : mulDivDown(amount, tB - start, end - start);
    m.eq(`SavingsVault.interestLeft @${b}`, await p.savings.read.interestLeft(atB), amount - released);
    m.eq("SavingsVault.outputTokenSupply", await p.savings.read.totalSupply(at), sv.outputTokenSupply);
    m.eq("SavingsVault.smearEnd", await p.savings.read.smearEnd(at), sv.smearEnd);
    m.eq("SavingsVault.totalImpaired", await p.savings.read.totalImpaired(at), sv.totalImpaired);
    m.eq("SavingsVault.smearWindow", await p.savings.read.smearWindow(at), sv.smearWindow);
    m.eq("SavingsVault.withdrawalCooldown", await p.savings.read.withdrawalCooldown(at), sv.withdrawalCooldown);
  }

  // ------------------------------------------------------------------------------------------------- psm
  const psm = (
    await gql(
      `{ psm(id: "${p.psm.address.toLowerCase()}") { tin tout paused usdcReserve owed freeLiquidity queueEnd queueFilled queueDepth headRequestId lastRequestId inflowRate } }`,
    )
  ).psm;
  const lastRequestId = await p.psm.read.lastRequestId(at);
  const requests = new Map<bigint, Awaited<ReturnType<typeof p.psm.read.request>>>();
  for (let id = 1n; id <= lastRequestId; id++) requests.set(id, await p.psm.read.request([id], at));
  if (!psm) m.fail("Psm: missing");
  else {
    m.eq("Psm.tin", await p.psm.read.tin(at), psm.tin);
    m.eq("Psm.tout", await p.psm.read.tout(at), psm.tout);
    m.eq("Psm.paused", await p.psm.read.paused(at), psm.paused);
    m.eq("Psm.usdcReserve", await p.usdc.read.balanceOf([p.psm.address], at), psm.usdcReserve);
    m.eq("Psm.freeLiquidity", await p.psm.read.freeLiquidity(at), psm.freeLiquidity);
    const depth = await p.psm.read.queueDepth(at);
    m.eq("Psm.queueDepth", depth, psm.queueDepth);
    m.eq("Psm.lastRequestId", lastRequestId, psm.lastRequestId);
    const live = [...requests.values()].filter((r) => !r.cancelled);
    m.eq("Psm.owed (Σ amount − claimed of live requests)", live.reduce((s, r) => s + r.amount - r.claimed, 0n), psm.owed);
    const lastRequest = requests.get(lastRequestId);
    const queueEnd = lastRequest ? lastRequest.start + lastRequest.amount : 0n;
    m.eq("Psm.queueEnd", queueEnd, psm.queueEnd);
    m.eq("Psm.queueFilled", queueEnd - depth, psm.queueFilled);
    let headRequest = lastRequestId + 1n;
    for (const [id, r] of requests) {
      if (r.start + r.amount > queueEnd - depth) {
        headRequest = id;
        break;
      }
    }
    m.eq("Psm.headRequestId", headRequest, psm.headRequestId);
    const inflows = await p.psm.getEvents.InflowRateUpdated({ fromBlock: 0n, toBlock: head });
    const lastInflow = inflows.at(-1);
    if (lastInflow) m.eq(`Psm.inflowRate @${lastInflow.blockNumber}`, await p.psm.read.inflowRate({ blockNumber: lastInflow.blockNumber }), psm.inflowRate);
  }
  const requestEntities = await all(gql, "redemptionRequests", "id owner { id } start amount filled claimed cancelled");
  const byRequest = new Map(requestEntities.map((e) => [BigInt(e.id), e]));
  m.eq("RedemptionRequest count", lastRequestId, requestEntities.length);
  for (const [id, r] of requests) {
    const e = byRequest.get(id);
    const path = `RedemptionRequest ${id}`;
    if (!e) {
      m.fail(`${path}: missing`);
      continue;
    }
    m.eq(`${path}.owner`, r.owner, e.owner);
    m.eq(`${path}.start`, r.start, e.start);
    m.eq(`${path}.amount`, r.amount, e.amount);
    m.eq(`${path}.claimed`, r.claimed, e.claimed);
    m.eq(`${path}.cancelled`, r.cancelled, e.cancelled);
    m.eq(`${path}.filled`, (await p.psm.read.queueStatus([id], at)).filled, e.filled);
  }

  // ------------------------------------------------------------------------------------------------- auctions
  const auctionEntities = await all(gql, "auctions", "id vault { id } fleet { id } owner { id } status top floorPrice tab penalty committed impaired start price surplus penaltyPaid shortfall buyer");
  const lastAuctionId = await p.auction.read.lastAuctionId(at);
  m.eq("Auction count", lastAuctionId, auctionEntities.length);
  const taken = await p.auction.getEvents.Taken({}, { fromBlock: 0n, toBlock: head });
  let running = 0;
  for (const e of auctionEntities) {
    const id = BigInt(e.id);
    const path = `Auction ${id}`;
    const a = await p.auction.read.auction([id], at);
    if (a.tab !== 0n) {
      running++;
      m.eq(`${path}.status`, "running", e.status);
      m.eq(`${path}.fleet`, String(a.fleetId), e.fleet);
      m.eq(`${path}.owner`, a.owner, e.owner);
      m.eq(`${path}.top`, a.top, e.top);
      m.eq(`${path}.floorPrice`, a.floorPrice, e.floorPrice);
      m.eq(`${path}.tab`, a.tab, e.tab);
      m.eq(`${path}.penalty`, a.penalty, e.penalty);
      m.eq(`${path}.committed`, a.committed, e.committed);
      m.eq(`${path}.impaired`, a.impaired, e.impaired);
      m.eq(`${path}.start`, a.start, e.start);
    } else {
      m.eq(`${path}.status`, "taken", e.status);
      const t = taken.find((l) => l.args.auctionId === id)?.args;
      m.eq(`${path}.price`, t?.price, e.price);
      m.eq(`${path}.tab`, t?.tab, e.tab);
      m.eq(`${path}.surplus`, t?.surplus, e.surplus);
      m.eq(`${path}.penaltyPaid`, t?.penaltyPaid, e.penaltyPaid);
      m.eq(`${path}.shortfall`, t?.shortfall, e.shortfall);
      m.eq(`${path}.buyer`, t?.buyer, e.buyer);
    }
  }
  const params = await p.auction.read.params(at);
  const ap = (await gql(`{ auctionParams(id: "current") { buffer floorRatio cusp liquidationPenalty duration tail flatTip chip maxTip } }`)).auctionParams;
  for (const [k, field] of [["buffer", "buffer"], ["floorRatio", "floorRatio"], ["cusp", "cusp"], ["penalty", "liquidationPenalty"], ["duration", "duration"], ["tail", "tail"], ["flatTip", "flatTip"], ["chip", "chip"], ["maxTip", "maxTip"]] as const) {
    m.eq(`AuctionParams.${field}`, params[k], ap?.[field]);
  }

  // ------------------------------------------------------------------------------------------------- accounts
  const accountEntities = await all(gql, "accounts", "id gpusdBalance savingsShares principal operatorCeiling openPositionCount");
  const defaultCeiling = await p.engine.read.defaultOperatorCeiling(at);
  for (const e of accountEntities) {
    const a = getAddress(e.id) as Address;
    const path = `Account ${e.id}`;
    m.eq(`${path}.gpusdBalance`, await p.gpusd.read.balanceOf([a], at), e.gpusdBalance);
    m.eq(`${path}.savingsShares`, await p.savings.read.balanceOf([a], at), e.savingsShares);
    m.eq(`${path}.principal`, await p.engine.read.operatorPrincipal([a], at), e.principal);
    m.eq(`${path}.operatorCeiling (0 = default)`, await p.engine.read.operatorCeiling([a], at), BigInt(e.operatorCeiling) === 0n ? defaultCeiling : e.operatorCeiling);
    m.eq(`${path}.openPositionCount`, openVaults.filter(([, v]) => v.owner.toLowerCase() === e.id).length, e.openPositionCount);
  }
  // Every GPUSD holder has an account.
  const known = new Set(accountEntities.map((e) => e.id as string));
  for (const t of await p.gpusd.getEvents.Transfer({}, { fromBlock: 0n, toBlock: head })) {
    const to = t.args.to!.toLowerCase();
    if (to !== ZERO_ADDRESS && !known.has(to)) m.fail(`Account ${to}: missing (received GPUSD in ${t.transactionHash})`);
  }

  // ------------------------------------------------------------------------------------------------- protocol
  const pr = (
    await gql(
      `{ protocol(id: "gpu-credit") { totalPoolCount totalBorrowBalanceUSD totalDepositBalanceUSD totalValueLockedUSD totalPrincipal globalDebtCeiling defaultOperatorCeiling gpusdSupply openPositionCount cumulativePositionCount cumulativeUniqueUsers fleetCount enginePaused psmUsdcReserveUSD savingsTotalAssets reserveBuffer reserveCommitted totalImpaired auctionPaused auctionCount activeAuctionCount totalBadDebt oracleStopped latestRound { id } quorum signerCount oracleMaxAge oracleIncreaseDelay oracleMaxIncreasePerDay } }`,
    )
  ).protocol;
  if (!pr) m.fail("Protocol: missing");
  else {
    m.eq("Protocol.totalPoolCount", GPU_CLASSES.length, pr.totalPoolCount);
    m.eq("Protocol.totalBorrowBalanceUSD (Σ classes)", classDebt, pr.totalBorrowBalanceUSD);
    m.eq("Protocol.totalDepositBalanceUSD (Σ classes)", classDeposits, pr.totalDepositBalanceUSD);
    m.eq("Protocol.totalValueLockedUSD", BigInt(pr.totalDepositBalanceUSD) + BigInt(pr.psmUsdcReserveUSD) + BigInt(pr.savingsTotalAssets), pr.totalValueLockedUSD);
    m.eq("Protocol.totalPrincipal", await p.engine.read.totalPrincipal(at), pr.totalPrincipal);
    m.eq("Protocol.globalDebtCeiling", await p.engine.read.globalDebtCeiling(at), pr.globalDebtCeiling);
    m.eq("Protocol.defaultOperatorCeiling", defaultCeiling, pr.defaultOperatorCeiling);
    m.eq("Protocol.gpusdSupply", await p.gpusd.read.totalSupply(at), pr.gpusdSupply);
    m.eq("Protocol.openPositionCount", openVaults.length, pr.openPositionCount);
    m.eq("Protocol.cumulativePositionCount", lastVaultId, pr.cumulativePositionCount);
    m.eq("Protocol.cumulativeUniqueUsers (Account entities)", accountEntities.length, pr.cumulativeUniqueUsers);
    m.eq("Protocol.fleetCount", [...fleetRecords.values()].filter((r) => r !== null).length, pr.fleetCount);
    m.eq("Protocol.enginePaused", await p.engine.read.paused(at), pr.enginePaused);
    m.eq("Protocol.psmUsdcReserveUSD", (await p.usdc.read.balanceOf([p.psm.address], at)) * SCALE, pr.psmUsdcReserveUSD);
    m.eq("Protocol.savingsTotalAssets (= SavingsVault.inputTokenBalance)", sv?.inputTokenBalance, pr.savingsTotalAssets);
    m.eq("Protocol.reserveBuffer", await p.reserve.read.buffer(at), pr.reserveBuffer);
    m.eq("Protocol.reserveCommitted", await p.reserve.read.totalCommitted(at), pr.reserveCommitted);
    m.eq("Protocol.totalImpaired", await p.savings.read.totalImpaired(at), pr.totalImpaired);
    m.eq("Protocol.auctionPaused", await p.auction.read.paused(at), pr.auctionPaused);
    m.eq("Protocol.auctionCount", lastAuctionId, pr.auctionCount);
    m.eq("Protocol.activeAuctionCount", running, pr.activeAuctionCount);
    m.eq("Protocol.totalBadDebt", await p.auction.read.totalBadDebt(at), pr.totalBadDebt);
    m.eq("Protocol.oracleStopped", await p.oracle.read.stopped(at), pr.oracleStopped);
    m.eq("Protocol.latestRound", String(await p.oracle.read.latestRoundId(at)), pr.latestRound);
    m.eq("Protocol.quorum", await p.oracle.read.quorum(at), pr.quorum);
    m.eq("Protocol.signerCount", await p.oracle.read.signerCount(at), pr.signerCount);
    const op = await p.oracle.read.params(at);
    m.eq("Protocol.oracleMaxAge", op.maxAge, pr.oracleMaxAge);
    m.eq("Protocol.oracleIncreaseDelay", op.increaseDelay, pr.oracleIncreaseDelay);
    m.eq("Protocol.oracleMaxIncreasePerDay", op.maxIncreasePerDay, pr.oracleMaxIncreasePerDay);
    const h = byHealth.get("protocol");
    for (const field of BUCKETS) {
      const count = vaultEntities.filter((v) => !v.closed && bucketField(v.healthBucket) === field).length;
      m.eq(`HealthDistribution protocol.${field}`, count, h?.[field]);
    }
  }

  // ------------------------------------------------------------------------------------------------- governance
  const ops = await all(gql, "scheduledOperations", "id operationId nonce status");
  for (const e of ops) {
    const pending = (await p.authority.read.getSchedule([e.operationId as Hex], at)) !== 0;
    const nonce = await p.authority.read.getNonce([e.operationId as Hex], at);
    m.eq(`ScheduledOperation ${e.id} pending`, pending && nonce === Number(e.nonce), e.status === "scheduled");
  }
  const members = await all(gql, "roleMembers", "id roleId account active executionDelay");
  for (const e of members) {
    const [isMember, delay] = await p.authority.read.hasRole([BigInt(e.roleId), getAddress(e.account)], at);
    m.eq(`RoleMember ${e.id}.active`, isMember, e.active);
    if (isMember) m.eq(`RoleMember ${e.id}.executionDelay`, delay, e.executionDelay);
  }
  return { mismatches: m.lines, checks: m.checks };
}
