import assert from "node:assert/strict";
import { network } from "hardhat";
import { getAddress, parseEventLogs, stringToHex } from "viem";
import {
  MAX_UINT256,
  PARAMS,
  WAD,
  deploySavingsStack,
  fundUsdc,
  rejectsWithoutEffect,
  seedGpusd,
  usd,
  usdc,
  type SavingsStack,
} from "./helpers/savingsFixture.js";

const { networkHelpers } = await network.create();
const load = () => networkHelpers.loadFixture(deploySavingsStack);

const MAX_FACTOR = WAD / 2n;
const bufferShare = (income: bigint, factor: bigint) => (income * factor + WAD - 1n) / WAD;

async function income(s: SavingsStack, amount: bigint) {
  await seedGpusd(s, s.reserve.address, amount);
}

async function logsOf(s: SavingsStack, hash: `0x${string}`) {
  return (await s.publicClient.waitForTransactionReceipt({ hash })).logs;
}

describe("Reserve", function () {
  describe("distributing income", function () {
    it("keeps the reserve factor as buffer and sends the rest to the savings vault", async function () {
      const s = await load();
      await income(s, usd(1_000));
      assert.equal(await s.reserve.read.pendingIncome(), usd(1_000));
      const { result } = await s.reserve.simulate.distribute();
      assert.deepEqual(result, [usd(200), usd(800)]);
      await s.viem.assertions.emitWithArgs(s.reserve.write.distribute(), s.reserve, "Distributed", [usd(1_000), usd(200), usd(800), usd(200)]);
      assert.equal(await s.reserve.read.buffer(), usd(200));
      assert.equal(await s.reserve.read.pendingIncome(), 0n);
      assert.equal(await s.gpusd.read.balanceOf([s.reserve.address]), usd(200));
      assert.equal(await s.gpusd.read.balanceOf([s.vault.address]), usd(800));
      assert.equal(await s.vault.read.interestLeft(), usd(800));
    });

    it("rounds the buffer's share up", async function () {
      const s = await load();
      await income(s, 7n); // 20 % of 7 wei is 1.4 wei
      const { result } = await s.reserve.simulate.distribute();
      assert.deepEqual(result, [2n, 5n]);
      await s.reserve.write.distribute();
      assert.equal(await s.reserve.read.buffer(), 2n);
      assert.equal(await s.vault.read.interestLeft(), 5n);
    });

    it("skips the vault when the savers' share rounds to nothing", async function () {
      const s = await load();
      await income(s, 1n);
      const hash = await s.reserve.write.distribute();
      const events = parseEventLogs({ abi: s.vault.abi, logs: await logsOf(s, hash), eventName: "InterestAdded" });
      assert.equal(events.length, 0);
      assert.equal(await s.reserve.read.buffer(), 1n);
      assert.equal(await s.vault.read.smearEnd(), 0);
    });

    it("counts only income that arrived since the last distribution", async function () {
      const s = await load();
      await income(s, usd(1_000));
      await s.reserve.write.distribute();
      await income(s, usd(500));
      const { result } = await s.reserve.simulate.distribute();
      assert.deepEqual(result, [usd(100), usd(400)]);
      await s.reserve.write.distribute();
      assert.equal(await s.reserve.read.buffer(), usd(300));
      assert.equal(await s.gpusd.read.balanceOf([s.reserve.address]), usd(300));
    });

    it("does nothing, and says nothing, without new income", async function () {
      const s = await load();
      await income(s, usd(10));
      await s.reserve.write.distribute();
      const buffer = await s.reserve.read.buffer();
      const { result } = await s.reserve.simulate.distribute();
      assert.deepEqual(result, [0n, 0n]);
      const hash = await s.reserve.write.distribute();
      assert.equal((await logsOf(s, hash)).length, 0);
      assert.equal(await s.reserve.read.buffer(), buffer);
    });

    it("lets anyone distribute", async function () {
      const s = await load();
      await income(s, usd(10));
      await s.reserve.write.distribute({ account: s.accounts.stranger.account });
      assert.equal(await s.reserve.read.buffer(), usd(2));
    });

    it("treats the PSM's fees as income", async function () {
      const s = await load();
      const { alice } = s.accounts;
      await fundUsdc(s, alice, usdc(10_000));
      await s.psm.write.sellUsdc([usdc(10_000), alice.account.address], { account: alice.account });
      const fee = (usd(10_000) * PARAMS.tin) / WAD;
      assert.equal(await s.reserve.read.pendingIncome(), fee);
      await s.reserve.write.distribute();
      assert.equal(await s.reserve.read.buffer(), bufferShare(fee, PARAMS.reserveFactor));
    });

    it("approved the vault once, at deployment", async function () {
      const s = await load();
      assert.equal(await s.gpusd.read.allowance([s.reserve.address, s.vault.address]), MAX_UINT256);
      assert.equal(await s.reserve.read.savings(), getAddress(s.vault.address));
      assert.equal(await s.reserve.read.gpusd(), getAddress(s.gpusd.address));
    });
  });

  describe("governance", function () {
    it("lets the risk curator set the reserve factor up to half, applying to the next distribution", async function () {
      const s = await load();
      await s.viem.assertions.emitWithArgs(s.reserve.write.setReserveFactor([MAX_FACTOR]), s.reserve, "ReserveFactorSet", [MAX_FACTOR]);
      await income(s, usd(10));
      await s.reserve.write.distribute();
      assert.equal(await s.reserve.read.buffer(), usd(5));

      await s.reserve.write.setReserveFactor([0n]);
      await income(s, usd(10));
      await s.reserve.write.distribute();
      assert.equal(await s.reserve.read.buffer(), usd(5), "a zero factor sends everything to savers");
      assert.equal(await s.gpusd.read.balanceOf([s.vault.address]), usd(15));
    });

    it("refuses a factor above the bound and strangers, leaving the factor unchanged", async function () {
      const s = await load();
      const { stranger } = s.accounts;
      const factor = () => s.reserve.read.reserveFactor();
      await rejectsWithoutEffect(
        s,
        () => s.reserve.write.setReserveFactor([MAX_FACTOR + 1n]),
        s.reserve,
        "ParameterOutOfBounds",
        [stringToHex("reserveFactor", { size: 32 }), MAX_FACTOR + 1n, 0n, MAX_FACTOR],
        factor,
      );
      await rejectsWithoutEffect(
        s,
        () => s.reserve.write.setReserveFactor([0n], { account: stranger.account }),
        s.reserve,
        "AccessManagedUnauthorized",
        [getAddress(stranger.account.address)],
        factor,
      );
      assert.equal(await factor(), PARAMS.reserveFactor);
    });

    it("lets only the authority move the reserve to another authority", async function () {
      const s = await load();
      const { stranger } = s.accounts;
      await rejectsWithoutEffect(
        s,
        () => s.reserve.write.setAuthority([stranger.account.address], { account: stranger.account }),
        s.reserve,
        "AccessManagedUnauthorized",
        [getAddress(stranger.account.address)],
        () => s.reserve.read.authority(),
      );
    });

    it("refuses a deployment with a factor above the bound", async function () {
      const s = await load();
      const args = [s.manager.address, s.gpusd.address, s.vault.address, MAX_FACTOR + 1n];
      await assert.rejects(s.viem.deployContract("Reserve", args as never), /ParameterOutOfBounds/);
    });

    it("cannot pass interest to the vault without the reserve role", async function () {
      const s = await load();
      await s.manager.write.revokeRole([11n, s.reserve.address]); // ROLES.RESERVE
      await income(s, usd(10));
      await rejectsWithoutEffect(s, () => s.reserve.write.distribute(), s.vault, "AccessManagedUnauthorized", [getAddress(s.reserve.address)]);
    });
  });

  describe("first-loss buffer for auctions", function () {
    async function withBuffer(s: SavingsStack) {
      await income(s, usd(1_000));
      await s.reserve.write.distribute(); // buffer $200
      return { liquidator: s.accounts.minter.account };
    }

    it("commits only what is uncommitted and releases it", async function () {
      const s = await load();
      const { liquidator } = await withBuffer(s);
      const { result } = await s.reserve.simulate.commit([usd(150)], { account: liquidator.address });
      assert.equal(result, usd(150));
      await s.viem.assertions.emitWithArgs(s.reserve.write.commit([usd(150)], { account: liquidator }), s.reserve, "Committed", [usd(150), usd(150), usd(150)]);
      await s.viem.assertions.emitWithArgs(s.reserve.write.commit([usd(150)], { account: liquidator }), s.reserve, "Committed", [usd(150), usd(50), usd(200)]);
      assert.equal(await s.reserve.read.uncommittedBuffer(), 0n);
      await s.viem.assertions.emitWithArgs(s.reserve.write.release([usd(120)], { account: liquidator }), s.reserve, "Released", [usd(120), usd(80)]);
      assert.equal(await s.reserve.read.totalCommitted(), usd(80));
      await rejectsWithoutEffect(s, () => s.reserve.write.release([usd(81)], { account: liquidator }), s.reserve, "ReleaseExceedsCommitted", [usd(81), usd(80)]);
    });

    it("covers a shortfall from the uncommitted buffer only, sending it to the auction without touching income", async function () {
      const s = await load();
      const { liquidator } = await withBuffer(s);
      await s.reserve.write.commit([usd(50)], { account: liquidator });
      await income(s, usd(10)); // undistributed income stays income
      const before = await s.gpusd.read.balanceOf([liquidator.address]);
      await s.viem.assertions.emitWithArgs(s.reserve.write.coverShortfall([usd(500)], { account: liquidator }), s.reserve, "ShortfallCovered", [usd(500), usd(150), usd(50)]);
      assert.equal(await s.gpusd.read.balanceOf([liquidator.address]), before + usd(150));
      assert.equal(await s.reserve.read.buffer(), usd(50), "the committed part stays");
      assert.equal(await s.reserve.read.pendingIncome(), usd(10));
      const { result } = await s.reserve.simulate.coverShortfall([usd(1)], { account: liquidator.address });
      assert.equal(result, 0n, "nothing uncommitted is left");
    });

    it("refuses commit, release and coverShortfall to anyone but the liquidator", async function () {
      const s = await load();
      await withBuffer(s);
      const from = { account: s.accounts.stranger.account };
      const who = [getAddress(s.accounts.stranger.account.address)];
      await rejectsWithoutEffect(s, () => s.reserve.write.commit([1n], from), s.reserve, "NotLiquidator", who);
      await rejectsWithoutEffect(s, () => s.reserve.write.release([0n], from), s.reserve, "NotLiquidator", who);
      await rejectsWithoutEffect(s, () => s.reserve.write.coverShortfall([1n], from), s.reserve, "NotLiquidator", who);
    });

    it("lets only the admin change the liquidator set, and refuses a liquidator it removed", async function () {
      const s = await load();
      await withBuffer(s);
      const { minter, stranger } = s.accounts;
      await rejectsWithoutEffect(
        s,
        () => s.reserve.write.setLiquidator([stranger.account.address, true], { account: stranger.account }),
        s.reserve,
        "AccessManagedUnauthorized",
        [getAddress(stranger.account.address)],
      );
      await s.viem.assertions.emitWithArgs(s.reserve.write.setLiquidator([minter.account.address, false]), s.reserve, "LiquidatorSet", [getAddress(minter.account.address), false]);
      assert.equal(await s.reserve.read.isLiquidator([minter.account.address]), false);
      await s.viem.assertions.revertWithCustomErrorWithArgs(s.reserve.write.commit([1n], { account: minter.account }), s.reserve, "NotLiquidator", [getAddress(minter.account.address)]);
    });
  });
});
