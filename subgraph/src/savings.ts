import { BigDecimal, BigInt, ethereum } from "@graphprotocol/graph-ts";
import {
  Approval,
  AuthorityUpdated,
  Deposit,
  Impaired,
  ImpairmentReleased,
  InterestAdded,
  LossAbsorbed,
  SmearWindowSet,
  Transfer,
  Withdraw,
  WithdrawalCooldownSet,
  LiquidatorSet,
} from "../generated/SavingsVault/SavingsVault";
import {
  Allowance,
  Impairment,
  LossAbsorption,
  SavingsDeposit,
  SavingsInterest,
  SavingsPoint,
  SavingsVault,
  SavingsWithdrawal,
} from "../generated/schema";
import {
  apyFromApr,
  eventId,
  getAccount,
  getProtocol,
  json,
  minBig,
  mulDivDown,
  pointId,
  recordParameter,
  RiskFlows,
  touchProtocol,
  WAD,
  writeProtocolPoint,
  zeroFloorSub,
  ZERO,
  ZERO_ADDRESS, recordLiquidatorSet } from "./common";

const CONTRACT = "SavingsVault";
// ERC-4626 virtual shares: the vault's decimals offset is 6, so shares carry 24 decimals.
const VIRTUAL_SHARES = BigInt.fromString("1000000");
const ONE_SHARE = BigInt.fromString("1000000000000000000000000");
const YEAR_WAD = BigInt.fromString("31536000").times(WAD);

// The vault's books are replayed here from its events, because ERC-4626's Deposit and Withdraw cannot carry the new
// totalAssets. The replay mirrors SavingsVault.sol step for step: `_assets`, the current smear, and `_impaired`;
// InterestAdded and LossAbsorbed carry totalAssets and serve as checkpoints for the reconciliation test. Impaired and
// ImpairmentReleased do not (they move totalAssets by exactly their amount), so an Impairment records the replay's.

function getVault(event: ethereum.Event): SavingsVault {
  let v = SavingsVault.load(event.address);
  if (v == null) {
    v = new SavingsVault(event.address);
    v.inputTokenBalance = ZERO;
    v.outputTokenSupply = ZERO;
    v.outputTokenPriceUSD = WAD;
    v.exchangeRate = BigDecimal.fromString("1");
    v.apr = ZERO;
    v.apy = BigDecimal.zero();
    v.assets = ZERO;
    v.smearAmount = ZERO;
    v.smearStart = ZERO;
    v.smearEnd = ZERO;
    v.totalImpaired = ZERO;
    v.smearWindow = ZERO;
    v.withdrawalCooldown = ZERO;
    v.cumulativeDeposits = ZERO;
    v.cumulativeWithdrawals = ZERO;
    v.cumulativeInterest = ZERO;
    v.cumulativeLossAbsorbed = ZERO;
    v.lastUpdatedTimestamp = ZERO;
  }
  return v;
}

/** SavingsVault._released: the smear's linear release to `now`, rounded down. */
function released(v: SavingsVault, now: BigInt): BigInt {
  if (now.ge(v.smearEnd)) return v.smearAmount;
  return mulDivDown(v.smearAmount, now.minus(v.smearStart), v.smearEnd.minus(v.smearStart));
}

/** SavingsVault._foldReleased: moves the released part into the books and restarts the smear at now. */
function fold(v: SavingsVault, now: BigInt): BigInt {
  let r = released(v, now);
  v.smearAmount = v.smearAmount.minus(r);
  v.smearStart = now;
  return r;
}

function totalAssets(v: SavingsVault, now: BigInt): BigInt {
  if (v.outputTokenSupply.isZero()) return ZERO;
  return zeroFloorSub(v.assets.plus(released(v, now)), v.totalImpaired);
}

class SavingsFlows {
  deposited: BigInt = ZERO;
  withdrawn: BigInt = ZERO;
  interest: BigInt = ZERO;
  loss: BigInt = ZERO;
}

