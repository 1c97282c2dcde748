/**
 * `npm run bench:gas`: execution gas of every user operation, on an in-process Hardhat network with Cancun rules.
 * Execution gas = receipt gasUsed − 21,000 − calldata cost (EIP-2028), i.e. what the contracts themselves spend.
 * Each figure is steady state: the accounts involved already hold balances and approvals, as for a returning user.
 * Writes bench/gas.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { network } from "hardhat";
import { hexToBytes, maxUint256, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { DEMO_FLEETS } from "../lib/demoScenario.js";
import { USDC_UNIT, deployProtocol, onboardFleet, openVault, publishRound, usd, type Protocol, type Valuation } from "../lib/protocol.js";

const TARGETS: Record<string, number> = {
  openVault: 130_000,
  borrow: 90_000,
  repay: 70_000,
  psmSwapIn: 60_000,
  psmSwapOut: 60_000,
  savingsDeposit: 60_000,
  savingsRedeem: 50_000,
  oracleRoundBase: 60_000,
  oracleRoundPerFleet: 10_000,
  borrowAt1000Vaults: 90_000,
  repayAt1000Vaults: 70_000,
  kick: 150_000,
  take: 150_000,
  reset: 80_000,
};

async function executionGas(p: Protocol, hash: Hex): Promise<number> {
  const [receipt, tx] = await Promise.all([p.publicClient.waitForTransactionReceipt({ hash }), p.publicClient.getTransaction({ hash })]);
  if (receipt.status !== "success") throw new Error(`benchmark transaction ${hash} reverted`);
  const calldata = hexToBytes(tx.input).reduce((sum, byte) => sum + (byte === 0 ? 4 : 16), 0);
  return Number(receipt.gasUsed) - 21_000 - calldata;
}

async function main() {
  const p = await deployProtocol(await network.create(), [0, 1, 2, 3].map(() => privateKeyToAccount(generatePrivateKey())), 3n);
  const { accounts } = p;
  const a = accounts.operatorA.account;
  const results: Record<string, number> = {};
  const note = (key: string, gas: number) => {
    results[key] = gas;
    const target = TARGETS[key];
    console.log(`${key.padEnd(22)} ${String(gas).padStart(8)}${target ? `   target ≤ ${target}  ${gas <= target ? "ok" : "OVER"}` : ""}`);
  };

  // Ten fleets for operator A, all valued, so vaults and oracle rounds run on warm, non-zero storage.
  const fleetIds: bigint[] = [];
  for (let i = 0; i < 10; i++) fleetIds.push(await onboardFleet(p, { ...DEMO_FLEETS[0]!, name: `bench fleet ${i}`, operator: "operatorA" }));
  const value = DEMO_FLEETS[0]!.valuePerGpu * BigInt(DEMO_FLEETS[0]!.gpuCount);
  const valuations = (ids: bigint[]): Valuation[] => ids.map((fleetId) => ({ fleetId, value, freshGpus: 64 }));
  await publishRound(p, valuations(fleetIds));
  await p.networkHelpers.time.increase((await p.oracle.read.params()).increaseDelay);
  await publishRound(p, valuations(fleetIds));

  // Oracle: quorum 3, one fleet vs ten fleets; marginal cost per fleet from the difference.
  const one = await executionGas(p, (await publishRound(p, valuations(fleetIds.slice(0, 1)))).hash);
  const ten = await executionGas(p, (await publishRound(p, valuations(fleetIds))).hash);
  const perFleet = Math.ceil((ten - one) / 9);
  note("oracleRoundPerFleet", perFleet);
  note("oracleRoundBase", one - perFleet);

  // Vaults: a first vault warms the engine's NFT balance; the second open is the steady-state figure.
  const first = await openVault(p, "operatorA", fleetIds[0]!);
  await p.registry.write.approve([p.engine.address, fleetIds[1]!], { account: a });
  note("openVault", await executionGas(p, await p.engine.write.open([fleetIds[1]!], { account: a })));
  const vaultId = await p.engine.read.lastVaultId();
  await p.engine.write.borrow([first, usd(100_000), a.address], { account: a });
  note("borrowFirst", await executionGas(p, await p.engine.write.borrow([vaultId, usd(100_000), a.address], { account: a })));
  await p.networkHelpers.time.increase(3_600);
  note("borrow", await executionGas(p, await p.engine.write.borrow([vaultId, usd(50_000), a.address], { account: a })));
  await p.networkHelpers.time.increase(3_600);
  note("repay", await executionGas(p, await p.engine.write.repay([vaultId, usd(20_000)], { account: a })));
  await p.networkHelpers.time.increase(3_600);
  note("repayFull", await executionGas(p, await p.engine.write.repay([first, maxUint256], { account: a })));

  // PSM and savings, with a saver who has swapped and staked before.
  const saver = accounts.saver.account;
  await p.usdc.write.mint([saver.address, 10_000_000n * USDC_UNIT]);
  await p.usdc.write.approve([p.psm.address, maxUint256], { account: saver });
  await p.gpusd.write.approve([p.psm.address, maxUint256], { account: saver });
  await p.gpusd.write.approve([p.savings.address, maxUint256], { account: saver });
  await p.psm.write.sellUsdc([1_000_000n * USDC_UNIT, saver.address], { account: saver });
  await p.psm.write.redeem([usd(1_000), saver.address], { account: saver });
  note("psmSwapIn", await executionGas(p, await p.psm.write.sellUsdc([50_000n * USDC_UNIT, saver.address], { account: saver })));
  note("psmSwapOut", await executionGas(p, await p.psm.write.redeem([usd(50_000), saver.address], { account: saver })));
  await p.savings.write.deposit([usd(100_000), saver.address], { account: saver });
  note("savingsDeposit", await executionGas(p, await p.savings.write.deposit([usd(100_000), saver.address], { account: saver })));
  const shares = (await p.savings.read.balanceOf([saver.address])) / 4n;
  note("savingsRedeem", await executionGas(p, await p.savings.write.redeem([shares, saver.address, saver.address], { account: saver })));

  // Liquidations: three of operator A's vaults fall unhealthy. The first kick and take warm the auction's slots; the
  // second pair is the steady-state figure. Both credit a tip, commit part of the Reserve's buffer and mark savers.
  const keeper = accounts.keeper.account;
  await p.gpusd.write.transfer([p.reserve.address, usd(50_000)], { account: saver });
  await p.reserve.write.distribute();
  await p.usdc.write.mint([saver.address, 4_000_000n * USDC_UNIT]);
  await p.psm.write.sellUsdc([4_000_000n * USDC_UNIT, saver.address], { account: saver });
  const liquidated = fleetIds.slice(2, 5);
  const liquidatedVaults: bigint[] = [];
  for (const fleetId of liquidated) {
    const id = await openVault(p, "operatorA", fleetId);
    await p.engine.write.borrow([id, usd(900_000), a.address], { account: a });
    liquidatedVaults.push(id);
  }
  await publishRound(p, liquidated.map((fleetId) => ({ fleetId, value: usd(1_000_000), freshGpus: 64 })));
  await p.networkHelpers.time.increase(3_600);
  await p.auction.write.kick([liquidatedVaults[0]!, keeper.address], { account: keeper });
  await p.auction.write.take([await p.auction.read.lastAuctionId(), maxUint256, saver.address], { account: saver });
  note("kick", await executionGas(p, await p.auction.write.kick([liquidatedVaults[1]!, keeper.address], { account: keeper })));
  await p.networkHelpers.time.increase(3_600);
  note("take", await executionGas(p, await p.auction.write.take([await p.auction.read.lastAuctionId(), maxUint256, saver.address], { account: saver })));
  await p.auction.write.kick([liquidatedVaults[2]!, keeper.address], { account: keeper });
  await p.networkHelpers.time.increase((await p.auction.read.params()).tail + 1);
  note("reset", await executionGas(p, await p.auction.write.redo([await p.auction.read.lastAuctionId(), keeper.address], { account: keeper })));
  // Kicks and resets credit tips; a keeper mints them when it likes, here to an account that already holds GPUSD.
  note("claimTips", await executionGas(p, await p.auction.write.claimTips([saver.address], { account: keeper })));

  // Flatness: 1,000 vaults exist, then borrow and repay on one of them.
  const extra: bigint[] = [];
  for (let i = 0; (await p.engine.read.lastVaultId()) < 1_000n; i++) {
    const fleetId = await onboardFleet(p, { ...DEMO_FLEETS[0]!, name: `scale fleet ${i}`, operator: "operatorA" });
    await openVault(p, "operatorA", fleetId);
    extra.push(fleetId);
  }
  const vaultCount = await p.engine.read.lastVaultId();
  const probeFleet = extra[extra.length - 1]!;
  await publishRound(p, valuations([probeFleet]));
  await p.networkHelpers.time.increase((await p.oracle.read.params()).increaseDelay);
  await publishRound(p, valuations([probeFleet]));
  await p.engine.write.borrow([vaultCount, usd(100_000), a.address], { account: a });
  await p.networkHelpers.time.increase(3_600);
  note("borrowAt1000Vaults", await executionGas(p, await p.engine.write.borrow([vaultCount, usd(50_000), a.address], { account: a })));
  await p.networkHelpers.time.increase(3_600);
  note("repayAt1000Vaults", await executionGas(p, await p.engine.write.repay([vaultCount, usd(20_000)], { account: a })));
  console.log(`(${vaultCount} vaults exist for the last two figures)`);

  const out = fileURLToPath(new URL("../../bench/gas.json", import.meta.url));
  mkdirSync(fileURLToPath(new URL("../../bench", import.meta.url)), { recursive: true });
  writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
  console.log("wrote bench/gas.json");
  const over = Object.entries(TARGETS).filter(([key, target]) => (results[key] ?? Infinity) > target);
  if (over.length > 0) console.log(`over target: ${over.map(([k]) => k).join(", ")}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
