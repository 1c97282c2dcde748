/**
 * graph-node's BigDecimal: an arbitrary integer `digits` times 10^`exp`, rounded to 34 significant digits
 * after every operation and normalized (no trailing zeros in `digits`), printed in plain notation.
 */

export interface Decimal {
  digits: bigint;
  exp: number;
}

const SIGNIFICANT_DIGITS = 34;
const EXP_MIN = -6143;
const EXP_MAX = 6144;

function digitCount(n: bigint): number {
  return n === 0n ? 1 : (n < 0n ? -n : n).toString().length;
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Round half away from zero to 34 significant digits, strip trailing zeros. */
export function normalize(d: Decimal): Decimal {
  let { digits, exp } = d;
  if (digits === 0n) return { digits: 0n, exp: 0 };
  const excess = digitCount(digits) - SIGNIFICANT_DIGITS;
  if (excess > 0) {
    const divisor = pow10(excess);
    const negative = digits < 0n;
    const magnitude = negative ? -digits : digits;
    let q = magnitude / divisor;
    if ((magnitude % divisor) * 2n >= divisor) q += 1n;
    digits = negative ? -q : q;
    exp += excess;
  }
  while (digits % 10n === 0n) {
    digits /= 10n;
    exp += 1;
  }
  if (exp < EXP_MIN || exp > EXP_MAX) {
    throw new Error(`BigDecimal exponent ${exp} is outside graph-node's range [${EXP_MIN}, ${EXP_MAX}]`);
  }
  return { digits, exp };
}

export function parseDecimal(text: string): Decimal {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) {
    throw new Error(`"${text}" is not a decimal number (expected e.g. "12.5", "-3", "1e-6")`);
  }
  const [, sign, int, frac = "", e = "0"] = match;
  const digits = BigInt(`${sign === "-" ? "-" : ""}${int + frac || "0"}`);
  return normalize({ digits, exp: Number(e) - frac.length });
}

export function decimalToString(d: Decimal): string {
  const { digits, exp } = normalize(d);
  if (digits === 0n) return "0";
  const negative = digits < 0n;
  const s = (negative ? -digits : digits).toString();
  let out: string;
  if (exp >= 0) out = s + "0".repeat(exp);
  else if (-exp < s.length) out = `${s.slice(0, s.length + exp)}.${s.slice(s.length + exp)}`;
  else out = `0.${"0".repeat(-exp - s.length)}${s}`;
  return negative ? `-${out}` : out;
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const exp = Math.min(a.exp, b.exp);
  return [a.digits * pow10(a.exp - exp), b.digits * pow10(b.exp - exp), exp];
}

export function add(a: Decimal, b: Decimal): Decimal {
  const [x, y, exp] = align(a, b);
  return normalize({ digits: x + y, exp });
}

export function sub(a: Decimal, b: Decimal): Decimal {
  const [x, y, exp] = align(a, b);
  return normalize({ digits: x - y, exp });
}

export function mul(a: Decimal, b: Decimal): Decimal {
  return normalize({ digits: a.digits * b.digits, exp: a.exp + b.exp });
}

export function div(a: Decimal, b: Decimal): Decimal {
  if (b.digits === 0n) throw new Error("attempted to divide BigDecimal by zero");
  if (a.digits === 0n) return { digits: 0n, exp: 0 };
  // Scale the dividend so the integer quotient carries one digit more than the precision kept, then round.
  const shift = Math.max(0, SIGNIFICANT_DIGITS + 1 + digitCount(b.digits) - digitCount(a.digits));
  const q = (a.digits * pow10(shift)) / b.digits;
  return normalize({ digits: q, exp: a.exp - b.exp - shift });
}

export function compare(a: Decimal, b: Decimal): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function fromBigInt(n: bigint): Decimal {
  return normalize({ digits: n, exp: 0 });
}
