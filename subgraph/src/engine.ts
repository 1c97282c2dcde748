import { Address, BigInt, ethereum } from "@graphprotocol/graph-ts";
import {
  Accrued,
  AuthorityUpdated,
  Borrowed,
  ClassSet,
  CollateralAdded,
  CollateralRemoved,
  DefaultOperatorCeilingSet,
  GlobalDebtCeilingSet,
  InterestMinted,
  OperatorCeilingSet,
  Paused,
  Repaid,
  Seized,
  Unpaused,
  VaultClosed,
  VaultOpened,
  LiquidatorSet,
} from "../generated/CreditEngine/CreditEngine";
import {
  Protocol,
  Borrow,
  CollateralClass,
  Fleet,
  InterestAccrual,
  InterestMint,
  Repay,
  Seizure,
  Vault,
} from "../generated/schema";
import {
  countVault,
  moveVault,
  eventId,
  Flows,
  getAccount,
  getGpuModel,
  getHealthDistribution,
  getProtocol,
  healthOf,
  json,
  loadClass,
  RAY,
  recordParameter,
  refreshClassDebt,
  refreshVaultHealth,
  RiskFlows,
  touchProtocol,
  vaultClassId,
  writeClassPoint,
  writeProtocolPoint,
  touchVault,
  recordMove,
  releaseFleet,
  ZERO, recordLiquidatorSet } from "./common";

const CONTRACT = "CreditEngine";

function loadVault(vaultId: BigInt): Vault {
  let v = Vault.load(vaultId.toString());
  if (v == null) throw new Error("Vault " + vaultId.toString() + " was never opened");
  return v;
}

function fleetValue(vault: Vault): BigInt {
  let fleetId = vault.fleet;
  if (fleetId === null) return ZERO;
  let fleet = Fleet.load(fleetId as string);
  return fleet == null ? ZERO : fleet.value;
}

// ---------------------------------------------------------------------------------------------------- governance

export function handleClassSet(event: ClassSet): void {
  let id = event.params.classId.toString();
  let cls = CollateralClass.load(id);
  let p = getProtocol();
  if (cls == null) {
    cls = new CollateralClass(id);
    cls.classId = event.params.classId;
    // A new class starts its accumulator at 1 now (setClass does the same); later changes arrive after an Accrued.
    cls.rate = RAY;
    cls.lastAccrual = event.block.timestamp;
    cls.normDebt = ZERO;
    cls.totalBorrowBalanceUSD = ZERO;
    cls.totalDepositBalanceUSD = ZERO;
    cls.ceilingUtilization = ZERO;
    cls.totalPrincipal = ZERO;
    cls.unmintedInterest = ZERO;
    cls.cumulativeInterestUSD = ZERO;
    cls.cumulativeBorrowUSD = ZERO;
    cls.cumulativeRepayUSD = ZERO;
    cls.cumulativeLiquidateUSD = ZERO;
    cls.openPositionCount = 0;
    cls.health = getHealthDistribution(id).id;
    cls.createdTimestamp = event.block.timestamp;
    p.totalPoolCount += 1;
    let ids = p.classIds;
    ids.push(event.params.classId);
    p.classIds = ids;
  }
  let model = getGpuModel(event.params.classId);
  model.collateralClass = id;
  model.save();
  cls.gpuModel = model.id;
  cls.stabilityFee = event.params.stabilityFee;
  cls.maximumLTV = event.params.maxLtv;
  cls.liquidationThreshold = event.params.liquidationLtv;
  cls.borrowCap = event.params.debtCeiling;
  cls.dust = event.params.dust;
  cls.term = event.params.term;
  cls.period = event.params.period;
  cls.grace = event.params.grace;
  cls.lastUpdatedTimestamp = event.block.timestamp;
  refreshClassDebt(cls, p);
  cls.save();
  p.engine = event.address;
  touchProtocol(p, event);
  recordParameter(
    event,
    CONTRACT,
    "ClassSet",
    json(
      ["stabilityFee", "maxLtv", "liquidationLtv", "debtCeiling", "dust", "term", "period", "grace"],
      [
        event.params.stabilityFee.toString(),
        event.params.maxLtv.toString(),
        event.params.liquidationLtv.toString(),
        event.params.debtCeiling.toString(),
        event.params.dust.toString(),
        event.params.term.toString(),
        event.params.period.toString(),
        event.params.grace.toString(),
      ],
    ),
    event.params.classId,
    null,
  );
  writeClassPoint(event, cls, new Flows());
}

