import { BigInt, ethereum } from "@graphprotocol/graph-ts";
import {
  AuthorityUpdated,
  FeesSet,
  InflowRateUpdated,
  Paused,
  QueueFilled,
  Redeemed,
  RedemptionCancelled,
  RedemptionClaimed,
  RedemptionQueued,
  SoldUsdc,
  Unpaused,
} from "../generated/PegStabilityModule/PegStabilityModule";
import {
  Psm,
  PsmPoint,
  PsmSwap,
  QueueFill,
  RedemptionCancellation,
  RedemptionClaim,
  RedemptionFill,
  RedemptionRequest,
} from "../generated/schema";
import { eventId, getAccount, getProtocol, json, minBig, ONE, pointId, recordParameter, touchProtocol, zeroFloorSub, ZERO } from "./common";

const CONTRACT = "PegStabilityModule";
// GPUSD units per USDC unit, for the protocol's USD totals.
const SCALE = BigInt.fromString("1000000000000");

function getPsm(event: ethereum.Event): Psm {
  let psm = Psm.load(event.address);
  if (psm == null) {
    psm = new Psm(event.address);
    psm.tin = ZERO;
    psm.tout = ZERO;
    psm.paused = false;
    psm.usdcReserve = ZERO;
    psm.owed = ZERO;
    psm.freeLiquidity = ZERO;
    psm.queueEnd = ZERO;
    psm.queueFilled = ZERO;
    psm.queueDepth = ZERO;
    psm.headRequestId = ONE;
    psm.lastRequestId = ZERO;
    psm.inflowRate = ZERO;
    psm.cumulativeUsdcIn = ZERO;
    psm.cumulativeUsdcOut = ZERO;
    psm.cumulativeFees = ZERO;
    psm.lastUpdatedTimestamp = ZERO;
  }
  return psm;
}

class PsmFlows {
  usdcIn: BigInt = ZERO;
  usdcOut: BigInt = ZERO;
  queued: BigInt = ZERO;
  fees: BigInt = ZERO;
}

function save(psm: Psm, event: ethereum.Event, flows: PsmFlows | null): void {
  psm.queueDepth = psm.queueEnd.minus(psm.queueFilled);
  // freeLiquidity(): nothing is free while anyone waits; otherwise what is held beyond what live requests are owed.
  psm.freeLiquidity = psm.queueFilled.equals(psm.queueEnd) ? zeroFloorSub(psm.usdcReserve, psm.owed) : ZERO;
  psm.lastUpdatedTimestamp = event.block.timestamp;
  psm.save();
  if (flows === null) return;
  let f = flows as PsmFlows;
  let point = new PsmPoint(pointId(event, 4));
  point.timestamp = event.block.timestamp.toI64() * 1000000;
  point.usdcReserve = psm.usdcReserve;
  point.queueDepth = psm.queueDepth;
  point.owed = psm.owed;
  point.freeLiquidity = psm.freeLiquidity;
  point.inflowRate = psm.inflowRate;
  point.usdcIn = f.usdcIn;
  point.usdcOut = f.usdcOut;
  point.queuedUsdc = f.queued;
  point.fees = f.fees;
  point.save();

  let p = getProtocol();
  p.psmUsdcReserveUSD = psm.usdcReserve.times(SCALE);
  p.cumulativeTotalRevenueUSD = p.cumulativeTotalRevenueUSD.plus(f.fees);
  touchProtocol(p, event);
}

function swap(event: ethereum.Event, direction: string): PsmSwap {
  let s = new PsmSwap(eventId(event));
  s.hash = event.transaction.hash;
  s.blockNumber = event.block.number;
  s.timestamp = event.block.timestamp;
  s.direction = direction;
  return s;
}

