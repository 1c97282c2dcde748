/**
 * Every custom error of the protocol's contracts (and the OpenZeppelin errors they inherit), decoded from revert data
 * with the ABI in abi/generated.ts and turned into a sentence a person understands. `SENTENCES` is typed against that
 * ABI: a new error in any contract fails the type check (and so `next build`) until it has a sentence here.
 */
import { BaseError, UserRejectedRequestError, decodeErrorResult, hexToString, type DecodeErrorResultReturnType, type Hex } from "viem";
import { allErrorsAbi } from "../../abi";
import { formatAmount, formatDate, formatDuration, formatUsd, formatUsdc, shortAddress } from "./units";

export type DecodedRevert = DecodeErrorResultReturnType<typeof allErrorsAbi>;
export type ErrorName = DecodedRevert["errorName"];
type ArgsOf<N extends ErrorName> = Extract<DecodedRevert, { errorName: N }>["args"];

/** What the app knew when it sent the call: which token an ERC-20 amount is in. */
export type ErrorContext = { token?: "USDC" | "GPUSD" | "sGPUSD" };

type Sentence<N extends ErrorName> = (args: ArgsOf<N>, ctx: ErrorContext) => string;

const usd = (wad: bigint) => formatUsd(wad);
const usdc = (units: bigint) => `${formatUsdc(units)} USDC`;
const shares = (units: bigint) => `${formatAmount(units, 24, 4)} sGPUSD`;
/** A time in a sentence; an out-of-range value (a garbled argument) is shown raw instead of throwing mid-explanation. */
const when = (unix: bigint | number) => (BigInt(unix) > 0n && BigInt(unix) < 10n ** 11n ? formatDate(unix) : `unix time ${unix}`);
const tokenAmount = (value: bigint, ctx: ErrorContext) =>
  ctx.token === "USDC" ? usdc(value) : ctx.token === "sGPUSD" ? shares(value) : `${formatAmount(value, 18)} GPUSD`;
const bytes32Name = (b: Hex) => {
  try {
    return hexToString(b, { size: 32 }).replace(/\0+$/, "");
  } catch {
    return b;
  }
};
const ago = (observedAt: bigint | number, now: bigint | number) => formatDuration(Math.max(0, Number(now) - Number(observedAt)));

