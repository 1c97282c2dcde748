/**
 * The demo story of `npm start`: fleets onboarded and valued, a saver, two operators borrowing, a month passing with
 * interest flowing to savers, instalments paid, and a saver's exit that outruns the PSM and waits in the queue.
 */
import { formatUnits, maxUint256 } from "viem";
import { lossWaterfall, runStressStory } from "./stress.js";
import { START_FLEETS } from "./demoScenario.js";
import { GPU_CLASSES } from "./protocolConfig.js";
import { DAY, USDC_UNIT, advance, onboardFleet, openVault, usd, type OperatorName, type Protocol } from "./protocol.js";
import type { DemoOracle } from "./demoOracle.js";
import { aprToApy, formatDate, formatHealth, formatPct, formatUsd, formatUsdc } from "./format.js";

export type DemoState = Protocol & {
  oracleNetwork: DemoOracle;
  fleets: { fleetId: bigint; name: string; classId: number; gpuCount: number; operator: OperatorName }[];
  vaults: { vaultId: bigint; fleetIndex: number }[];
  requestIds: bigint[];
};

type Log = (line: string) => void;

/** One round of the oracle network: hosts probe (or replay), nodes verify, value and sign, the leader submits. */
async function revalue(d: DemoState) {
  return d.oracleNetwork.round();
}

async function passTime(d: DemoState, seconds: bigint, log: Log) {
  await advance(d, seconds, () => revalue(d));
  log(`  … ${seconds / DAY} days pass: oracle round #${await d.oracle.read.latestRoundId()}, interest accrued and distributed`);
}

/** Fleet values as FleetOracle holds them, for the log. */
async function logValues(d: DemoState, log: Log) {
  for (const f of d.fleets) {
    const state = await d.oracle.read.fleetState([f.fleetId]);
    log(`    fleet #${f.fleetId}: ${formatUsd(state.value)} (throughput ${(state.throughputBps / 100).toFixed(0)} %, utilization ${(state.utilizationBps / 100).toFixed(0)} %)`);
  }
}

