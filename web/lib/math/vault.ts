/**
 * A vault's numbers, as pure functions of what the chain returns: health (contracts/libraries/Health.sol), debt with
 * interest projected to a time (CreditEngine._projectedRate and _debt), the amortization line
 * (contracts/libraries/Amortization.sol), and previews of a borrow or a repayment (CreditEngine.borrow and repay).
 * Every rounding matches the contract's, so "health after" in a preview is what the chain will report.
 */
import { MAX_UINT256, RAY, WAD, min, mulDivUp, rDivDown, rDivUp, rMulDown, rMulUp, rPow, wDivDown, wMulDown, zeroFloorSub } from "./fixed";

/** ICreditEngine.ClassParams. */
export type ClassParams = {
  stabilityFee: bigint; // [ray] per second
  maxLtv: bigint; // [wad]
  liquidationLtv: bigint; // [wad]
  debtCeiling: bigint; // [wad]
  dust: bigint; // [wad]
  term: number; // [s]
  period: number; // [s]
  grace: number; // [s]
};

/** ICreditEngine.ClassState (the stored accumulator, not projected). */
export type ClassState = { rate: bigint; normDebt: bigint; lastAccrual: number };

/** ICreditEngine.Vault. */
export type VaultRecord = { owner: string; classId: number; fleetId: number | bigint; scheduleStart: number; normDebt: bigint; principal: bigint; peakPrincipal: bigint };

/** Health is infinite without debt; the contract returns type(uint256).max. */
export const INFINITE_HEALTH = MAX_UINT256;

/** value × liquidationLtv ÷ debt [wad], rounded down (Health.compute). Below 1e18 the vault can be liquidated. */
export function health(value: bigint, liquidationLtv: bigint, debt: bigint): bigint {
  if (debt === 0n) return INFINITE_HEALTH;
  return wDivDown(wMulDown(value, liquidationLtv), debt);
}

/** The class accumulator compounded to `now` (CreditEngine._projectedRate). */
export function projectRate(state: ClassState, stabilityFee: bigint, now: number): bigint {
  const elapsed = BigInt(Math.max(0, now - state.lastAccrual));
  if (elapsed === 0n || state.rate === 0n) return state.rate;
  return rMulDown(state.rate, rPow(stabilityFee, elapsed));
}

/** normDebt × rate, rounded up (CreditEngine._debt). */
export const debtAt = (normDebt: bigint, rate: bigint) => (normDebt === 0n ? 0n : rMulUp(normDebt, rate));

/**
 * The lowest fleet value at which the vault is still healthy: below it, health < 1 and the vault can be liquidated.
 * health ≥ 1 ⇔ ⌊⌊value × ltv ÷ WAD⌋ × WAD ÷ debt⌋ ≥ WAD ⇔ ⌊value × ltv ÷ WAD⌋ ≥ debt ⇔ value ≥ ⌈debt × WAD ÷ ltv⌉.
 * Zero without debt.
 */
export function liquidationThreshold(debt: bigint, liquidationLtv: bigint): bigint {
  if (debt === 0n) return 0n;
  return mulDivUp(debt, WAD, liquidationLtv);
}

/** Largest additional borrow that passes the LTV check (CreditEngine.maxBorrow, ceilings excluded). */
export function maxBorrow(borrowValue: bigint, maxLtv: bigint, normDebt: bigint, rate: bigint): bigint {
  const maxNormDebt = rDivDown(wMulDown(borrowValue, maxLtv), rate);
  return rMulDown(zeroFloorSub(maxNormDebt, normDebt), rate);
}

// ------------------------------------------------------------------------------------------- amortization

export type Schedule = { start: number; peak: bigint; term: number; period: number; grace: number };

/** Principal allowed at due date k (Amortization.allowed). */
export function allowedPrincipal(s: Schedule, k: bigint): bigint {
  const elapsed = k * BigInt(s.period);
  const term = BigInt(s.term);
  if (elapsed >= term) return 0n;
  return (s.peak * (term - elapsed)) / term;
}

export type NextDue = { dueAt: number; principalDue: bigint; graceEndsAt: number };