export const SENTENCES: { [N in ErrorName]: Sentence<N> } = {
  // ---- OpenZeppelin AccessManager / AccessManaged: governance calls
  AccessManagedInvalidAuthority: ([a]) => `${shortAddress(a)} is not a valid access manager.`,
  AccessManagedRequiredDelay: ([caller, delay]) => `${shortAddress(caller)} may make this change only through the timelock: schedule it and wait ${formatDuration(delay)}.`,
  AccessManagedUnauthorized: ([caller]) => `${shortAddress(caller)} does not hold the role this action needs.`,
  AccessManagerAlreadyScheduled: () => "This governance operation is already scheduled.",
  AccessManagerBadConfirmation: () => "The confirmation does not match: renouncing a role must name your own account.",
  AccessManagerExpired: () => "This scheduled governance operation expired; schedule it again.",
  AccessManagerInvalidInitialAdmin: ([a]) => `${shortAddress(a)} cannot be the initial admin.`,
  AccessManagerLockedFunction: () => "This function of the access manager is locked.",
  AccessManagerLockedRole: ([role]) => `Role ${role} is locked and cannot be granted or revoked.`,
  AccessManagerNotReady: () => "This scheduled governance operation is still inside its delay.",
  AccessManagerNotScheduled: () => "This governance operation was never scheduled (or was already executed or cancelled).",
  AccessManagerUnauthorizedAccount: ([a, role]) => `${shortAddress(a)} does not hold role ${role}.`,
  AccessManagerUnauthorizedCall: ([caller]) => `${shortAddress(caller)} is not allowed to call this function.`,
  AccessManagerUnauthorizedCancel: ([sender]) => `${shortAddress(sender)} may not cancel this scheduled operation.`,
  AccessManagerUnauthorizedConsume: ([target]) => `${shortAddress(target)} may not consume this scheduled operation.`,
  // ---- FleetRegistry
  AcquiredInFuture: ([at, now]) => `The acquisition date ${when(at)} is after the chain's time ${when(now)}.`,
  ZeroOperator: () => "A fleet needs an operator address.",
  ZeroClass: () => "A fleet needs a GPU class (class ids start at 1).",
  ZeroGpuCount: () => "A fleet needs at least one GPU.",
  ZeroHostSigner: ([fleetId]) => `Fleet #${fleetId} needs a non-zero host signer key.`,
  UnknownFleet: ([fleetId]) => `Fleet #${fleetId} does not exist or was retired.`,
  FleetNotWithOperator: ([fleetId, operator, holder]) => `Fleet #${fleetId} can only be retired while its operator ${shortAddress(operator)} holds it; ${shortAddress(holder)} holds it now.`,
  // ---- misc OpenZeppelin
  AddressEmptyCode: ([target]) => `There is no contract at ${shortAddress(target)}.`,
  FailedCall: () => "An internal call failed.",
  InsufficientBalance: ([balance, needed]) => `The contract holds ${balance} but needs ${needed}.`,
  InvalidAccountNonce: ([account, nonce]) => `The signature for ${shortAddress(account)} uses a stale nonce; the current one is ${nonce}.`,
  InvalidShortString: () => "A name is too long to store.",
  StringTooLong: ([s]) => `"${s}" is too long.`,
  SafeCastOverflowedUintDowncast: ([bits, value]) => `${value} does not fit in ${bits} bits: the amount is too large.`,
  SafeERC20FailedOperation: ([token]) => `The token transfer of ${shortAddress(token)} failed.`,
  ECDSAInvalidSignature: () => "The signature is invalid.",
  ECDSAInvalidSignatureLength: ([length]) => `The signature has ${length} bytes; it must have 65.`,
  ECDSAInvalidSignatureS: () => "The signature is malleable (its s value is too high).",
  // ---- ERC-20, ERC-2612, ERC-4626, ERC-721
  ERC20InsufficientAllowance: ([spender, allowance, needed], ctx) =>
    `The approval is too small: ${shortAddress(spender)} may spend ${tokenAmount(allowance, ctx)} of yours but needs ${tokenAmount(needed, ctx)}. Approve again.`,
  ERC20InsufficientBalance: ([sender, balance, needed], ctx) => `Your balance is too low: ${shortAddress(sender)} holds ${tokenAmount(balance, ctx)} but this needs ${tokenAmount(needed, ctx)}.`,
  ERC20InvalidApprover: ([a]) => `${shortAddress(a)} cannot approve spending.`,
  ERC20InvalidReceiver: ([a]) => `Tokens cannot be sent to ${shortAddress(a)}.`,
  ERC20InvalidSender: ([a]) => `Tokens cannot be sent from ${shortAddress(a)}.`,
  ERC20InvalidSpender: ([a]) => `${shortAddress(a)} cannot be approved as a spender.`,
  ERC2612ExpiredSignature: ([deadline]) => `The permit signature expired at ${when(deadline)}; sign a new one.`,
  ERC2612InvalidSigner: ([signer, owner]) => `The permit was signed by ${shortAddress(signer)}, not by the owner ${shortAddress(owner)}.`,
  ERC4626ExceededMaxDeposit: ([, assets, max]) => `The savings vault accepts at most ${usd(max)} right now; you tried to deposit ${usd(assets)}.`,
  ERC4626ExceededMaxMint: ([, sh, max]) => `The savings vault can mint at most ${shares(max)} right now; you asked for ${shares(sh)}.`,
  ERC4626ExceededMaxRedeem: ([, sh, max]) => `You can unstake at most ${shares(max)}; you asked for ${shares(sh)}.`,
  ERC4626ExceededMaxWithdraw: ([, assets, max]) => `You can withdraw at most ${usd(max)} from savings; you asked for ${usd(assets)}.`,
  ERC721IncorrectOwner: ([sender, tokenId, owner]) => `${shortAddress(sender)} does not own fleet #${tokenId}; ${shortAddress(owner)} does.`,
  ERC721InsufficientApproval: ([operator, tokenId]) => `${shortAddress(operator)} is not approved to move fleet #${tokenId}. Approve the fleet first.`,
  ERC721InvalidApprover: ([a]) => `${shortAddress(a)} cannot approve this fleet.`,
  ERC721InvalidOperator: ([a]) => `${shortAddress(a)} cannot be an operator.`,
  ERC721InvalidOwner: ([a]) => `${shortAddress(a)} cannot own a fleet.`,
  ERC721InvalidReceiver: ([a]) => `${shortAddress(a)} cannot receive a fleet token.`,
  ERC721InvalidSender: ([a]) => `${shortAddress(a)} cannot send this fleet token.`,
  ERC721NonexistentToken: ([tokenId]) => `Fleet #${tokenId} does not exist.`,
  // ---- pause
  EnforcedPause: () => "The protocol is paused: new debt, PSM minting and auctions are stopped. Repaying, adding collateral, savings withdrawals and queue cancellations still work.",
  ExpectedPause: () => "This needs the contract to be paused, and it is not.",
  // ---- shared
  ZeroAmount: () => "The amount must be above zero.",
  ZeroAddress: () => "The address must not be zero.",
  ParameterOutOfBounds: ([parameter, value, min, max]) => `The parameter ${bytes32Name(parameter)} = ${value} is outside its allowed range [${min}, ${max}].`,
  NotLiquidator: ([caller]) => `${shortAddress(caller)} is not the liquidation auction; only it may do this.`,
  NotMinter: ([caller]) => `${shortAddress(caller)} may not mint or burn GPUSD.`,
  ZeroMinter: () => "The minter address must not be zero.",
  // ---- CreditEngine
  UnknownVault: ([vaultId]) => `Vault #${vaultId} does not exist (it may have been closed).`,
  UnknownClass: ([classId]) => `GPU class ${classId} is not set up for borrowing.`,
  NotVaultOwner: ([vaultId, caller, owner]) => `Vault #${vaultId} belongs to ${shortAddress(owner)}, not to ${shortAddress(caller)}.`,
  VaultHasCollateral: ([vaultId, fleetId]) => `Vault #${vaultId} already holds fleet #${fleetId}; a vault holds one fleet.`,
  VaultHasNoCollateral: ([vaultId]) => `Vault #${vaultId} holds no fleet: lock one in it before borrowing.`,
  VaultHasDebt: ([vaultId, debt]) => `Vault #${vaultId} still owes ${usd(debt)}: repay it in full first.`,
  NoDebt: ([vaultId]) => `Vault #${vaultId} has no debt to repay.`,
  ExceedsMaxLtv: ([vaultId, debt, maxDebt]) =>
    `This would raise vault #${vaultId}'s debt to ${usd(debt)}, above the ${usd(maxDebt)} its fleet can back at the maximum loan-to-value. Borrow at most the difference from your current debt.`,
  ClassCeilingExceeded: ([classId, classDebt, ceiling]) => `GPU class ${classId} would owe ${usd(classDebt)}, above its debt ceiling of ${usd(ceiling)}.`,
  GlobalCeilingExceeded: ([total, ceiling]) => `Total borrowing would reach ${usd(total)}, above the protocol's ceiling of ${usd(ceiling)}.`,
  OperatorCeilingExceeded: ([operator, principal, ceiling]) => `${shortAddress(operator)} would owe ${usd(principal)} across their vaults, above their ceiling of ${usd(ceiling)}.`,
  DebtBelowDust: ([vaultId, debt, dust]) => `Vault #${vaultId} would be left owing ${usd(debt)}, below the ${usd(dust)} minimum loan. Borrow more, or repay everything.`,
  PaymentMissed: ([vaultId, dueAt, principal, allowed]) =>
    `Vault #${vaultId} missed the payment due ${when(dueAt)}: its principal ${usd(principal)} is above the ${usd(allowed)} the schedule allows. Repay at least ${usd(principal - allowed)} first.`,
  LoanMatured: ([vaultId, maturity]) => `Vault #${vaultId}'s loan term ended on ${when(maturity)}: no more borrowing on it.`,
  NotLiquidatable: ([vaultId]) => `Vault #${vaultId} is healthy and on schedule, so it cannot be liquidated.`,
  VaultInAuction: ([vaultId]) => `Vault #${vaultId}'s fleet is being auctioned: it stays locked until a buyer takes it.`,
  NotInAuction: ([vaultId]) => `Vault #${vaultId} has no fleet waiting for an auction's buyer.`,
  // ---- FleetOracle
  RoundNotIncreasing: ([roundId, latest]) => `Oracle round ${roundId} is not newer than round ${latest}.`,
  TooFewSignatures: ([count, quorum]) => `The round carries ${count} signatures; it needs ${quorum}.`,
  InvalidSignature: ([index]) => `Signature #${index} of the round is invalid.`,
  SignerNotAuthorized: ([index, signer]) => `Signature #${index} is from ${shortAddress(signer)}, who is not an oracle signer.`,
  SignersNotAscending: ([index]) => `Signature #${index} is out of order: signers must be sorted by address.`,
  ObservationInFuture: ([observedAt, now]) => `The round was observed at ${when(observedAt)}, after the chain's time ${when(now)}.`,
  ObservationStale: ([observedAt, now, maxAge]) => `The round was observed ${ago(observedAt, now)} ago, longer than the ${formatDuration(maxAge)} the oracle accepts.`,
  ObservationOutOfOrder: ([observedAt, latest]) => `The round was observed at ${when(observedAt)}, before the previous round (${when(latest)}).`,
  ClassBoundsNotSet: ([classId]) => `GPU class ${classId} has no value bounds yet, so the oracle cannot value it.`,
  ValueOutOfBounds: ([fleetId, value, min, max]) => `Fleet #${fleetId}'s value ${usd(value)} is outside its class's bounds (${usd(min)} to ${usd(max)}, exclusive).`,
  GpuCountTooLarge: ([fleetId, count, max]) => `Fleet #${fleetId} has ${count} GPUs; the oracle handles at most ${max}.`,
  FleetsNotAscending: ([index]) => `Fleet #${index} of the round is out of order: fleets must come by increasing id.`,
  ClassesNotAscending: ([index]) => `Index #${index} of the round is out of order: classes must come by increasing id.`,
  IndexOutOfBounds: ([classId, value, min, max]) => `Class ${classId}'s index ${usd(value)} per GPU is outside ${usd(min)} to ${usd(max)}.`,
  OracleIsStopped: () => "The oracle is stopped by the guardian: borrowing against oracle values is paused until it resumes.",
  OracleIsNotStopped: () => "The oracle is not stopped.",
  ValuationStale: ([fleetId, observedAt, now, maxAge]) =>
    `Fleet #${fleetId}'s last valuation is ${ago(observedAt, now)} old, past the ${formatDuration(maxAge)} limit: borrowing waits for a fresh oracle round.`,
  NoValuation: ([fleetId]) => `Fleet #${fleetId} has never been valued by the oracle, so nothing can be borrowed against it yet.`,
  NoIndex: ([classId]) => `GPU class ${classId} has no published value index yet.`,
  RoundNotAvailable: ([roundId, latest]) => `Round ${roundId} is not available; the latest is ${latest}.`,
  SignerAlreadyAdded: ([signer]) => `${shortAddress(signer)} is already an oracle signer.`,
  NotASigner: ([signer]) => `${shortAddress(signer)} is not an oracle signer.`,
  ZeroSigner: () => "The signer address must not be zero.",
  QuorumOutOfRange: ([quorum, count]) => `A quorum of ${quorum} is not a strict majority of ${count} signers.`,
  // ---- PegStabilityModule
  UnknownRequest: ([id]) => `Redemption request #${id} does not exist.`,
  NotRequestOwner: ([id, caller, owner]) => `Redemption request #${id} belongs to ${shortAddress(owner)}, not to ${shortAddress(caller)}.`,
  RequestCancelled: ([id]) => `Redemption request #${id} was already cancelled.`,
  NothingToClaim: ([id]) => `Nothing of redemption request #${id} has been filled since your last claim.`,
  AmountTooSmall: ([amount, minimum]) => `${formatAmount(amount, 18, 6)} GPUSD is too little to pay out a single USDC unit; redeem at least ${formatAmount(minimum, 18, 6)} GPUSD.`,
  // ---- SavingsVault
  ReleaseExceedsImpairment: ([amount, total]) => `Cannot release ${usd(amount)} of impairment: only ${usd(total)} is marked.`,
  DepositsSuspended: ([impaired]) => `Savings deposits are suspended: marked auction losses (${usd(impaired)}) exceed the vault's assets until an auction settles.`,
  WithdrawalCooldown: ([, locked, unlocksAt]) => `${shares(locked)} of yours are still in their deposit cooldown until ${when(unlocksAt)}.`,
  // ---- Reserve
  ReleaseExceedsCommitted: ([amount, committed]) => `Cannot release ${usd(amount)}: only ${usd(committed)} of the reserve is committed.`,
  // ---- LiquidationAuction
  UnknownAuction: ([id]) => `Auction #${id} is not running (it was taken, or never existed).`,
  NeedsReset: ([id, elapsed, price]) => `Auction #${id} has run ${formatDuration(elapsed)} and its price ${usd(price)} is stale: it needs a reset from a fresh oracle value before anyone can take it.`,
  ResetNotNeeded: ([id]) => `Auction #${id} is still live and does not need a reset.`,
  PriceAboveMax: ([price, maxPrice]) => `The auction price is ${usd(price)}, above your maximum of ${usd(maxPrice)}. Raise your maximum or wait for the price to fall.`,
};

