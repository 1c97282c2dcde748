/**
 * What a node reads from the chain, behind one small interface so verification can run against a cache, a test
 * double or the benchmark's in-memory view, and the chain is touched only at this edge.
 */
import { BaseError, ContractFunctionRevertedError, getAddress, type Address, type Hex, type PublicClient } from "viem";
import { fleetOracleAbi, fleetRegistryAbi } from "../../../abi/index.js";

/** FleetRegistry's record of a fleet, as the node needs it. */
export type FleetInfo = {
  fleetId: bigint;
  classId: number;
  gpuCount: number;
  acquiredAt: number; // [unix s]
  acquisitionCost: bigint; // [wad]
  gpuRoot: Hex;
};

export interface ChainView {
  /** null when the registry does not know the fleet (never onboarded, or retired). */
  fleet(fleetId: bigint): Promise<FleetInfo | null>;
  isHostSigner(fleetId: bigint, signer: Address): Promise<boolean>;
  isOracleSigner(account: Address): Promise<boolean>;
}

/** What the round logic reads; never cached, because stale values here mean a wasted or a double round. */
export interface RoundChain {
  latestRoundId(): Promise<bigint>;
  quorum(): Promise<number>;
  /** Exclusive per-GPU bounds [wad]; both zero if the class has none. */
  classBounds(classId: number): Promise<{ min: bigint; max: bigint }>;
  lastFleetId(): Promise<bigint>;
}

export type ContractAddresses = { registry: Address; oracle: Address };

/**
 * Reads through viem with a short cache: a verification burst for one fleet costs a handful of calls, not one per
 * report, and a revoked host key or signer stops working within `ttlMs`.
 */
export function viemChainView(client: PublicClient, addresses: ContractAddresses, opts: { ttlMs?: number } = {}): ChainView & RoundChain {
  const ttlMs = opts.ttlMs ?? 10_000;
  const cache = new Map<string, { at: number; value: Promise<unknown> }>();
  function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.value as Promise<T>;
    const value = load();
    cache.set(key, { at: Date.now(), value });
    value.catch(() => cache.delete(key)); // an RPC hiccup must not be remembered as an answer
    return value;
  }
  const registry = { address: addresses.registry, abi: fleetRegistryAbi } as const;
  const oracle = { address: addresses.oracle, abi: fleetOracleAbi } as const;

  return {
    fleet: (fleetId) =>
      cached(`fleet:${fleetId}`, async () => {
        // isHostSigner is false for unknown fleets and `fleet` reverts for them; checking the id range first keeps
        // the common "unknown" answer out of revert decoding.
        const last = await client.readContract({ ...registry, functionName: "lastFleetId" });
        if (fleetId < 1n || fleetId > last) return null;
        try {
          const f = await client.readContract({ ...registry, functionName: "fleet", args: [fleetId] });
          return { fleetId, classId: f.classId, gpuCount: f.gpuCount, acquiredAt: f.acquiredAt, acquisitionCost: f.acquisitionCost, gpuRoot: f.gpuRoot };
        } catch (error) {
          // Retired: the registry reverts UnknownFleet. Anything else (RPC down) must surface, not read as "unknown".
          if (error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionRevertedError)) return null;
          throw error;
        }
      }),
    isHostSigner: (fleetId, signer) =>
      cached(`host:${fleetId}:${getAddress(signer)}`, () => client.readContract({ ...registry, functionName: "isHostSigner", args: [fleetId, signer] })),
    isOracleSigner: (account) => cached(`signer:${getAddress(account)}`, () => client.readContract({ ...oracle, functionName: "isSigner", args: [account] })),
    latestRoundId: () => client.readContract({ ...oracle, functionName: "latestRoundId" }).then(BigInt),
    quorum: () => client.readContract({ ...oracle, functionName: "quorum" }).then(Number),
    classBounds: (classId) =>
      cached(`bounds:${classId}`, async () => {
        const [min, max] = await client.readContract({ ...oracle, functionName: "classBounds", args: [classId] });
        return { min, max };
      }),
    lastFleetId: () => client.readContract({ ...registry, functionName: "lastFleetId" }),
  };
}
