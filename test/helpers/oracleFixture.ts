/**
 * A deployed FleetRegistry + FleetOracle under a ProtocolAccessManager with the protocol's role map applied, four
 * oracle signer keys (quorum 3), one configured GPU class and three onboarded fleets.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  getContract,
  keccak256,
  parseEther,
  toHex,
  type Abi,
  type Address,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { NetworkConnection } from "hardhat/types/network";
import { fleetOracleAbi, fleetRegistryAbi, protocolAccessManagerAbi } from "../../abi/index.js";
import { grant, restrict } from "./governance.js";
import { oracleDomain, signRound, sortSignatures, type FleetValue, type Round } from "../../oracle/src/eip712.js";

/** Fixed test keys: keccak of a label, so every run (and the Solidity tests) sees the same signers. */
export const signerKey = (label: string): Hex => keccak256(toHex(label));
export const SIGNERS = [1, 2, 3, 4].map((i) => privateKeyToAccount(signerKey(`gpu-credit oracle signer ${i}`)));
export const OUTSIDER = privateKeyToAccount(signerKey("gpu-credit not a signer"));
export const QUORUM = 3n;

export const HOUR = 3600;
export const DAY = 24 * HOUR;
export const PARAMS = { maxAge: 6 * HOUR, increaseDelay: HOUR, maxIncreasePerDay: parseEther("0.1") } as const;

export const H100 = 1;
export const B200 = 2; // onboarded fleets of this class have no bounds until a test sets them
export const MIN_PER_GPU = parseEther("5000");
export const MAX_PER_GPU = parseEther("40000");

/** Fleets onboarded by the fixture: ids 1..3. */
export const FLEETS = [
  { id: 1n, classId: H100, gpuCount: 8 },
  { id: 2n, classId: H100, gpuCount: 64 },
  { id: 3n, classId: B200, gpuCount: 16 },
] as const;

export function fleetRecord(operator: Address, classId: number, gpuCount: number, acquiredAt: number) {
  return {
    operator,
    classId,
    gpuCount,
    acquiredAt,
    acquisitionCost: parseEther("25000") * BigInt(gpuCount),
    gpuRoot: keccak256(toHex(`gpu root ${gpuCount}`)),
    legalDocsHash: keccak256(toHex("spv, bailment, lien, appraisal, insurance")),
  };
}

export function fleetValue(fleetId: bigint, value: bigint, overrides: Partial<FleetValue> = {}): FleetValue {
  return { fleetId, value, throughputBps: 9_800, utilizationBps: 8_700, healthFlags: 0, freshGpus: 8, ...overrides };
}

/** Pass to `networkHelpers.loadFixture`, which hands it the connection and snapshots the result. */
export async function deployOracle(connection: NetworkConnection) {
  const { viem, networkHelpers } = connection;
  const publicClient = await viem.getPublicClient();
  const [admin, curator, underwriter, oracleAdmin, guardian, operator, stranger] = await viem.getWalletClients();
  if (!admin || !curator || !underwriter || !oracleAdmin || !guardian || !operator || !stranger) {
    throw new Error("the test network needs 7 accounts");
  }
  async function deploy<const TAbi extends Abi>(name: string, abi: TAbi, args: readonly unknown[]) {
    const { address } = await viem.deployContract(name, args as never);
    return getContract({ address, abi, client: { public: publicClient, wallet: admin! } });
  }

  const manager = await deploy("ProtocolAccessManager", protocolAccessManagerAbi, [admin.account.address]);
  const registry = await deploy("FleetRegistry", fleetRegistryAbi, [manager.address]);
  const oracle = await deploy("FleetOracle", fleetOracleAbi, [manager.address, registry.address, SIGNERS.map((s) => s.address), QUORUM, PARAMS]);
  await restrict(manager, "FleetRegistry", registry.address);
  await restrict(manager, "FleetOracle", oracle.address);
  await grant(manager, "RISK_CURATOR", curator.account.address);
  await grant(manager, "UNDERWRITER", underwriter.account.address);
  await grant(manager, "ORACLE_ADMIN", oracleAdmin.account.address);
  await grant(manager, "GUARDIAN", guardian.account.address);

  await oracle.write.setClassBounds([H100, MIN_PER_GPU, MAX_PER_GPU], { account: curator.account });
  const now = await networkHelpers.time.latest();
  for (const fleet of FLEETS) {
    await registry.write.onboard([fleetRecord(operator.account.address, fleet.classId, fleet.gpuCount, now - 30 * DAY), []], {
      account: underwriter.account,
    });
  }
  const domain = oracleDomain(await publicClient.getChainId(), oracle.address);
  const accounts = { admin, curator, underwriter, oracleAdmin, guardian, operator, stranger };
  return { viem, networkHelpers, publicClient, manager, registry, oracle, domain, accounts, deploy };
}

export type OracleSystem = Awaited<ReturnType<typeof deployOracle>>;

/** Signs `round` with `signers` (the first quorum of them by default) and returns the signatures in submit order. */
export async function signAll(system: OracleSystem, round: Round, signers = SIGNERS.slice(0, Number(QUORUM))): Promise<Hex[]> {
  return sortSignatures(await Promise.all(signers.map((signer) => signRound(signer, system.domain, round))));
}

/** The custom error a call reverted with, by name, or undefined if it did not revert with one. */
export async function revertName(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BaseError) {
      const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
      if (revert instanceof ContractFunctionRevertedError) return revert.data?.errorName;
    }
    throw error;
  }
  return undefined;
}
