/** Fixed-point helpers mirroring contracts/libraries/MathLib.sol, so off-chain figures round exactly as on-chain. */

export const WAD = 10n ** 18n;
export const RAY = 10n ** 27n;
export const SECONDS_PER_YEAR = 365n * 24n * 60n * 60n;

export const rMulDown = (x: bigint, y: bigint) => (x * y) / RAY;

/** x^n in RAY, rounding each step down, exactly as MathLib.rPow. */
export function rPow(x: bigint, n: bigint): bigint {
  let z = n % 2n !== 0n ? x : RAY;
  for (n /= 2n; n !== 0n; n /= 2n) {
    x = rMulDown(x, x);
    if (n % 2n !== 0n) z = rMulDown(z, x);
  }
  return z;
}

/**
 * The per-second RAY factor that compounds to `annualWad` (e.g. 0.1e18 for 10 %) over a 365-day year: the largest
 * factor whose yearly rPow does not exceed 1 + annual rate, found by bisection on the same arithmetic the chain uses.
 */
export function annualRateToPerSecond(annualWad: bigint): bigint {
  if (annualWad < 0n) throw new Error(`annual rate ${annualWad} is negative; pass a WAD fraction such as 10n ** 17n for 10 %`);
  const target = RAY + annualWad * 10n ** 9n;
  let lo = RAY;
  let hi = RAY + RAY / 10n ** 6n; // far above any rate the bounds allow
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (rPow(mid, SECONDS_PER_YEAR) <= target) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Simple annual rate [wad] of a per-second factor, for display. */
export const perSecondToAnnualRate = (perSecondRay: bigint): bigint => (rPow(perSecondRay, SECONDS_PER_YEAR) - RAY) / 10n ** 9n;
