import { Address, BigDecimal, BigInt, Bytes, dataSource, ethereum } from "@graphprotocol/graph-ts";
import {
  Account,
  CollateralClass,
  GpuModel,
  HealthDistribution,
  ParameterChange,
  Protocol,
  ProtocolPoint,
  ClassPoint,
  CollateralMove,
  Fleet,
  Vault,
} from "../generated/schema";

export const PROTOCOL_ID = "gpu-credit";
export const ZERO = BigInt.zero();
export const ONE = BigInt.fromI32(1);
export const WAD = BigInt.fromString("1000000000000000000");
export const RAY = BigInt.fromString("1000000000000000000000000000");
export const ZERO_ADDRESS = Address.zero();

// ------------------------------------------------------------------------------------------------ contract math
// The contracts' MathLib, in BigInt: the mappings must land on the same integers as the chain, rounding included.

export function mulDivDown(x: BigInt, y: BigInt, d: BigInt): BigInt {
  return x.times(y).div(d);
}

export function mulDivUp(x: BigInt, y: BigInt, d: BigInt): BigInt {
  return x.times(y).plus(d.minus(ONE)).div(d);
}

export function wMulDown(x: BigInt, y: BigInt): BigInt {
  return mulDivDown(x, y, WAD);
}

export function wDivDown(x: BigInt, y: BigInt): BigInt {
  return mulDivDown(x, WAD, y);
}

export function rMulDown(x: BigInt, y: BigInt): BigInt {
  return mulDivDown(x, y, RAY);
}

export function rMulUp(x: BigInt, y: BigInt): BigInt {
  return mulDivUp(x, y, RAY);
}

export function zeroFloorSub(a: BigInt, b: BigInt): BigInt {
  return a.gt(b) ? a.minus(b) : ZERO;
}

export function minBig(a: BigInt, b: BigInt): BigInt {
  return a.lt(b) ? a : b;
}

/** MathLib.rPow: binary exponentiation in ray, each step rounded down exactly as on-chain. */
export function rPow(base: BigInt, exponent: BigInt): BigInt {
  let x = base;
  let n = exponent;
  let two = BigInt.fromI32(2);
  let z = n.mod(two).isZero() ? RAY : x;
  for (n = n.div(two); !n.isZero(); n = n.div(two)) {
    x = rMulDown(x, x);
    if (!n.mod(two).isZero()) z = rMulDown(z, x);
  }
  return z;
}

/** The class accumulator projected to `now`, as the engine's views compute it between accruals. */
export function projectedRate(cls: CollateralClass, now: BigInt): BigInt {
  let elapsed = now.minus(cls.lastAccrual);
  if (elapsed.le(ZERO) || cls.rate.isZero()) return cls.rate;
  return rMulDown(cls.rate, rPow(cls.stabilityFee, elapsed));
}

// ------------------------------------------------------------------------------------------------ ids and events

export function eventId(event: ethereum.Event): Bytes {
  return event.transaction.hash.concatI32(event.logIndex.toI32());
}

/**
 * A unique Int8 for a timeseries point: graph-node assigns its own ids and block timestamps to data points, but a host
 * that does not still gets ids unique per (block, log, series). Class points add the class id to the series, because a
 * round's last valuation writes one per class.
 */
export function pointId(event: ethereum.Event, series: i32): i64 {
  return (event.block.number.toI64() << 24) | (event.logIndex.toI64() << 8) | ((series & 0xff) as i64);
}

export function json(keys: string[], values: string[]): string {
  let parts = new Array<string>();
  // Values are decimal or hex strings, except role labels, which governance writes freely: escape those.
  for (let i = 0; i < keys.length; i++) parts.push('"' + keys[i] + '":"' + values[i].replaceAll("\\", "\\\\").replaceAll('"', '\\"') + '"');
  return "{" + parts.join(",") + "}";
}

export function recordParameter(
  event: ethereum.Event,
  contract: string,
  parameter: string,
  value: string,
  classId: i32,
  subject: Bytes | null,
): void {
  let change = new ParameterChange(eventId(event));
  change.contract = contract;
  change.contractAddress = event.address;
  change.parameter = parameter;
  if (classId >= 0) change.classId = classId;
  if (subject !== null) change.subject = subject;
  change.value = value;
  change.hash = event.transaction.hash;
  change.blockNumber = event.block.number;
  change.timestamp = event.block.timestamp;
  change.save();
}

