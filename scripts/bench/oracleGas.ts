/**
 * Marginal gas per fleet in an oracle round at 100 fleets: (round of 100 − round of 1) ÷ 99, both on fleets valued
 * before (steady state), quorum 3. Reports execution gas (the contracts' own cost, as every figure in bench/gas.json)
 * and total gas including the calldata a relayer pays for.
 */
import { network } from "hardhat";
import { hexToBytes, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { DEMO_FLEETS } from "../lib/demoScenario.js";
import { deployProtocol, onboardFleet, publishRound, type Protocol } from "../lib/protocol.js";

async function gasOf(p: Protocol, hash: Hex): Promise<{ total: number; execution: number }> {
  const [receipt, tx] = await Promise.all([p.publicClient.waitForTransactionReceipt({ hash }), p.publicClient.getTransaction({ hash })]);
  if (receipt.status !== "success") throw new Error(`round ${hash} reverted`);
  const calldata = hexToBytes(tx.input).reduce((sum, byte) => sum + (byte === 0 ? 4 : 16), 0);
  return { total: Number(receipt.gasUsed), execution: Number(receipt.gasUsed) - 21_000 - calldata };
}

export async function roundGasPerFleet(fleets = 100): Promise<{ execution: number; total: number; base: number }> {
  const connection = await network.create();
  try {
    const p = await deployProtocol(connection, [0, 1, 2, 3].map(() => privateKeyToAccount(generatePrivateKey())), 3n);
    const spec = DEMO_FLEETS[0]!;
    const ids: bigint[] = [];
    for (let i = 0; i < fleets; i++) ids.push(await onboardFleet(p, { ...spec, name: `round bench ${i}`, operator: "operatorA" }));
    const value = spec.valuePerGpu * BigInt(spec.gpuCount);
    const round = (subset: bigint[]) => subset.map((fleetId) => ({ fleetId, value, freshGpus: spec.gpuCount }));
    await publishRound(p, round(ids)); // first valuations: cold slots, registry reads
    await p.networkHelpers.time.increase(600);
    const one = await gasOf(p, (await publishRound(p, round(ids.slice(0, 1)))).hash);
    await p.networkHelpers.time.increase(600);
    const all = await gasOf(p, (await publishRound(p, round(ids))).hash);
    const execution = Math.ceil((all.execution - one.execution) / (fleets - 1));
    return { execution, total: Math.ceil((all.total - one.total) / (fleets - 1)), base: one.execution - execution };
  } finally {
    await connection.close();
  }
}
