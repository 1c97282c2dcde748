/**
 * The savings side of the protocol on an in-process network: AccessManager, GPUSD, TestUSDC, SavingsVault, Reserve
 * and PegStabilityModule, wired with the role map of scripts/lib/governance.ts. Pass `deploySavingsStack` to
 * `networkHelpers.loadFixture`, which hands it the connection and snapshots the result.
 */
import assert from "node:assert/strict";
import type { NetworkConnection } from "hardhat/types/network";
import { getContract, type Abi, type Address } from "viem";
import {
  gpusdAbi,
  pegStabilityModuleAbi,
  protocolAccessManagerAbi,
  reserveAbi,
  savingsVaultAbi,
  testUSDCAbi,
} from "../../abi/index.js";
import { grant, restrict } from "./governance.js";

export const WAD = 10n ** 18n;
/** One USDC in its own units (6 decimals). */
export const USDC = 10n ** 6n;
/** GPUSD units per USDC unit. */
export const SCALE = 10n ** 12n;
export const HOUR = 3600n;
export const DAY = 24n * HOUR;
export const YEAR = 365n * DAY;
export const MAX_UINT256 = 2n ** 256n - 1n;

export const usd = (dollars: bigint | number) => BigInt(dollars) * WAD;
export const usdc = (dollars: bigint | number) => BigInt(dollars) * USDC;

/** Launch-like parameters, non-zero so that every fee path runs. */
export const PARAMS = {
  tin: 10n ** 15n, // 0.1 %
  tout: 2n * 10n ** 15n, // 0.2 %
  reserveFactor: 2n * 10n ** 17n, // 20 %
  smearWindow: 7 * 24 * 3600,
} as const;

export async function deploySavingsStack(connection: NetworkConnection) {
  const { viem, networkHelpers } = connection;
  const publicClient = await viem.getPublicClient();
  const wallets = await viem.getWalletClients();
  const [deployer, minter, alice, bob, carol, stranger] = wallets;
  if (!deployer || !minter || !alice || !bob || !carol || !stranger) throw new Error("the test network needs 6 accounts");

  async function deploy<const TAbi extends Abi>(name: string, abi: TAbi, args: readonly unknown[]) {
    const { address } = await viem.deployContract(name, args as never);
    return getContract({ address, abi, client: { public: publicClient, wallet: deployer! } });
  }

  const manager = await deploy("ProtocolAccessManager", protocolAccessManagerAbi, [deployer.account.address]);
  const gpusd = await deploy("GPUSD", gpusdAbi, [manager.address]);
  const usdcToken = await deploy("TestUSDC", testUSDCAbi, []);
  const vault = await deploy("SavingsVault", savingsVaultAbi, [manager.address, gpusd.address, PARAMS.smearWindow]);
  const reserve = await deploy("Reserve", reserveAbi, [manager.address, gpusd.address, vault.address, PARAMS.reserveFactor]);
  const psm = await deploy("PegStabilityModule", pegStabilityModuleAbi, [
    manager.address,
    gpusd.address,
    usdcToken.address,
    reserve.address,
    PARAMS.tin,
    PARAMS.tout,
  ]);

  await restrict(manager, "GPUSD", gpusd.address);
  await restrict(manager, "SavingsVault", vault.address);
  await restrict(manager, "Reserve", reserve.address);
  await restrict(manager, "PegStabilityModule", psm.address);
  // The deployer is admin with no delay here, so it sets the minters directly.
  await gpusd.write.setMinter([psm.address, true]);
  await gpusd.write.setMinter([minter.account.address, true]);
  await grant(manager, "RESERVE", reserve.address);
  // The test minter also plays the liquidation auction: it may commit and spend the buffer and mark savers.
  await vault.write.setLiquidator([minter.account.address, true]);
  await reserve.write.setLiquidator([minter.account.address, true]);
  await grant(manager, "RISK_CURATOR", deployer.account.address);
  await grant(manager, "GUARDIAN", deployer.account.address);

  const accounts = { deployer, minter, alice, bob, carol, stranger };
  return { viem, networkHelpers, publicClient, accounts, manager, gpusd, usdc: usdcToken, vault, reserve, psm };
}

export type SavingsStack = Awaited<ReturnType<typeof deploySavingsStack>>;
export type Wallet = SavingsStack["accounts"]["alice"];

/** Mints GPUSD to `to` through the test minter, bypassing the PSM (as the CreditEngine would). */
export async function seedGpusd(s: SavingsStack, to: Address, amount: bigint) {
  await s.gpusd.write.mint([to, amount], { account: s.accounts.minter.account });
}

/** Faucet USDC to `to` and approve the PSM for all of it. */
export async function fundUsdc(s: SavingsStack, to: Wallet, amount: bigint) {
  await s.usdc.write.mint([to.account.address, amount]);
  await s.usdc.write.approve([s.psm.address, MAX_UINT256], { account: to.account });
}

/** Balances of every party that can hold value in the savings stack, for "nothing moved" checks. */
export async function snapshotBalances(s: SavingsStack) {
  const holders = [
    ...Object.values(s.accounts).map((w) => w.account.address),
    s.psm.address,
    s.reserve.address,
    s.vault.address,
  ];
  const out: Record<string, bigint> = {};
  for (const holder of holders) {
    out[`usdc:${holder}`] = await s.usdc.read.balanceOf([holder]);
    out[`gpusd:${holder}`] = await s.gpusd.read.balanceOf([holder]);
    out[`sgpusd:${holder}`] = await s.vault.read.balanceOf([holder]);
  }
  out.gpusdSupply = await s.gpusd.read.totalSupply();
  out.sgpusdSupply = await s.vault.read.totalSupply();
  out.totalAssets = await s.vault.read.totalAssets();
  out.buffer = await s.reserve.read.buffer();
  out.queueDepth = await s.psm.read.queueDepth();
  out.freeLiquidity = await s.psm.read.freeLiquidity();
  out.lastRequestId = await s.psm.read.lastRequestId();
  return out;
}


type Revertible = { abi: Abi };

/**
 * Asserts that `call` reverts with `error` (and `args`, when given) and that no balance, supply or queue figure of the
 * stack moved: bad input never corrupts state or loses funds. `extra` adds state specific to the test.
 */
export async function rejectsWithoutEffect(
  s: SavingsStack,
  call: () => Promise<unknown>,
  contract: Revertible,
  error: string,
  args?: readonly unknown[],
  extra: () => Promise<unknown> = async () => null,
) {
  const before = { balances: await snapshotBalances(s), extra: await extra() };
  if (args) await s.viem.assertions.revertWithCustomErrorWithArgs(call() as never, contract as never, error as never, args as never);
  else await s.viem.assertions.revertWithCustomError(call() as never, contract as never, error as never);
  assert.deepEqual({ balances: await snapshotBalances(s), extra: await extra() }, before, `${error}: state moved`);
}
