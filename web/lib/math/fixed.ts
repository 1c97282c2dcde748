/**
 * contracts/libraries/MathLib.sol in TypeScript: the same operations with the same rounding, so a preview in the app
 * lands on the digit the contract will compute. rPow and the constants come from scripts/lib/rates.ts, which the
 * deployment already uses to turn annual rates into per-second factors.
 */
import { RAY, WAD, rPow } from "../../../scripts/lib/rates";

export { RAY, WAD, rPow };

export const MAX_UINT256 = 2n ** 256n - 1n;

export const mulDivDown = (x: bigint, y: bigint, d: bigint) => (x * y) / d;
export const mulDivUp = (x: bigint, y: bigint, d: bigint) => (x * y + (d - 1n)) / d;
export const wMulDown = (x: bigint, y: bigint) => mulDivDown(x, y, WAD);
export const wMulUp = (x: bigint, y: bigint) => mulDivUp(x, y, WAD);
export const wDivDown = (x: bigint, y: bigint) => mulDivDown(x, WAD, y);
export const wDivUp = (x: bigint, y: bigint) => mulDivUp(x, WAD, y);
export const rMulDown = (x: bigint, y: bigint) => mulDivDown(x, y, RAY);
export const rMulUp = (x: bigint, y: bigint) => mulDivUp(x, y, RAY);
export const rDivDown = (x: bigint, y: bigint) => mulDivDown(x, RAY, y);
export const rDivUp = (x: bigint, y: bigint) => mulDivUp(x, RAY, y);
export const min = (a: bigint, b: bigint) => (a < b ? a : b);
export const max = (a: bigint, b: bigint) => (a > b ? a : b);
export const zeroFloorSub = (a: bigint, b: bigint) => (a > b ? a - b : 0n);