/** CreditEngine, Reserve and SavingsVault each keep a liquidator set (the auction); a change is a governance event. */
export function recordLiquidatorSet(event: ethereum.Event, contract: string, liquidator: Address, allowed: boolean): void {
  recordParameter(
    event,
    contract,
    "LiquidatorSet",
    json(["liquidator", "allowed"], [liquidator.toHexString(), allowed ? "true" : "false"]),
    -1,
    liquidator,
  );
}

// ------------------------------------------------------------------------------------------------ loaders

export function getHealthDistribution(id: string): HealthDistribution {
  let h = HealthDistribution.load(id);
  if (h == null) {
    h = new HealthDistribution(id);
    h.vaultsWithoutDebt = 0;
    h.below100 = 0;
    h.from100To110 = 0;
    h.from110To125 = 0;
    h.from125To150 = 0;
    h.from150To200 = 0;
    h.above200 = 0;
    h.save();
  }
  return h;
}

export function getProtocol(): Protocol {
  let p = Protocol.load(PROTOCOL_ID);
  if (p == null) {
    p = new Protocol(PROTOCOL_ID);
    p.engine = ZERO_ADDRESS;
    p.totalPoolCount = 0;
    p.classIds = new Array<i32>();
    p.totalBorrowBalanceUSD = ZERO;
    p.totalDepositBalanceUSD = ZERO;
    p.totalValueLockedUSD = ZERO;
    p.totalPrincipal = ZERO;
    p.globalDebtCeiling = ZERO;
    p.defaultOperatorCeiling = ZERO;
    p.cumulativeBorrowUSD = ZERO;
    p.cumulativeRepayUSD = ZERO;
    p.cumulativeLiquidateUSD = ZERO;
    p.cumulativeTotalRevenueUSD = ZERO;
    p.cumulativeSupplySideRevenueUSD = ZERO;
    p.cumulativeProtocolSideRevenueUSD = ZERO;
    p.cumulativeInterestUSD = ZERO;
    p.gpusdSupply = ZERO;
    p.openPositionCount = 0;
    p.cumulativePositionCount = 0;
    p.cumulativeUniqueUsers = 0;
    p.fleetCount = 0;
    p.enginePaused = false;
    p.psmUsdcReserveUSD = ZERO;
    p.savingsTotalAssets = ZERO;
    p.reserveBuffer = ZERO;
    p.reserveCommitted = ZERO;
    p.totalImpaired = ZERO;
    p.auctionPaused = false;
    p.auctionCount = 0;
    p.activeAuctionCount = 0;
    p.totalBadDebt = ZERO;
    p.oracleStopped = false;
    p.quorum = ZERO;
    p.signerCount = ZERO;
    p.oracleMaxAge = ZERO;
    p.oracleIncreaseDelay = ZERO;
    p.oracleMaxIncreasePerDay = ZERO;
    p.health = getHealthDistribution("protocol").id;
    p.lastUpdatedTimestamp = ZERO;
    p.lastUpdatedBlockNumber = ZERO;
    p.save();
  }
  return p;
}

export function getAccount(address: Address, timestamp: BigInt): Account {
  let a = Account.load(address);
  if (a == null) {
    a = new Account(address);
    a.gpusdBalance = ZERO;
    a.savingsShares = ZERO;
    a.principal = ZERO;
    a.operatorCeiling = ZERO;
    a.openPositionCount = 0;
    a.firstSeenTimestamp = timestamp;
    a.save();
    let p = getProtocol();
    p.cumulativeUniqueUsers += 1;
    p.save();
  }
  return a;
}

/** Names come from the manifest context (`gpuModelNames`, "1=H100 SXM;2=H200"): the chain knows only class ids. */
function gpuModelName(classId: i32): string {
  let fallback = "class " + classId.toString();
  let context = dataSource.context();
  if (!context.isSet("gpuModelNames")) return fallback;
  let entries = context.getString("gpuModelNames").split(";");
  for (let i = 0; i < entries.length; i++) {
    let kv = entries[i].split("=");
    if (kv.length == 2 && kv[0] == classId.toString()) return kv[1];
  }
  return fallback;
}