export async function seedDemo(p: Protocol, oracleNetwork: DemoOracle, log: Log): Promise<DemoState> {
  const d: DemoState = { ...p, oracleNetwork, fleets: [], vaults: [], requestIds: [] };
  const { accounts } = d;

  log("Underwriter onboards three GPU fleets (GPU UUID Merkle roots, one host key each):");
  for (const [i, spec] of START_FLEETS.entries()) {
    const host = oracleNetwork.hosts[i]!;
    const fleetId = await onboardFleet(d, spec, { gpuRoot: host.root, hosts: [host.key.address] });
    host.fleetId = fleetId;
    d.fleets.push({ fleetId, name: spec.name, classId: spec.classId, gpuCount: spec.gpuCount, operator: spec.operator });
    log(`  fleet #${fleetId} ${spec.name}: ${spec.gpuCount} × ${className(spec.classId)} → ${spec.operator}, host ${host.key.address}`);
  }

  const { net, mode, quorum } = oracleNetwork;
  log(`Oracle network: ${net.nodes.length} nodes, quorum ${quorum}; probes ${mode.mode === "replay" ? "REPLAY recorded profiles" : "measure real GPUs"} (${mode.why})`);
  const first = await revalue(d);
  log(`  round #${first}: every GPU probed, reports verified by every node, valued by the model, median signed by a quorum`);
  // Borrowing waits out the increase delay; round #1 is still fresh after it, so no round is needed to get there.
  const { increaseDelay } = await d.oracle.read.params();
  await d.networkHelpers.time.increase(increaseDelay);
  log(`  ${increaseDelay / 60} minutes later the first valuations mature (round #${first} is still fresh):`);
  await logValues(d, log);

  log("Saver deposits 400,000 USDC at the PSM and stakes 380,000 GPUSD in the savings vault");
  const saver = accounts.saver.account;
  await d.usdc.write.mint([saver.address, 1_000_000n * USDC_UNIT]);
  await d.usdc.write.approve([d.psm.address, maxUint256], { account: saver });
  await d.psm.write.sellUsdc([400_000n * USDC_UNIT, saver.address], { account: saver });
  await d.gpusd.write.approve([d.savings.address, maxUint256], { account: saver });
  await d.savings.write.deposit([usd(380_000), saver.address], { account: saver });

  const borrows: [number, bigint][] = [
    // Within each class's max LTV of the model's values (about $261k, $353k and $50k for 16 GPUs each with the
    // bundled profiles and quotes). Fleet #2's loan is safe until the stress story's collapse (to about $96k) puts
    // it under water, by a shortfall the reserve and the savers can bear (about a fifth of the savings).
    [0, usd(170_000)],
    [1, usd(120_000)],
    [2, usd(25_000)],
  ];
  for (const [fleetIndex, amount] of borrows) {
    const fleet = d.fleets[fleetIndex]!;
    const vaultId = await openVault(d, fleet.operator, fleet.fleetId);
    const account = accounts[fleet.operator].account;
    await d.engine.write.borrow([vaultId, amount, account.address], { account });
    d.vaults.push({ vaultId, fleetIndex });
    log(`${fleet.operator} opens vault #${vaultId} with fleet #${fleet.fleetId} and borrows ${formatUsd(amount)} GPUSD`);
  }

  log("Operators swap GPUSD for USDC at the PSM to pay for hardware");
  // They keep enough GPUSD for their instalments; the PSM is left with less USDC than the saver will ask for.
  for (const [operator, amount] of [["operatorA", usd(175_000)], ["operatorB", usd(110_000)]] as const) {
    const account = accounts[operator].account;
    await d.gpusd.write.approve([d.psm.address, maxUint256], { account });
    await d.psm.write.redeem([amount, account.address], { account });
  }

  log("Most of a month passes:");
  for (const days of [10n, 10n, 5n]) await passTime(d, days * DAY, log);

  log("Operators pay their first instalment before the due date");
  for (const { vaultId } of d.vaults) {
    const vault = await d.engine.read.vault([vaultId]);
    const [, principalDue] = await d.engine.read.nextDue([vaultId]);
    const interest = (await d.engine.read.debtOf([vaultId])) - vault.principal;
    const payment = interest + principalDue + usd(1);
    const owner = Object.values(accounts).find((a) => a.account.address.toLowerCase() === vault.owner.toLowerCase())!;
    await d.engine.write.repay([vaultId, payment], { account: owner.account });
    log(`  vault #${vaultId}: ${formatUsd(payment)} (${formatUsd(interest)} interest + ${formatUsd(principalDue)} principal)`);
  }

  log("Saver unstakes 150,000 GPUSD and redeems it, with the 20,000 GPUSD never staked, for USDC: the PSM pays what it holds and queues the rest");
  const shares = await d.savings.read.convertToShares([usd(150_000)]);
  await d.savings.write.redeem([shares, saver.address, saver.address], { account: saver });
  const redeemable = await d.gpusd.read.balanceOf([saver.address]);
  await d.gpusd.write.approve([d.psm.address, maxUint256], { account: saver });
  await d.psm.write.redeem([redeemable, saver.address], { account: saver });
  const requestId = await d.psm.read.lastRequestId();
  if (requestId !== 0n) d.requestIds.push(requestId);

  log("A market maker sells 120,000 USDC to the PSM; the queue fills first");
  const maker = accounts.keeper.account;
  await d.usdc.write.mint([maker.address, 120_000n * USDC_UNIT]);
  await d.usdc.write.approve([d.psm.address, maxUint256], { account: maker });
  await d.psm.write.sellUsdc([120_000n * USDC_UNIT, maker.address], { account: maker });

  await passTime(d, 2n * DAY, log);
  await runStressStory(d, log);
  return d;
}

const className = (classId: number) => GPU_CLASSES.find((c) => c.classId === classId)?.name ?? `class ${classId}`;

