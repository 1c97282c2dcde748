import { BigInt, ethereum } from "@graphprotocol/graph-ts";
import {
  AuthorityUpdated,
  BadDebt,
  Kicked,
  LossSettled,
  ParamsSet,
  Paused,
  Redone,
  Taken,
  TipsClaimed,
  Unpaused,
} from "../generated/LiquidationAuction/LiquidationAuction";
import {
  Auction,
  AuctionKick,
  AuctionParams,
  AuctionReset,
  AuctionTake,
  LiquidationPoint,
  LossSettlement,
  Seizure,
  TipClaim,
  Vault,
} from "../generated/schema";
import { eventId, Flows, getProtocol, json, pointId, recordMove, recordParameter, releaseFleet, RiskFlows, touchProtocol, touchVault, vaultClassId, wDivDown, writeProtocolPoint, ZERO } from "./common";

const CONTRACT = "LiquidationAuction";

function loadAuction(auctionId: BigInt): Auction {
  let a = Auction.load(auctionId.toString());
  if (a == null) throw new Error("Auction " + auctionId.toString() + " was never kicked");
  return a;
}

class Step {
  kicks: i32 = 0;
  resets: i32 = 0;
  takes: i32 = 0;
  debt: BigInt = ZERO;
  proceeds: BigInt = ZERO;
  tab: BigInt = ZERO;
  shortfall: BigInt = ZERO;
  tips: BigInt = ZERO;
}

function writeLiquidationPoint(event: ethereum.Event, a: Auction, step: Step): void {
  let point = new LiquidationPoint(pointId(event, 5));
  point.timestamp = event.block.timestamp.toI64() * 1000000;
  point.collateralClass = a.collateralClass;
  point.kicks = step.kicks;
  point.resets = step.resets;
  point.takes = step.takes;
  point.debtUSD = step.debt;
  point.proceedsUSD = step.proceeds;
  point.tabUSD = step.tab;
  point.shortfallUSD = step.shortfall;
  point.tipsUSD = step.tips;
  point.save();
}

export function handleKicked(event: Kicked): void {
  let vault = Vault.load(event.params.vaultId.toString())!;
  // The engine's Seized comes earlier in the same kick and left the seizure on the vault.
  let seizure = Seizure.load(vault.lastSeizure!)!;
  let s = event.params.auction;
  let a = new Auction(event.params.auctionId.toString());
  a.auctionId = event.params.auctionId;
  a.vault = vault.id;
  a.fleet = s.fleetId.toString();
  a.collateralClass = seizure.collateralClass;
  a.owner = s.owner;
  a.seizure = seizure.id;
  a.unhealthy = seizure.unhealthy;
  a.missedPayment = seizure.missedPayment;
  a.cause = seizure.unhealthy && seizure.missedPayment ? "both" : seizure.unhealthy ? "unhealthy" : "missedPayment";
  a.debt = event.params.debt;
  a.top = s.top;
  a.floorPrice = s.floorPrice;
  a.tab = s.tab;
  a.penalty = s.penalty;
  a.committed = s.committed;
  a.impaired = s.impaired;
  a.start = s.start;
  a.tips = event.params.tip;
  a.resetCount = 0;
  a.status = "running";
  a.kickedTimestamp = event.block.timestamp;

  let k = new AuctionKick(eventId(event));
  k.hash = event.transaction.hash;
  k.blockNumber = event.block.number;
  k.timestamp = event.block.timestamp;
  k.auction = a.id;
  k.keeper = event.params.keeper;
  k.debt = event.params.debt;
  k.tip = event.params.tip;
  k.top = s.top;
  k.floorPrice = s.floorPrice;
  k.tab = s.tab;
  k.committed = s.committed;
  k.impaired = s.impaired;
  k.save();
  a.kick = k.id;
  a.save();

  let p = getProtocol();
  p.auctionCount += 1;
  p.activeAuctionCount += 1;
  writeProtocolPoint(event, p, new RiskFlows());
  let step = new Step();
  step.kicks = 1;
  step.debt = event.params.debt;
  step.tips = event.params.tip;
  writeLiquidationPoint(event, a, step);
}

export function handleRedone(event: Redone): void {
  let a = loadAuction(event.params.auctionId);
  let s = event.params.auction;
  a.top = s.top;
  a.floorPrice = s.floorPrice;
  a.tab = s.tab;
  a.committed = s.committed;
  a.impaired = s.impaired;
  a.start = s.start;
  a.tips = a.tips.plus(event.params.tip);
  a.resetCount += 1;
  a.save();

  let r = new AuctionReset(eventId(event));
  r.hash = event.transaction.hash;
  r.blockNumber = event.block.number;
  r.timestamp = event.block.timestamp;
  r.auction = a.id;
  r.keeper = event.params.keeper;
  r.tip = event.params.tip;
  r.top = s.top;
  r.floorPrice = s.floorPrice;
  r.tab = s.tab;
  r.committed = s.committed;
  r.impaired = s.impaired;
  r.save();

  let step = new Step();
  step.resets = 1;
  step.tips = event.params.tip;
  writeLiquidationPoint(event, a, step);
}