export function handleGlobalDebtCeilingSet(event: GlobalDebtCeilingSet): void {
  let p = getProtocol();
  p.globalDebtCeiling = event.params.ceiling;
  touchProtocol(p, event);
  recordParameter(event, CONTRACT, "GlobalDebtCeilingSet", json(["ceiling"], [event.params.ceiling.toString()]), -1, null);
}

export function handleDefaultOperatorCeilingSet(event: DefaultOperatorCeilingSet): void {
  let p = getProtocol();
  p.defaultOperatorCeiling = event.params.ceiling;
  touchProtocol(p, event);
  recordParameter(event, CONTRACT, "DefaultOperatorCeilingSet", json(["ceiling"], [event.params.ceiling.toString()]), -1, null);
}

export function handleOperatorCeilingSet(event: OperatorCeilingSet): void {
  let account = getAccount(event.params.operator, event.block.timestamp);
  account.operatorCeiling = event.params.ceiling;
  account.save();
  recordParameter(
    event,
    CONTRACT,
    "OperatorCeilingSet",
    json(["operator", "ceiling"], [event.params.operator.toHexString(), event.params.ceiling.toString()]),
    -1,
    event.params.operator,
  );
}

export function handlePaused(event: Paused): void {
  let p = getProtocol();
  p.enginePaused = true;
  touchProtocol(p, event);
  recordParameter(event, CONTRACT, "Paused", json(["account"], [event.params.account.toHexString()]), -1, event.params.account);
}

export function handleUnpaused(event: Unpaused): void {
  let p = getProtocol();
  p.enginePaused = false;
  touchProtocol(p, event);
  recordParameter(event, CONTRACT, "Unpaused", json(["account"], [event.params.account.toHexString()]), -1, event.params.account);
}

export function handleAuthorityUpdated(event: AuthorityUpdated): void {
  let p = getProtocol();
  p.engineAuthority = event.params.authority;
  touchProtocol(p, event);
  recordParameter(event, CONTRACT, "AuthorityUpdated", json(["authority"], [event.params.authority.toHexString()]), -1, event.params.authority);
}

// ---------------------------------------------------------------------------------------------------- interest

export function handleAccrued(event: Accrued): void {
  let cls = loadClass(event.params.classId);
  let p = getProtocol();
  cls.rate = event.params.rate;
  cls.lastAccrual = event.params.timestamp;
  // The class's normalized debt before the change that triggered the accrual; equal to our running sum.
  cls.normDebt = event.params.classNormDebt;
  let interest = event.params.interest;
  cls.unmintedInterest = cls.unmintedInterest.plus(interest);
  cls.cumulativeInterestUSD = cls.cumulativeInterestUSD.plus(interest);
  cls.lastUpdatedTimestamp = event.block.timestamp;
  refreshClassDebt(cls, p);
  cls.save();
  p.cumulativeInterestUSD = p.cumulativeInterestUSD.plus(interest);
  p.cumulativeTotalRevenueUSD = p.cumulativeTotalRevenueUSD.plus(interest);

  let e = new InterestAccrual(eventId(event));
  e.hash = event.transaction.hash;
  e.blockNumber = event.block.number;
  e.timestamp = event.block.timestamp;
  e.collateralClass = cls.id;
  e.rate = event.params.rate;
  e.interest = interest;
  e.classNormDebt = event.params.classNormDebt;
  e.save();

  if (interest.isZero()) {
    touchProtocol(p, event);
    return;
  }
  let flows = new Flows();
  flows.interest = interest;
  writeClassPoint(event, cls, flows);
  let risk = new RiskFlows();
  risk.revenue = interest;
  writeProtocolPoint(event, p, risk);
}