export function getGpuModel(classId: i32): GpuModel {
  let id = classId.toString();
  let m = GpuModel.load(id);
  if (m == null) {
    m = new GpuModel(id);
    m.classId = classId;
    m.name = gpuModelName(classId);
    m.minValuePerGpu = ZERO;
    m.maxValuePerGpu = ZERO;
    m.valuePerGpu = ZERO;
    m.indexRoundId = ZERO;
    m.indexObservedAt = ZERO;
    m.fleetCount = 0;
    m.gpuCount = ZERO;
    if (CollateralClass.load(id) != null) m.collateralClass = id;
    m.save();
  }
  return m;
}

/** Loads a class the engine has configured (ClassSet creates it; every later event names a configured class). */
export function loadClass(classId: i32): CollateralClass {
  let cls = CollateralClass.load(classId.toString());
  if (cls == null) throw new Error("CollateralClass " + classId.toString() + " was never set");
  return cls;
}

// ------------------------------------------------------------------------------------------------ health

export function healthOf(value: BigInt, liquidationLtv: BigInt, debt: BigInt): BigInt | null {
  if (debt.isZero()) return null;
  return wDivDown(wMulDown(value, liquidationLtv), debt);
}

const H110 = BigInt.fromString("1100000000000000000");
const H125 = BigInt.fromString("1250000000000000000");
const H150 = BigInt.fromString("1500000000000000000");
const H200 = BigInt.fromString("2000000000000000000");

export function bucketOf(health: BigInt | null): string {
  if (health === null) return "none";
  let h = health as BigInt;
  if (h.lt(WAD)) return "below100";
  if (h.lt(H110)) return "from100To110";
  if (h.lt(H125)) return "from110To125";
  if (h.lt(H150)) return "from125To150";
  if (h.lt(H200)) return "from150To200";
  return "above200";
}

function bump(h: HealthDistribution, bucket: string, by: i32): void {
  if (bucket == "none") h.vaultsWithoutDebt += by;
  else if (bucket == "below100") h.below100 += by;
  else if (bucket == "from100To110") h.from100To110 += by;
  else if (bucket == "from110To125") h.from110To125 += by;
  else if (bucket == "from125To150") h.from125To150 += by;
  else if (bucket == "from150To200") h.from150To200 += by;
  else if (bucket == "above200") h.above200 += by;
}

/**
 * Moves a vault between health buckets of its class and of the protocol. `classId` 0 (no collateral) counts in the
 * protocol's distribution only. Called with by = -1 before a vault changes class and +1 after.
 */
export function countVault(classId: i32, bucket: string, by: i32): void {
  let p = getHealthDistribution("protocol");
  bump(p, bucket, by);
  p.save();
  if (classId > 0) {
    let c = getHealthDistribution(classId.toString());
    bump(c, bucket, by);
    c.save();
  }
}

/**
 * Moves one vault within the distributions: out of `fromBucket` of class `fromClass`, into `toBucket` of class
 * `toClass` (class 0: no collateral). The same counts as countVault(from, -1) then countVault(to, +1), but each
 * distribution is loaded and saved once, and only if its counts change: this runs for most valuations and every
 * collateral move, and each load and save marshals the whole entity across the wasm boundary.
 */
export function moveVault(fromClass: i32, fromBucket: string, toClass: i32, toBucket: string): void {
  if (fromBucket != toBucket) {
    let p = getHealthDistribution("protocol");
    bump(p, fromBucket, -1);
    bump(p, toBucket, 1);
    p.save();
  }
  if (fromClass == toClass) {
    if (fromClass > 0 && fromBucket != toBucket) {
      let c = getHealthDistribution(fromClass.toString());
      bump(c, fromBucket, -1);
      bump(c, toBucket, 1);
      c.save();
    }
    return;
  }
  if (fromClass > 0) {
    let from = getHealthDistribution(fromClass.toString());
    bump(from, fromBucket, -1);
    from.save();
  }
  if (toClass > 0) {
    let to = getHealthDistribution(toClass.toString());
    bump(to, toBucket, 1);
    to.save();
  }
}

/** Vault class id for bucket bookkeeping: 0 while it holds no fleet. */
export function vaultClassId(vault: Vault): i32 {
  let c = vault.collateralClass;
  return c === null ? 0 : I32.parseInt(c as string);
}

/**
 * Recomputes a vault's debt (projected to `now`), collateral value and health, and moves it to its new bucket.
 * The vault must already be counted in its current bucket under its current class. A handler that holds the vault's
 * class, as saved, passes it as `loaded` and spares a load of the whole entity.
 */