/** The earliest due date still owed and the principal to repay by then (Amortization.nextDue); zeros without principal. */
export function nextDue(s: Schedule, principal: bigint): NextDue {
  if (principal === 0n || s.peak === 0n) return { dueAt: 0, principalDue: 0n, graceEndsAt: 0 };
  const headroom = s.peak > principal ? s.peak - principal : 0n;
  const k = (BigInt(s.term) * headroom) / (BigInt(s.period) * s.peak) + 1n;
  const dueAt = s.start + Number(k) * s.period;
  return { dueAt, principalDue: principal - allowedPrincipal(s, k), graceEndsAt: dueAt + s.grace };
}

/** The coming due dates, from the earliest still owed: when, the principal allowed after it, and what falls due. */
export function scheduleRows(s: Schedule, principal: bigint, limit = 6): { dueAt: number; allowed: bigint; due: bigint }[] {
  const first = nextDue(s, principal);
  if (first.dueAt === 0) return [];
  const rows = [];
  let k = BigInt((first.dueAt - s.start) / s.period);
  let owed = principal;
  while (rows.length < limit && owed > 0n) {
    const allowed = allowedPrincipal(s, k);
    rows.push({ dueAt: s.start + Number(k) * s.period, allowed, due: zeroFloorSub(owed, allowed) });
    owed = min(owed, allowed);
    k++;
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------- previews

/** Everything a preview needs about one vault, read from the chain at one block. */
export type VaultSnapshot = {
  vault: VaultRecord;
  params: ClassParams;
  classState: ClassState;
  /** FleetOracle.borrowValue, or null when the oracle refuses (stale, stopped, never valued). */
  borrowValue: bigint | null;
  /** FleetOracle.liquidationValue. */
  liquidationValue: bigint;
  /** The chain time the preview is for [unix s]. */
  now: number;
};

export type VaultFigures = {
  rate: bigint;
  debt: bigint;
  interest: bigint;
  principal: bigint;
  health: bigint;
  /** Fleet value below which the vault is liquidatable [wad]. */
  liquidationThreshold: bigint;
  maxBorrow: bigint;
  /** Debt the LTV check allows in total: borrowValue × maxLtv. */
  maxDebt: bigint;
  schedule: Schedule;
  nextDue: NextDue;
};

export function scheduleOf(s: VaultSnapshot, peak = s.vault.peakPrincipal, start = s.vault.scheduleStart): Schedule {
  return { start, peak, term: s.params.term, period: s.params.period, grace: s.params.grace };
}

export function vaultFigures(s: VaultSnapshot): VaultFigures {
  const rate = projectRate(s.classState, s.params.stabilityFee, s.now);
  const debt = debtAt(s.vault.normDebt, rate);
  const schedule = scheduleOf(s);
  return {
    rate,
    debt,
    interest: zeroFloorSub(debt, s.vault.principal),
    principal: s.vault.principal,
    health: health(s.liquidationValue, s.params.liquidationLtv, debt),
    liquidationThreshold: liquidationThreshold(debt, s.params.liquidationLtv),
    maxBorrow: s.borrowValue === null ? 0n : maxBorrow(s.borrowValue, s.params.maxLtv, s.vault.normDebt, rate),
    maxDebt: s.borrowValue === null ? 0n : wMulDown(s.borrowValue, s.params.maxLtv),
    schedule,
    nextDue: nextDue(schedule, s.vault.principal),
  };
}

/** Why the engine would refuse, mirrored from CreditEngine.borrow's checks (ceilings and schedule are left to the chain). */
export type BorrowProblem =
  | { kind: "zero" }
  | { kind: "noCollateral" }
  | { kind: "oracleUnavailable" }
  | { kind: "exceedsMaxLtv"; debt: bigint; maxDebt: bigint }
  | { kind: "belowDust"; debt: bigint; dust: bigint };

export type BorrowPreview = {
  before: VaultFigures;
  debt: bigint;
  principal: bigint;
  health: bigint;
  liquidationThreshold: bigint;
  nextDue: NextDue;
  problem: BorrowProblem | null;
};

export function previewBorrow(s: VaultSnapshot, amount: bigint): BorrowPreview {
  const before = vaultFigures(s);
  const normDebt = s.vault.normDebt + rDivUp(amount, before.rate);
  const debt = debtAt(normDebt, before.rate);
  const principal = s.vault.principal + amount;
  // _extendSchedule: a fresh loan starts its line now; a running one raises its peak so this period's allowance grows
  // by exactly the amount borrowed.
  let schedule: Schedule;
  if (s.vault.principal === 0n) schedule = scheduleOf(s, amount, s.now);
  else {
    const elapsed = Math.floor((s.now - s.vault.scheduleStart) / s.params.period) * s.params.period;
    const remaining = BigInt(Math.max(1, s.params.term - elapsed));
    schedule = scheduleOf(s, s.vault.peakPrincipal + mulDivUp(amount, BigInt(s.params.term), remaining));
  }
  let problem: BorrowProblem | null = null;
  if (amount === 0n) problem = { kind: "zero" };
  else if (BigInt(s.vault.fleetId) === 0n) problem = { kind: "noCollateral" };
  else if (s.borrowValue === null) problem = { kind: "oracleUnavailable" };
  else if (debt < s.params.dust) problem = { kind: "belowDust", debt, dust: s.params.dust };
  else if (debt > before.maxDebt) problem = { kind: "exceedsMaxLtv", debt, maxDebt: before.maxDebt };
  return {
    before,
    debt,
    principal,
    health: health(s.liquidationValue, s.params.liquidationLtv, debt),
    liquidationThreshold: liquidationThreshold(debt, s.params.liquidationLtv),
    nextDue: nextDue(schedule, principal),
    problem,
  };
}

export type RepayProblem = { kind: "zero" } | { kind: "noDebt" } | { kind: "belowDust"; remaining: bigint; dust: bigint };

export type RepayPreview = {
  before: VaultFigures;
  paid: bigint;
  interestPaid: bigint;
  principalPaid: bigint;
  debt: bigint;
  principal: bigint;
  health: bigint;
  liquidationThreshold: bigint;
  nextDue: NextDue;
  problem: RepayProblem | null;
};

/** CreditEngine.repay: interest first, then principal; `amount` ≥ debt (or MAX_UINT256) repays everything. */
export function previewRepay(s: VaultSnapshot, amount: bigint): RepayPreview {
  const before = vaultFigures(s);
  const { rate, debt } = before;
  let paid: bigint;
  let normRepaid: bigint;
  let problem: RepayProblem | null = null;
  if (amount === 0n) problem = { kind: "zero" };
  if (s.vault.normDebt === 0n) problem = problem ?? { kind: "noDebt" };
  if (amount >= debt) {
    paid = debt;
    normRepaid = s.vault.normDebt;
  } else {
    paid = amount;
    normRepaid = rDivDown(paid, rate);
  }
  const normDebt = s.vault.normDebt - normRepaid;
  const remaining = debtAt(normDebt, rate);
  if (!problem && remaining !== 0n && remaining < s.params.dust) problem = { kind: "belowDust", remaining, dust: s.params.dust };
  const interestPaid = min(paid, zeroFloorSub(debt, s.vault.principal));
  const principalPaid = paid - interestPaid;
  const principal = s.vault.principal - min(principalPaid, s.vault.principal);
  const schedule = principal === 0n ? { ...before.schedule, peak: 0n } : before.schedule;
  return {
    before,
    paid,
    interestPaid,
    principalPaid,
    debt: remaining,
    principal,
    health: health(s.liquidationValue, s.params.liquidationLtv, remaining),
    liquidationThreshold: liquidationThreshold(remaining, s.params.liquidationLtv),
    nextDue: nextDue(schedule, principal),
    problem,
  };
}

// ------------------------------------------------------------------------------------------------ display

export type HealthTone = "none" | "liquidatable" | "danger" | "warning" | "caution" | "safe";

/**
 * Colour bands, on the subgraph's health buckets (below 1, 1–1.1, 1.1–1.25, 1.25–1.5, above 1.5): liquidatable
 * below 1, danger within 10 % of it, warning up to 1.25, caution up to 1.5, safe above.
 */
export function healthTone(h: bigint, hasDebt = h !== INFINITE_HEALTH): HealthTone {
  if (!hasDebt || h === INFINITE_HEALTH) return "none";
  if (h < WAD) return "liquidatable";
  if (h < (WAD * 110n) / 100n) return "danger";
  if (h < (WAD * 125n) / 100n) return "warning";
  if (h < (WAD * 150n) / 100n) return "caution";
  return "safe";
}

export const HEALTH_TONE_LABEL: Record<HealthTone, string> = {
  none: "no debt",
  liquidatable: "liquidatable",
  danger: "at risk",
  warning: "watch",
  caution: "fair",
  safe: "safe",
};

export { RAY };
