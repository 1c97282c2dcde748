import { toFunctionSelector, type Abi, type AbiFunction, type Hex } from "viem";
import * as abis from "../../abi/index.js";

/**
 * The protocol's role map: which role may call which function, and each role's execution delay (the timelock).
 * Deployment (Ignition), tests and the access-control checks all read this one table.
 */

export const ROLES = {
  ADMIN: 0n, // AccessManager.ADMIN_ROLE
  RISK_CURATOR: 1n,
  UNDERWRITER: 2n,
  ORACLE_ADMIN: 3n,
  GUARDIAN: 4n,
  /** The Reserve, the only caller of SavingsVault.addInterest. */
  RESERVE: 11n,
} as const;

export type RoleName = keyof typeof ROLES;

const DAY = 24 * 60 * 60;

/** Execution delays in seconds (DESIGN §3). The contract role RESERVE acts at once. */
export const ROLE_DELAYS: Record<RoleName, number> = {
  ADMIN: 2 * DAY,
  RISK_CURATOR: 1 * DAY,
  UNDERWRITER: 0,
  ORACLE_ADMIN: 2 * DAY,
  GUARDIAN: 0,
  RESERVE: 0,
};

/**
 * Roles whose pending operations the guardian may cancel (AccessManager role guardians). OpenZeppelin fixes the admin
 * role's guardian to the admin itself, so a pending admin change can be cancelled only by its proposer or an admin.
 */
export const ROLE_GUARDIANS = { RISK_CURATOR: "GUARDIAN", ORACLE_ADMIN: "GUARDIAN" } as const satisfies Partial<Record<RoleName, RoleName>>;

/** Human roles, in the order deployments take their holders as parameters. */
export const HUMAN_ROLES = ["ADMIN", "RISK_CURATOR", "UNDERWRITER", "ORACLE_ADMIN", "GUARDIAN"] as const satisfies readonly RoleName[];

/**
 * contract name → function name → role. Every restricted function of every contract appears here exactly once.
 * GPUSD's mint and burn are not here: they check GPUSD's own minter set, which only `setMinter` (admin) changes.
 * Nor are the auction's calls (LIQUIDATOR_GATED): they check each contract's liquidator set, which only
 * `setLiquidator` (admin) changes.
 */
export const FUNCTION_ROLES = {
  GPUSD: { setMinter: "ADMIN" },
  FleetRegistry: { onboard: "UNDERWRITER", setHostSigner: "UNDERWRITER", retire: "UNDERWRITER" },
  FleetOracle: {
    addSigner: "ORACLE_ADMIN",
    removeSigner: "ORACLE_ADMIN",
    setQuorum: "ORACLE_ADMIN",
    resume: "ORACLE_ADMIN",
    setClassBounds: "RISK_CURATOR",
    setParams: "RISK_CURATOR",
    stop: "GUARDIAN",
  },
  CreditEngine: {
    setClass: "RISK_CURATOR",
    setGlobalDebtCeiling: "RISK_CURATOR",
    setDefaultOperatorCeiling: "RISK_CURATOR",
    setOperatorCeiling: "RISK_CURATOR",
    pause: "GUARDIAN",
    unpause: "GUARDIAN",
    setLiquidator: "ADMIN",
  },
  PegStabilityModule: { setFees: "RISK_CURATOR", pause: "GUARDIAN", unpause: "GUARDIAN" },
  SavingsVault: {
    addInterest: "RESERVE",
    setSmearWindow: "RISK_CURATOR",
    setWithdrawalCooldown: "RISK_CURATOR",
    setLiquidator: "ADMIN",
  },
  Reserve: { setReserveFactor: "RISK_CURATOR", setLiquidator: "ADMIN" },
  LiquidationAuction: { setParams: "RISK_CURATOR", pause: "GUARDIAN", unpause: "GUARDIAN" },
} as const satisfies Record<string, Record<string, RoleName>>;

export type GovernedContract = keyof typeof FUNCTION_ROLES;

/**
 * The LiquidationAuction's entry points into other contracts: the seizure of a liquidatable vault and the loss
 * waterfall (Reserve commitments and cover, savers' marks and losses). Each contract lets only its liquidator set
 * (ILiquidatorGated) call them, so a kick, reset or take does not ask the AccessManager three times.
 */
export const LIQUIDATOR_GATED = {
  CreditEngine: ["seize", "deliver"],
  Reserve: ["commit", "release", "coverShortfall"],
  SavingsVault: ["impair", "releaseImpairment", "absorbLoss"],
} as const satisfies Partial<Record<GovernedContract, readonly string[]>>;

/** Every governed contract's compiled ABI, so the role table is checked against what was actually built. */
const GOVERNED_ABIS: Record<GovernedContract, Abi> = {
  GPUSD: abis.gpusdAbi,
  FleetRegistry: abis.fleetRegistryAbi,
  FleetOracle: abis.fleetOracleAbi,
  CreditEngine: abis.creditEngineAbi,
  PegStabilityModule: abis.pegStabilityModuleAbi,
  SavingsVault: abis.savingsVaultAbi,
  Reserve: abis.reserveAbi,
  LiquidationAuction: abis.liquidationAuctionAbi,
};

/** A contract's restricted function selectors grouped by role, from its compiled ABI. */
export function selectorsByRole(contract: GovernedContract): { role: RoleName; selectors: Hex[] }[] {
  const table = FUNCTION_ROLES[contract] as Record<string, RoleName>;
  const byRole = new Map<RoleName, Hex[]>();
  for (const [fn, role] of Object.entries(table)) {
    const items = GOVERNED_ABIS[contract].filter((item): item is AbiFunction => item.type === "function" && item.name === fn);
    if (items.length === 0) throw new Error(`FUNCTION_ROLES.${contract}.${fn}: no such function in the ABI; fix the table in scripts/lib/governance.ts`);
    for (const item of items) byRole.set(role, [...(byRole.get(role) ?? []), toFunctionSelector(item)]);
  }
  return [...byRole].map(([role, selectors]) => ({ role, selectors }));
}
