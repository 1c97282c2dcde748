/**
 * The whole protocol, deployed by the production Ignition module on an in-process Hardhat network, with the demo's
 * three fleets valued by a quorum-signed round. Test files restore a snapshot of it before each test.
 */
import { network } from "hardhat";
import { keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { deployProtocol, onboardFleet, publishRound, type Protocol } from "../../scripts/lib/protocol.js";
import { DEMO_FLEETS } from "../../scripts/lib/demoScenario.js";
import { GPU_CLASSES } from "../../scripts/lib/protocolConfig.js";

export * from "../../scripts/lib/protocol.js";
export { DEMO_FLEETS };

/** Deterministic, test-only oracle signer keys for the in-process network; never used anywhere else. */
export const testSignerKeys = [0, 1, 2, 3].map((i) => keccak256(toHex(`gpu-credit test oracle signer ${i}`)));

export async function deploySystem(): Promise<Protocol> {
  return deployProtocol(await network.create(), testSignerKeys.map((key) => privateKeyToAccount(key)), 3n);
}

/** Fleets onboarded and valued, then re-valued after the increase delay so their values are borrowable. */
export async function deployWithFleets() {
  const sys = await deploySystem();
  const fleetIds: bigint[] = [];
  for (const spec of DEMO_FLEETS) fleetIds.push(await onboardFleet(sys, spec));
  const valuations = () => DEMO_FLEETS.map((spec, i) => ({ fleetId: fleetIds[i]!, value: spec.valuePerGpu * BigInt(spec.gpuCount), freshGpus: spec.gpuCount }));
  await publishRound(sys, valuations());
  await sys.networkHelpers.time.increase((await sys.oracle.read.params()).increaseDelay);
  await publishRound(sys, valuations());
  return { ...sys, fleetIds, valuations };
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
