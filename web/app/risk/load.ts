/** Everything the Risk page reads live from the chain: every vault (through the VaultLens), their fleets, and the buffers. */
import type { Client } from "viem";
import { creditEngineAbi, fleetOracleAbi, fleetRegistryAbi, liquidationAuctionAbi, pegStabilityModuleAbi, reserveAbi, savingsVaultAbi, testUSDCAbi, vaultLensAbi } from "../../../abi";
import { chainNow } from "../../lib/chain";
import { CLASS_IDS } from "../../lib/classes";
import type { AppConfig } from "../../lib/config";
import { debtAt } from "../../lib/math/vault";
import type { StressVault } from "../../lib/math/stress";
import { readContract } from "viem/actions";

const PAGE = 500n;

export async function loadRisk(client: Client, c: AppConfig["contracts"]) {
  const engine = { address: c.engine, abi: creditEngineAbi } as const;
  const oracle = { address: c.oracle, abi: fleetOracleAbi } as const;
  const [now, lastVault, buffer, committed, uncommitted, impaired, badDebt, psmUsdc, psmFree, queueDepth, inflow, latestRound, quorum, signerCount, stopped] = await Promise.all([
    chainNow(client),
    readContract(client, { ...engine, functionName: "lastVaultId" }),
    readContract(client, { address: c.reserve, abi: reserveAbi, functionName: "buffer" }),
    readContract(client, { address: c.reserve, abi: reserveAbi, functionName: "totalCommitted" }),
    readContract(client, { address: c.reserve, abi: reserveAbi, functionName: "uncommittedBuffer" }),
    readContract(client, { address: c.savings, abi: savingsVaultAbi, functionName: "totalImpaired" }),
    readContract(client, { address: c.auction, abi: liquidationAuctionAbi, functionName: "totalBadDebt" }),
    readContract(client, { address: c.usdc, abi: testUSDCAbi, functionName: "balanceOf", args: [c.psm] }),
    readContract(client, { address: c.psm, abi: pegStabilityModuleAbi, functionName: "freeLiquidity" }),
    readContract(client, { address: c.psm, abi: pegStabilityModuleAbi, functionName: "queueDepth" }),
    readContract(client, { address: c.psm, abi: pegStabilityModuleAbi, functionName: "inflowRate" }),
    readContract(client, { ...oracle, functionName: "latestRoundId" }),
    readContract(client, { ...oracle, functionName: "quorum" }),
    readContract(client, { ...oracle, functionName: "signerCount" }),
    readContract(client, { ...oracle, functionName: "stopped" }),
  ]);
  const pages = [];
  for (let from = 1n; from <= lastVault; from += PAGE) pages.push(readContract(client, { address: c.lens, abi: vaultLensAbi, functionName: "vaults", args: [from, PAGE] }));
  const views = (await Promise.all(pages)).flat();
  const classes = await Promise.all(
    CLASS_IDS.map(async (classId) => {
      const [params, state] = await Promise.all([readContract(client, { ...engine, functionName: "classParams", args: [classId] }), readContract(client, { ...engine, functionName: "classState", args: [classId] })]);
      return { classId, params, debt: debtAt(state.normDebt, state.rate) };
    }),
  );
  const ltv = new Map(classes.map((k) => [k.classId, k.params.liquidationLtv]));
  const vaults: (StressVault & { classId: number; collateral: bigint; health: bigint })[] = await Promise.all(
    views.map(async (v) => {
      if (v.fleetId === 0n) return { vaultId: v.vaultId, debt: v.debt, liquidationLtv: ltv.get(v.classId) ?? 0n, missedPayment: v.missedPayment, fleet: null, classId: v.classId, collateral: 0n, health: v.health };
      const [state, fleet] = await Promise.all([
        readContract(client, { ...oracle, functionName: "fleetState", args: [v.fleetId] }),
        readContract(client, { address: c.registry, abi: fleetRegistryAbi, functionName: "fleet", args: [v.fleetId] }),
      ]);
      return {
        vaultId: v.vaultId,
        debt: v.debt,
        liquidationLtv: ltv.get(v.classId) ?? 0n,
        missedPayment: v.missedPayment,
        classId: v.classId,
        collateral: state.value,
        health: v.health,
        fleet: {
          fleetId: v.fleetId,
          classId: fleet.classId,
          gpuCount: fleet.gpuCount,
          value: state.value,
          utilizationBps: state.utilizationBps,
          throughputBps: state.throughputBps,
          healthFlags: state.healthFlags,
          acquiredAt: fleet.acquiredAt,
        },
      };
    }),
  );
  return {
    now,
    vaults,
    classes,
    reserve: { buffer, committed, uncommitted },
    impaired,
    badDebt,
    psm: { usdc: psmUsdc, free: psmFree, queueDepth, inflow },
    oracle: { latestRound, quorum, signerCount, stopped },
  };
}

export type RiskData = Awaited<ReturnType<typeof loadRisk>>;
