/**
 * The app's vault and PSM previews against the contracts themselves: a preview made at one block must equal what the
 * chain reports after the transaction lands at the time the preview was made for.
 */
import { strict as assert } from "node:assert";
import { network } from "hardhat";
import { maxUint256, parseEventLogs } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { creditEngineAbi, pegStabilityModuleAbi } from "../../abi";
import { deployProtocol, onboardFleet, openVault, publishRound, usd, USDC_UNIT, WAD, type Protocol } from "../../scripts/lib/protocol";
import { WAD as W } from "../lib/math/fixed";
import { previewRedeem, previewSell } from "../lib/math/psm";
import { INFINITE_HEALTH, health, healthTone, liquidationThreshold, previewBorrow, previewRepay, scheduleRows, vaultFigures, type VaultSnapshot } from "../lib/math/vault";

describe("vault and PSM previews match the contracts", function () {
  this.timeout(120_000);
  let p: Protocol;
  let vaultId: bigint;
  let fleetId: bigint;
  const operator = () => p.accounts.operatorA.account;

  before(async function () {
    const connection = await network.create();
    p = await deployProtocol(connection, [0, 1, 2, 3].map(() => privateKeyToAccount(generatePrivateKey())), 3n);
    fleetId = await onboardFleet(p, { name: "preview fleet", classId: 1, gpuCount: 16, valuePerGpu: usd(21_000), operator: "operatorA", acquiredDaysAgo: 100 });
    await publishRound(p, [{ fleetId, value: usd(21_000) * 16n, freshGpus: 16 }]);
    await p.networkHelpers.time.increase((await p.oracle.read.params()).increaseDelay + 1);
    await publishRound(p, [{ fleetId, value: usd(21_000) * 16n, freshGpus: 16 }]);
    vaultId = await openVault(p, "operatorA", fleetId);
  });

  /** The vault as the app reads it, at a block where the class was just accrued (so the stored rate is exact). */
  async function snapshot(): Promise<VaultSnapshot> {
    await p.engine.write.accrue([1], { account: p.accounts.keeper.account });
    const [vault, params, state, borrowValue, [liquidationValue], block] = await Promise.all([
      p.engine.read.vault([vaultId]),
      p.engine.read.classParams([1]),
      p.engine.read.classState([1]),
      p.oracle.read.borrowValue([fleetId]).catch(() => null), // stale after a day: repaying needs no oracle
      p.oracle.read.liquidationValue([fleetId]),
      p.publicClient.getBlock(),
    ]);
    assert.equal(state.lastAccrual, Number(block.timestamp));
    return { vault, params, classState: { rate: state.rate, normDebt: state.normDebt, lastAccrual: state.lastAccrual }, borrowValue, liquidationValue, now: Number(block.timestamp) };
  }

  /** Mines the next transaction at `now` and reads the vault in that block. */
  async function at(now: number, send: () => Promise<`0x${string}`>) {
    await p.networkHelpers.time.setNextBlockTimestamp(now);
    const hash = await send();
    const receipt = await p.publicClient.waitForTransactionReceipt({ hash });
    const [debt, h, due] = await Promise.all([p.engine.read.debtOf([vaultId]), p.engine.read.healthOf([vaultId]), p.engine.read.nextDue([vaultId])]);
    return { receipt, debt, health: h, due };
  }

  it("previews a first borrow: debt, health, liquidation threshold and the first due date", async function () {
    const s = await snapshot();
    const amount = usd(100_000) + 123_456_789n;
    const when = s.now + 3 * 3600;
    const preview = previewBorrow({ ...s, now: when }, amount);
    assert.equal(preview.problem, null);
    const chain = await at(when, () => p.engine.write.borrow([vaultId, amount, operator().address], { account: operator() }));
    assert.equal(preview.debt, chain.debt);
    assert.equal(preview.health, chain.health);
    assert.deepEqual([preview.nextDue.dueAt, preview.nextDue.principalDue, preview.nextDue.graceEndsAt], [chain.due[0], chain.due[1], chain.due[2]]);
    assert.ok(health(s.liquidationValue, s.params.liquidationLtv, chain.debt) === chain.health);
    assert.ok(health(preview.liquidationThreshold, s.params.liquidationLtv, chain.debt) >= W);
    assert.ok(health(preview.liquidationThreshold - 1n, s.params.liquidationLtv, chain.debt) < W);
  });

  it("previews a second borrow on a running schedule, after interest has accrued", async function () {
    await p.networkHelpers.time.increase(14 * 86_400);
    await publishRound(p, [{ fleetId, value: usd(21_000) * 16n, freshGpus: 16 }]);
    const s = await snapshot();
    const when = s.now + 2 * 3600 + 17; // inside the oracle's six-hour freshness window
    const figures = vaultFigures({ ...s, now: when });
    const amount = usd(40_000);
    const preview = previewBorrow({ ...s, now: when }, amount);
    const chain = await at(when, () => p.engine.write.borrow([vaultId, amount, operator().address], { account: operator() }));
    assert.equal(preview.debt, chain.debt);
    assert.equal(preview.health, chain.health);
    assert.deepEqual([preview.nextDue.dueAt, preview.nextDue.principalDue], [chain.due[0], chain.due[1]]);
    assert.ok(figures.interest > 0n, "interest should have accrued over 14 days");
  });

  it("computes max borrow as the engine does, and flags a borrow above it as the engine would refuse it", async function () {
    const s = await snapshot();
    const figures = vaultFigures(s);
    assert.equal(figures.maxBorrow, await p.engine.read.maxBorrow([vaultId]));
    const over = previewBorrow(s, figures.maxBorrow + usd(1));
    assert.equal(over.problem?.kind, "exceedsMaxLtv");
    await assert.rejects(
      at(s.now + 1, () => p.engine.write.borrow([vaultId, figures.maxBorrow + usd(1), operator().address], { account: operator() })),
      /ExceedsMaxLtv/,
    );
  });

  it("previews a partial repayment: interest first, then principal, and the new schedule", async function () {
    const s = await snapshot();
    const when = s.now + 86_400;
    const amount = usd(30_000);
    const preview = previewRepay({ ...s, now: when }, amount);
    assert.equal(preview.problem, null);
    const chain = await at(when, () => p.engine.write.repay([vaultId, amount], { account: operator() }));
    const [repaid] = parseEventLogs({ abi: creditEngineAbi, eventName: "Repaid", logs: chain.receipt.logs });
    assert.equal(preview.interestPaid, repaid!.args.interestPaid);
    assert.equal(preview.principalPaid, repaid!.args.principalPaid);
    assert.equal(preview.debt, chain.debt);
    assert.equal(preview.health, chain.health);
    assert.deepEqual([preview.nextDue.dueAt, preview.nextDue.principalDue], [chain.due[0], chain.due[1]]);
  });

  it("flags a repayment that would leave less than the dust floor", async function () {
    const s = await snapshot();
    const debt = vaultFigures(s).debt;
    const preview = previewRepay(s, debt - s.params.dust / 2n);
    assert.equal(preview.problem?.kind, "belowDust");
  });

  it("previews repaying everything: the whole debt is paid and health becomes infinite", async function () {
    const { usdc, psm, gpusd } = p;
    const account = operator();
    await usdc.write.mint([account.address, 5_000n * USDC_UNIT]);
    await usdc.write.approve([psm.address, maxUint256], { account });
    await psm.write.sellUsdc([5_000n * USDC_UNIT, account.address], { account });
    const s = await snapshot();
    const when = s.now + 3600;
    const preview = previewRepay({ ...s, now: when }, maxUint256);
    const before = await gpusd.read.balanceOf([account.address]);
    const chain = await at(when, () => p.engine.write.repay([vaultId, maxUint256], { account }));
    assert.equal(before - (await gpusd.read.balanceOf([account.address])), preview.paid);
    assert.equal(chain.debt, 0n);
    assert.equal(preview.debt, 0n);
    assert.equal(preview.health, INFINITE_HEALTH);
    assert.equal(chain.health, INFINITE_HEALTH);
    assert.equal(preview.nextDue.dueAt, 0);
  });

  it("lists due dates on the straight line, each allowance falling to zero at the term", function () {
    const schedule = { start: 1_000_000, peak: usd(360_000), term: 360 * 86_400, period: 30 * 86_400, grace: 7 * 86_400 };
    const rows = scheduleRows(schedule, usd(360_000), 12);
    assert.equal(rows.length, 12);
    assert.equal(rows[0]!.dueAt, schedule.start + schedule.period);
    for (const r of rows) assert.equal(r.due, usd(30_000));
    assert.equal(rows[11]!.allowed, 0n);
    // Ahead of schedule: the first row is the earliest due date whose allowance is below the principal.
    const ahead = scheduleRows(schedule, usd(300_000), 3);
    assert.equal(ahead[0]!.dueAt, schedule.start + 3 * schedule.period);
  });

  it("colours health on the subgraph's bucket edges", function () {
    const h = (x: number) => (BigInt(Math.round(x * 1000)) * WAD) / 1000n;
    assert.deepEqual(
      [h(0.999), h(1), h(1.099), h(1.1), h(1.249), h(1.25), h(1.499), h(1.5)].map((x) => healthTone(x)),
      ["liquidatable", "danger", "danger", "warning", "warning", "caution", "caution", "safe"],
    );
    assert.equal(healthTone(INFINITE_HEALTH), "none");
  });

  it("puts the liquidation threshold exactly where health crosses 1, for any debt and LTV", function () {
    let seed = 7n;
    const rand = (mod: bigint) => (seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n) % mod;
    for (let i = 0; i < 500; i++) {
      const debt = rand(10n ** 27n) + 1n;
      const ltv = rand(WAD) + 1n;
      const t = liquidationThreshold(debt, ltv);
      assert.ok(health(t, ltv, debt) >= W, `health at threshold, debt ${debt} ltv ${ltv}`);
      assert.ok(health(t - 1n, ltv, debt) < W, `health just below threshold, debt ${debt} ltv ${ltv}`);
    }
  });

  it("previews PSM swaps exactly, including the part of a redemption that joins the queue", async function () {
    const { usdc, psm, gpusd } = p;
    const account = p.accounts.saver.account;
    await usdc.write.mint([account.address, 50_000n * USDC_UNIT]);
    await usdc.write.approve([psm.address, maxUint256], { account });
    const [tin, tout] = await Promise.all([psm.read.tin(), psm.read.tout()]);
    const sell = previewSell(20_000n * USDC_UNIT + 1n, tin, await psm.read.queueDepth());
    const sold = await p.publicClient.waitForTransactionReceipt({ hash: await psm.write.sellUsdc([20_000n * USDC_UNIT + 1n, account.address], { account }) });
    const [soldEvent] = parseEventLogs({ abi: pegStabilityModuleAbi, eventName: "SoldUsdc", logs: sold.logs });
    assert.deepEqual([sell.gpusdOut, sell.fee, sell.toQueue], [soldEvent!.args.gpusdOut, soldEvent!.args.fee, soldEvent!.args.toQueue]);

    // More than the module's free USDC: the rest queues. The operator borrows the GPUSD for it.
    const borrower = operator();
    await publishRound(p, [{ fleetId, value: usd(21_000) * 16n, freshGpus: 16 }]);
    await p.engine.write.borrow([vaultId, usd(100_000), borrower.address], { account: borrower });
    await gpusd.write.approve([psm.address, maxUint256], { account: borrower });
    const free = await psm.read.freeLiquidity();
    const amount = free * 10n ** 12n + usd(1_234) + 5n;
    assert.ok((await gpusd.read.balanceOf([borrower.address])) >= amount, "the borrower needs the GPUSD for this case");
    const redeem = previewRedeem(amount, tout, free);
    const redeemed = await p.publicClient.waitForTransactionReceipt({ hash: await psm.write.redeem([amount, borrower.address], { account: borrower }) });
    const [event] = parseEventLogs({ abi: pegStabilityModuleAbi, eventName: "Redeemed", logs: redeemed.logs });
    assert.deepEqual([redeem.usdcNow, redeem.queued, redeem.toReserve], [event!.args.usdcOut, event!.args.queued, event!.args.fee]);
    assert.ok(redeem.queued > 0n);
    const tiny = previewRedeem(10n ** 12n, tout, 10n ** 9n);
    assert.ok(tiny.tooSmall !== null && tiny.tooSmall > 10n ** 12n);
  });
});