export function handleTaken(event: Taken): void {
  let a = loadAuction(event.params.auctionId);
  let price = event.params.price;
  let tab = event.params.tab;
  a.status = "taken";
  a.price = price;
  a.surplus = event.params.surplus;
  a.penaltyPaid = event.params.penaltyPaid;
  a.shortfall = event.params.shortfall;
  a.recoveryRate = tab.isZero() ? ZERO : wDivDown(price, tab);
  a.buyer = event.params.buyer;
  a.takenTimestamp = event.block.timestamp;
  // Zero unless LossSettled follows and says otherwise.
  a.coveredByReserve = ZERO;
  a.absorbedBySavers = ZERO;
  a.badDebt = ZERO;
  a.save();

  let t = new AuctionTake(eventId(event));
  t.hash = event.transaction.hash;
  t.blockNumber = event.block.number;
  t.timestamp = event.block.timestamp;
  t.auction = a.id;
  t.buyer = event.params.buyer;
  t.receiver = event.params.receiver;
  t.price = price;
  t.tab = tab;
  t.penaltyPaid = event.params.penaltyPaid;
  t.surplus = event.params.surplus;
  t.shortfall = event.params.shortfall;
  t.save();

  // The engine delivered the fleet to the receiver in this take: the vault stays open, empty and out of auction.
  let p = getProtocol();
  p.activeAuctionCount -= 1;
  p.cumulativeTotalRevenueUSD = p.cumulativeTotalRevenueUSD.plus(event.params.penaltyPaid);
  let flows = new RiskFlows();
  flows.revenue = event.params.penaltyPaid;
  let vault = Vault.load(a.vault)!;
  let classId = vaultClassId(vault);
  let value = releaseFleet(vault, event, new Flows(), p, flows);
  vault.inAuction = false;
  touchVault(vault, event);
  recordMove(event, vault, a.fleet, "sold", classId, event.params.receiver, value);

  let step = new Step();
  step.takes = 1;
  step.proceeds = price;
  step.tab = tab;
  step.shortfall = event.params.shortfall;
  writeLiquidationPoint(event, a, step);
}

export function handleLossSettled(event: LossSettled): void {
  let a = loadAuction(event.params.auctionId);
  a.coveredByReserve = event.params.coveredByReserve;
  a.absorbedBySavers = event.params.absorbedBySavers;
  a.badDebt = event.params.uncovered;
  a.save();

  let p = getProtocol();
  p.totalBadDebt = p.totalBadDebt.plus(event.params.uncovered);
  let l = new LossSettlement(eventId(event));
  l.hash = event.transaction.hash;
  l.blockNumber = event.block.number;
  l.timestamp = event.block.timestamp;
  l.auction = a.id;
  l.shortfall = event.params.shortfall;
  l.coveredByReserve = event.params.coveredByReserve;
  l.absorbedBySavers = event.params.absorbedBySavers;
  l.uncovered = event.params.uncovered;
  l.totalBadDebt = p.totalBadDebt;
  l.save();

  let flows = new RiskFlows();
  flows.badDebt = event.params.uncovered;
  flows.reserveCovered = event.params.coveredByReserve;
  flows.saversAbsorbed = event.params.absorbedBySavers;
  writeProtocolPoint(event, p, flows);
}

export function handleTipsClaimed(event: TipsClaimed): void {
  // The mint itself is GPUSD's Transfer, which the GPUSD mapping books; the tips were counted at Kicked and Redone.
  let c = new TipClaim(eventId(event));
  c.hash = event.transaction.hash;
  c.blockNumber = event.block.number;
  c.timestamp = event.block.timestamp;
  c.keeper = event.params.keeper;
  c.to = event.params.to;
  c.amount = event.params.amount;
  c.tipsOwed = event.params.tipsOwed;
  c.save();
}

export function handleBadDebt(event: BadDebt): void {
  // The contract's running total; LossSettled just before already added the same amount.
  let p = getProtocol();
  p.totalBadDebt = event.params.totalBadDebt;
  touchProtocol(p, event);
}

export function handleParamsSet(event: ParamsSet): void {
  let s = event.params.params;
  let params = AuctionParams.load("current");
  if (params == null) params = new AuctionParams("current");
  params.buffer = s.buffer;
  params.floorRatio = s.floorRatio;
  params.cusp = s.cusp;
  params.liquidationPenalty = s.penalty;
  params.duration = s.duration;
  params.tail = s.tail;
  params.flatTip = s.flatTip;
  params.chip = s.chip;
  params.maxTip = s.maxTip;
  params.save();
  let p = getProtocol();
  p.auctionParams = params.id;
  touchProtocol(p, event);
  recordParameter(
    event,
    CONTRACT,
    "ParamsSet",
    json(
      ["buffer", "floorRatio", "cusp", "penalty", "duration", "tail", "flatTip", "chip", "maxTip"],
      [
        s.buffer.toString(),
        s.floorRatio.toString(),
        s.cusp.toString(),
        s.penalty.toString(),
        s.duration.toString(),
        s.tail.toString(),
        s.flatTip.toString(),
        s.chip.toString(),
        s.maxTip.toString(),
      ],
    ),
    -1,
    null,
  );
}

export function handlePaused(event: Paused): void {
  let p = getProtocol();
  p.auctionPaused = true;
  touchProtocol(p, event);
  recordParameter(event, CONTRACT, "Paused", json(["account"], [event.params.account.toHexString()]), -1, event.params.account);
}

export function handleUnpaused(event: Unpaused): void {
  let p = getProtocol();
  p.auctionPaused = false;
  touchProtocol(p, event);
  recordParameter(event, CONTRACT, "Unpaused", json(["account"], [event.params.account.toHexString()]), -1, event.params.account);
}

export function handleAuthorityUpdated(event: AuthorityUpdated): void {
  recordParameter(event, CONTRACT, "AuthorityUpdated", json(["authority"], [event.params.authority.toHexString()]), -1, event.params.authority);
}