export function handleInterestMinted(event: InterestMinted): void {
  let cls = loadClass(event.params.classId);
  cls.unmintedInterest = cls.unmintedInterest.minus(event.params.amount);
  cls.save();
  let e = new InterestMint(eventId(event));
  e.hash = event.transaction.hash;
  e.blockNumber = event.block.number;
  e.timestamp = event.block.timestamp;
  e.collateralClass = cls.id;
  e.reserve = event.params.reserve;
  e.amount = event.params.amount;
  e.save();
}

// ---------------------------------------------------------------------------------------------------- collateral

/** A fleet enters a vault: the vault joins the class's counts and the fleet's value joins the collateral totals. */
function lockFleet(vault: Vault, fleetId: BigInt, classId: i32, event: ethereum.Event, p: Protocol): BigInt {
  let fleet = Fleet.load(fleetId.toString());
  let value = ZERO;
  if (fleet != null) {
    fleet.vault = vault.id;
    fleet.save();
    value = fleet.value;
  }
  let cls = loadClass(classId);
  moveVault(0, vault.healthBucket, classId, vault.healthBucket);
  vault.collateralClass = cls.id;
  vault.fleet = fleetId.toString();
  vault.collateralValue = value;
  cls.openPositionCount += 1;
  cls.totalDepositBalanceUSD = cls.totalDepositBalanceUSD.plus(value);
  cls.lastUpdatedTimestamp = event.block.timestamp;
  cls.save();
  p.totalDepositBalanceUSD = p.totalDepositBalanceUSD.plus(value);
  writeProtocolPoint(event, p, new RiskFlows());
  writeClassPoint(event, cls, new Flows());
  return value;
}

export function handleVaultOpened(event: VaultOpened): void {
  let owner = getAccount(event.params.owner, event.block.timestamp);
  owner.openPositionCount += 1;
  owner.save();
  let p = getProtocol();
  p.openPositionCount += 1;
  p.cumulativePositionCount += 1;

  let vault = new Vault(event.params.vaultId.toString());
  vault.vaultId = event.params.vaultId;
  vault.owner = owner.id;
  vault.normDebt = ZERO;
  vault.principal = ZERO;
  vault.peakPrincipal = ZERO;
  vault.scheduleStart = ZERO;
  vault.debt = ZERO;
  vault.collateralValue = ZERO;
  vault.healthBucket = "none";
  vault.closed = false;
  vault.inAuction = false;
  vault.borrowCount = 0;
  vault.repayCount = 0;
  vault.liquidationCount = 0;
  vault.openedTimestamp = event.block.timestamp;
  countVault(0, "none", 1);
  let value = lockFleet(vault, event.params.fleetId, event.params.classId, event, p);
  touchVault(vault, event);
  recordMove(event, vault, event.params.fleetId.toString(), "opened", event.params.classId, null, value);
}

export function handleCollateralAdded(event: CollateralAdded): void {
  let vault = loadVault(event.params.vaultId);
  let value = lockFleet(vault, event.params.fleetId, event.params.classId, event, getProtocol());
  touchVault(vault, event);
  recordMove(event, vault, event.params.fleetId.toString(), "added", event.params.classId, null, value);
}

export function handleCollateralRemoved(event: CollateralRemoved): void {
  let vault = loadVault(event.params.vaultId);
  let classId = vaultClassId(vault);
  let value = releaseFleet(vault, event, new Flows(), getProtocol(), new RiskFlows());
  touchVault(vault, event);
  recordMove(event, vault, event.params.fleetId.toString(), "removed", classId, event.params.to, value);
}

