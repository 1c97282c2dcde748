import assert from "node:assert/strict";
import { runOnce, type KeeperConfig } from "../scripts/keeper/keeper.js";
import { jsonLogger } from "../scripts/lib/log.js";
import { DAY, cachedFixture, classById, deployWithFleets, openVault, publishRound, usd } from "./helpers/system.js";

/** Vault 1 borrows near its limit on the H100 fleet, vault 2 borrows lightly on the A100 fleet. */
async function withLoans() {
  const sys = await deployWithFleets();
  const a = sys.accounts.operatorA.account;
  const v1 = await openVault(sys, "operatorA", sys.fleetIds[0]!);
  const v2 = await openVault(sys, "operatorA", sys.fleetIds[2]!);
  await sys.engine.write.borrow([v1, usd(900_000), a.address], { account: a });
  await sys.engine.write.borrow([v2, usd(100_000), a.address], { account: a });
  // The keeper holds GPUSD to buy fleets with: a saver's deposit at the PSM, swapped for the keeper.
  const keeper = sys.accounts.keeper;
  await sys.usdc.write.mint([keeper.account.address, 2_000_000n * 10n ** 6n]);
  await sys.usdc.write.approve([sys.psm.address, 2n ** 256n - 1n], { account: keeper.account });
  await sys.psm.write.sellUsdc([2_000_000n * 10n ** 6n, keeper.account.address], { account: keeper.account });
  return { ...sys, vaultIds: [v1, v2] as const };
}

const load = cachedFixture(withLoans);

function keeperOf(sys: Awaited<ReturnType<typeof withLoans>>, bidPerValue: bigint) {
  const lines: Record<string, unknown>[] = [];
  const cfg: KeeperConfig = {
    publicClient: sys.publicClient,
    wallet: sys.accounts.keeper,
    engine: sys.engine.address,
    lens: sys.lens.address,
    auction: sys.auction.address,
    oracle: sys.oracle.address,
    bidPerValue,
    log: jsonLogger("keeper", (line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
  };
  return { cfg, lines };
}

describe("keeper", function () {
  it("does nothing while every vault is healthy and on schedule, and says so", async function () {
    const sys = await load();
    const { cfg, lines } = keeperOf(sys, 6n * 10n ** 17n);
    assert.deepEqual(await runOnce(cfg), { kicked: [], redone: [], taken: [], claimed: 0n, failed: 0 });
    assert.deepEqual(lines.map((l) => [l.event, l.liquidatable]), [["scan", 0]]);
  });

  it("kicks an unhealthy vault, waits while the price is above its bid, then takes the fleet", async function () {
    const sys = await load();
    const [v1] = sys.vaultIds;
    const crashed = sys.valuations().map((v) => (v.fleetId === sys.fleetIds[0] ? { ...v, value: (v.value * 70n) / 100n, utilizationBps: 2_000, throughputBps: 4_000 } : v));
    await publishRound(sys, crashed);
    const { cfg, lines } = keeperOf(sys, 6n * 10n ** 17n);

    const held = await sys.gpusd.read.balanceOf([sys.accounts.keeper.account.address]);
    const first = await runOnce(cfg);
    assert.deepEqual(first.kicked, [v1]);
    assert.deepEqual(first.taken, [], "the start price is above a 60 % bid");
    assert.ok(first.claimed > 0n, "it mints the tip its kick was credited");
    assert.equal(await sys.gpusd.read.balanceOf([sys.accounts.keeper.account.address]), held + first.claimed);
    assert.ok(lines.some((l) => l.event === "claim"));
    assert.equal((await sys.registry.read.ownerOf([sys.fleetIds[0]!])).toLowerCase(), sys.engine.address.toLowerCase(), "held for the buyer");
    assert.ok(lines.some((l) => l.event === "kick" && l.vaultId === v1.toString() && typeof l.tx === "string"));
    assert.ok(lines.some((l) => l.event === "wait"));

    // The price decays towards its floor (half the start) over three days; by then it is under the bid.
    await sys.networkHelpers.time.increase(3n * DAY);
    await publishRound(sys, crashed);
    const before = await sys.gpusd.read.balanceOf([sys.accounts.keeper.account.address]);
    const second = await runOnce(cfg);
    assert.equal(second.taken.length, 1);
    assert.equal((await sys.registry.read.ownerOf([sys.fleetIds[0]!])).toLowerCase(), sys.accounts.keeper.account.address.toLowerCase());
    const paid = before - (await sys.gpusd.read.balanceOf([sys.accounts.keeper.account.address]));
    assert.equal(paid, second.taken[0]!.price);
    const take = lines.find((l) => l.event === "take")!;
    assert.ok(BigInt(take.price as string) <= BigInt(take.bid as string), "never pays more than its bid");
  });

  it("kicks a healthy vault that missed its instalment", async function () {
    const sys = await load();
    const [, v2] = sys.vaultIds;
    const { period, grace } = classById(3).params;
    const start = (await sys.engine.read.vault([v2])).scheduleStart;
    await sys.networkHelpers.time.increaseTo(start + period + grace + 1);
    await publishRound(sys, sys.valuations());
    // Vault 1 pays its instalment; vault 2 does not.
    const [v1] = sys.vaultIds;
    const a = sys.accounts.operatorA.account;
    const [, due] = await sys.engine.read.nextDue([v1]);
    await sys.engine.write.repay([v1, (await sys.engine.read.debtOf([v1])) - usd(900_000) + due + usd(1)], { account: a });
    const [, unhealthy, missed] = await sys.engine.read.isLiquidatable([v2]);
    assert.deepEqual([unhealthy, missed], [false, true]);
    const { cfg } = keeperOf(sys, 0n);
    const report = await runOnce(cfg);
    assert.deepEqual(report.kicked, [v2]);
    assert.deepEqual(report.taken, [], "a zero bid never takes");
  });

  it("logs a failed action with the decoded reason and carries on", async function () {
    const sys = await load();
    await publishRound(sys, sys.valuations().map((v) => (v.fleetId === sys.fleetIds[0] ? { ...v, value: (v.value * 70n) / 100n } : v)));
    await sys.auction.write.pause({ account: sys.accounts.guardian.account });
    const { cfg, lines } = keeperOf(sys, 6n * 10n ** 17n);
    const report = await runOnce(cfg);
    assert.equal(report.failed, 1);
    assert.deepEqual(report.kicked, []);
    const failure = lines.find((l) => l.event === "kick.failed")!;
    assert.equal(failure.reason, "EnforcedPause");
    assert.equal(failure.level, "warn");
  });
});
