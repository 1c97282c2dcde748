/** What the Borrow page reads from the chain for one account: its vaults (live figures) and the fleets it holds. */
import type { Address, Client } from "viem";
import { creditEngineAbi, fleetOracleAbi, fleetRegistryAbi, gpusdAbi } from "../../../abi";
import { chainNow } from "../../lib/chain";
import type { AppConfig } from "../../lib/config";
import type { VaultSnapshot } from "../../lib/math/vault";
import { getContractEvents, readContract } from "viem/actions";

const unique = (ids: (bigint | undefined)[]) => [...new Set(ids.filter((x): x is bigint => x !== undefined).map(String))].map(BigInt).sort((a, b) => (a < b ? -1 : 1));

export async function loadVault(client: Client, c: AppConfig["contracts"], vaultId: bigint, now: number) {
  const engine = { address: c.engine, abi: creditEngineAbi } as const;
  const oracle = { address: c.oracle, abi: fleetOracleAbi } as const;
  const vault = await readContract(client, { ...engine, functionName: "vault", args: [vaultId] });
  if (vault.owner === "0x0000000000000000000000000000000000000000") return null;
  const fleetId = BigInt(vault.fleetId);
  const [params, classState, debt, health, maxBorrow, nextDue, liquidatable, liquidation, borrowValue, fleet] = await Promise.all([
    readContract(client, { ...engine, functionName: "classParams", args: [vault.classId] }),
    readContract(client, { ...engine, functionName: "classState", args: [vault.classId] }),
    readContract(client, { ...engine, functionName: "debtOf", args: [vaultId] }),
    readContract(client, { ...engine, functionName: "healthOf", args: [vaultId] }),
    readContract(client, { ...engine, functionName: "maxBorrow", args: [vaultId] }),
    readContract(client, { ...engine, functionName: "nextDue", args: [vaultId] }),
    readContract(client, { ...engine, functionName: "isLiquidatable", args: [vaultId] }),
    fleetId === 0n ? Promise.resolve(null) : readContract(client, { ...oracle, functionName: "liquidationValue", args: [fleetId] }).catch(() => null),
    fleetId === 0n ? Promise.resolve(null) : readContract(client, { ...oracle, functionName: "borrowValue", args: [fleetId] }).catch(() => null),
    fleetId === 0n ? Promise.resolve(null) : readContract(client, { address: c.registry, abi: fleetRegistryAbi, functionName: "fleet", args: [fleetId] }),
  ]);
  const snapshot: VaultSnapshot = {
    vault,
    params,
    // classState projects the rate to now; it is the stored state as of `now`, so lastAccrual = now.
    classState: { rate: classState.rate, normDebt: classState.normDebt, lastAccrual: now },
    borrowValue,
    liquidationValue: liquidation ? liquidation[0] : 0n,
    now,
  };
  return {
    vaultId,
    fleetId,
    classId: vault.classId,
    gpuCount: fleet?.gpuCount ?? 0,
    observedAt: liquidation ? liquidation[1] : 0,
    chain: { debt, health, maxBorrow, dueAt: nextDue[0], principalDue: nextDue[1], graceEndsAt: nextDue[2], liquidatable: liquidatable[0], unhealthy: liquidatable[1], missedPayment: liquidatable[2] },
    snapshot,
  };
}

export type LoadedVault = NonNullable<Awaited<ReturnType<typeof loadVault>>>;

export async function loadBorrow(client: Client, c: AppConfig["contracts"], account: Address) {
  const registry = { address: c.registry, abi: fleetRegistryAbi } as const;
  const [now, opened, onboarded, received, gpusd] = await Promise.all([
    chainNow(client),
    getContractEvents(client, { address: c.engine, abi: creditEngineAbi, eventName: "VaultOpened", args: { owner: account }, fromBlock: 0n }),
    getContractEvents(client, { ...registry, eventName: "FleetOnboarded", args: { operator: account }, fromBlock: 0n }),
    getContractEvents(client, { ...registry, eventName: "Transfer", args: { to: account }, fromBlock: 0n }),
    readContract(client, { address: c.gpusd, abi: gpusdAbi, functionName: "balanceOf", args: [account] }),
  ]);
  const vaults = (await Promise.all(unique(opened.map((l) => l.args.vaultId)).map((id) => loadVault(client, c, id, now)))).filter(
    (v): v is LoadedVault => v !== null && v.snapshot.vault.owner.toLowerCase() === account.toLowerCase(),
  );
  const candidates = unique([...onboarded.map((l) => l.args.fleetId), ...received.map((l) => l.args.tokenId)]);
  const held = await Promise.all(
    candidates.map(async (fleetId) => {
      const owner = await readContract(client, { ...registry, functionName: "ownerOf", args: [fleetId] }).catch(() => null);
      if (owner?.toLowerCase() !== account.toLowerCase()) return null;
      const [fleet, state, approved] = await Promise.all([
        readContract(client, { ...registry, functionName: "fleet", args: [fleetId] }),
        readContract(client, { address: c.oracle, abi: fleetOracleAbi, functionName: "fleetState", args: [fleetId] }),
        readContract(client, { ...registry, functionName: "getApproved", args: [fleetId] }),
      ]);
      const params = await readContract(client, { address: c.engine, abi: creditEngineAbi, functionName: "classParams", args: [fleet.classId] });
      return { fleetId, classId: fleet.classId, gpuCount: fleet.gpuCount, value: state.value, observedAt: state.observedAt, maxLtv: params.maxLtv, approved };
    }),
  );
  return { now, gpusd, vaults, fleets: held.filter((f) => f !== null) };
}

export type BorrowData = Awaited<ReturnType<typeof loadBorrow>>;
