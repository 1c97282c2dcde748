/**
 * Launch parameters: GPU classes, risk limits, oracle safety settings. Deployment reads them from here; the demo,
 * the oracle nodes and the app read the class list from here too. Every value sits inside contracts/libraries/Bounds.sol.
 */
import { annualRateToPerSecond } from "./rates.js";

const DAY = 24 * 60 * 60;
const usd = (dollars: number) => BigInt(Math.round(dollars * 100)) * 10n ** 16n;
const pct = (percent: number) => BigInt(Math.round(percent * 100)) * 10n ** 14n;

export type GpuClass = {
  classId: number;
  name: string;
  /** Engine risk parameters (ICreditEngine.ClassParams). */
  params: {
    stabilityFee: bigint;
    maxLtv: bigint;
    liquidationLtv: bigint;
    debtCeiling: bigint;
    dust: bigint;
    term: number;
    period: number;
    grace: number;
  };
  /** Oracle sanity bounds per GPU, exclusive [wad]. */
  minValuePerGpu: bigint;
  maxValuePerGpu: bigint;
};

/** Hopper-generation loans: 10 % a year, 36 monthly instalments, a week's grace. */
const HOPPER_LOAN: GpuClass["params"] = {
  stabilityFee: annualRateToPerSecond(pct(10)),
  maxLtv: pct(70),
  liquidationLtv: pct(80),
  debtCeiling: usd(50_000_000),
  dust: usd(10_000),
  term: 1080 * DAY,
  period: 30 * DAY,
  grace: 7 * DAY,
};

/**
 * LTVs follow USD.AI's 70–80 % on amortizing ~36-month GPU loans, lower for the older A100. Per-GPU bounds bracket
 * secondary-market prices (2025–26) with room for a crash below and no room for a 2× fantasy above list price.
 */
export const GPU_CLASSES: readonly GpuClass[] = [
  {
    classId: 1,
    name: "H100 SXM",
    params: HOPPER_LOAN,
    minValuePerGpu: usd(500),
    maxValuePerGpu: usd(60_000),
  },
  {
    classId: 2,
    name: "H200",
    params: HOPPER_LOAN,
    minValuePerGpu: usd(500),
    maxValuePerGpu: usd(70_000),
  },
  {
    classId: 3,
    name: "A100 80GB",
    params: {
      stabilityFee: annualRateToPerSecond(pct(12)),
      maxLtv: pct(60),
      liquidationLtv: pct(72),
      debtCeiling: usd(20_000_000),
      dust: usd(10_000),
      term: 720 * DAY,
      period: 30 * DAY,
      grace: 7 * DAY,
    },
    minValuePerGpu: usd(200),
    maxValuePerGpu: usd(25_000),
  },
];

export const PROTOCOL = {
  globalDebtCeiling: usd(100_000_000),
  defaultOperatorCeiling: usd(25_000_000),
  oracle: {
    maxAge: 6 * 60 * 60, // rounds every few minutes; six hours of silence means the oracle is down
    increaseDelay: 60 * 60,
    maxIncreasePerDay: pct(10),
  },
  psm: { tin: 0n, tout: pct(0.1) },
  reserveFactor: pct(20),
  smearWindow: 7 * DAY,
  /** Off at launch: impairment already makes savers who run bear their share; the curator can turn it on. */
  withdrawalCooldown: 0,
  /** LiquidationAuction (ILiquidationAuction.Params). */
  auction: {
    /** Start 20 % above the last oracle value: a buyer who values the fleet more can still take it early. */
    buffer: pct(120),
    /** The floor is 60 % of the oracle value (0.5 × 1.2): a forced sale of used GPUs rarely clears lower. */
    floorRatio: pct(50),
    /** Below the floor ratio, so it never triggers: resets come from the tail alone unless the floor is lowered. */
    cusp: pct(45),
    /** 5 % of debt, the low end of equipment-finance repossession fees; paid only out of surplus proceeds. */
    penalty: pct(5),
    /** Three days of decay: long enough for GPU buyers to inspect a listed fleet and arrange funds. */
    duration: 3 * DAY,
    /** Two more days at the floor before the oracle value is refreshed by a reset. */
    tail: 5 * DAY,
    /** $100 + 0.1 % of debt, at most $2,000: covers a keeper's gas and monitoring, not the loan. */
    flatTip: usd(100),
    chip: pct(0.1),
    maxTip: usd(2_000),
  },
} as const;