export function handleSoldUsdc(event: SoldUsdc): void {
  let psm = getPsm(event);
  psm.usdcReserve = psm.usdcReserve.plus(event.params.usdcIn);
  psm.cumulativeUsdcIn = psm.cumulativeUsdcIn.plus(event.params.usdcIn);
  psm.cumulativeFees = psm.cumulativeFees.plus(event.params.fee);
  let flows = new PsmFlows();
  flows.usdcIn = event.params.usdcIn;
  flows.fees = event.params.fee;
  save(psm, event, flows);

  let s = swap(event, "sellUsdc");
  s.sender = event.params.sender;
  s.to = event.params.to;
  s.usdcAmount = event.params.usdcIn;
  s.gpusdAmount = event.params.gpusdOut;
  s.fee = event.params.fee;
  s.queued = event.params.toQueue;
  s.save();
}

export function handleRedeemed(event: Redeemed): void {
  let psm = getPsm(event);
  psm.usdcReserve = psm.usdcReserve.minus(event.params.usdcOut);
  psm.cumulativeUsdcOut = psm.cumulativeUsdcOut.plus(event.params.usdcOut);
  psm.cumulativeFees = psm.cumulativeFees.plus(event.params.fee);
  let flows = new PsmFlows();
  flows.usdcOut = event.params.usdcOut;
  flows.queued = event.params.queued;
  flows.fees = event.params.fee;
  save(psm, event, flows);

  let s = swap(event, "redeem");
  s.sender = event.params.sender;
  s.to = event.params.to;
  s.usdcAmount = event.params.usdcOut;
  s.gpusdAmount = event.params.gpusdIn;
  s.fee = event.params.fee;
  s.queued = event.params.queued;
  if (!event.params.requestId.isZero()) s.request = event.params.requestId.toString();
  s.save();
}

export function handleRedemptionQueued(event: RedemptionQueued): void {
  let psm = getPsm(event);
  let r = new RedemptionRequest(event.params.requestId.toString());
  r.requestId = event.params.requestId;
  r.owner = getAccount(event.params.owner, event.block.timestamp).id;
  r.start = event.params.start;
  r.amount = event.params.amount;
  r.amountAheadAtRequest = event.params.start.minus(psm.queueFilled);
  r.filled = ZERO;
  r.claimed = ZERO;
  r.cancelled = false;
  r.gpusdReturned = ZERO;
  r.requestedTimestamp = event.block.timestamp;
  r.save();
  psm.queueEnd = event.params.start.plus(event.params.amount);
  psm.owed = psm.owed.plus(event.params.amount);
  psm.lastRequestId = event.params.requestId;
  // Redeemed, right after in the same call, writes the data point.
  save(psm, event, null);
}

/**
 * The line moved to `queueFilled`: walks from the oldest request not yet fully filled to the first one the line has
 * not reached, recording each request's fill. Every request is passed over once in its life, so this is O(1)
 * amortized per request, like the contract's own bookkeeping.
 */
export function handleQueueFilled(event: QueueFilled): void {
  let psm = getPsm(event);
  let queueFilled = event.params.queueFilled;
  psm.queueFilled = queueFilled;
  psm.queueEnd = event.params.queueEnd;

  let id = psm.headRequestId;
  while (id.le(psm.lastRequestId)) {
    let r = RedemptionRequest.load(id.toString());
    if (r == null) break;
    if (r.start.ge(queueFilled)) break;
    let end = r.start.plus(r.amount);
    // A cancelled request's range still stands in line, but its fill froze at cancellation.
    if (!r.cancelled) {
      let filled = minBig(queueFilled.minus(r.start), r.amount);
      if (filled.gt(r.filled)) {
        let f = new RedemptionFill(eventId(event).concatI32(id.toI32()));
        f.hash = event.transaction.hash;
        f.blockNumber = event.block.number;
        f.timestamp = event.block.timestamp;
        f.request = r.id;
        f.amount = filled.minus(r.filled);
        f.filledAfter = filled;
        f.queueFilled = queueFilled;
        f.save();
        r.filled = filled;
        if (filled.equals(r.amount)) {
          r.fullyFilledTimestamp = event.block.timestamp;
          r.waitSeconds = event.block.timestamp.minus(r.requestedTimestamp);
        }
        r.save();
      }
    }
    if (queueFilled.lt(end)) break;
    id = id.plus(ONE);
  }
  psm.headRequestId = id;
  // SoldUsdc, later in the same call, writes the data point.
  save(psm, event, null);

  let q = new QueueFill(eventId(event));
  q.hash = event.transaction.hash;
  q.blockNumber = event.block.number;
  q.timestamp = event.block.timestamp;
  q.amount = event.params.amount;
  q.queueFilled = queueFilled;
  q.queueEnd = event.params.queueEnd;
  q.save();
}