/** Derives price and APR from the books, saves, and writes the data point. */
function save(v: SavingsVault, event: ethereum.Event, flows: SavingsFlows): void {
  let now = event.block.timestamp;
  let assets = totalAssets(v, now);
  v.inputTokenBalance = assets;
  // convertToAssets(one share), OpenZeppelin's virtual-share formula rounded down.
  v.outputTokenPriceUSD = mulDivDown(ONE_SHARE, assets.plus(BigInt.fromI32(1)), v.outputTokenSupply.plus(VIRTUAL_SHARES));
  v.exchangeRate = v.outputTokenPriceUSD.toBigDecimal().div(WAD.toBigDecimal());
  // currentApr(): the smear's constant release rate, annualized, over totalAssets.
  if (now.ge(v.smearEnd) || assets.isZero()) v.apr = ZERO;
  else v.apr = mulDivDown(v.smearAmount, YEAR_WAD, v.smearEnd.minus(v.smearStart).times(assets));
  v.apy = apyFromApr(v.apr);
  v.lastUpdatedTimestamp = now;
  v.save();

  let point = new SavingsPoint(pointId(event, 3));
  point.timestamp = now.toI64() * 1000000;
  point.totalAssets = assets;
  point.totalSupply = v.outputTokenSupply;
  point.sharePrice = v.outputTokenPriceUSD;
  point.apr = v.apr;
  point.apy = v.apy;
  point.totalImpaired = v.totalImpaired;
  point.depositedUSD = flows.deposited;
  point.withdrawnUSD = flows.withdrawn;
  point.interestUSD = flows.interest;
  point.lossUSD = flows.loss;
  point.save();
}

function mirror(v: SavingsVault, event: ethereum.Event, writePoint: boolean, flows: RiskFlows): void {
  let p = getProtocol();
  p.savingsTotalAssets = v.inputTokenBalance;
  p.totalImpaired = v.totalImpaired;
  if (writePoint) writeProtocolPoint(event, p, flows);
  else touchProtocol(p, event);
}

export function handleInterestAdded(event: InterestAdded): void {
  let v = getVault(event);
  let now = event.block.timestamp;
  if (event.params.amount.isZero()) {
    // _resmearOrphans: a deposit into an empty vault restarts what the books hold as interest.
    v.assets = ZERO;
  } else {
    v.assets = v.assets.plus(released(v, now));
  }
  v.smearAmount = event.params.interestLeft;
  v.smearStart = now;
  v.smearEnd = event.params.smearEnd;
  v.cumulativeInterest = v.cumulativeInterest.plus(event.params.amount);
  let flows = new SavingsFlows();
  flows.interest = event.params.amount;
  save(v, event, flows);
  mirror(v, event, false, new RiskFlows());

  let e = new SavingsInterest(eventId(event));
  e.hash = event.transaction.hash;
  e.blockNumber = event.block.number;
  e.timestamp = now;
  e.amount = event.params.amount;
  e.interestLeft = event.params.interestLeft;
  e.smearEnd = event.params.smearEnd;
  e.totalAssets = event.params.totalAssets;
  e.save();
}

export function handleDeposit(event: Deposit): void {
  let v = getVault(event);
  let assets = event.params.assets;
  v.assets = v.assets.plus(assets);
  v.cumulativeDeposits = v.cumulativeDeposits.plus(assets);
  let flows = new SavingsFlows();
  flows.deposited = assets;
  save(v, event, flows);
  mirror(v, event, false, new RiskFlows());

  let d = new SavingsDeposit(eventId(event));
  d.hash = event.transaction.hash;
  d.blockNumber = event.block.number;
  d.timestamp = event.block.timestamp;
  d.sender = event.params.sender;
  d.owner = getAccount(event.params.owner, event.block.timestamp).id;
  d.assets = assets;
  d.shares = event.params.shares;
  d.sharePriceAfter = v.outputTokenPriceUSD;
  d.save();
}

export function handleWithdraw(event: Withdraw): void {
  let v = getVault(event);
  let assets = event.params.assets;
  let base = v.assets;
  // Only the last withdrawals reach into interest released since the smear started; the vault folds it in then.
  if (assets.gt(base)) base = base.plus(fold(v, event.block.timestamp));
  v.assets = base.minus(assets);
  v.cumulativeWithdrawals = v.cumulativeWithdrawals.plus(assets);
  let flows = new SavingsFlows();
  flows.withdrawn = assets;
  save(v, event, flows);
  mirror(v, event, false, new RiskFlows());

  let w = new SavingsWithdrawal(eventId(event));
  w.hash = event.transaction.hash;
  w.blockNumber = event.block.number;
  w.timestamp = event.block.timestamp;
  w.sender = event.params.sender;
  w.receiver = event.params.receiver;
  w.owner = getAccount(event.params.owner, event.block.timestamp).id;
  w.assets = assets;
  w.shares = event.params.shares;
  w.sharePriceAfter = v.outputTokenPriceUSD;
  w.save();
}

