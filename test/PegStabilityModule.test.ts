import assert from "node:assert/strict";
import { network } from "hardhat";
import { getAddress, stringToHex, zeroAddress } from "viem";
import {
  DAY,
  MAX_UINT256,
  PARAMS,
  SCALE,
  WAD,
  deploySavingsStack,
  fundUsdc,
  rejectsWithoutEffect,
  seedGpusd,
  usd,
  usdc,
  type SavingsStack,
  type Wallet,
} from "./helpers/savingsFixture.js";

const { networkHelpers } = await network.create();
const load = () => networkHelpers.loadFixture(deploySavingsStack);

const LN2 = 693_147_180_559_945_309n;
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
const wMulUp = (x: bigint, y: bigint) => ceilDiv(x * y, WAD);
/** What a sale of `usdcIn` mints: to the seller and to the reserve (the fee rounds up). */
const sellQuote = (usdcIn: bigint, tin: bigint) => {
  const fee = wMulUp(usdcIn * SCALE, tin);
  return { out: usdcIn * SCALE - fee, fee };
};
/** What a redemption of `gpusdIn` pays in USDC, and what the reserve gets (fee rounded up plus sub-unit dust). */
const redeemQuote = (gpusdIn: bigint, tout: bigint) => {
  const usdcTotal = (gpusdIn - wMulUp(gpusdIn, tout)) / SCALE;
  return { usdcTotal, toReserve: gpusdIn - usdcTotal * SCALE };
};
/** The inflow rate [usdc/s] that one sale adds. */
const rateOf = (usdcIn: bigint) => (usdcIn * LN2) / (DAY * WAD);

function sell(s: SavingsStack, who: Wallet, amount: bigint, to: Wallet = who) {
  return s.psm.write.sellUsdc([amount, to.account.address], { account: who.account });
}

function redeem(s: SavingsStack, who: Wallet, amount: bigint, to: Wallet = who) {
  return s.psm.write.redeem([amount, to.account.address], { account: who.account });
}

/** Gives `who` GPUSD from the test minter and approves the PSM for it (fees and escrow are pulled with transferFrom). */
async function holdGpusd(s: SavingsStack, who: Wallet, amount: bigint) {
  await seedGpusd(s, who.account.address, amount);
  await s.gpusd.write.approve([s.psm.address, MAX_UINT256], { account: who.account });
}

/** Sells `amount` USDC from the deployer, which is where the line's fills come from in these tests. */
async function inflow(s: SavingsStack, amount: bigint) {
  await fundUsdc(s, s.accounts.deployer, amount);
  return sell(s, s.accounts.deployer, amount);
}

const withoutFees = async (s: SavingsStack) => s.psm.write.setFees([0n, 0n]);

/** GPUSD in circulation that the PSM minted, net: supply less what the test minter seeded. */
async function psmBacking(s: SavingsStack, seeded: bigint) {
  const supply = await s.gpusd.read.totalSupply();
  const usdcHeld = await s.usdc.read.balanceOf([s.psm.address]);
  return { mintedNet: supply - seeded, usdcBacking: usdcHeld * SCALE };
}

