/**
 * Protocol actions shared by the local stack, the benchmarks and the tests: deploy through the Ignition module,
 * onboard fleets, publish quorum-signed rounds, open vaults, and act as a governance role.
 */
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { encodeFunctionData, keccak256, toHex, type Abi, type Address, type Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import type { NetworkConnection } from "hardhat/types/network";
import { GpuCreditLocal } from "../../ignition/modules/GpuCredit.js";
import { GPU_CLASSES } from "./protocolConfig.js";
import { ROLE_DELAYS, type RoleName } from "./governance.js";
import { oracleDomain, signRound, sortSignatures } from "../../oracle/src/eip712.js";

export const WAD = 10n ** 18n;
export const USDC_UNIT = 10n ** 6n;
export const DAY = 24n * 60n * 60n;
export const usd = (dollars: number | bigint) => BigInt(dollars) * WAD;

/** Who holds what on a local chain: Hardhat's well-known development accounts, by index. */
export const LOCAL_ACCOUNT_ROLES = ["deployer", "riskCurator", "underwriter", "oracleAdmin", "guardian", "operatorA", "operatorB", "saver", "stranger", "keeper"] as const;
export type LocalAccountName = (typeof LOCAL_ACCOUNT_ROLES)[number];
export type OperatorName = "operatorA" | "operatorB";

/** Ignition's journal for a local chain; the chain starts empty every run, so a journal left from the last run is stale. */
const LOCAL_JOURNAL = fileURLToPath(new URL("../../ignition/deployments/chain-31337", import.meta.url));

export async function deployProtocol(connection: NetworkConnection, signers: readonly PrivateKeyAccount[], quorum: bigint) {
  const { viem, ignition, networkHelpers } = connection;
  if (connection.networkConfig.type === "http" && (await (await viem.getPublicClient()).getChainId()) === 31337) {
    rmSync(LOCAL_JOURNAL, { recursive: true, force: true });
  }
  const wallets = await viem.getWalletClients();
  const accounts = {} as Record<LocalAccountName, (typeof wallets)[number]>;
  LOCAL_ACCOUNT_ROLES.forEach((name, i) => {
    const wallet = wallets[i];
    if (!wallet) throw new Error(`account #${i} (${name}) is missing: the network needs at least ${LOCAL_ACCOUNT_ROLES.length} unlocked accounts`);
    accounts[name] = wallet;
  });
  const contracts = await ignition.deploy(GpuCreditLocal, {
    parameters: {
      GpuCreditLocal: {
        riskCurator: accounts.riskCurator.account.address,
        underwriter: accounts.underwriter.account.address,
        oracleAdmin: accounts.oracleAdmin.account.address,
        guardian: accounts.guardian.account.address,
        oracleSigners: signers.map((s) => s.address),
        oracleQuorum: quorum,
      },
    },
  });
  const publicClient = await viem.getPublicClient();
  const chainId = await publicClient.getChainId();
  return { connection, viem, networkHelpers, publicClient, chainId, accounts, signers, ...contracts };
}

export type Protocol = Awaited<ReturnType<typeof deployProtocol>>;

export type FleetSpec = { name: string; classId: number; gpuCount: number; valuePerGpu: bigint; operator: OperatorName; acquiredDaysAgo?: number };
/** A fleet's GPU Merkle root and host keys; without them a placeholder root and the first oracle signer stand in. */
export type FleetHosts = { gpuRoot: Hex; hosts: readonly Address[] };

/** Onboards a fleet as the underwriter and returns its id. */
export async function onboardFleet(p: Protocol, spec: FleetSpec, hosts?: FleetHosts): Promise<bigint> {
  const operator = p.accounts[spec.operator].account.address;
  const now = await p.networkHelpers.time.latest();
  await p.registry.write.onboard(
    [
      {
        operator,
        classId: spec.classId,
        gpuCount: spec.gpuCount,
        acquiredAt: now - (spec.acquiredDaysAgo ?? 30) * 86_400,
        acquisitionCost: spec.valuePerGpu * BigInt(spec.gpuCount),
        gpuRoot: hosts?.gpuRoot ?? keccak256(toHex(`gpu uuids of ${spec.name}`)),
        legalDocsHash: keccak256(toHex(`legal documents of ${spec.name}`)),
      },
      hosts ? [...hosts.hosts] : [p.signers[0]!.address],
    ],
    { account: p.accounts.underwriter.account },
  );
  return p.registry.read.lastFleetId();
}

export type Valuation = { fleetId: bigint; value: bigint; throughputBps?: number; utilizationBps?: number; healthFlags?: number; freshGpus?: number };

/** Signs a round with the chosen signers (the first three by default) and submits it from the keeper. */
export async function publishRound(p: Protocol, valuations: readonly Valuation[], opts: { signerIndexes?: number[]; observedAt?: number } = {}) {
  const domain = oracleDomain(p.chainId, p.oracle.address);
  const round = {
    roundId: (await p.oracle.read.latestRoundId()) + 1n,
    observedAt: opts.observedAt ?? (await p.networkHelpers.time.latest()),
    fleets: valuations.map((v) => ({
      fleetId: v.fleetId,
      value: v.value,
      throughputBps: v.throughputBps ?? 9_800,
      utilizationBps: v.utilizationBps ?? 8_500,
      healthFlags: v.healthFlags ?? 0,
      freshGpus: v.freshGpus ?? 1,
    })),
    indices: [] as { classId: number; valuePerGpu: bigint }[],
  };
  const chosen = (opts.signerIndexes ?? [0, 1, 2]).map((i) => {
    const signer = p.signers[i];
    if (!signer) throw new Error(`signerIndexes contains ${i}, but only ${p.signers.length} oracle signers exist`);
    return signer;
  });
  const signed = await Promise.all(chosen.map((account) => signRound(account, domain, round)));
  const hash = await p.oracle.write.submitRound([round, sortSignatures(signed)], { account: p.accounts.keeper.account });
  return { round, hash };
}

/** Approves the engine and opens a vault on a fleet; returns the vault id. */
export async function openVault(p: Protocol, operator: OperatorName, fleetId: bigint): Promise<bigint> {
  const account = p.accounts[operator].account;
  await p.registry.write.approve([p.engine.address, fleetId], { account });
  await p.engine.write.open([fleetId], { account });
  return p.engine.read.lastVaultId();
}

type HumanRole = Exclude<RoleName, "RESERVE" | "ADMIN">;
const ROLE_HOLDER: Record<HumanRole, LocalAccountName> = { RISK_CURATOR: "riskCurator", UNDERWRITER: "underwriter", ORACLE_ADMIN: "oracleAdmin", GUARDIAN: "guardian" };

/**
 * Calls a restricted function as the role's holder. Where the role has an execution delay this goes through the
 * AccessManager's schedule → wait → execute, exactly as governance would (the wait is simulated with time travel).
 */
export async function asRole(p: Protocol, role: HumanRole, target: { address: Address; abi: Abi }, functionName: string, args: readonly unknown[]): Promise<Hex> {
  const holder = p.accounts[ROLE_HOLDER[role]];
  const data = encodeFunctionData({ abi: target.abi, functionName, args } as Parameters<typeof encodeFunctionData>[0]);
  if (ROLE_DELAYS[role] === 0) return holder.sendTransaction({ to: target.address, data, account: holder.account, chain: holder.chain });
  await p.authority.write.schedule([target.address, data, 0], { account: holder.account });
  await p.networkHelpers.time.increase(ROLE_DELAYS[role]);
  return p.authority.write.execute([target.address, data], { account: holder.account });
}

/**
 * Lets time pass the way a live deployment would see it: the oracle publishes a fresh round (hand-set `valuations`,
 * or `publish`, e.g. a round of the oracle network), and the keeper accrues
 * every class (minting the interest owed to the Reserve) and has the Reserve pass savers their share.
 */
export async function advance(p: Protocol, seconds: bigint, publish: readonly Valuation[] | (() => Promise<unknown>)) {
  const keeper = p.accounts.keeper.account;
  await p.networkHelpers.time.increase(seconds);
  if (typeof publish === "function") await publish();
  else await publishRound(p, publish);
  for (const c of GPU_CLASSES) await p.engine.write.accrue([c.classId], { account: keeper });
  await p.reserve.write.distribute({ account: keeper });
}
