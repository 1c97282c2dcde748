/** Human-readable figures for CLI output. Inputs are the chain's own units. */
const WAD = 10n ** 18n;

function group(whole: bigint): string {
  return whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** [wad] → "$1,234,567.89" (rounded down to the cent). */
export function formatUsd(wad: bigint): string {
  const sign = wad < 0n ? "-" : "";
  const abs = wad < 0n ? -wad : wad;
  const cents = abs / 10n ** 16n;
  return `${sign}$${group(cents / 100n)}.${(cents % 100n).toString().padStart(2, "0")}`;
}

/** [usdc, 6 decimals] → "1,234.56" */
export function formatUsdc(amount: bigint): string {
  const cents = amount / 10n ** 4n;
  return `${group(cents / 100n)}.${(cents % 100n).toString().padStart(2, "0")}`;
}

/** [wad] health → "1.37", "∞" without debt. */
export function formatHealth(health: bigint): string {
  if (health >= 2n ** 255n) return "∞";
  return (Number(health / 10n ** 14n) / 10_000).toFixed(2);
}

/** [wad] fraction → "10.00 %" */
export function formatPct(wad: bigint): string {
  return `${(Number((wad * 10_000n) / WAD) / 100).toFixed(2)} %`;
}

/** [unix s] → "2026-12-21 14:05 UTC" */
export function formatDate(unix: bigint | number): string {
  return new Date(Number(unix) * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** Simple annual rate [wad] → the yield of reinvesting it continuously [wad]: e^apr − 1. */
export function aprToApy(aprWad: bigint): bigint {
  return BigInt(Math.round(Math.expm1(Number(aprWad) / 1e18) * 1e18));
}
