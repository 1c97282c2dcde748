/**
 * Amounts in and out of the app: parsing what a person types (with the validation messages the forms show before
 * anything is signed) and formatting chain units. The USD/USDC/health/percent/date formatters are the CLI's own
 * (scripts/lib/format.ts), so the app and `npm start` print the same figures.
 */
import { formatDate, formatHealth, formatPct, formatUsd, formatUsdc, aprToApy } from "../../scripts/lib/format";

export { aprToApy, formatDate, formatHealth, formatPct, formatUsd, formatUsdc };

export type Token = { symbol: string; decimals: number };
export const USDC: Token = { symbol: "USDC", decimals: 6 };
export const GPUSD: Token = { symbol: "GPUSD", decimals: 18 };
export const SGPUSD: Token = { symbol: "sGPUSD", decimals: 24 };

const group = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** [base units] → "1,234.56", rounded down to `digits` decimals (trailing zeros kept). */
export function formatAmount(value: bigint, decimals: number, digits = 2): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const shown = Math.min(digits, decimals);
  const unit = 10n ** BigInt(decimals - shown);
  const scaled = abs / unit;
  const whole = scaled / 10n ** BigInt(shown);
  const frac = shown === 0 ? "" : "." + (scaled % 10n ** BigInt(shown)).toString().padStart(shown, "0");
  return `${negative ? "-" : ""}${group(whole.toString())}${frac}`;
}

/** [base units] → the exact decimal string, no grouping, no trailing zeros ("1234.5"); what a Max button writes. */
export function toInput(value: bigint, decimals: number): string {
  const s = value.toString().padStart(decimals + 1, "0");
  const whole = s.slice(0, s.length - decimals);
  const frac = s.slice(s.length - decimals).replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : whole;
}

export type AmountCheck = {
  /** Largest amount allowed, with the sentence that explains it. */
  max?: { value: bigint; message: (max: string) => string } | undefined;
  /** What the account holds of the token being spent. */
  balance?: bigint | undefined;
};

export type ParsedAmount = { value: bigint; error: null } | { value: null; error: string | null };

/**
 * Parses a typed amount into base units. Returns `error: null` with no value for an empty field (nothing to say
 * yet), and a sentence for anything that would fail: not a number, zero, more decimals than the token has, more than
 * the balance, or above the maximum.
 */
export function parseAmount(input: string, token: Token, check: AmountCheck = {}): ParsedAmount {
  const text = input.trim().replace(/[,_\s]/g, "");
  if (text === "") return { value: null, error: null };
  if (!/^\d*\.?\d*$/.test(text) || text === ".") return { value: null, error: `Enter a number, such as 1250.50.` };
  const [whole = "", frac = ""] = text.split(".");
  if (frac.length > token.decimals) {
    return { value: null, error: `${token.symbol} has ${token.decimals} decimals; this amount has ${frac.length}.` };
  }
  const value = BigInt((whole || "0") + frac.padEnd(token.decimals, "0"));
  if (value === 0n) return { value: null, error: "Enter an amount above zero." };
  if (check.balance !== undefined && value > check.balance) {
    return { value: null, error: `Your balance is too low: you have ${formatAmount(check.balance, token.decimals)} ${token.symbol}.` };
  }
  if (check.max && value > check.max.value) return { value: null, error: check.max.message(formatAmount(check.max.value, token.decimals)) };
  return { value, error: null };
}

/** [s] → "3 d 4 h", "25 min", "under a minute". */
export function formatDuration(seconds: number | bigint): string {
  const s = Number(seconds);
  if (!Number.isFinite(s)) return "unknown";
  if (s < 60) return "under a minute";
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return `${m} min`;
}

export const shortAddress = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;
export const shortHash = (h: string) => `${h.slice(0, 10)}…${h.slice(-6)}`;