/** Hex revert data found anywhere in an error's cause chain (viem wraps the node's answer several levels deep). */
export function findRevertData(error: unknown): Hex | null {
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number): Hex | null => {
    if (e === null || e === undefined || depth > 12 || seen.has(e)) return null;
    if (typeof e === "string") return /^0x[0-9a-fA-F]{8,}$/.test(e) ? (e as Hex) : null;
    if (typeof e !== "object") return null;
    seen.add(e);
    const o = e as Record<string, unknown>;
    for (const key of ["raw", "data", "error", "cause", "details"]) {
      const found = visit(o[key], depth + 1);
      if (found) return found;
    }
    return null;
  };
  return visit(error, 0);
}

export function decodeRevert(data: Hex): DecodedRevert | null {
  try {
    return decodeErrorResult({ abi: allErrorsAbi, data });
  } catch {
    return null;
  }
}

export function sentenceFor(decoded: DecodedRevert, ctx: ErrorContext = {}): string {
  const sentence = SENTENCES[decoded.errorName] as (args: unknown, ctx: ErrorContext) => string;
  return sentence(decoded.args ?? [], ctx);
}

export type Explained = { title: string; sentence: string; errorName: string | null };

/** The sentence for any error a call or transaction can throw: a decoded custom error, a wallet refusal, or viem's short message. */
export function explainError(error: unknown, ctx: ErrorContext = {}): Explained {
  const data = findRevertData(error);
  const decoded = data ? decodeRevert(data) : null;
  if (decoded) return { title: decoded.errorName, sentence: sentenceFor(decoded, ctx), errorName: decoded.errorName };
  if (error instanceof BaseError) {
    if (error.walk((e) => e instanceof UserRejectedRequestError)) return { title: "Rejected", sentence: "You rejected the request in your wallet.", errorName: null };
    return { title: error.name, sentence: error.shortMessage, errorName: null };
  }
  return { title: "Error", sentence: error instanceof Error ? error.message : String(error), errorName: null };
}

