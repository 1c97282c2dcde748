/**
 * Previews of the PSM's two swaps (PegStabilityModule.sellUsdc and redeem), with the contract's rounding: fees round
 * up, USDC paid rounds down, and a redemption the free USDC cannot cover joins the FIFO queue.
 */
import { WAD, min, mulDivUp, wMulUp } from "./fixed";

/** GPUSD [wad] per USDC unit [6 decimals]. */
export const SCALE = 10n ** 12n;

export type SellPreview = { gpusdOut: bigint; fee: bigint; toQueue: bigint };

/** USDC in → GPUSD out, less `tin`; incoming USDC first fills the queue (the seller is paid in full regardless). */
export function previewSell(usdcAmount: bigint, tin: bigint, queueDepth: bigint): SellPreview {
  const minted = usdcAmount * SCALE;
  const fee = wMulUp(minted, tin);
  return { gpusdOut: minted - fee, fee, toQueue: min(usdcAmount, queueDepth) };
}

export type RedeemPreview = {
  /** [usdc] paid at once */
  usdcNow: bigint;
  /** [usdc] joining the queue as a new request */
  queued: bigint;
  /** [wad] fee plus the sub-unit dust, sent to the Reserve */
  toReserve: bigint;
  /** [wad] smallest GPUSD amount that pays at least one USDC unit, when this one pays none */
  tooSmall: bigint | null;
};

/**
 * GPUSD in → USDC out, less `tout`. `freeLiquidity` is PegStabilityModule.freeLiquidity (zero while anyone waits), so
 * what it cannot pay is queued.
 */
export function previewRedeem(gpusdAmount: bigint, tout: bigint, freeLiquidity: bigint): RedeemPreview {
  const usdcTotal = (gpusdAmount - wMulUp(gpusdAmount, tout)) / SCALE;
  if (usdcTotal === 0n) return { usdcNow: 0n, queued: 0n, toReserve: gpusdAmount, tooSmall: mulDivUp(SCALE, WAD, WAD - tout) };
  const usdcNow = min(usdcTotal, freeLiquidity);
  return { usdcNow, queued: usdcTotal - usdcNow, toReserve: gpusdAmount - usdcTotal * SCALE, tooSmall: null };
}
