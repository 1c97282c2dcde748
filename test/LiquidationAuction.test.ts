import assert from "node:assert/strict";
import { maxUint256, parseEventLogs, stringToHex, zeroAddress, type Hex } from "viem";
import { DAY, USDC_UNIT, WAD, asRole, cachedFixture, deployWithFleets, openVault, publishRound, usd } from "./helpers/system.js";
import { PROTOCOL } from "../scripts/lib/protocolConfig.js";

type Sys = Awaited<ReturnType<typeof deployWithFleets>>;
type Wallet = Sys["accounts"]["saver"];

const P = PROTOCOL.auction;
const wMulUp = (x: bigint, y: bigint) => (x * y + WAD - 1n) / WAD;
const wMulDown = (x: bigint, y: bigint) => (x * y) / WAD;
const min = (a: bigint, b: bigint) => (a < b ? a : b);
const tipOf = (debt: bigint) => min(P.flatTip + wMulDown(debt, P.chip), P.maxTip);

/** Launch parameters with some fields changed, as the tuple setParams takes. */
const withParams = (changes: Partial<typeof P> = {}) => ({ ...P, ...changes });

/** Swaps USDC for GPUSD through the PSM and approves the auction and the savings vault. */
async function fund(sys: Sys, who: Wallet, dollars: bigint) {
  const account = who.account;
  await sys.usdc.write.mint([account.address, dollars * USDC_UNIT]);
  await sys.usdc.write.approve([sys.psm.address, maxUint256], { account });
  await sys.psm.write.sellUsdc([dollars * USDC_UNIT, account.address], { account });
  await sys.gpusd.write.approve([sys.savings.address, maxUint256], { account });
}

/**
 * Operator A's H100 fleet ($1,408,000) with $900,000 borrowed; a saver with $1,000,000 in the savings vault; a
 * Reserve buffer of $20,000 (from $100,000 of income at the 20 % reserve factor).
 */
async function withLoan(sys: Sys) {
  const operator = sys.accounts.operatorA.account;
  const vaultId = await openVault(sys, "operatorA", sys.fleetIds[0]!);
  await sys.engine.write.borrow([vaultId, usd(900_000), operator.address], { account: operator });
  await fund(sys, sys.accounts.saver, 1_100_000n);
  await sys.savings.write.deposit([usd(1_000_000), sys.accounts.saver.account.address], { account: sys.accounts.saver.account });
  await sys.gpusd.write.transfer([sys.reserve.address, usd(100_000)], { account: sys.accounts.saver.account });
  await sys.reserve.write.distribute();
  return { vaultId, operator, fleetId: sys.fleetIds[0]! };
}

/** The H100 fleet's value falls to $1,000,000: $900,000 of debt is above the 80 % liquidation LTV. */
async function dropValue(sys: Sys, fleetId: bigint, value = usd(1_000_000)) {
  await publishRound(sys, [{ fleetId, value, freshGpus: 64 }]);
}

async function kick(sys: Sys, vaultId: bigint) {
  const hash = await sys.auction.write.kick([vaultId, sys.accounts.keeper.account.address], { account: sys.accounts.keeper.account });
  return { hash, ...(await kickedArgs(sys, hash)) };
}

async function kickedArgs(sys: Sys, hash: Hex) {
  const receipt = await sys.publicClient.waitForTransactionReceipt({ hash });
  const [log] = parseEventLogs({ abi: sys.auction.abi, logs: receipt.logs, eventName: "Kicked" });
  if (!log) throw new Error("no Kicked event");
  return log.args;
}

async function logsOf(sys: Sys, hash: Hex) {
  return (await sys.publicClient.waitForTransactionReceipt({ hash })).logs;
}

function only<T>(logs: readonly { args: T }[], eventName: string): T {
  const [log] = logs;
  if (!log) throw new Error(`no ${eventName} event`);
  return log.args;
}

const takenArgs = async (sys: Sys, hash: Hex) => only(parseEventLogs({ abi: sys.auction.abi, logs: await logsOf(sys, hash), eventName: "Taken" }), "Taken");
const lossArgs = async (sys: Sys, hash: Hex) => only(parseEventLogs({ abi: sys.auction.abi, logs: await logsOf(sys, hash), eventName: "LossSettled" }), "LossSettled");
const redoneArgs = async (sys: Sys, hash: Hex) => only(parseEventLogs({ abi: sys.auction.abi, logs: await logsOf(sys, hash), eventName: "Redone" }), "Redone");