export function handleLossAbsorbed(event: LossAbsorbed): void {
  let v = getVault(event);
  let base = v.assets;
  if (event.params.loss.gt(base)) base = base.plus(fold(v, event.block.timestamp));
  let absorbed = event.params.absorbed;
  v.assets = base.minus(minBig(absorbed, base));
  v.cumulativeLossAbsorbed = v.cumulativeLossAbsorbed.plus(absorbed);
  let flows = new SavingsFlows();
  flows.loss = absorbed;
  save(v, event, flows);
  // LossSettled books the flow in the protocol series; this point records the smaller savings assets.
  mirror(v, event, true, new RiskFlows());

  let l = new LossAbsorption(eventId(event));
  l.hash = event.transaction.hash;
  l.blockNumber = event.block.number;
  l.timestamp = event.block.timestamp;
  l.absorbedBy = "savers";
  l.requested = event.params.loss;
  l.absorbed = absorbed;
  l.balanceAfter = event.params.totalAssets;
  l.save();
}

function impairment(event: ethereum.Event, kind: string, amount: BigInt, total: BigInt, assets: BigInt): void {
  let e = new Impairment(eventId(event));
  e.hash = event.transaction.hash;
  e.blockNumber = event.block.number;
  e.timestamp = event.block.timestamp;
  e.kind = kind;
  e.amount = amount;
  e.totalImpaired = total;
  e.totalAssets = assets;
  e.save();
}

export function handleImpaired(event: Impaired): void {
  let v = getVault(event);
  v.totalImpaired = event.params.totalImpaired;
  save(v, event, new SavingsFlows());
  mirror(v, event, true, new RiskFlows());
  impairment(event, "impaired", event.params.amount, event.params.totalImpaired, v.inputTokenBalance);
}

export function handleImpairmentReleased(event: ImpairmentReleased): void {
  let v = getVault(event);
  v.totalImpaired = event.params.totalImpaired;
  save(v, event, new SavingsFlows());
  mirror(v, event, true, new RiskFlows());
  impairment(event, "released", event.params.amount, event.params.totalImpaired, v.inputTokenBalance);
}

export function handleTransfer(event: Transfer): void {
  let v = getVault(event);
  let from = event.params.from;
  let to = event.params.to;
  let shares = event.params.value;
  // Mint and burn come before the Deposit or Withdraw event of the same call, so supply is current there.
  if (from.equals(ZERO_ADDRESS)) v.outputTokenSupply = v.outputTokenSupply.plus(shares);
  else {
    let a = getAccount(from, event.block.timestamp);
    a.savingsShares = a.savingsShares.minus(shares);
    a.save();
  }
  if (to.equals(ZERO_ADDRESS)) v.outputTokenSupply = v.outputTokenSupply.minus(shares);
  else {
    let a = getAccount(to, event.block.timestamp);
    a.savingsShares = a.savingsShares.plus(shares);
    a.save();
  }
  v.save();
}

export function handleApproval(event: Approval): void {
  let id = event.address.toHexString() + "-" + event.params.owner.toHexString() + "-" + event.params.spender.toHexString();
  let a = Allowance.load(id);
  if (a == null) {
    a = new Allowance(id);
    a.token = event.address;
    a.owner = event.params.owner;
    a.spender = event.params.spender;
  }
  a.amount = event.params.value;
  a.save();
}

export function handleSmearWindowSet(event: SmearWindowSet): void {
  let v = getVault(event);
  v.smearWindow = event.params.window;
  v.save();
  recordParameter(event, CONTRACT, "SmearWindowSet", json(["window"], [event.params.window.toString()]), -1, null);
}

export function handleWithdrawalCooldownSet(event: WithdrawalCooldownSet): void {
  let v = getVault(event);
  v.withdrawalCooldown = event.params.cooldown;
  v.save();
  recordParameter(event, CONTRACT, "WithdrawalCooldownSet", json(["cooldown"], [event.params.cooldown.toString()]), -1, null);
}

export function handleAuthorityUpdated(event: AuthorityUpdated): void {
  let v = getVault(event);
  v.authority = event.params.authority;
  v.save();
  recordParameter(event, CONTRACT, "AuthorityUpdated", json(["authority"], [event.params.authority.toHexString()]), -1, event.params.authority);
}

export function handleLiquidatorSet(event: LiquidatorSet): void {
  recordLiquidatorSet(event, CONTRACT, event.params.liquidator, event.params.allowed);
}
