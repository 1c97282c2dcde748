import type { Address } from "viem";
import { ROLES, selectorsByRole, type GovernedContract, type RoleName } from "../../scripts/lib/governance.js";

type Manager = {
  write: {
    setTargetFunctionRole: (args: readonly [Address, readonly `0x${string}`[], bigint]) => Promise<`0x${string}`>;
    grantRole: (args: readonly [bigint, Address, number]) => Promise<`0x${string}`>;
  };
};

/** Applies the role map of scripts/lib/governance.ts to one deployed contract, as the Ignition module does. */
export async function restrict(manager: Manager, contract: GovernedContract, target: Address): Promise<void> {
  for (const { role, selectors } of selectorsByRole(contract)) {
    await manager.write.setTargetFunctionRole([target, selectors, ROLES[role]]);
  }
}

/** Grants `role` to `account` with no execution delay (tests that exercise delays grant their own). */
export async function grant(manager: Manager, role: RoleName, account: Address, delay = 0): Promise<void> {
  await manager.write.grantRole([ROLES[role], account, delay]);
}