export function refreshVaultHealth(vault: Vault, fleetValue: BigInt, now: BigInt, loaded: CollateralClass | null = null): void {
  let oldBucket = vault.healthBucket;
  let classId = vaultClassId(vault);
  if (classId == 0 || vault.normDebt.isZero()) {
    vault.debt = ZERO;
    vault.health = null;
  } else {
    let cls = loaded !== null && loaded.classId == classId ? (loaded as CollateralClass) : loadClass(classId);
    vault.debt = rMulUp(vault.normDebt, projectedRate(cls, now));
    vault.health = healthOf(fleetValue, cls.liquidationThreshold, vault.debt);
  }
  vault.collateralValue = classId == 0 ? ZERO : fleetValue;
  let bucket = bucketOf(vault.health);
  if (bucket != oldBucket) {
    moveVault(classId, oldBucket, classId, bucket);
    vault.healthBucket = bucket;
  }
}

// ------------------------------------------------------------------------------------------------ class totals

/** Class debt from its normalized debt and accumulator; moves the protocol total by the change. */
export function refreshClassDebt(cls: CollateralClass, p: Protocol): void {
  let debt = rMulUp(cls.normDebt, cls.rate);
  p.totalBorrowBalanceUSD = p.totalBorrowBalanceUSD.plus(debt).minus(cls.totalBorrowBalanceUSD);
  cls.totalBorrowBalanceUSD = debt;
  cls.ceilingUtilization = cls.borrowCap.isZero() ? ZERO : wDivDown(debt, cls.borrowCap);
}

export function refreshTvl(p: Protocol): void {
  p.totalValueLockedUSD = p.totalDepositBalanceUSD.plus(p.psmUsdcReserveUSD).plus(p.savingsTotalAssets);
}

// ------------------------------------------------------------------------------------------------ series

export class Flows {
  borrowed: BigInt = ZERO;
  repaid: BigInt = ZERO;
  interest: BigInt = ZERO;
  liquidated: BigInt = ZERO;
}

export function writeClassPoint(event: ethereum.Event, cls: CollateralClass, flows: Flows): void {
  let point = new ClassPoint(pointId(event, 16 + cls.classId));
  point.timestamp = event.block.timestamp.toI64() * 1000000;
  point.collateralClass = cls.id;
  point.totalBorrowBalanceUSD = cls.totalBorrowBalanceUSD;
  point.totalDepositBalanceUSD = cls.totalDepositBalanceUSD;
  point.totalPrincipal = cls.totalPrincipal;
  point.borrowCap = cls.borrowCap;
  point.ceilingUtilization = cls.ceilingUtilization;
  point.rate = cls.rate;
  point.openPositionCount = cls.openPositionCount;
  let h = getHealthDistribution(cls.id);
  point.vaultsWithoutDebt = h.vaultsWithoutDebt;
  point.below100 = h.below100;
  point.from100To110 = h.from100To110;
  point.from110To125 = h.from110To125;
  point.from125To150 = h.from125To150;
  point.from150To200 = h.from150To200;
  point.above200 = h.above200;
  point.borrowedUSD = flows.borrowed;
  point.repaidUSD = flows.repaid;
  point.interestUSD = flows.interest;
  point.liquidatedUSD = flows.liquidated;
  point.save();
}

export class RiskFlows {
  badDebt: BigInt = ZERO;
  reserveCovered: BigInt = ZERO;
  saversAbsorbed: BigInt = ZERO;
  revenue: BigInt = ZERO;
}

export function touchProtocol(p: Protocol, event: ethereum.Event): void {
  p.lastUpdatedTimestamp = event.block.timestamp;
  p.lastUpdatedBlockNumber = event.block.number;
  refreshTvl(p);
  p.save();
}

