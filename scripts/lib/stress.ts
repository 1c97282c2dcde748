/**
 * The stress story `npm start` runs after the happy path: a fleet's utilization and throughput collapse and its vault
 * is auctioned at a loss; a healthy vault skips an instalment and is auctioned for that cause. The keeper does the
 * kicking and buying, exactly as `npm run keeper` would. `lossWaterfall` reads the outcome back from the chain.
 */
import { maxUint256 } from "viem";
import { runOnce, type KeeperConfig } from "../keeper/keeper.js";
import type { DemoState } from "./demo.js";
import { formatUsd } from "./format.js";
import { jsonLogger } from "./log.js";
import { DAY, USDC_UNIT, advance, usd } from "./protocol.js";
import { DEGRADED_PROFILE, profile } from "./demoOracle.js";

type Log = (line: string) => void;

/** The keeper's JSON lines, shortened for the demo's narrative. */
function keeperLog(log: Log) {
  return jsonLogger("keeper", (line) => {
    const { event, time: _time, level: _level, component: _component, tx: _tx, gasUsed: _gas, ...fields } = JSON.parse(line) as Record<string, unknown>;
    if (event === "scan" && fields.liquidatable === 0) return;
    const details = Object.entries(fields).map(([k, v]) => `${k}=${/^\d{19,}$/.test(String(v)) ? formatUsd(BigInt(String(v))) : String(v)}`);
    log(`    keeper ${String(event)} ${details.join(" ")}`);
  });
}

export async function runStressStory(d: DemoState, log: Log): Promise<void> {
  const keeper: KeeperConfig = {
    publicClient: d.publicClient,
    wallet: d.accounts.keeper,
    engine: d.engine.address,
    lens: d.lens.address,
    auction: d.auction.address,
    oracle: d.oracle.address,
    bidPerValue: usd(1) * 3n / 4n,
    log: keeperLog(log),
  };
  // The keeper buys fleets with GPUSD it gets at the PSM.
  const k = d.accounts.keeper.account;
  await d.usdc.write.mint([k.address, 300_000n * USDC_UNIT]);
  await d.usdc.write.approve([d.psm.address, maxUint256], { account: k });
  await d.psm.write.sellUsdc([300_000n * USDC_UNIT, k.address], { account: k });

  const crashedIndex = 1;
  const crashed = d.fleets[crashedIndex]!;
  const round = () => d.oracleNetwork.round();
  // While auctions run only time passes: the nodes publish on a daily heartbeat, and the keeper acts on the last
  // good values, as liquidations do (DESIGN §4).
  const heartbeat = () => d.oracleNetwork.heartbeat(Number(DAY));
  const step = async (seconds: bigint) => {
    await advance(d, seconds, heartbeat);
    return runOnce(keeper);
  };

  log("");
  const before = (await d.oracle.read.fleetState([crashed.fleetId])).value;
  // The collapse is in the measurements: the fleet's host now replays a degraded profile, and the model does the rest.
  const host = d.oracleNetwork.hosts[crashedIndex]!;
  host.profile = profile(DEGRADED_PROFILE);
  await round();
  const after = await d.oracle.read.fleetState([crashed.fleetId]);
  log(
    `Stress: fleet #${crashed.fleetId} (${crashed.name}) loses utilization and throughput in the oracle rounds (host replays ${DEGRADED_PROFILE}: ` +
      `utilization ${(after.utilizationBps / 100).toFixed(0)} %, throughput ${(after.throughputBps / 100).toFixed(0)} % of reference, thermal throttle); ` +
      `the model values it at ${formatUsd(after.value)}, down from ${formatUsd(before)}`,
  );
  const [, unhealthy] = await d.engine.read.isLiquidatable([d.vaults[crashedIndex]!.vaultId]);
  log(`  vault #${d.vaults[crashedIndex]!.vaultId} is ${unhealthy ? "now unhealthy" : "still healthy"}; the keeper scans and kicks, then bids 75 % of the oracle value`);
  await runOnce(keeper);
  // The engine holds an auctioned fleet until the sale; the vault is flagged in auction until then.
  for (let i = 0; i < 10 && (await d.engine.read.vault([d.vaults[crashedIndex]!.vaultId])).inAuction; i++) {
    await step(DAY / 2n);
  }

  const late = d.vaults[2]!;
  const paying = d.vaults[0]!;
  const [, , lateGraceEnds] = await d.engine.read.nextDue([late.vaultId]);
  const [payingDue, payingPrincipal] = await d.engine.read.nextDue([paying.vaultId]);
  log("");
  log(`Stress: operatorA pays vault #${paying.vaultId}'s next instalment but skips vault #${late.vaultId}'s, which stays healthy`);
  await d.networkHelpers.time.increaseTo(BigInt(payingDue) - DAY);
  await heartbeat();
  const owner = d.accounts.operatorA.account;
  const payingInterest = (await d.engine.read.debtOf([paying.vaultId])) - (await d.engine.read.vault([paying.vaultId])).principal;
  await d.engine.write.repay([paying.vaultId, payingInterest + payingPrincipal + usd(1)], { account: owner });
  await d.networkHelpers.time.increaseTo(BigInt(lateGraceEnds) + 1n);
  await heartbeat();
  log(`  vault #${late.vaultId}'s grace ends; the keeper kicks it for the missed payment`);
  await runOnce(keeper);
  for (let i = 0; i < 10 && (await d.engine.read.vault([late.vaultId])).inAuction; i++) {
    await step(DAY / 2n);
  }
}

/** One line per auction: why it started, what it sold for, and who bore the difference. */
export async function lossWaterfall(d: DemoState): Promise<string[]> {
  const [seized, kicked, taken, settled] = await Promise.all([
    d.engine.getEvents.Seized({}, { fromBlock: 0n }),
    d.auction.getEvents.Kicked({}, { fromBlock: 0n }),
    d.auction.getEvents.Taken({}, { fromBlock: 0n }),
    d.auction.getEvents.LossSettled({}, { fromBlock: 0n }),
  ]);
  const lines = ["Liquidations (loss waterfall)"];
  if (kicked.length === 0) return [...lines, "  none"];
  for (const kick of kicked) {
    const { auctionId, vaultId, debt } = kick.args;
    const cause = seized.find((s) => s.args.vaultId === vaultId)?.args;
    const why = cause?.unhealthy ? "health below 1" : cause?.missedPayment ? "missed instalment" : "?";
    const sale = taken.find((t) => t.args.auctionId === auctionId)?.args;
    if (!sale) {
      lines.push(`  auction #${auctionId}, vault #${vaultId} (${why}): debt ${formatUsd(debt!)}, still running`);
      continue;
    }
    const loss = settled.find((s) => s.args.auctionId === auctionId)?.args;
    const outcome = sale.shortfall! > 0n
      ? `shortfall ${formatUsd(sale.shortfall!)}: reserve buffer covered ${formatUsd(loss?.coveredByReserve ?? 0n)}, savers absorbed ${formatUsd(loss?.absorbedBySavers ?? 0n)}, uncovered ${formatUsd(loss?.uncovered ?? 0n)}`
      : `operator surplus ${formatUsd(sale.surplus!)}, penalty to the reserve ${formatUsd(sale.penaltyPaid!)}`;
    lines.push(`  auction #${auctionId}, vault #${vaultId} (${why}): debt ${formatUsd(debt!)}, tab ${formatUsd(sale.tab!)}, sold for ${formatUsd(sale.price!)}; ${outcome}`);
  }
  lines.push(`  bad debt nothing covers: ${formatUsd(await d.auction.read.totalBadDebt())}`);
  return lines;
}
