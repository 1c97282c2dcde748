import { ethereum } from "@graphprotocol/graph-ts";
import {
  AuthorityUpdated,
  Committed,
  Distributed,
  Released,
  ReserveFactorSet,
  ShortfallCovered,
  LiquidatorSet,
} from "../generated/Reserve/Reserve";
import { Account, LossAbsorption, Reserve, ReserveCommitment, ReserveDistribution } from "../generated/schema";
import { eventId, getProtocol, json, recordParameter, RiskFlows, writeProtocolPoint, zeroFloorSub, ZERO, recordLiquidatorSet } from "./common";

const CONTRACT = "Reserve";

function getReserve(event: ethereum.Event): Reserve {
  let r = Reserve.load(event.address);
  if (r == null) {
    r = new Reserve(event.address);
    r.reserveFactor = ZERO;
    r.buffer = ZERO;
    r.totalCommitted = ZERO;
    r.pendingIncome = ZERO;
    // GPUSD may have reached this address before its first own event; the GPUSD mapping tracks every balance.
    let account = Account.load(event.address);
    r.gpusdBalance = account == null ? ZERO : account.gpusdBalance;
    r.cumulativeIncome = ZERO;
    r.cumulativeToBuffer = ZERO;
    r.cumulativeToSavings = ZERO;
    r.cumulativeShortfallCovered = ZERO;
  }
  return r;
}

function save(r: Reserve, event: ethereum.Event, flows: RiskFlows): void {
  r.pendingIncome = zeroFloorSub(r.gpusdBalance, r.buffer);
  r.lastUpdatedTimestamp = event.block.timestamp;
  r.save();
  let p = getProtocol();
  p.reserveBuffer = r.buffer;
  p.reserveCommitted = r.totalCommitted;
  writeProtocolPoint(event, p, flows);
}

export function handleReserveFactorSet(event: ReserveFactorSet): void {
  let r = getReserve(event);
  r.reserveFactor = event.params.reserveFactor;
  save(r, event, new RiskFlows());
  recordParameter(event, CONTRACT, "ReserveFactorSet", json(["reserveFactor"], [event.params.reserveFactor.toString()]), -1, null);
}

export function handleDistributed(event: Distributed): void {
  let r = getReserve(event);
  r.buffer = event.params.buffer;
  r.cumulativeIncome = r.cumulativeIncome.plus(event.params.income);
  r.cumulativeToBuffer = r.cumulativeToBuffer.plus(event.params.toBuffer);
  r.cumulativeToSavings = r.cumulativeToSavings.plus(event.params.toSavings);
  let p = getProtocol();
  p.cumulativeProtocolSideRevenueUSD = p.cumulativeProtocolSideRevenueUSD.plus(event.params.toBuffer);
  p.cumulativeSupplySideRevenueUSD = p.cumulativeSupplySideRevenueUSD.plus(event.params.toSavings);
  p.save();
  save(r, event, new RiskFlows());

  let d = new ReserveDistribution(eventId(event));
  d.hash = event.transaction.hash;
  d.blockNumber = event.block.number;
  d.timestamp = event.block.timestamp;
  d.income = event.params.income;
  d.toBuffer = event.params.toBuffer;
  d.toSavings = event.params.toSavings;
  d.buffer = event.params.buffer;
  d.save();
}

function commitment(event: ethereum.Event, kind: string, requested: ethereum.Value | null, amount: ethereum.Value, total: ethereum.Value): void {
  let c = new ReserveCommitment(eventId(event));
  c.hash = event.transaction.hash;
  c.blockNumber = event.block.number;
  c.timestamp = event.block.timestamp;
  c.kind = kind;
  c.amount = amount.toBigInt();
  c.requested = requested === null ? c.amount : requested.toBigInt();
  c.totalCommitted = total.toBigInt();
  c.save();
}

export function handleCommitted(event: Committed): void {
  let r = getReserve(event);
  r.totalCommitted = event.params.totalCommitted;
  save(r, event, new RiskFlows());
  commitment(
    event,
    "committed",
    ethereum.Value.fromUnsignedBigInt(event.params.requested),
    ethereum.Value.fromUnsignedBigInt(event.params.committed),
    ethereum.Value.fromUnsignedBigInt(event.params.totalCommitted),
  );
}

export function handleReleased(event: Released): void {
  let r = getReserve(event);
  r.totalCommitted = event.params.totalCommitted;
  save(r, event, new RiskFlows());
  commitment(
    event,
    "released",
    null,
    ethereum.Value.fromUnsignedBigInt(event.params.amount),
    ethereum.Value.fromUnsignedBigInt(event.params.totalCommitted),
  );
}

export function handleShortfallCovered(event: ShortfallCovered): void {
  let r = getReserve(event);
  r.buffer = event.params.buffer;
  r.cumulativeShortfallCovered = r.cumulativeShortfallCovered.plus(event.params.covered);
  // LossSettled in the auction's handler books the flow in the protocol series; here only the buffer moves.
  save(r, event, new RiskFlows());
  let l = new LossAbsorption(eventId(event));
  l.hash = event.transaction.hash;
  l.blockNumber = event.block.number;
  l.timestamp = event.block.timestamp;
  l.absorbedBy = "reserve";
  l.requested = event.params.shortfall;
  l.absorbed = event.params.covered;
  l.balanceAfter = event.params.buffer;
  l.save();
}

export function handleAuthorityUpdated(event: AuthorityUpdated): void {
  let r = getReserve(event);
  r.authority = event.params.authority;
  save(r, event, new RiskFlows());
  recordParameter(event, CONTRACT, "AuthorityUpdated", json(["authority"], [event.params.authority.toHexString()]), -1, event.params.authority);
}

export function handleLiquidatorSet(event: LiquidatorSet): void {
  recordLiquidatorSet(event, CONTRACT, event.params.liquidator, event.params.allowed);
}