/** Saves the protocol and writes its data point. */
export function writeProtocolPoint(event: ethereum.Event, p: Protocol, flows: RiskFlows): void {
  touchProtocol(p, event);
  let point = new ProtocolPoint(pointId(event, 2));
  point.timestamp = event.block.timestamp.toI64() * 1000000;
  point.totalBorrowBalanceUSD = p.totalBorrowBalanceUSD;
  point.totalDepositBalanceUSD = p.totalDepositBalanceUSD;
  point.totalValueLockedUSD = p.totalValueLockedUSD;
  point.gpusdSupply = p.gpusdSupply;
  point.reserveBuffer = p.reserveBuffer;
  point.reserveCommitted = p.reserveCommitted;
  point.totalBadDebt = p.totalBadDebt;
  point.totalImpaired = p.totalImpaired;
  let h = getHealthDistribution("protocol");
  point.vaultsWithoutDebt = h.vaultsWithoutDebt;
  point.below100 = h.below100;
  point.from100To110 = h.from100To110;
  point.from110To125 = h.from110To125;
  point.from125To150 = h.from125To150;
  point.from150To200 = h.from150To200;
  point.above200 = h.above200;
  point.activeAuctions = p.activeAuctionCount;
  point.badDebtUSD = flows.badDebt;
  point.reserveCoveredUSD = flows.reserveCovered;
  point.saversAbsorbedUSD = flows.saversAbsorbed;
  point.revenueUSD = flows.revenue;
  point.save();
}

/** (1 + apr/365)^365 − 1: the APY a saver sees if the current release rate held for a year, compounded daily. */
export function apyFromApr(aprWad: BigInt): BigDecimal {
  let apr = aprWad.toBigDecimal().div(WAD.toBigDecimal());
  let daily = apr.div(BigDecimal.fromString("365"));
  let growth = BigDecimal.fromString("1");
  let factor = BigDecimal.fromString("1").plus(daily);
  // Square-and-multiply over 365 = 0b101101101.
  let n: i32 = 365;
  while (n > 0) {
    if (n & 1) growth = growth.times(factor);
    factor = factor.times(factor);
    n >>= 1;
  }
  return growth.minus(BigDecimal.fromString("1"));
}

// ------------------------------------------------------------------------------------------------ vault custody

export function touchVault(vault: Vault, event: ethereum.Event): void {
  vault.lastUpdatedTimestamp = event.block.timestamp;
  vault.lastUpdatedBlockNumber = event.block.number;
  vault.save();
}

/** One CollateralMove per fleet movement into, out of or within a vault. */
export function recordMove(event: ethereum.Event, vault: Vault, fleetId: string | null, kind: string, classId: i32, to: Bytes | null, value: BigInt): void {
  let m = new CollateralMove(eventId(event));
  m.hash = event.transaction.hash;
  m.logIndex = event.logIndex.toI32();
  m.blockNumber = event.block.number;
  m.timestamp = event.block.timestamp;
  m.vault = vault.id;
  if (fleetId !== null) m.fleet = fleetId;
  m.kind = kind;
  m.classId = classId;
  if (to !== null) m.to = to;
  m.amountUSD = value;
  m.save();
}

/**
 * A fleet leaves a vault (returned, or sold by its auction): the reverse of lockFleet. The vault leaves its class's
 * counts and the fleet's value leaves the collateral totals; debt, if any, is settled by the caller. The caller's
 * changes to `p` and its `risk` flows go into the one protocol point this writes for the event.
 */
export function releaseFleet(vault: Vault, event: ethereum.Event, flows: Flows, p: Protocol, risk: RiskFlows): BigInt {
  let classId = vaultClassId(vault);
  let fleetKey = vault.fleet;
  let value = ZERO;
  if (fleetKey !== null) {
    let fleet = Fleet.load(fleetKey as string);
    if (fleet != null) {
      value = fleet.value;
      fleet.vault = null;
      fleet.save();
    }
  }
  moveVault(classId, vault.healthBucket, 0, "none");
  vault.collateralClass = null;
  vault.fleet = null;
  vault.collateralValue = ZERO;
  vault.debt = ZERO;
  vault.health = null;
  vault.healthBucket = "none";
  if (classId > 0) {
    let cls = loadClass(classId);
    cls.openPositionCount -= 1;
    // The class total was built from the fleet values at each change, so it moves by the value we last counted.
    cls.totalDepositBalanceUSD = cls.totalDepositBalanceUSD.minus(value);
    cls.lastUpdatedTimestamp = event.block.timestamp;
    refreshClassDebt(cls, p);
    cls.save();
    writeClassPoint(event, cls, flows);
  }
  p.totalDepositBalanceUSD = p.totalDepositBalanceUSD.minus(value);
  writeProtocolPoint(event, p, risk);
  return value;
}