export function handleVaultClosed(event: VaultClosed): void {
  let vault = loadVault(event.params.vaultId);
  // close() emits CollateralRemoved first when the vault held a fleet, so it is empty and debt-free here.
  countVault(0, vault.healthBucket, -1);
  vault.closed = true;
  vault.closedTimestamp = event.block.timestamp;
  touchVault(vault, event);
  let owner = getAccount(event.params.owner, event.block.timestamp);
  owner.openPositionCount -= 1;
  owner.save();
  let p = getProtocol();
  p.openPositionCount -= 1;
  writeProtocolPoint(event, p, new RiskFlows());
  recordMove(event, vault, null, "closed", 0, null, ZERO);
}

// ---------------------------------------------------------------------------------------------------- debt

export function handleBorrowed(event: Borrowed): void {
  let vault = loadVault(event.params.vaultId);
  let cls = loadClass(vaultClassId(vault));
  let owner = getAccount(Address.fromBytes(vault.owner), event.block.timestamp);
  // After getAccount, which may bump the protocol's user count.
  let p = getProtocol();
  let amount = event.params.amount;

  cls.normDebt = cls.normDebt.plus(event.params.normDebt).minus(vault.normDebt);
  cls.rate = event.params.rate;
  cls.totalPrincipal = cls.totalPrincipal.plus(amount);
  cls.cumulativeBorrowUSD = cls.cumulativeBorrowUSD.plus(amount);
  cls.lastUpdatedTimestamp = event.block.timestamp;
  refreshClassDebt(cls, p);
  cls.save();
  p.totalPrincipal = p.totalPrincipal.plus(amount);
  p.cumulativeBorrowUSD = p.cumulativeBorrowUSD.plus(amount);
  owner.principal = owner.principal.plus(amount);
  owner.save();

  vault.normDebt = event.params.normDebt;
  vault.principal = event.params.principal;
  vault.peakPrincipal = event.params.peakPrincipal;
  vault.scheduleStart = event.params.scheduleStart;
  vault.borrowCount += 1;
  refreshVaultHealth(vault, fleetValue(vault), event.block.timestamp, cls);
  touchVault(vault, event);

  let b = new Borrow(eventId(event));
  b.hash = event.transaction.hash;
  b.logIndex = event.logIndex.toI32();
  b.blockNumber = event.block.number;
  b.timestamp = event.block.timestamp;
  b.vault = vault.id;
  b.collateralClass = cls.id;
  b.account = owner.id;
  b.to = event.params.to;
  b.amount = amount;
  b.amountUSD = amount;
  b.normDebt = event.params.normDebt;
  b.principal = event.params.principal;
  b.peakPrincipal = event.params.peakPrincipal;
  b.scheduleStart = event.params.scheduleStart;
  b.rate = event.params.rate;
  b.healthAfter = vault.health;
  b.save();

  let flows = new Flows();
  flows.borrowed = amount;
  writeClassPoint(event, cls, flows);
  writeProtocolPoint(event, p, new RiskFlows());
}