/** Reads everything the summary shows straight from the chain. */
export async function summarize(d: DemoState): Promise<string> {
  const lines: string[] = [];
  const now = await d.networkHelpers.time.latest();
  lines.push(`Chain time ${formatDate(now)}`);
  lines.push("");
  const { net, mode, quorum } = d.oracleNetwork;
  const rounds = await d.oracle.getEvents.RoundSubmitted({}, { fromBlock: 0n });
  const nodeKeys = new Set(net.nodes.map((n) => n.address.toLowerCase()));
  const byNetwork = rounds.filter((r) => (r.args.signers ?? []).every((s) => nodeKeys.has(s.toLowerCase()))).length;
  lines.push(`Oracle network: ${net.nodes.length} nodes, quorum ${quorum}, probes ${mode.mode === "replay" ? "REPLAY (recorded profiles, not measurements)" : "real (NVML)"}; ${d.oracleNetwork.published()} rounds published by the nodes, ${byNetwork} of ${rounds.length} on-chain rounds signed by node keys, latest #${await d.oracle.read.latestRoundId()}`);
  lines.push("");
  lines.push("Vaults");
  const rows = [];
  for (const { vaultId, fleetIndex } of d.vaults) {
    const fleet = d.fleets[fleetIndex]!;
    const [debt, health, [dueAt, principalDue, graceEndsAt], [liquidatable], [value], vault] = await Promise.all([
      d.engine.read.debtOf([vaultId]),
      d.engine.read.healthOf([vaultId]),
      d.engine.read.nextDue([vaultId]),
      d.engine.read.isLiquidatable([vaultId]),
      d.oracle.read.liquidationValue([fleet.fleetId]),
      d.engine.read.vault([vaultId]),
    ]);
    rows.push({
      vault: `#${vaultId}`,
      fleet: `#${fleet.fleetId} ${className(fleet.classId)} ×${fleet.gpuCount}`,
      operator: fleet.operator,
      debt: formatUsd(debt),
      value: formatUsd(value),
      health: formatHealth(health),
      "next due": dueAt === 0 ? "—" : `${formatDate(BigInt(dueAt))}: ${formatUsd(principalDue)} principal (grace to ${formatDate(BigInt(graceEndsAt))})`,
      status: vault.fleetId === 0 ? "liquidated" : liquidatable ? "LIQUIDATABLE" : "ok",
    });
  }
  lines.push(table(rows));
  lines.push("");
  lines.push(...(await lossWaterfall(d)));

  const [usdcHeld, free, depth, inflow, supply] = await Promise.all([
    d.usdc.read.balanceOf([d.psm.address]),
    d.psm.read.freeLiquidity(),
    d.psm.read.queueDepth(),
    d.psm.read.inflowRate(),
    d.gpusd.read.totalSupply(),
  ]);
  lines.push("");
  lines.push(`PSM: ${formatUsdc(usdcHeld)} USDC held, ${formatUsdc(free)} free, ${formatUsdc(depth)} USDC waiting in the queue, inflow ${formatUsdc(inflow * 86_400n)} USDC/day`);
  for (const id of d.requestIds) {
    const s = await d.psm.read.queueStatus([id]);
    const wait = s.estimatedWait === maxUint256 ? "unknown (no recent inflow)" : `${(Number(s.estimatedWait) / 86_400).toFixed(1)} days`;
    lines.push(`  request #${id}: ${formatUsdc(s.filled)} filled (${formatUsdc(s.claimable)} claimable), ${formatUsdc(s.remaining)} remaining, ${formatUsdc(s.amountAhead)} ahead, estimated wait ${wait}`);
  }

  const oneShare = 10n ** BigInt(await d.savings.read.decimals());
  const [assets, shares, price, apr, left, buffer, pending] = await Promise.all([
    d.savings.read.totalAssets(),
    d.savings.read.totalSupply(),
    d.savings.read.convertToAssets([oneShare]),
    d.savings.read.currentApr(),
    d.savings.read.interestLeft(),
    d.reserve.read.buffer(),
    d.reserve.read.pendingIncome(),
  ]);
  lines.push(`Savings (sGPUSD): ${formatUsd(assets)} GPUSD for ${formatUnits(shares, Number(await d.savings.read.decimals())).replace(/\.(\d{2})\d*/, ".$1")} shares, share price ${(Number(price) / 1e18).toFixed(6)} GPUSD, APR ${formatPct(apr)} (APY ${formatPct(aprToApy(apr))} compounded), ${formatUsd(left)} interest still streaming`);
  lines.push(`Reserve: ${formatUsd(buffer)} first-loss buffer, ${formatUsd(pending)} undistributed`);
  let totalDebt = 0n;
  for (const { vaultId } of d.vaults) totalDebt += await d.engine.read.debtOf([vaultId]);
  lines.push(`GPUSD supply ${formatUsd(supply)} ≤ vault debt ${formatUsd(totalDebt)} + PSM USDC ${formatUsdc(usdcHeld)}`);
  return lines.join("\n");
}

function table(rows: Record<string, string>[]): string {
  if (rows.length === 0) return "  (none)";
  const keys = Object.keys(rows[0]!);
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => r[k]!.length)));
  const line = (cells: string[]) => "  " + cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  return [line(keys), line(widths.map((w) => "─".repeat(w))), ...rows.map((r) => line(keys.map((k) => r[k]!)))].join("\n");
}