const load = cachedFixture(deployWithFleets);

describe("LiquidationAuction", function () {
  let sys: Sys;
  beforeEach(async function () {
    sys = await load();
  });

  describe("kicking", function () {
    it("seizes an unhealthy vault, prices the fleet from the oracle and tips the keeper", async function () {
      const { vaultId, operator, fleetId } = await withLoan(sys);
      await dropValue(sys, fleetId);
      const [liquidatable, unhealthy, missed] = await sys.engine.read.isLiquidatable([vaultId]);
      assert.deepEqual([liquidatable, unhealthy, missed], [true, true, false]);

      const { debt, tip, auction, keeper } = await kick(sys, vaultId);
      assert.ok(debt >= usd(900_000) && debt < usd(900_100), "debt is the principal plus a few seconds of interest");
      assert.equal(tip, tipOf(debt));
      assert.equal(await sys.auction.read.tipsOwed([keeper]), tip, "the tip is credited to the keeper");
      assert.equal(await sys.gpusd.read.balanceOf([keeper]), 0n, "and minted only when claimed");
      assert.equal(auction.top, usd(1_200_000), "top = $1,000,000 × 1.2");
      assert.equal(auction.floorPrice, usd(600_000));
      assert.equal(auction.tab, debt + tip);
      assert.equal(auction.penalty, wMulUp(debt, P.penalty));
      assert.equal(auction.owner.toLowerCase(), operator.address.toLowerCase());

      // The engine keeps the fleet, flagged in auction, until the sale.
      assert.equal((await sys.registry.read.ownerOf([fleetId])).toLowerCase(), sys.engine.address.toLowerCase());
      const v = await sys.engine.read.vault([vaultId]);
      assert.deepEqual([v.fleetId, v.inAuction, v.normDebt, v.principal, v.peakPrincipal], [Number(fleetId), true, 0n, 0n, 0n]);
      assert.equal(await sys.engine.read.totalPrincipal(), 0n);
      assert.equal(await sys.engine.read.operatorPrincipal([operator.address]), 0n);
      assert.equal(await sys.auction.read.lastAuctionId(), 1n);
    });

    it("seizes a healthy vault that missed a payment past its grace, even with a stale oracle", async function () {
      const operator = sys.accounts.operatorA.account;
      const vaultId = await openVault(sys, "operatorA", sys.fleetIds[0]!);
      await sys.engine.write.borrow([vaultId, usd(300_000), operator.address], { account: operator });
      const [, , graceEndsAt] = await sys.engine.read.nextDue([vaultId]);
      await sys.networkHelpers.time.increaseTo(graceEndsAt + 1);
      const [liquidatable, unhealthy, missed] = await sys.engine.read.isLiquidatable([vaultId]);
      assert.deepEqual([liquidatable, unhealthy, missed], [true, false, true]);
      assert.equal(await sys.oracle.read.isFresh([sys.fleetIds[0]!]), false, "the oracle is stale by now");
      const { auction } = await kick(sys, vaultId);
      assert.equal(auction.top, wMulUp(usd(1_408_000), P.buffer), "priced from the last good value");
    });

    it("refuses a healthy vault on schedule, and lets an operator cure before the kick", async function () {
      const { vaultId, operator, fleetId } = await withLoan(sys);
      const keeper = sys.accounts.keeper.account;
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.auction.write.kick([vaultId, keeper.address], { account: keeper }), sys.engine, "NotLiquidatable", [vaultId]);
      await dropValue(sys, fleetId);
      // Cure: repay until $1,000,000 × 80 % covers the debt.
      await sys.engine.write.repay([vaultId, usd(150_000)], { account: operator });
      assert.equal((await sys.engine.read.isLiquidatable([vaultId]))[0], false);
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.auction.write.kick([vaultId, keeper.address], { account: keeper }), sys.engine, "NotLiquidatable", [vaultId]);
      await sys.viem.assertions.revertWithCustomError(sys.auction.write.kick([vaultId, zeroAddress], { account: keeper }), sys.auction, "ZeroAddress");
    });

    it("marks the expected shortfall at the floor: the Reserve commits its buffer, savers are marked for the rest", async function () {
      const { vaultId, fleetId } = await withLoan(sys);
      await dropValue(sys, fleetId);
      const buffer = await sys.reserve.read.buffer();
      assert.equal(buffer, usd(20_000));
      const assetsBefore = await sys.savings.read.totalAssets();
      const { auction } = await kick(sys, vaultId);
      const expected = auction.tab - auction.floorPrice;
      assert.equal(auction.committed, buffer);
      assert.equal(auction.impaired, expected - buffer);
      assert.equal(await sys.reserve.read.totalCommitted(), buffer);
      assert.equal(await sys.reserve.read.uncommittedBuffer(), 0n);
      assert.equal(await sys.savings.read.totalImpaired(), auction.impaired);
      const assetsAfter = await sys.savings.read.totalAssets();
      // A second of smeared interest may be released between the two reads.
      assert.ok(assetsBefore - auction.impaired <= assetsAfter && assetsAfter - (assetsBefore - auction.impaired) < usd(1), "the share price falls at the kick");
    });
  });

  describe("price", function () {
    it("falls linearly from the start price to the floor over the duration, then stays at the floor", async function () {
      const { vaultId, fleetId } = await withLoan(sys);
      await dropValue(sys, fleetId);
      await kick(sys, vaultId);
      const start = await sys.networkHelpers.time.latest();
      await sys.networkHelpers.time.increaseTo(start + Number(DAY));
      let [needsReset, price, elapsed] = await sys.auction.read.status([1n]);
      assert.deepEqual([needsReset, price, elapsed], [false, usd(1_000_000), DAY], "a third of the way: 1.2M − 600k/3");
      await sys.networkHelpers.time.increaseTo(start + Number(DAY) + Number(DAY) / 2);
      [, price] = await sys.auction.read.status([1n]);
      assert.equal(price, usd(900_000));
      await sys.networkHelpers.time.increaseTo(start + 3 * Number(DAY));
      [needsReset, price] = await sys.auction.read.status([1n]);
      assert.deepEqual([needsReset, price], [false, usd(600_000)]);
      await sys.networkHelpers.time.increaseTo(start + 4 * Number(DAY));
      [needsReset, price] = await sys.auction.read.status([1n]);
      assert.deepEqual([needsReset, price], [false, usd(600_000)], "flat at the floor until the tail");
    });

    it("freezes the auction clock while paused, and refuses kick, redo and take", async function () {
      const { vaultId, fleetId } = await withLoan(sys);
      await dropValue(sys, fleetId);
      await kick(sys, vaultId);
      const start = await sys.networkHelpers.time.latest();
      await sys.networkHelpers.time.setNextBlockTimestamp(start + Number(DAY));
      await asRole(sys, "GUARDIAN", sys.auction, "pause", []);
      assert.equal(await sys.auction.read.paused(), true);
      await sys.networkHelpers.time.increase(2 * Number(DAY));
      const [, price, elapsed] = await sys.auction.read.status([1n]);
      assert.deepEqual([price, elapsed], [usd(1_000_000), DAY], "no time passes for the auction while paused");

      const keeper = sys.accounts.keeper.account;
      await sys.viem.assertions.revertWithCustomError(sys.auction.write.take([1n, maxUint256, keeper.address], { account: keeper }), sys.auction, "EnforcedPause");
      await sys.viem.assertions.revertWithCustomError(sys.auction.write.redo([1n, keeper.address], { account: keeper }), sys.auction, "EnforcedPause");
      await sys.viem.assertions.revertWithCustomError(sys.auction.write.kick([vaultId, keeper.address], { account: keeper }), sys.auction, "EnforcedPause");
      await sys.viem.assertions.revertWithCustomError(asRole(sys, "GUARDIAN", sys.auction, "pause", []), sys.auction, "EnforcedPause");

      const pausedAt = await sys.networkHelpers.time.latest();
      await sys.networkHelpers.time.setNextBlockTimestamp(pausedAt + 10);
      await asRole(sys, "GUARDIAN", sys.auction, "unpause", []);
      await sys.viem.assertions.revertWithCustomError(asRole(sys, "GUARDIAN", sys.auction, "unpause", []), sys.auction, "ExpectedPause");
      await sys.networkHelpers.time.increase(Number(DAY) / 2);
      const [, later, elapsedLater] = await sys.auction.read.status([1n]);
      assert.deepEqual([later, elapsedLater], [usd(900_000), DAY + DAY / 2n], "the clock resumes where it stopped");
    });
  });

  describe("taking", function () {
    it("refuses a price above the buyer's maximum, unknown auctions and the zero receiver", async function () {
      const { vaultId, fleetId } = await withLoan(sys);
      await dropValue(sys, fleetId);
      await kick(sys, vaultId);
      const buyer = sys.accounts.saver;
      await sys.viem.assertions.revertWithCustomErrorWithArgs(
        sys.auction.write.take([1n, usd(1_100_000), buyer.account.address], { account: buyer.account }),
        sys.auction,
        "PriceAboveMax",
        [(p: bigint) => p > usd(1_100_000) && p <= usd(1_200_000), usd(1_100_000)],
      );
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.auction.write.take([9n, maxUint256, buyer.account.address], { account: buyer.account }), sys.auction, "UnknownAuction", [9n]);
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.auction.read.status([9n]), sys.auction, "UnknownAuction", [9n]);
      await sys.viem.assertions.revertWithCustomError(sys.auction.write.take([1n, maxUint256, zeroAddress], { account: buyer.account }), sys.auction, "ZeroAddress");
    });

    it("at a high price repays the tab, pays the penalty to the Reserve, the surplus to the operator, and reverses the mark", async function () {
      const { vaultId, operator, fleetId } = await withLoan(sys);
      await dropValue(sys, fleetId);
      const { auction, debt } = await kick(sys, vaultId);
      const buyer = sys.accounts.operatorB;
      await fund(sys, buyer, 1_300_000n);
      const assetsAtKick = await sys.savings.read.totalAssets();
      const [supply, buyerBal, opBal, reserveBal] = await Promise.all([
        sys.gpusd.read.totalSupply(),
        sys.gpusd.read.balanceOf([buyer.account.address]),
        sys.gpusd.read.balanceOf([operator.address]),
        sys.gpusd.read.balanceOf([sys.reserve.address]),
      ]);

      const hash = await sys.auction.write.take([1n, maxUint256, buyer.account.address], { account: buyer.account });
      const taken = await takenArgs(sys, hash);
      const price = taken.price;
      assert.ok(price <= usd(1_200_000) && price > usd(1_199_900), "seconds into the decay");
      assert.equal(taken.tab, auction.tab);
      assert.equal(taken.penaltyPaid, wMulUp(debt, P.penalty));
      assert.equal(taken.surplus, price - auction.tab - taken.penaltyPaid);
      assert.equal(taken.shortfall, 0n);

      assert.equal((await sys.registry.read.ownerOf([fleetId])).toLowerCase(), buyer.account.address.toLowerCase());
      const emptied = await sys.engine.read.vault([vaultId]);
      assert.deepEqual([emptied.fleetId, emptied.classId, emptied.inAuction], [0, 0, false], "the vault is open and empty again");
      assert.equal(await sys.gpusd.read.balanceOf([buyer.account.address]), buyerBal - price);
      assert.equal(await sys.gpusd.read.balanceOf([operator.address]), opBal + taken.surplus);
      assert.equal(await sys.gpusd.read.balanceOf([sys.reserve.address]), reserveBal + taken.penaltyPaid);
      assert.equal(await sys.gpusd.read.totalSupply(), supply - auction.tab, "supply falls by exactly the tab");

      assert.equal(await sys.reserve.read.totalCommitted(), 0n);
      assert.equal(await sys.savings.read.totalImpaired(), 0n);
      const assetsAfter = await sys.savings.read.totalAssets();
      assert.ok(assetsAfter >= assetsAtKick + auction.impaired, "the recovery reverses the mark");
      assert.equal((await sys.auction.read.auction([1n])).tab, 0n, "the auction is gone");
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.auction.write.take([1n, maxUint256, buyer.account.address], { account: buyer.account }), sys.auction, "UnknownAuction", [1n]);
    });

    it("at the floor covers the shortfall from the Reserve's buffer, then from savers, whose share price fell at the kick", async function () {
      const { vaultId, fleetId } = await withLoan(sys);
      await dropValue(sys, fleetId);
      const saver = sys.accounts.saver.account.address;
      const shares = await sys.savings.read.balanceOf([saver]);
      const valueBefore = await sys.savings.read.convertToAssets([shares]);
      const { auction } = await kick(sys, vaultId);
      const valueAtKick = await sys.savings.read.convertToAssets([shares]);
      assert.ok(valueAtKick < valueBefore - usd(250_000), "savers are marked down at the kick");

      await sys.networkHelpers.time.increase(3 * Number(DAY));
      const buyer = sys.accounts.operatorB;
      await fund(sys, buyer, 600_000n);
      const supply = await sys.gpusd.read.totalSupply();
      const hash = await sys.auction.write.take([1n, usd(600_000), buyer.account.address], { account: buyer.account });
      const taken = await takenArgs(sys, hash);
      const loss = await lossArgs(sys, hash);
      assert.equal(taken.price, usd(600_000));
      assert.equal(taken.shortfall, auction.tab - usd(600_000));
      assert.deepEqual([taken.penaltyPaid, taken.surplus], [0n, 0n]);
      assert.equal(loss.coveredByReserve, usd(20_000));
      assert.equal(loss.absorbedBySavers, taken.shortfall - usd(20_000));
      assert.equal(loss.uncovered, 0n);
      assert.equal(await sys.reserve.read.buffer(), 0n);
      assert.equal(await sys.gpusd.read.totalSupply(), supply - auction.tab, "the buyer's payment, the buffer and savers' loss are all burnt");
      assert.equal(await sys.savings.read.totalImpaired(), 0n);
      const valueAfter = await sys.savings.read.convertToAssets([shares]);
      assert.ok(valueAfter < valueBefore - taken.shortfall + usd(20_000) + usd(80_000), "savers bear the loss after the buffer");
      // Realized at the floor, the loss equals the mark: the settlement itself moves the price only by smeared interest.
      assert.ok(valueAfter >= valueAtKick && valueAfter - valueAtKick < usd(80_000));
      assert.equal(await sys.auction.read.totalBadDebt(), 0n);
    });

    it("records what neither the Reserve nor savers can pay as bad debt", async function () {
      const operator = sys.accounts.operatorA.account;
      const vaultId = await openVault(sys, "operatorA", sys.fleetIds[0]!);
      await sys.engine.write.borrow([vaultId, usd(900_000), operator.address], { account: operator });
      await dropValue(sys, sys.fleetIds[0]!);
      const { auction } = await kick(sys, vaultId);
      assert.equal(auction.committed, 0n);
      assert.equal(auction.impaired, auction.tab - usd(600_000), "marked on a savings vault that holds nothing");
      await sys.networkHelpers.time.increase(3 * Number(DAY));
      const buyer = sys.accounts.operatorB;
      await fund(sys, buyer, 600_000n);
      const hash = await sys.auction.write.take([1n, usd(600_000), buyer.account.address], { account: buyer.account });
      const shortfall = auction.tab - usd(600_000);
      await sys.viem.assertions.emitWithArgs(Promise.resolve(hash), sys.auction, "LossSettled", [1n, shortfall, 0n, 0n, shortfall]);
      await sys.viem.assertions.emitWithArgs(Promise.resolve(hash), sys.auction, "BadDebt", [1n, shortfall, shortfall]);
      assert.equal(await sys.auction.read.totalBadDebt(), shortfall);
      assert.equal(await sys.savings.read.totalImpaired(), 0n);
    });
  });

  describe("resets", function () {
    it("restarts after the tail from a fresh oracle value, paying another tip", async function () {
      const { vaultId, fleetId } = await withLoan(sys);
      await dropValue(sys, fleetId);
      const first = await kick(sys, vaultId);
      const keeper = sys.accounts.keeper.account;
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.auction.write.redo([1n, keeper.address], { account: keeper }), sys.auction, "ResetNotNeeded", [1n, 1n, (p: bigint) => p < usd(1_200_000)]);
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.auction.write.redo([7n, keeper.address], { account: keeper }), sys.auction, "UnknownAuction", [7n]);

      await sys.networkHelpers.time.increase(P.tail + 1);
      const [needsReset, price] = await sys.auction.read.status([1n]);
      assert.deepEqual([needsReset, price], [true, usd(600_000)]);
      await sys.viem.assertions.revertWithCustomErrorWithArgs(
        sys.auction.write.take([1n, maxUint256, keeper.address], { account: keeper }),
        sys.auction,
        "NeedsReset",
        [1n, (e: bigint) => e > BigInt(P.tail), usd(600_000)],
      );

      await dropValue(sys, fleetId, usd(800_000));
      const tipBefore = await sys.auction.read.tipsOwed([keeper.address]);
      await sys.viem.assertions.revertWithCustomError(sys.auction.write.redo([1n, zeroAddress], { account: keeper }), sys.auction, "ZeroAddress");
      const hash = await sys.auction.write.redo([1n, keeper.address], { account: keeper });
      const { tip, auction } = await redoneArgs(sys, hash);
      assert.equal(tip, min(P.flatTip + wMulDown(first.auction.tab, P.chip), P.maxTip));
      assert.equal(await sys.auction.read.tipsOwed([keeper.address]), tipBefore + tip);
      assert.equal(auction.top, usd(960_000), "restarted from $800,000 × 1.2");
      assert.equal(auction.tab, first.auction.tab + tip);
      assert.equal(auction.committed, usd(20_000));
      assert.equal(auction.impaired, auction.tab - usd(480_000) - usd(20_000));
      assert.equal(await sys.savings.read.totalImpaired(), auction.impaired, "the mark follows the new floor");
      assert.equal(await sys.reserve.read.totalCommitted(), usd(20_000));
      const [again, restarted, elapsed] = await sys.auction.read.status([1n]);
      assert.deepEqual([again, restarted, elapsed], [false, usd(960_000), 0n]);
    });

    it("restarts when the price falls under the cusp", async function () {
      await asRole(sys, "RISK_CURATOR", sys.auction, "setParams", [withParams({ cusp: WAD * 7n / 10n })]);
      await publishRound(sys, sys.valuations()); // the governance delay left the oracle stale
      const { vaultId, fleetId } = await withLoan(sys);
      await dropValue(sys, fleetId);
      await kick(sys, vaultId);
      await sys.networkHelpers.time.increase(Number(DAY));
      assert.equal((await sys.auction.read.status([1n]))[0], false, "83 % of top is above the 70 % cusp");
      await sys.networkHelpers.time.increase(Number(DAY));
      const [needsReset, price] = await sys.auction.read.status([1n]);
      assert.deepEqual([needsReset, price < wMulDown(usd(1_200_000), WAD * 7n / 10n)], [true, true]);
      await sys.auction.write.redo([1n, sys.accounts.keeper.account.address], { account: sys.accounts.keeper.account });
      assert.equal((await sys.auction.read.status([1n]))[0], false);
    });
  });

  describe("tips", function () {
    it("mints a keeper's credited tips to any address on claim, keeping 1 wei owed, even while paused", async function () {
      const { vaultId, fleetId } = await withLoan(sys);
      await dropValue(sys, fleetId);
      const { tip, keeper } = await kick(sys, vaultId);
      const k = sys.accounts.keeper.account;
      const to = sys.accounts.stranger.account.address;
      await sys.viem.assertions.revertWithCustomError(sys.auction.write.claimTips([zeroAddress], { account: k }), sys.auction, "ZeroAddress");
      await asRole(sys, "GUARDIAN", sys.auction, "pause", []);
      const supply = await sys.gpusd.read.totalSupply();
      const hash = await sys.auction.write.claimTips([to], { account: k });
      await sys.viem.assertions.emitWithArgs(Promise.resolve(hash), sys.auction, "TipsClaimed", [keeper, to, tip - 1n, 1n]);
      assert.equal(await sys.gpusd.read.balanceOf([to]), tip - 1n);
      assert.equal(await sys.gpusd.read.totalSupply(), supply + tip - 1n, "a claim mints what the tab already counts");
      assert.equal(await sys.auction.read.tipsOwed([keeper]), 1n);
      // Nothing beyond the wei: nothing happens.
      assert.equal((await sys.publicClient.simulateContract({ address: sys.auction.address, abi: sys.auction.abi, functionName: "claimTips", args: [to], account: k })).result, 0n);
      await sys.auction.write.claimTips([to], { account: k });
      assert.equal(await sys.gpusd.read.balanceOf([to]), tip - 1n);
    });
  });

  describe("governance", function () {
    it("lets the risk curator set parameters within bounds only", async function () {
      const changed = withParams({ penalty: WAD / 10n, duration: 2 * Number(DAY) });
      await sys.viem.assertions.emit(asRole(sys, "RISK_CURATOR", sys.auction, "setParams", [changed]), sys.auction, "ParamsSet");
      assert.equal((await sys.auction.read.params()).penalty, WAD / 10n);
      const cases: [string, Partial<typeof P>, bigint, bigint, bigint][] = [
        ["buffer", { buffer: WAD / 2n }, WAD / 2n, WAD, 2n * WAD],
        ["floorRatio", { floorRatio: WAD }, WAD, WAD / 10n, (WAD * 9n) / 10n],
        ["cusp", { cusp: WAD }, WAD, 0n, (WAD * 95n) / 100n],
        ["penalty", { penalty: WAD / 5n }, WAD / 5n, 0n, (WAD * 15n) / 100n],
        ["duration", { duration: 3600 }, 3600n, DAY, 30n * DAY],
        ["tail", { tail: 2 * Number(DAY) }, 2n * DAY, 3n * DAY, 60n * DAY],
        ["flatTip", { flatTip: usd(1_001) }, usd(1_001), 0n, usd(1_000)],
        ["chip", { chip: WAD / 50n }, WAD / 50n, 0n, WAD / 100n],
        ["maxTip", { maxTip: usd(10_001) }, usd(10_001), 0n, usd(10_000)],
      ];
      for (const [name, change, value, lo, hi] of cases) {
        await sys.viem.assertions.revertWithCustomErrorWithArgs(
          asRole(sys, "RISK_CURATOR", sys.auction, "setParams", [withParams(change)]),
          sys.auction,
          "ParameterOutOfBounds",
          [stringToHex(name, { size: 32 }), value, lo, hi],
        );
      }
    });

    it("refuses strangers on every restricted function of the auction, engine, Reserve and savings vault", async function () {
      const stranger = sys.accounts.stranger.account;
      const from = { account: stranger };
      const unauthorized = [
        [sys.auction, () => sys.auction.write.setParams([withParams()], from)],
        [sys.auction, () => sys.auction.write.pause(from)],
        [sys.auction, () => sys.auction.write.unpause(from)],
        [sys.engine, () => sys.engine.write.setLiquidator([stranger.address, true], from)],
        [sys.reserve, () => sys.reserve.write.setLiquidator([stranger.address, true], from)],
        [sys.savings, () => sys.savings.write.setLiquidator([stranger.address, true], from)],
        [sys.savings, () => sys.savings.write.setWithdrawalCooldown([1], from)],
      ] as const;
      for (const [contract, call] of unauthorized) {
        await sys.viem.assertions.revertWithCustomErrorWithArgs(call() as never, contract as never, "AccessManagedUnauthorized" as never, [stranger.address] as never);
      }
      const liquidatorOnly = [
        [sys.engine, () => sys.engine.write.seize([1n], from)],
        [sys.engine, () => sys.engine.write.deliver([1n, stranger.address], from)],
        [sys.reserve, () => sys.reserve.write.commit([1n], from)],
        [sys.reserve, () => sys.reserve.write.release([1n], from)],
        [sys.reserve, () => sys.reserve.write.coverShortfall([1n], from)],
        [sys.savings, () => sys.savings.write.impair([1n], from)],
        [sys.savings, () => sys.savings.write.releaseImpairment([1n], from)],
        [sys.savings, () => sys.savings.write.absorbLoss([1n], from)],
      ] as const;
      for (const [contract, call] of liquidatorOnly) {
        await sys.viem.assertions.revertWithCustomErrorWithArgs(call() as never, contract as never, "NotLiquidator" as never, [stranger.address] as never);
      }
    });

    it("is deployed as a GPUSD minter and the liquidator of the engine, the Reserve and the savings vault", async function () {
      assert.equal(await sys.gpusd.read.isMinter([sys.auction.address]), true);
      for (const contract of [sys.engine, sys.reserve, sys.savings]) assert.equal(await contract.read.isLiquidator([sys.auction.address]), true);
      for (const contract of [sys.engine, sys.reserve, sys.savings]) assert.equal(await contract.read.isLiquidator([sys.accounts.stranger.account.address]), false);
    });
  });
});