export function handleRepaid(event: Repaid): void {
  let vault = loadVault(event.params.vaultId);
  let classId = vaultClassId(vault);
  let owner = getAccount(Address.fromBytes(vault.owner), event.block.timestamp);
  let payer = getAccount(event.params.payer, event.block.timestamp);
  // After getAccount, which may bump the protocol's user count.
  let p = getProtocol();
  let amount = event.params.amount;
  let principalPaid = event.params.principalPaid;

  // A vault emptied by seizure carries no debt, so repay() reverts there: a repaid vault always has a class.
  let cls = loadClass(classId);
  cls.normDebt = cls.normDebt.plus(event.params.normDebt).minus(vault.normDebt);
  cls.rate = event.params.rate;
  cls.totalPrincipal = cls.totalPrincipal.minus(principalPaid);
  cls.cumulativeRepayUSD = cls.cumulativeRepayUSD.plus(amount);
  cls.lastUpdatedTimestamp = event.block.timestamp;
  refreshClassDebt(cls, p);
  cls.save();
  p.totalPrincipal = p.totalPrincipal.minus(principalPaid);
  p.cumulativeRepayUSD = p.cumulativeRepayUSD.plus(amount);
  owner.principal = owner.principal.minus(principalPaid);
  owner.save();

  vault.normDebt = event.params.normDebt;
  vault.principal = event.params.principal;
  if (event.params.principal.isZero()) {
    // The engine ends the amortization line with the principal.
    vault.peakPrincipal = ZERO;
    vault.scheduleStart = ZERO;
  }
  vault.repayCount += 1;
  refreshVaultHealth(vault, fleetValue(vault), event.block.timestamp, cls);
  touchVault(vault, event);

  let r = new Repay(eventId(event));
  r.hash = event.transaction.hash;
  r.logIndex = event.logIndex.toI32();
  r.blockNumber = event.block.number;
  r.timestamp = event.block.timestamp;
  r.vault = vault.id;
  r.collateralClass = cls.id;
  r.account = payer.id;
  r.amount = amount;
  r.amountUSD = amount;
  r.interestPaid = event.params.interestPaid;
  r.principalPaid = principalPaid;
  r.normDebt = event.params.normDebt;
  r.principal = event.params.principal;
  r.rate = event.params.rate;
  r.save();

  let flows = new Flows();
  flows.repaid = amount;
  writeClassPoint(event, cls, flows);
  writeProtocolPoint(event, p, new RiskFlows());
}

export function handleSeized(event: Seized): void {
  let vault = loadVault(event.params.vaultId);
  let classId = vaultClassId(vault);
  let cls = loadClass(classId);
  let owner = getAccount(event.params.owner, event.block.timestamp);
  let p = getProtocol();
  let debt = event.params.debt;
  let principal = event.params.principal;

  // Health as the engine judged it: the fleet's last value against the debt handed to the auction.
  let value = fleetValue(vault);
  let s = new Seizure(eventId(event));
  s.hash = event.transaction.hash;
  s.blockNumber = event.block.number;
  s.timestamp = event.block.timestamp;
  s.vault = vault.id;
  s.fleet = event.params.fleetId.toString();
  s.collateralClass = cls.id;
  s.owner = owner.id;
  s.debt = debt;
  s.principal = principal;
  s.unhealthy = event.params.unhealthy;
  s.missedPayment = event.params.missedPayment;
  s.healthAtSeizure = healthOf(value, cls.liquidationThreshold, debt);
  s.save();

  cls.normDebt = cls.normDebt.minus(vault.normDebt);
  cls.totalPrincipal = cls.totalPrincipal.minus(principal);
  cls.cumulativeLiquidateUSD = cls.cumulativeLiquidateUSD.plus(debt);
  p.totalPrincipal = p.totalPrincipal.minus(principal);
  p.cumulativeLiquidateUSD = p.cumulativeLiquidateUSD.plus(debt);
  owner.principal = owner.principal.minus(principal);
  owner.save();

  vault.normDebt = ZERO;
  vault.principal = ZERO;
  vault.peakPrincipal = ZERO;
  vault.scheduleStart = ZERO;
  vault.liquidationCount += 1;
  vault.lastSeizure = s.id;
  // The engine keeps the fleet until the auction's take delivers it (handleTaken releases it): the vault stays in its
  // class, without debt, its value still counted as collateral.
  vault.inAuction = true;
  refreshVaultHealth(vault, value, event.block.timestamp);
  refreshClassDebt(cls, p);
  cls.save();
  p.save();
  let flows = new Flows();
  flows.liquidated = debt;
  writeClassPoint(event, cls, flows);
  writeProtocolPoint(event, p, new RiskFlows());
  touchVault(vault, event);
  recordMove(event, vault, event.params.fleetId.toString(), "seized", classId, null, value);
}

export function handleLiquidatorSet(event: LiquidatorSet): void {
  recordLiquidatorSet(event, CONTRACT, event.params.liquidator, event.params.allowed);
}
