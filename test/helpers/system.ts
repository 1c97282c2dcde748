/**
 * The whole protocol, deployed by the production Ignition module on an in-process Hardhat network, with three
 * onboarded fleets valued by a quorum-signed round. Tests start from a snapshot of it (`loadFixture`).
 */
import { network } from "hardhat";
import { encodeFunctionData, keccak256, toHex, type Abi, type Address, type Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { GpuCreditLocal } from "../../ignition/modules/GpuCredit.js";
import { ROLES, ROLE_DELAYS, type RoleName } from "../../scripts/lib/governance.js";
import { GPU_CLASSES } from "../../scripts/lib/protocolConfig.js";
import { oracleDomain, signRound, sortSignatures } from "../../oracle/src/eip712.js";

export const WAD = 10n ** 18n;
export const USDC = 10n ** 6n;
export const DAY = 24n * 60n * 60n;
export const usd = (dollars: number | bigint) => BigInt(dollars) * WAD;

/** Deterministic, test-only oracle signer keys: never used outside this in-process network. */
export const testSignerKeys = [0, 1, 2, 3].map((i) => keccak256(toHex(`gpu-credit test oracle signer ${i}`)));

export type FleetSpec = { classId: number; gpuCount: number; valuePerGpu: bigint; operator: "operatorA" | "operatorB" };

export const DEMO_FLEETS: readonly FleetSpec[] = [
  { classId: 1, gpuCount: 64, valuePerGpu: usd(22_000), operator: "operatorA" },
  { classId: 2, gpuCount: 32, valuePerGpu: usd(26_000), operator: "operatorB" },
  { classId: 3, gpuCount: 128, valuePerGpu: usd(7_000), operator: "operatorA" },
];

export async function deploySystem() {
  const connection = await network.connect();
  const { viem, ignition, networkHelpers } = connection;
  const wallets = await viem.getWalletClients();
  const [deployer, riskCurator, underwriter, oracleAdmin, guardian, operatorA, operatorB, saver, stranger, keeper] = wallets as [
    (typeof wallets)[number],
    ...(typeof wallets)[number][],
  ] as (typeof wallets)[number][];
  const signers: PrivateKeyAccount[] = testSignerKeys.map((key) => privateKeyToAccount(key));

  const deployed = await ignition.deploy(GpuCreditLocal, {
    parameters: {
      GpuCreditLocal: {
        riskCurator: riskCurator!.account.address,
        underwriter: underwriter!.account.address,
        oracleAdmin: oracleAdmin!.account.address,
        guardian: guardian!.account.address,
        oracleSigners: signers.map((s) => s.address),
        oracleQuorum: 3n,
      },
    },
  });
  const publicClient = await viem.getPublicClient();
  const chainId = await publicClient.getChainId();
  const accounts = { deployer: deployer!, riskCurator: riskCurator!, underwriter: underwriter!, oracleAdmin: oracleAdmin!, guardian: guardian!, operatorA: operatorA!, operatorB: operatorB!, saver: saver!, stranger: stranger!, keeper: keeper! };
  const sys = { connection, viem, networkHelpers, publicClient, chainId, accounts, signers, ...deployed };
  return sys;
}

export type System = Awaited<ReturnType<typeof deploySystem>>;

/** Onboards a fleet through the underwriter and returns its id. */
export async function onboardFleet(sys: System, spec: FleetSpec): Promise<bigint> {
  const operator = sys.accounts[spec.operator].account.address;
  const cost = spec.valuePerGpu * BigInt(spec.gpuCount);
  await sys.registry.write.onboard(
    [
      {
        operator,
        classId: spec.classId,
        gpuCount: spec.gpuCount,
        acquiredAt: Number(await sys.networkHelpers.time.latest()) - 30 * 86_400,
        acquisitionCost: cost,
        gpuRoot: keccak256(toHex(`gpu root ${spec.classId}-${spec.gpuCount}`)),
        legalDocsHash: keccak256(toHex("legal docs")),
      },
      [sys.signers[0]!.address],
    ],
    { account: sys.accounts.underwriter.account },
  );
  return sys.registry.read.lastFleetId();
}

export type Valuation = { fleetId: bigint; value: bigint; throughputBps?: number; utilizationBps?: number; healthFlags?: number; freshGpus?: number };

/** Signs a round with the first `quorum` signers (or `signerIndexes`) and submits it from the keeper. */
export async function publishRound(
  sys: System,
  valuations: readonly Valuation[],
  opts: { signerIndexes?: number[]; observedAt?: number } = {},
) {
  const domain = oracleDomain(sys.chainId, sys.oracle.address);
  const round = {
    roundId: (await sys.oracle.read.latestRoundId()) + 1n,
    observedAt: opts.observedAt ?? Number(await sys.networkHelpers.time.latest()),
    fleets: valuations.map((v) => ({
      fleetId: v.fleetId,
      value: v.value,
      throughputBps: v.throughputBps ?? 9_800,
      utilizationBps: v.utilizationBps ?? 8_500,
      healthFlags: v.healthFlags ?? 0,
      freshGpus: v.freshGpus ?? 1,
    })),
    indices: [],
  };
  const chosen = (opts.signerIndexes ?? [0, 1, 2]).map((i) => sys.signers[i]!);
  const signed = await Promise.all(chosen.map(async (account) => ({ signer: account.address, signature: await signRound(account, domain, round) })));
  const signatures = sortSignatures(signed);
  await sys.oracle.write.submitRound([round, signatures], { account: sys.accounts.keeper.account });
  return round;
}

/** Runs a restricted call as `role`'s holder, going through the AccessManager's schedule → wait → execute when the
 * role has an execution delay, exactly as governance would. */
export async function asRole(sys: System, role: Exclude<RoleName, "MINTER" | "RESERVE" | "ADMIN">, target: { address: Address; abi: Abi }, functionName: string, args: readonly unknown[]) {
  const holder = { RISK_CURATOR: sys.accounts.riskCurator, UNDERWRITER: sys.accounts.underwriter, ORACLE_ADMIN: sys.accounts.oracleAdmin, GUARDIAN: sys.accounts.guardian }[role];
  const data = encodeFunctionData({ abi: target.abi, functionName, args } as never) as Hex;
  if (ROLE_DELAYS[role] === 0) {
    return holder.sendTransaction({ to: target.address, data, account: holder.account, chain: holder.chain });
  }
  await sys.authority.write.schedule([target.address, data, 0], { account: holder.account });
  await sys.networkHelpers.time.increase(ROLE_DELAYS[role]);
  return sys.authority.write.execute([target.address, data], { account: holder.account });
}

/** Fleets onboarded, valued in round 1, and re-valued after the increase delay so the values are borrowable. */
export async function deployWithFleets() {
  const sys = await deploySystem();
  const fleetIds: bigint[] = [];
  for (const spec of DEMO_FLEETS) fleetIds.push(await onboardFleet(sys, spec));
  const valuations = () => DEMO_FLEETS.map((spec, i) => ({ fleetId: fleetIds[i]!, value: spec.valuePerGpu * BigInt(spec.gpuCount), freshGpus: spec.gpuCount }));
  await publishRound(sys, valuations());
  const params = await sys.oracle.read.params();
  await sys.networkHelpers.time.increase(params.increaseDelay);
  await publishRound(sys, valuations());
  return { ...sys, fleetIds, valuations };
}

/** Approves and opens a vault on a fleet, returning the vault id. */
export async function openVault(sys: System, operator: "operatorA" | "operatorB", fleetId: bigint): Promise<bigint> {
  const account = sys.accounts[operator].account;
  await sys.registry.write.approve([sys.engine.address, fleetId], { account });
  await sys.engine.write.open([fleetId], { account });
  return sys.engine.read.lastVaultId();
}

export const classById = (classId: number) => {
  const found = GPU_CLASSES.find((c) => c.classId === classId);
  if (!found) throw new Error(`classId ${classId} is not in scripts/lib/protocolConfig.ts GPU_CLASSES`);
  return found;
};

/** Deploys once per test file, then restores the chain snapshot before each test. */
export function cachedFixture<T extends { networkHelpers: { takeSnapshot: () => Promise<{ restore: () => Promise<void> }> } }>(fixture: () => Promise<T>): () => Promise<T> {
  let state: { sys: T; snapshot: { restore: () => Promise<void> } } | undefined;
  return async () => {
    if (!state) {
      const sys = await fixture();
      state = { sys, snapshot: await sys.networkHelpers.takeSnapshot() };
    } else {
      await state.snapshot.restore();
    }
    return state.sys;
  };
}

export { ROLES };