describe("PegStabilityModule", function () {
  describe("selling USDC", function () {
    it("mints GPUSD 1:1 to the recipient less tin, and mints the fee to the reserve", async function () {
      const s = await load();
      const { alice, bob } = s.accounts;
      await fundUsdc(s, alice, usdc(1_000));
      const { out, fee } = sellQuote(usdc(1_000), PARAMS.tin);
      assert.equal(fee, usd(1)); // 0.1 % of 1,000

      const { result } = await s.psm.simulate.sellUsdc([usdc(1_000), bob.account.address], { account: alice.account.address });
      assert.equal(result, out);
      await s.viem.assertions.emitWithArgs(sell(s, alice, usdc(1_000), bob), s.psm, "SoldUsdc", [
        getAddress(alice.account.address),
        getAddress(bob.account.address),
        usdc(1_000),
        out,
        fee,
        0n,
      ]);
      assert.equal(await s.gpusd.read.balanceOf([bob.account.address]), out);
      assert.equal(await s.gpusd.read.balanceOf([s.reserve.address]), fee);
      assert.equal(await s.gpusd.read.totalSupply(), usdc(1_000) * SCALE);
      assert.equal(await s.usdc.read.balanceOf([s.psm.address]), usdc(1_000));
      assert.equal(await s.usdc.read.balanceOf([alice.account.address]), 0n);
      assert.equal(await s.psm.read.freeLiquidity(), usdc(1_000));
    });

    it("rounds the fee up, so the seller never receives more than the USDC backs", async function () {
      const s = await load();
      const { alice } = s.accounts;
      await s.psm.write.setFees([3n, 0n]); // 3e-18: the fee on one USDC unit is 3e-6 wei, owed as 1 wei
      await fundUsdc(s, alice, 1n);
      await sell(s, alice, 1n);
      assert.equal(await s.gpusd.read.balanceOf([alice.account.address]), SCALE - 1n);
      assert.equal(await s.gpusd.read.balanceOf([s.reserve.address]), 1n);
      assert.equal(await s.gpusd.read.totalSupply(), SCALE);
    });

    it("mints nothing to the reserve when tin is zero", async function () {
      const s = await load();
      const { alice } = s.accounts;
      await withoutFees(s);
      await fundUsdc(s, alice, usdc(10));
      await sell(s, alice, usdc(10));
      assert.equal(await s.gpusd.read.balanceOf([alice.account.address]), usd(10));
      assert.equal(await s.gpusd.read.balanceOf([s.reserve.address]), 0n);
    });

    it("refuses a zero amount, the zero address and a missing approval without moving anything", async function () {
      const s = await load();
      const { alice, bob } = s.accounts;
      await fundUsdc(s, alice, usdc(10));
      await rejectsWithoutEffect(s, () => sell(s, alice, 0n), s.psm, "ZeroAmount", []);
      await rejectsWithoutEffect(
        s,
        () => s.psm.write.sellUsdc([usdc(1), zeroAddress], { account: alice.account }),
        s.psm,
        "ZeroAddress",
        [],
      );
      await s.usdc.write.mint([bob.account.address, usdc(10)]);
      await rejectsWithoutEffect(s, () => sell(s, bob, usdc(10)), s.usdc, "ERC20InsufficientAllowance", [
        getAddress(s.psm.address),
        0n,
        usdc(10),
      ]);
    });

    it("is blocked while paused and works again once unpaused", async function () {
      const s = await load();
      const { alice } = s.accounts;
      await fundUsdc(s, alice, usdc(10));
      await s.psm.write.pause();
      assert.equal(await s.psm.read.paused(), true);
      await rejectsWithoutEffect(s, () => sell(s, alice, usdc(10)), s.psm, "EnforcedPause", []);
      await s.psm.write.unpause();
      await sell(s, alice, usdc(10));
      assert.equal(await s.usdc.read.balanceOf([s.psm.address]), usdc(10));
    });
  });

  describe("redeeming GPUSD", function () {
    it("pays USDC from free liquidity less tout; the fee and sub-unit dust go to the reserve, the rest is burnt", async function () {
      const s = await load();
      const { alice, bob } = s.accounts;
      await inflow(s, usdc(1_000));
      const feesBefore = await s.gpusd.read.balanceOf([s.reserve.address]);
      const gpusdIn = usd(100) + 123_456_789n; // the 123,456,789 wei are less than a USDC unit
      await holdGpusd(s, bob, gpusdIn);
      const supplyBefore = await s.gpusd.read.totalSupply();
      const { usdcTotal, toReserve } = redeemQuote(gpusdIn, PARAMS.tout);
      assert.equal(usdcTotal, usdc(100) - usdc(1) / 5n); // 0.2 % fee; the dust is lost to rounding

      const { result } = await s.psm.simulate.redeem([gpusdIn, alice.account.address], { account: bob.account.address });
      assert.deepEqual(result, [usdcTotal, 0n]);
      await s.viem.assertions.emitWithArgs(redeem(s, bob, gpusdIn, alice), s.psm, "Redeemed", [
        getAddress(bob.account.address),
        getAddress(alice.account.address),
        gpusdIn,
        usdcTotal,
        toReserve,
        0n,
        0n,
      ]);
      assert.equal(await s.usdc.read.balanceOf([alice.account.address]), usdcTotal);
      assert.equal(await s.gpusd.read.balanceOf([bob.account.address]), 0n);
      assert.equal(await s.gpusd.read.balanceOf([s.reserve.address]), feesBefore + toReserve);
      assert.equal(await s.gpusd.read.totalSupply(), supplyBefore - usdcTotal * SCALE);
      assert.equal(await s.psm.read.freeLiquidity(), usdc(1_000) - usdcTotal);
      assert.equal(await s.psm.read.lastRequestId(), 0n);
    });

    it("refuses an amount that pays less than one USDC unit, naming the smallest that does", async function () {
      const s = await load();
      const { bob } = s.accounts;
      await inflow(s, usdc(10));
      await holdGpusd(s, bob, usd(1));
      const minimum = ceilDiv(SCALE * WAD, WAD - PARAMS.tout);
      await rejectsWithoutEffect(s, () => redeem(s, bob, minimum - 1n), s.psm, "AmountTooSmall", [minimum - 1n, minimum]);
      await redeem(s, bob, minimum);
      assert.equal(await s.usdc.read.balanceOf([bob.account.address]), 1n);
    });

    it("refuses a zero amount, the zero address and GPUSD the caller does not have, without moving anything", async function () {
      const s = await load();
      const { bob } = s.accounts;
      await inflow(s, usdc(10));
      await holdGpusd(s, bob, usd(1));
      await rejectsWithoutEffect(s, () => redeem(s, bob, 0n), s.psm, "ZeroAmount", []);
      await rejectsWithoutEffect(
        s,
        () => s.psm.write.redeem([usd(1), zeroAddress], { account: bob.account }),
        s.psm,
        "ZeroAddress",
        [],
      );
      await rejectsWithoutEffect(s, () => redeem(s, bob, usd(2)), s.gpusd, "ERC20InsufficientBalance");
    });

    it("keeps working while the module is paused", async function () {
      const s = await load();
      const { bob } = s.accounts;
      await inflow(s, usdc(10));
      await holdGpusd(s, bob, usd(5));
      await s.psm.write.pause();
      await redeem(s, bob, usd(5));
      assert.equal(await s.usdc.read.balanceOf([bob.account.address]), redeemQuote(usd(5), PARAMS.tout).usdcTotal);
    });

    it("queues what free liquidity cannot pay, escrowing that part's GPUSD, with the recipient as owner", async function () {
      const s = await load();
      const { alice, bob } = s.accounts;
      await inflow(s, usdc(100));
      await holdGpusd(s, bob, usd(300));
      const { usdcTotal, toReserve } = redeemQuote(usd(300), PARAMS.tout);
      const queued = usdcTotal - usdc(100);

      const { result } = await s.psm.simulate.redeem([usd(300), alice.account.address], { account: bob.account.address });
      assert.deepEqual(result, [usdc(100), 1n]);
      const hash = await redeem(s, bob, usd(300), alice);
      await s.viem.assertions.emitWithArgs(Promise.resolve(hash), s.psm, "RedemptionQueued", [
        1n,
        getAddress(alice.account.address),
        0n,
        queued,
      ]);
      await s.viem.assertions.emitWithArgs(Promise.resolve(hash), s.psm, "Redeemed", [
        getAddress(bob.account.address),
        getAddress(alice.account.address),
        usd(300),
        usdc(100),
        toReserve,
        queued,
        1n,
      ]);
      assert.deepEqual(await s.psm.read.request([1n]), {
        owner: getAddress(alice.account.address),
        start: 0n,
        amount: queued,
        claimed: 0n,
        cancelled: false,
      });
      assert.equal(await s.usdc.read.balanceOf([alice.account.address]), usdc(100));
      assert.equal(await s.gpusd.read.balanceOf([s.psm.address]), queued * SCALE);
      assert.equal(await s.psm.read.queueDepth(), queued);
      assert.equal(await s.psm.read.freeLiquidity(), 0n);
      assert.equal(await s.psm.read.lastRequestId(), 1n);
    });

    it("queues all of a redemption while anyone waits, even with USDC in the module", async function () {
      const s = await load();
      const { alice, bob } = s.accounts;
      await withoutFees(s);
      await holdGpusd(s, alice, usd(100));
      await holdGpusd(s, bob, usd(10));
      await redeem(s, alice, usd(100)); // nothing free: all of it waits as request 1
      await inflow(s, usdc(40)); // fills 40 of request 1; the module now holds 40 USDC
      assert.equal(await s.usdc.read.balanceOf([s.psm.address]), usdc(40));
      assert.equal(await s.psm.read.freeLiquidity(), 0n);

      const { result } = await s.psm.simulate.redeem([usd(10), bob.account.address], { account: bob.account.address });
      assert.deepEqual(result, [0n, 2n]);
      await redeem(s, bob, usd(10));
      assert.equal(await s.usdc.read.balanceOf([bob.account.address]), 0n);
      assert.equal((await s.psm.read.request([2n])).start, usdc(100));
      assert.equal((await s.psm.read.queueStatus([2n])).amountAhead, usdc(60));
    });
  });

  describe("the redemption line", function () {
    /** Alice, Bob and Carol queue 100, 50 and 30 USDC in that order on an empty, fee-free module. */
    async function threeInLine() {
      const s = await load();
      const { alice, bob, carol } = s.accounts;
      await withoutFees(s);
      for (const [who, amount] of [[alice, 100n], [bob, 50n], [carol, 30n]] as const) {
        await holdGpusd(s, who, usd(amount));
        await redeem(s, who, usd(amount));
      }
      return s;
    }

    it("fills requests first in, first out from incoming sales, while sellers still get their GPUSD", async function () {
      const s = await threeInLine();
      const { deployer } = s.accounts;
      assert.equal(await s.psm.read.queueDepth(), usdc(180));

      await fundUsdc(s, deployer, usdc(220));
      const hash = await sell(s, deployer, usdc(120));
      await s.viem.assertions.emitWithArgs(Promise.resolve(hash), s.psm, "QueueFilled", [usdc(120), usdc(180), usdc(120)]);
      await s.viem.assertions.emitWithArgs(Promise.resolve(hash), s.psm, "SoldUsdc", [
        getAddress(deployer.account.address),
        getAddress(deployer.account.address),
        usdc(120),
        usd(120),
        0n,
        usdc(120),
      ]);
      assert.equal(await s.gpusd.read.balanceOf([deployer.account.address]), usd(120));

      const [a, b, c] = await Promise.all([1n, 2n, 3n].map((id) => s.psm.read.queueStatus([id])));
      assert.deepEqual([a!.filled, a!.claimable, a!.amountAhead, a!.remaining], [usdc(100), usdc(100), 0n, 0n]);
      assert.deepEqual([b!.filled, b!.claimable, b!.amountAhead, b!.remaining], [usdc(20), usdc(20), 0n, usdc(30)]);
      assert.deepEqual([c!.filled, c!.claimable, c!.amountAhead, c!.remaining], [0n, 0n, usdc(30), usdc(30)]);
      assert.equal(a!.estimatedWait, 0n);
      assert.equal(await s.psm.read.freeLiquidity(), 0n);

      // 60 more drain the line; the other 40 are free.
      await sell(s, deployer, usdc(100));
      assert.equal(await s.psm.read.queueDepth(), 0n);
      assert.equal((await s.psm.read.queueStatus([3n])).claimable, usdc(30));
      assert.equal(await s.psm.read.freeLiquidity(), usdc(40));
    });

    it("pays a claim only the filled, unclaimed part, burning that part's escrow", async function () {
      const s = await threeInLine();
      const { alice } = s.accounts;
      await inflow(s, usdc(40));
      const supplyBefore = await s.gpusd.read.totalSupply();
      const { result } = await s.psm.simulate.claim([1n], { account: alice.account.address });
      assert.equal(result, usdc(40));
      await s.viem.assertions.emitWithArgs(s.psm.write.claim([1n], { account: alice.account }), s.psm, "RedemptionClaimed", [
        1n,
        getAddress(alice.account.address),
        usdc(40),
      ]);
      assert.equal(await s.usdc.read.balanceOf([alice.account.address]), usdc(40));
      assert.equal(await s.gpusd.read.totalSupply(), supplyBefore - usd(40));
      assert.equal(await s.gpusd.read.balanceOf([s.psm.address]), usd(180 - 40));
      assert.equal((await s.psm.read.request([1n])).claimed, usdc(40));

      await rejectsWithoutEffect(s, () => s.psm.write.claim([1n], { account: alice.account }), s.psm, "NothingToClaim", [1n]);
      await rejectsWithoutEffect(s, () => s.psm.write.claim([2n], { account: alice.account }), s.psm, "NothingToClaim", [2n]);

      await inflow(s, usdc(60));
      await s.psm.write.claim([1n], { account: alice.account });
      assert.equal(await s.usdc.read.balanceOf([alice.account.address]), usdc(100));
      assert.deepEqual(await s.psm.read.queueStatus([1n]), { filled: usdc(100), claimable: 0n, amountAhead: 0n, remaining: 0n, estimatedWait: 0n });
    });

    it("lets anyone trigger a claim, and pays the request's owner", async function () {
      const s = await threeInLine();
      const { alice, stranger } = s.accounts;
      await inflow(s, usdc(100));
      await s.psm.write.claim([1n], { account: stranger.account });
      assert.equal(await s.usdc.read.balanceOf([alice.account.address]), usdc(100));
      assert.equal(await s.usdc.read.balanceOf([stranger.account.address]), 0n);
    });

    it("cancel after a partial fill pays the filled part, returns the unfilled GPUSD and leaves the range in line", async function () {
      const s = await threeInLine();
      const { alice, bob } = s.accounts;
      await inflow(s, usdc(30)); // alice's request is 30 % filled

      const { result } = await s.psm.simulate.cancel([1n], { account: alice.account.address });
      assert.deepEqual(result, [usdc(30), usd(70)]);
      await s.viem.assertions.emitWithArgs(s.psm.write.cancel([1n], { account: alice.account }), s.psm, "RedemptionCancelled", [
        1n,
        getAddress(alice.account.address),
        usdc(30),
        usd(70),
      ]);
      assert.equal(await s.usdc.read.balanceOf([alice.account.address]), usdc(30));
      assert.equal(await s.gpusd.read.balanceOf([alice.account.address]), usd(70));
      assert.deepEqual(await s.psm.read.request([1n]), {
        owner: getAddress(alice.account.address),
        start: 0n,
        amount: usdc(100),
        claimed: usdc(30),
        cancelled: true,
      });
      assert.deepEqual(await s.psm.read.queueStatus([1n]), { filled: usdc(30), claimable: 0n, amountAhead: 0n, remaining: 0n, estimatedWait: 0n });

      // The 70 left of alice's range still stand ahead of bob.
      assert.equal(await s.psm.read.queueDepth(), usdc(70 + 50 + 30));
      assert.equal((await s.psm.read.queueStatus([2n])).amountAhead, usdc(70));
      await inflow(s, usdc(70));
      assert.equal((await s.psm.read.queueStatus([2n])).filled, 0n);
      assert.equal(await s.psm.read.freeLiquidity(), 0n); // bob and carol still wait
      assert.equal(await s.usdc.read.balanceOf([s.psm.address]), usdc(70));

      // Once bob and carol are covered, the USDC that covered alice's abandoned range is free.
      await inflow(s, usdc(80));
      await s.psm.write.claim([2n], { account: bob.account });
      assert.equal(await s.usdc.read.balanceOf([bob.account.address]), usdc(50));
      assert.equal(await s.psm.read.freeLiquidity(), usdc(70));
    });

    it("pays nobody directly while someone waits behind an abandoned range, even with unowed USDC in the module", async function () {
      const s = await threeInLine();
      const { alice, bob, stranger } = s.accounts;
      await s.psm.write.cancel([1n], { account: alice.account }); // 100 abandoned at the head of the line
      await inflow(s, usdc(120)); // covers the abandoned 100 and 20 of bob's 50
      assert.equal(await s.usdc.read.balanceOf([s.psm.address]), usdc(120));
      assert.equal((await s.psm.read.queueStatus([2n])).remaining, usdc(30));
      assert.equal(await s.psm.read.freeLiquidity(), 0n);

      await holdGpusd(s, stranger, usd(10));
      await redeem(s, stranger, usd(10));
      assert.equal(await s.usdc.read.balanceOf([stranger.account.address]), 0n, "the newcomer waits behind bob");
      assert.equal((await s.psm.read.queueStatus([4n])).amountAhead, usdc(30 + 30));
      await s.psm.write.claim([2n], { account: bob.account });
      assert.equal(await s.usdc.read.balanceOf([bob.account.address]), usdc(20));
    });

    it("cancel before any fill returns all the escrowed GPUSD", async function () {
      const s = await threeInLine();
      const { carol } = s.accounts;
      await inflow(s, usdc(100));
      const { result } = await s.psm.simulate.cancel([3n], { account: carol.account.address });
      assert.deepEqual(result, [0n, usd(30)]);
      await s.psm.write.cancel([3n], { account: carol.account });
      assert.equal(await s.gpusd.read.balanceOf([carol.account.address]), usd(30));
      assert.equal(await s.usdc.read.balanceOf([carol.account.address]), 0n);
    });

    it("refuses to cancel someone else's request, leaving it intact", async function () {
      const s = await threeInLine();
      const { alice, bob } = s.accounts;
      await inflow(s, usdc(30));
      await rejectsWithoutEffect(
        s,
        () => s.psm.write.cancel([1n], { account: bob.account }),
        s.psm,
        "NotRequestOwner",
        [1n, getAddress(bob.account.address), getAddress(alice.account.address)],
        () => s.psm.read.request([1n]),
      );
    });

    it("refuses to claim or cancel a cancelled request", async function () {
      const s = await threeInLine();
      const { alice } = s.accounts;
      await inflow(s, usdc(30));
      await s.psm.write.cancel([1n], { account: alice.account });
      await inflow(s, usdc(100)); // covers the abandoned range: none of it is alice's any more
      const state = () => s.psm.read.request([1n]);
      await rejectsWithoutEffect(s, () => s.psm.write.cancel([1n], { account: alice.account }), s.psm, "RequestCancelled", [1n], state);
      await rejectsWithoutEffect(s, () => s.psm.write.claim([1n], { account: alice.account }), s.psm, "RequestCancelled", [1n], state);
    });

    it("refuses unknown request ids everywhere", async function () {
      const s = await threeInLine();
      const { alice } = s.accounts;
      for (const id of [0n, 4n]) {
        await rejectsWithoutEffect(s, () => s.psm.write.claim([id], { account: alice.account }), s.psm, "UnknownRequest", [id]);
        await rejectsWithoutEffect(s, () => s.psm.write.cancel([id], { account: alice.account }), s.psm, "UnknownRequest", [id]);
        await s.viem.assertions.revertWithCustomErrorWithArgs(s.psm.read.request([id]), s.psm, "UnknownRequest", [id]);
        await s.viem.assertions.revertWithCustomErrorWithArgs(s.psm.read.queueStatus([id]), s.psm, "UnknownRequest", [id]);
      }
    });

    it("keeps claims and cancellations open while the module is paused", async function () {
      const s = await threeInLine();
      const { alice, bob } = s.accounts;
      await inflow(s, usdc(120));
      await s.psm.write.pause();
      await s.psm.write.claim([1n], { account: alice.account });
      await s.psm.write.cancel([2n], { account: bob.account });
      assert.equal(await s.usdc.read.balanceOf([alice.account.address]), usdc(100));
      assert.equal(await s.usdc.read.balanceOf([bob.account.address]), usdc(20));
      assert.equal(await s.gpusd.read.balanceOf([bob.account.address]), usd(30));
    });
  });

  describe("inflow rate and estimated wait", function () {
    it("estimates an endless wait before any USDC has come in", async function () {
      const s = await load();
      const { alice } = s.accounts;
      await holdGpusd(s, alice, usd(10));
      await redeem(s, alice, usd(10));
      assert.equal(await s.psm.read.inflowRate(), 0n);
      assert.equal((await s.psm.read.queueStatus([1n])).estimatedWait, MAX_UINT256);
    });

    it("averages inflow exponentially with a one-day half-life", async function () {
      const s = await load();
      const { alice } = s.accounts;
      await fundUsdc(s, alice, usdc(2_000_000));
      const hash = await sell(s, alice, usdc(1_000_000));
      const r0 = rateOf(usdc(1_000_000)); // ≈ 8.02 USDC per second
      const { timestamp } = await s.publicClient.getBlock({ blockHash: (await s.publicClient.getTransactionReceipt({ hash })).blockHash });
      await s.viem.assertions.emitWithArgs(Promise.resolve(hash), s.psm, "InflowRateUpdated", [r0, Number(timestamp)]);
      assert.equal(await s.psm.read.inflowRate(), r0);

      await networkHelpers.time.increase(DAY / 2n);
      const halfDay = await s.psm.read.inflowRate();
      const exact = (r0 * 707_107n) / 1_000_000n; // r0 × 2^(−1/2)
      const tolerance = (r0 * 3n) / 1000n; // the series approximation is within 0.3 %
      assert.ok(halfDay >= exact - tolerance && halfDay <= exact + tolerance, `${halfDay} ≈ ${exact}`);
      await networkHelpers.time.increaseTo(timestamp + DAY);
      assert.equal(await s.psm.read.inflowRate(), r0 / 2n);
      await networkHelpers.time.increaseTo(timestamp + 2n * DAY);
      assert.equal(await s.psm.read.inflowRate(), r0 / 4n);

      // A new sale adds to what is left of the old average.
      await networkHelpers.time.setNextBlockTimestamp(timestamp + 3n * DAY);
      await sell(s, alice, usdc(1_000_000));
      assert.equal(await s.psm.read.inflowRate(), r0 / 8n + r0);
    });

    it("estimates the wait as (amount ahead + remaining) ÷ inflow rate, rounded up", async function () {
      const s = await load();
      const { alice, bob } = s.accounts;
      await withoutFees(s);
      await inflow(s, usdc(1_000));
      await holdGpusd(s, alice, usd(1_500));
      await holdGpusd(s, bob, usd(200));
      await redeem(s, alice, usd(1_500)); // 1,000 paid, 500 wait
      await redeem(s, bob, usd(200)); // 200 wait behind alice's 500
      const rate = await s.psm.read.inflowRate();
      assert.ok(rate > 0n && rate <= rateOf(usdc(1_000)));
      const status = await s.psm.read.queueStatus([2n]);
      assert.equal(status.amountAhead, usdc(500));
      assert.equal(status.remaining, usdc(200));
      assert.equal(status.estimatedWait, ceilDiv(usdc(700), rate));
      assert.equal((await s.psm.read.queueStatus([1n])).estimatedWait, ceilDiv(usdc(500), rate));
    });
  });

  describe("governance", function () {
    it("lets the risk curator set fees up to the bound", async function () {
      const s = await load();
      const max = 10n ** 16n;
      await s.viem.assertions.emitWithArgs(s.psm.write.setFees([max, max - 1n]), s.psm, "FeesSet", [max, max - 1n]);
      assert.equal(await s.psm.read.tin(), max);
      assert.equal(await s.psm.read.tout(), max - 1n);
    });

    it("refuses fees above the bound, naming the parameter and the bound", async function () {
      const s = await load();
      const max = 10n ** 16n;
      const fees = async () => [await s.psm.read.tin(), await s.psm.read.tout()];
      await rejectsWithoutEffect(s, () => s.psm.write.setFees([max + 1n, 0n]), s.psm, "ParameterOutOfBounds", [stringToHex("tin", { size: 32 }), max + 1n, 0n, max], fees);
      await rejectsWithoutEffect(s, () => s.psm.write.setFees([0n, max + 1n]), s.psm, "ParameterOutOfBounds", [stringToHex("tout", { size: 32 }), max + 1n, 0n, max], fees);
    });

    it("refuses strangers on every restricted function", async function () {
      const s = await load();
      const { stranger } = s.accounts;
      const args = [getAddress(stranger.account.address)] as const;
      const state = async () => [await s.psm.read.tin(), await s.psm.read.tout(), await s.psm.read.paused()];
      await rejectsWithoutEffect(s, () => s.psm.write.setFees([0n, 0n], { account: stranger.account }), s.psm, "AccessManagedUnauthorized", args, state);
      await rejectsWithoutEffect(s, () => s.psm.write.pause({ account: stranger.account }), s.psm, "AccessManagedUnauthorized", args, state);
      await s.psm.write.pause();
      await rejectsWithoutEffect(s, () => s.psm.write.unpause({ account: stranger.account }), s.psm, "AccessManagedUnauthorized", args, state);
    });

    it("pauses and unpauses only from the other state", async function () {
      const s = await load();
      await rejectsWithoutEffect(s, () => s.psm.write.unpause(), s.psm, "ExpectedPause", [], () => s.psm.read.paused());
      await s.viem.assertions.emitWithArgs(s.psm.write.pause(), s.psm, "Paused", [getAddress(s.accounts.deployer.account.address)]);
      await rejectsWithoutEffect(s, () => s.psm.write.pause(), s.psm, "EnforcedPause", [], () => s.psm.read.paused());
    });

    it("lets only the authority move the module to another authority", async function () {
      const s = await load();
      const { stranger } = s.accounts;
      await rejectsWithoutEffect(
        s,
        () => s.psm.write.setAuthority([stranger.account.address], { account: stranger.account }),
        s.psm,
        "AccessManagedUnauthorized",
        [getAddress(stranger.account.address)],
        () => s.psm.read.authority(),
      );
    });

    it("exposes the tokens it swaps and where its fees go", async function () {
      const s = await load();
      assert.equal(await s.psm.read.gpusd(), getAddress(s.gpusd.address));
      assert.equal(await s.psm.read.usdc(), getAddress(s.usdc.address));
      assert.equal(await s.psm.read.reserve(), getAddress(s.reserve.address));
    });

    it("refuses a deployment with a zero address or a fee above the bound", async function () {
      const s = await load();
      const [manager, gpusd, usdcToken, reserve] = [s.manager.address, s.gpusd.address, s.usdc.address, s.reserve.address];
      const deploy = (args: readonly unknown[]) => s.viem.deployContract("PegStabilityModule", args as never);
      await assert.rejects(deploy([manager, zeroAddress, usdcToken, reserve, 0n, 0n]), /ZeroAddress/);
      await assert.rejects(deploy([manager, gpusd, zeroAddress, reserve, 0n, 0n]), /ZeroAddress|reverted/);
      await assert.rejects(deploy([manager, gpusd, usdcToken, zeroAddress, 0n, 0n]), /ZeroAddress/);
      await assert.rejects(deploy([manager, gpusd, usdcToken, reserve, 10n ** 16n + 1n, 0n]), /ParameterOutOfBounds/);
      await assert.rejects(deploy([manager, gpusd, usdcToken, reserve, 0n, 10n ** 16n + 1n]), /ParameterOutOfBounds/);
      const psm = await deploy([manager, gpusd, usdcToken, reserve, 10n ** 16n, 10n ** 16n]);
      assert.ok(psm.address);
    });
  });

  describe("backing", function () {
    it("keeps PSM-minted GPUSD equal to the USDC it holds × 1e12 through sales, fees, redemptions, claims and cancels", async function () {
      const s = await load();
      const { alice, bob, carol } = s.accounts;
      const seeded = usd(1_000);
      await holdGpusd(s, alice, usd(600));
      await holdGpusd(s, bob, usd(400));
      const check = async (step: string) => {
        const { mintedNet, usdcBacking } = await psmBacking(s, seeded);
        assert.equal(mintedNet, usdcBacking, step);
      };
      await fundUsdc(s, carol, usdc(10_000));
      await sell(s, carol, usdc(250) + 7n);
      await check("sale");
      await redeem(s, alice, usd(400) + 999n);
      await check("redemption, partly queued");
      await redeem(s, bob, usd(300));
      await check("queued redemption");
      await sell(s, carol, usdc(120));
      await check("sale filling the line");
      await s.psm.write.claim([1n], { account: alice.account });
      await check("claim");
      await s.psm.write.cancel([2n], { account: bob.account });
      await check("cancel");
      await sell(s, carol, usdc(500));
      await redeem(s, alice, usd(150));
      await check("sale covering the abandoned range, then a direct redemption");
      const fees = await s.gpusd.read.balanceOf([s.reserve.address]);
      assert.ok(fees > 0n, "fees reached the reserve");
    });
  });
});