export function handleRedemptionClaimed(event: RedemptionClaimed): void {
  let psm = getPsm(event);
  let r = RedemptionRequest.load(event.params.requestId.toString())!;
  r.claimed = r.claimed.plus(event.params.usdcOut);
  r.save();
  psm.owed = psm.owed.minus(event.params.usdcOut);
  psm.usdcReserve = psm.usdcReserve.minus(event.params.usdcOut);
  psm.cumulativeUsdcOut = psm.cumulativeUsdcOut.plus(event.params.usdcOut);
  let flows = new PsmFlows();
  flows.usdcOut = event.params.usdcOut;
  save(psm, event, flows);

  let c = new RedemptionClaim(eventId(event));
  c.hash = event.transaction.hash;
  c.blockNumber = event.block.number;
  c.timestamp = event.block.timestamp;
  c.request = r.id;
  c.to = event.params.to;
  c.usdcOut = event.params.usdcOut;
  c.save();
}

export function handleRedemptionCancelled(event: RedemptionCancelled): void {
  let psm = getPsm(event);
  let r = RedemptionRequest.load(event.params.requestId.toString())!;
  // The module stops owing the whole unclaimed rest: the filled part is paid now, the unfilled part returned.
  psm.owed = psm.owed.minus(r.amount.minus(r.claimed));
  let filled = psm.queueFilled.le(r.start) ? ZERO : minBig(psm.queueFilled.minus(r.start), r.amount);
  r.filled = filled;
  r.claimed = filled;
  r.cancelled = true;
  r.gpusdReturned = event.params.gpusdReturned;
  r.cancelledTimestamp = event.block.timestamp;
  r.save();
  psm.usdcReserve = psm.usdcReserve.minus(event.params.usdcOut);
  psm.cumulativeUsdcOut = psm.cumulativeUsdcOut.plus(event.params.usdcOut);
  let flows = new PsmFlows();
  flows.usdcOut = event.params.usdcOut;
  save(psm, event, flows);

  let c = new RedemptionCancellation(eventId(event));
  c.hash = event.transaction.hash;
  c.blockNumber = event.block.number;
  c.timestamp = event.block.timestamp;
  c.request = r.id;
  c.owner = event.params.owner;
  c.usdcOut = event.params.usdcOut;
  c.gpusdReturned = event.params.gpusdReturned;
  c.save();
}

export function handleInflowRateUpdated(event: InflowRateUpdated): void {
  let psm = getPsm(event);
  psm.inflowRate = event.params.ratePerSecond;
  save(psm, event, null);
}

export function handleFeesSet(event: FeesSet): void {
  let psm = getPsm(event);
  psm.tin = event.params.tin;
  psm.tout = event.params.tout;
  save(psm, event, null);
  recordParameter(event, CONTRACT, "FeesSet", json(["tin", "tout"], [event.params.tin.toString(), event.params.tout.toString()]), -1, null);
}

export function handlePaused(event: Paused): void {
  let psm = getPsm(event);
  psm.paused = true;
  save(psm, event, null);
  recordParameter(event, CONTRACT, "Paused", json(["account"], [event.params.account.toHexString()]), -1, event.params.account);
}

export function handleUnpaused(event: Unpaused): void {
  let psm = getPsm(event);
  psm.paused = false;
  save(psm, event, null);
  recordParameter(event, CONTRACT, "Unpaused", json(["account"], [event.params.account.toHexString()]), -1, event.params.account);
}

export function handleAuthorityUpdated(event: AuthorityUpdated): void {
  let psm = getPsm(event);
  psm.authority = event.params.authority;
  save(psm, event, null);
  recordParameter(event, CONTRACT, "AuthorityUpdated", json(["authority"], [event.params.authority.toHexString()]), -1, event.params.authority);
}
