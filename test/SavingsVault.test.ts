import assert from "node:assert/strict";
import { network } from "hardhat";
import { getAddress, stringToHex } from "viem";
import {
  DAY,
  HOUR,
  MAX_UINT256,
  PARAMS,
  WAD,
  YEAR,
  deploySavingsStack,
  rejectsWithoutEffect,
  seedGpusd,
  usd,
  type SavingsStack,
  type Wallet,
} from "./helpers/savingsFixture.js";
import { grant } from "./helpers/governance.js";

const { networkHelpers } = await network.create();
const load = () => networkHelpers.loadFixture(deploySavingsStack);

const WINDOW = BigInt(PARAMS.smearWindow);
/** Shares per GPUSD wei while the vault is empty: 10^decimalsOffset. */
const VIRTUAL = 10n ** 6n;

async function holdGpusd(s: SavingsStack, who: Wallet, amount: bigint) {
  await seedGpusd(s, who.account.address, amount);
  await s.gpusd.write.approve([s.vault.address, MAX_UINT256], { account: who.account });
}

async function deposit(s: SavingsStack, who: Wallet, amount: bigint) {
  await holdGpusd(s, who, amount);
  return s.vault.write.deposit([amount, who.account.address], { account: who.account });
}

/** Income of `income` GPUSD reaches the reserve and is distributed; the vault gets income less the reserve factor. */
async function payInterest(s: SavingsStack, income: bigint) {
  await seedGpusd(s, s.reserve.address, income);
  const hash = await s.reserve.write.distribute();
  const receipt = await s.publicClient.waitForTransactionReceipt({ hash });
  const block = await s.publicClient.getBlock({ blockHash: receipt.blockHash });
  return { hash, timestamp: block.timestamp };
}

async function redeemAll(s: SavingsStack, who: Wallet) {
  const shares = await s.vault.read.balanceOf([who.account.address]);
  return s.vault.write.redeem([shares, who.account.address, who.account.address], { account: who.account });
}

describe("SavingsVault", function () {
  describe("shares", function () {
    it("is an ERC-4626 on GPUSD with 24-decimal shares", async function () {
      const s = await load();
      assert.equal(await s.vault.read.name(), "Savings GPU Credit Dollar");
      assert.equal(await s.vault.read.symbol(), "sGPUSD");
      assert.equal(await s.vault.read.decimals(), 24);
      assert.equal(await s.vault.read.asset(), getAddress(s.gpusd.address));
    });

    it("deposits, mints, withdraws and redeems at the share price, booking assets internally", async function () {
      const s = await load();
      const { alice, bob } = s.accounts;
      await s.viem.assertions.emitWithArgs(deposit(s, alice, usd(100)), s.vault, "Deposit", [
        getAddress(alice.account.address),
        getAddress(alice.account.address),
        usd(100),
        usd(100) * VIRTUAL,
      ]);
      assert.equal(await s.vault.read.balanceOf([alice.account.address]), usd(100) * VIRTUAL);
      assert.equal(await s.vault.read.totalAssets(), usd(100));

      await holdGpusd(s, bob, usd(50));
      await s.vault.write.mint([usd(50) * VIRTUAL, bob.account.address], { account: bob.account });
      assert.equal(await s.gpusd.read.balanceOf([bob.account.address]), 0n);
      assert.equal(await s.vault.read.totalAssets(), usd(150));

      await s.vault.write.withdraw([usd(20), bob.account.address, bob.account.address], { account: bob.account });
      assert.equal(await s.gpusd.read.balanceOf([bob.account.address]), usd(20));
      await redeemAll(s, alice);
      assert.equal(await s.gpusd.read.balanceOf([alice.account.address]), usd(100));
      assert.equal(await s.vault.read.totalAssets(), usd(30));
      assert.equal(await s.gpusd.read.balanceOf([s.vault.address]), usd(30));
    });

    it("refuses operations that would move nothing, and redemptions beyond the balance", async function () {
      const s = await load();
      const { alice } = s.accounts;
      await deposit(s, alice, usd(10));
      const me = alice.account.address;
      const opts = { account: alice.account };
      await rejectsWithoutEffect(s, () => s.vault.write.deposit([0n, me], opts), s.vault, "ZeroAmount", []);
      await rejectsWithoutEffect(s, () => s.vault.write.mint([0n, me], opts), s.vault, "ZeroAmount", []);
      await rejectsWithoutEffect(s, () => s.vault.write.withdraw([0n, me, me], opts), s.vault, "ZeroAmount", []);
      await rejectsWithoutEffect(s, () => s.vault.write.redeem([0n, me, me], opts), s.vault, "ZeroAmount", []);
      // One share is worth a millionth of a wei: redeeming it would burn a share for nothing.
      await rejectsWithoutEffect(s, () => s.vault.write.redeem([1n, me, me], opts), s.vault, "ZeroAmount", []);
      const shares = usd(10) * VIRTUAL;
      await rejectsWithoutEffect(s, () => s.vault.write.redeem([shares + 1n, me, me], opts), s.vault, "ERC4626ExceededMaxRedeem", [
        getAddress(me),
        shares + 1n,
        shares,
      ]);
      await rejectsWithoutEffect(s, () => s.vault.write.withdraw([usd(10) + 1n, me, me], opts), s.vault, "ERC4626ExceededMaxWithdraw", [
        getAddress(me),
        usd(10) + 1n,
        usd(10),
      ]);
    });

    it("lets an approved spender withdraw for the owner, and no one else", async function () {
      const s = await load();
      const { alice, bob, stranger } = s.accounts;
      await deposit(s, alice, usd(10));
      const owner = alice.account.address;
      await rejectsWithoutEffect(
        s,
        () => s.vault.write.withdraw([usd(1), stranger.account.address, owner], { account: stranger.account }),
        s.vault,
        "ERC20InsufficientAllowance",
      );
      await s.vault.write.approve([bob.account.address, usd(5) * VIRTUAL], { account: alice.account });
      await s.vault.write.withdraw([usd(5), bob.account.address, owner], { account: bob.account });
      assert.equal(await s.gpusd.read.balanceOf([bob.account.address]), usd(5));
      assert.equal(await s.vault.read.allowance([owner, bob.account.address]), 0n);
    });

    it("never blocks withdrawals, whatever else is paused", async function () {
      const s = await load();
      const { alice } = s.accounts;
      await deposit(s, alice, usd(10));
      await s.psm.write.pause();
      await redeemAll(s, alice);
      assert.equal(await s.gpusd.read.balanceOf([alice.account.address]), usd(10));
    });
  });

  describe("donations and inflation attacks", function () {
    it("does not move the share price when GPUSD is sent to the vault directly", async function () {
      const s = await load();
      const { alice, stranger } = s.accounts;
      await deposit(s, alice, usd(100));
      const price = await s.vault.read.convertToAssets([10n ** 24n]);
      await seedGpusd(s, stranger.account.address, usd(50));
      await s.gpusd.write.transfer([s.vault.address, usd(50)], { account: stranger.account });
      assert.equal(await s.vault.read.totalAssets(), usd(100));
      assert.equal(await s.vault.read.convertToAssets([10n ** 24n]), price);
      await redeemAll(s, alice);
      assert.equal(await s.gpusd.read.balanceOf([alice.account.address]), usd(100));
    });

    it("defeats the first depositor who donates to inflate the price", async function () {
      const s = await load();
      const { alice, stranger } = s.accounts;
      await deposit(s, stranger, 1n); // 1 wei for 1e6 shares
      await seedGpusd(s, stranger.account.address, usd(10_000));
      await s.gpusd.write.transfer([s.vault.address, usd(10_000)], { account: stranger.account });

      await deposit(s, alice, usd(100));
      const aliceShares = await s.vault.read.balanceOf([alice.account.address]);
      assert.equal(aliceShares, usd(100) * VIRTUAL);
      assert.equal(await s.vault.read.previewRedeem([aliceShares]), usd(100));
      assert.ok((await s.vault.read.previewRedeem([VIRTUAL])) <= 1n, "the attacker's shares stay worth a wei");
    });

    it("makes inflating the price through the reserve cost the attacker far more than the victim loses", async function () {
      const s = await load();
      const { alice, stranger } = s.accounts;
      await deposit(s, stranger, 1n);
      const spent = usd(1_000_000);
      await payInterest(s, spent); // the attacker's GPUSD, routed through the reserve into the vault
      await networkHelpers.time.increase(WINDOW);

      await deposit(s, alice, usd(100));
      const victimLoss = usd(100) - (await s.vault.read.previewRedeem([await s.vault.read.balanceOf([alice.account.address])]));
      const attackerLoss = spent + 1n - (await s.vault.read.previewRedeem([await s.vault.read.balanceOf([stranger.account.address])]));
      assert.ok(victimLoss > 0n, "the attack is not free for the victim either: rounding at a hugely inflated price");
      assert.ok(attackerLoss > victimLoss * 1_000_000n, `attacker loses ${attackerLoss}, victim ${victimLoss}`);
    });
  });

  describe("interest", function () {
    it("releases interest linearly over the smear window", async function () {
      const s = await load();
      const { alice } = s.accounts;
      await deposit(s, alice, usd(1_000));
      const { hash, timestamp } = await payInterest(s, usd(1_000)); // 800 to the vault
      await s.viem.assertions.emitWithArgs(Promise.resolve(hash), s.vault, "InterestAdded", [usd(800), usd(800), Number(timestamp + WINDOW), usd(1_000)]);
      assert.equal(await s.vault.read.smearEnd(), Number(timestamp + WINDOW));
      assert.equal(await s.vault.read.totalAssets(), usd(1_000));

      await networkHelpers.time.increaseTo(timestamp + WINDOW / 4n);
      assert.equal(await s.vault.read.totalAssets(), usd(1_200));
      assert.equal(await s.vault.read.interestLeft(), usd(600));
      await networkHelpers.time.increaseTo(timestamp + WINDOW / 2n);
      assert.equal(await s.vault.read.totalAssets(), usd(1_400));
      await networkHelpers.time.increaseTo(timestamp + WINDOW + DAY);
      assert.equal(await s.vault.read.totalAssets(), usd(1_800));
      assert.equal(await s.vault.read.interestLeft(), 0n);
    });

    it("pays a saver who redeems after the window all of the interest", async function () {
      const s = await load();
      const { alice } = s.accounts;
      await deposit(s, alice, usd(1_000));
      await payInterest(s, usd(1_000));
      await networkHelpers.time.increase(WINDOW);
      await redeemAll(s, alice);
      const got = await s.gpusd.read.balanceOf([alice.account.address]);
      // The virtual shares own a 1e-21 sliver of the vault: a few wei at most.
      assert.ok(got <= usd(1_800) && got >= usd(1_800) - 2n, `${got}`);
    });

    it("gives a deposit made just before a payment only what is released while it stays", async function () {
      const s = await load();
      const { alice, bob } = s.accounts;
      await deposit(s, alice, usd(1_000));
      await deposit(s, bob, usd(1_000));
      await payInterest(s, usd(1_000));
      await redeemAll(s, bob); // one second later
      const gain = (await s.gpusd.read.balanceOf([bob.account.address])) - usd(1_000);
      // Half of one second's release of 800 GPUSD over the window.
      assert.ok(gain <= usd(800) / WINDOW / 2n + 1n, `${gain}`);
    });

    it("restarts the smear with what is unreleased plus the new interest", async function () {
      const s = await load();
      const { alice } = s.accounts;
      await deposit(s, alice, usd(1_000));
      const first = await payInterest(s, usd(1_000));
      await networkHelpers.time.setNextBlockTimestamp(first.timestamp + WINDOW / 2n - 1n);
      await seedGpusd(s, s.reserve.address, usd(500)); // mined at WINDOW/2 − 1
      const second = await s.reserve.write.distribute(); // at WINDOW/2: 400 released, 400 left, 400 new
      await s.viem.assertions.emitWithArgs(Promise.resolve(second), s.vault, "InterestAdded", [
        usd(400),
        usd(800),
        Number(first.timestamp + WINDOW / 2n + WINDOW),
        usd(1_400),
      ]);
      assert.equal(await s.vault.read.interestLeft(), usd(800));
      await networkHelpers.time.increaseTo(first.timestamp + WINDOW / 2n + WINDOW / 2n);
      assert.equal(await s.vault.read.totalAssets(), usd(1_800));
    });

    it("reports the current release rate as a simple APR on total assets", async function () {
      const s = await load();
      const { alice } = s.accounts;
      assert.equal(await s.vault.read.currentApr(), 0n);
      await deposit(s, alice, usd(1_000));
      assert.equal(await s.vault.read.currentApr(), 0n);
      const { timestamp } = await payInterest(s, usd(1_000));
      await networkHelpers.time.increaseTo(timestamp + WINDOW / 2n);
      const apr = await s.vault.read.currentApr();
      assert.equal(apr, (usd(800) * YEAR * WAD) / (WINDOW * usd(1_400)));
      await networkHelpers.time.increaseTo(timestamp + WINDOW);
      assert.equal(await s.vault.read.currentApr(), 0n);
    });

    it("lets the last saver leave mid-smear with the interest released so far", async function () {
      const s = await load();
      const { alice } = s.accounts;
      await deposit(s, alice, usd(1_000));
      const { timestamp } = await payInterest(s, usd(1_000));
      await networkHelpers.time.setNextBlockTimestamp(timestamp + WINDOW / 2n);
      await redeemAll(s, alice);
      const got = await s.gpusd.read.balanceOf([alice.account.address]);
      assert.ok(got <= usd(1_400) && got >= usd(1_400) - 2n, `${got}`);
      assert.equal(await s.vault.read.interestLeft(), usd(400));
      assert.equal(await s.vault.read.totalAssets(), 0n, "with no shares, nothing belongs to anyone");
    });

    it("smears what no saver owned to the next savers instead of handing their deposit to the virtual shares", async function () {
      const s = await load();
      const { alice, bob } = s.accounts;
      await deposit(s, alice, usd(1_000));
      const { timestamp } = await payInterest(s, usd(1_000));
      await networkHelpers.time.setNextBlockTimestamp(timestamp + WINDOW / 2n);
      await redeemAll(s, alice);
      await networkHelpers.time.increaseTo(timestamp + WINDOW); // the last 400 are released to nobody
      const orphaned = await s.gpusd.read.balanceOf([s.vault.address]);
      assert.ok(orphaned >= usd(400));

      await holdGpusd(s, bob, usd(10));
      const hash = await s.vault.write.deposit([usd(10), bob.account.address], { account: bob.account });
      const block = await s.publicClient.getBlock({ blockHash: (await s.publicClient.getTransactionReceipt({ hash })).blockHash });
      await s.viem.assertions.emitWithArgs(Promise.resolve(hash), s.vault, "InterestAdded", [0n, orphaned, Number(block.timestamp + WINDOW), 0n]);
      assert.equal(await s.vault.read.balanceOf([bob.account.address]), usd(10) * VIRTUAL, "bob's shares are priced as in a new vault");
      assert.equal(await s.vault.read.totalAssets(), usd(10));

      await networkHelpers.time.increaseTo(block.timestamp + WINDOW);
      await redeemAll(s, bob);
      const got = await s.gpusd.read.balanceOf([bob.account.address]);
      const all = usd(10) + orphaned;
      const virtualSharesCut = (all * VIRTUAL) / (usd(10) * VIRTUAL) + 1n; // the virtual shares' pro-rata sliver
      assert.ok(got <= all && got >= all - virtualSharesCut, `${got}`);
    });
  });

  describe("governance", function () {
    it("takes interest only from the reserve role, and never zero", async function () {
      const s = await load();
      const { minter, stranger } = s.accounts;
      const state = async () => [await s.vault.read.interestLeft(), await s.vault.read.smearEnd()];
      await seedGpusd(s, stranger.account.address, usd(10));
      await s.gpusd.write.approve([s.vault.address, MAX_UINT256], { account: stranger.account });
      await rejectsWithoutEffect(s, () => s.vault.write.addInterest([usd(10)], { account: stranger.account }), s.vault, "AccessManagedUnauthorized", [getAddress(stranger.account.address)], state);

      await grant(s.manager, "RESERVE", minter.account.address);
      await seedGpusd(s, minter.account.address, usd(10));
      await s.gpusd.write.approve([s.vault.address, MAX_UINT256], { account: minter.account });
      await rejectsWithoutEffect(s, () => s.vault.write.addInterest([0n], { account: minter.account }), s.vault, "ZeroAmount", [], state);
      await s.vault.write.addInterest([usd(10)], { account: minter.account });
      assert.equal(await s.vault.read.interestLeft(), usd(10));
      assert.equal(await s.gpusd.read.balanceOf([s.vault.address]), usd(10));
    });

    it("lets the risk curator set the smear window within its bounds, for the next payment", async function () {
      const s = await load();
      const { alice, stranger } = s.accounts;
      const [min, max] = [HOUR, 30n * DAY];
      const name = stringToHex("smearWindow", { size: 32 });
      const window = () => s.vault.read.smearWindow();
      await rejectsWithoutEffect(s, () => s.vault.write.setSmearWindow([Number(min - 1n)]), s.vault, "ParameterOutOfBounds", [name, min - 1n, min, max], window);
      await rejectsWithoutEffect(s, () => s.vault.write.setSmearWindow([Number(max + 1n)]), s.vault, "ParameterOutOfBounds", [name, max + 1n, min, max], window);
      await rejectsWithoutEffect(s, () => s.vault.write.setSmearWindow([Number(min)], { account: stranger.account }), s.vault, "AccessManagedUnauthorized", [getAddress(stranger.account.address)], window);

      await s.viem.assertions.emitWithArgs(s.vault.write.setSmearWindow([Number(max)]), s.vault, "SmearWindowSet", [Number(max)]);
      await s.vault.write.setSmearWindow([Number(min)]);
      assert.equal(await s.vault.read.smearWindow(), Number(min));
      await deposit(s, alice, usd(100));
      const { timestamp } = await payInterest(s, usd(100));
      assert.equal(await s.vault.read.smearEnd(), Number(timestamp + min));
    });

    it("lets only the authority move the vault to another authority", async function () {
      const s = await load();
      const { stranger } = s.accounts;
      await rejectsWithoutEffect(
        s,
        () => s.vault.write.setAuthority([stranger.account.address], { account: stranger.account }),
        s.vault,
        "AccessManagedUnauthorized",
        [getAddress(stranger.account.address)],
        () => s.vault.read.authority(),
      );
    });

    it("refuses a deployment with a smear window out of bounds", async function () {
      const s = await load();
      const deploy = (window: bigint) => s.viem.deployContract("SavingsVault", [s.manager.address, s.gpusd.address, Number(window)] as never);
      await assert.rejects(deploy(HOUR - 1n), /ParameterOutOfBounds/);
      await assert.rejects(deploy(30n * DAY + 1n), /ParameterOutOfBounds/);
    });
  });

  describe("auction losses", function () {
    it("marks an expected loss on the share price at once and releases it", async function () {
      const s = await load();
      const { alice, minter } = s.accounts;
      await deposit(s, alice, usd(1_000));
      await s.viem.assertions.emitWithArgs(s.vault.write.impair([usd(100)], { account: minter.account }), s.vault, "Impaired", [usd(100), usd(100)]);
      const shares = await s.vault.read.balanceOf([alice.account.address]);
      assert.equal(await s.vault.read.totalAssets(), usd(900));
      assert.ok((await s.vault.read.convertToAssets([shares])) < usd(900) + 1n, "a saver who runs bears the mark");
      await rejectsWithoutEffect(s, () => s.vault.write.releaseImpairment([usd(101)], { account: minter.account }), s.vault, "ReleaseExceedsImpairment", [usd(101), usd(100)]);
      await s.viem.assertions.emitWithArgs(s.vault.write.releaseImpairment([usd(100)], { account: minter.account }), s.vault, "ImpairmentReleased", [usd(100), 0n]);
      assert.equal(await s.vault.read.totalImpaired(), 0n);
    });

    it("absorbs a realized loss out of savers' assets, at most what they hold, and sends it to the auction", async function () {
      const s = await load();
      const { alice, minter } = s.accounts;
      await deposit(s, alice, usd(1_000));
      const before = await s.gpusd.read.balanceOf([minter.account.address]);
      await s.viem.assertions.emitWithArgs(s.vault.write.absorbLoss([usd(300)], { account: minter.account }), s.vault, "LossAbsorbed", [usd(300), usd(300), usd(700)]);
      assert.equal(await s.gpusd.read.balanceOf([minter.account.address]), before + usd(300));
      assert.equal(await s.vault.read.totalAssets(), usd(700));
      const { result } = await s.vault.simulate.absorbLoss([usd(5_000)], { account: minter.account.address });
      assert.equal(result, usd(700), "capped at what savers hold");
    });

    it("suspends deposits while marked losses exceed every asset, so nobody buys the recovery at a zero price", async function () {
      const s = await load();
      const { alice, bob, minter } = s.accounts;
      await deposit(s, alice, usd(1_000));
      await s.vault.write.impair([usd(1_500)], { account: minter.account });
      assert.equal(await s.vault.read.totalAssets(), 0n);
      await holdGpusd(s, bob, usd(10));
      await rejectsWithoutEffect(s, () => s.vault.write.deposit([usd(10), bob.account.address], { account: bob.account }), s.vault, "DepositsSuspended", [usd(1_500)]);
      await s.vault.write.releaseImpairment([usd(600)], { account: minter.account });
      await s.vault.write.deposit([usd(10), bob.account.address], { account: bob.account });
    });

    it("refuses impair, releaseImpairment and absorbLoss to anyone but the liquidator", async function () {
      const s = await load();
      const { stranger } = s.accounts;
      const from = { account: stranger.account };
      const who = [getAddress(stranger.account.address)];
      await rejectsWithoutEffect(s, () => s.vault.write.impair([1n], from), s.vault, "NotLiquidator", who);
      await rejectsWithoutEffect(s, () => s.vault.write.releaseImpairment([0n], from), s.vault, "NotLiquidator", who);
      await rejectsWithoutEffect(s, () => s.vault.write.absorbLoss([1n], from), s.vault, "NotLiquidator", who);
      await rejectsWithoutEffect(s, () => s.vault.write.setLiquidator([stranger.account.address, true], from), s.vault, "AccessManagedUnauthorized", who);
      await rejectsWithoutEffect(s, () => s.vault.write.setWithdrawalCooldown([1], from), s.vault, "AccessManagedUnauthorized", who);
    });
  });

  describe("withdrawal cooldown", function () {
    it("is off by default and bounded to a week", async function () {
      const s = await load();
      assert.equal(await s.vault.read.withdrawalCooldown(), 0);
      await rejectsWithoutEffect(s, () => s.vault.write.setWithdrawalCooldown([Number(7n * DAY + 1n)]), s.vault, "ParameterOutOfBounds", [
        stringToHex("withdrawalCooldown", { size: 32 }),
        7n * DAY + 1n,
        0n,
        7n * DAY,
      ]);
      await s.viem.assertions.emitWithArgs(s.vault.write.setWithdrawalCooldown([Number(DAY)]), s.vault, "WithdrawalCooldownSet", [Number(DAY)]);
    });

    it("locks newly deposited shares until the cooldown has passed, naming the unlock time", async function () {
      const s = await load();
      const { alice, bob } = s.accounts;
      await deposit(s, alice, usd(100)); // before the cooldown: free
      await s.vault.write.setWithdrawalCooldown([Number(DAY)]);
      const free = await s.vault.read.balanceOf([alice.account.address]);
      await deposit(s, alice, usd(50));
      const [locked, unlocksAt] = await s.vault.read.lockedShares([alice.account.address]);
      assert.equal(locked, (await s.vault.read.balanceOf([alice.account.address])) - free);
      const now = await s.networkHelpers.time.latest();
      assert.equal(unlocksAt, now + Number(DAY));

      const me = alice.account.address;
      await s.viem.assertions.revertWithCustomErrorWithArgs(
        s.vault.write.redeem([free + 1n, me, me], { account: alice.account }),
        s.vault,
        "WithdrawalCooldown",
        [getAddress(me), locked, unlocksAt, (t: number) => t > now && t < unlocksAt],
      );
      await s.viem.assertions.revertWithCustomError(s.vault.write.transfer([bob.account.address, free + 1n], { account: alice.account }), s.vault, "WithdrawalCooldown");
      await s.vault.write.redeem([free, me, me], { account: alice.account }); // the older shares are free

      await s.networkHelpers.time.increaseTo(unlocksAt);
      assert.deepEqual(await s.vault.read.lockedShares([me]), [0n, 0]);
      await redeemAll(s, alice);
    });

    it("cannot be used to freeze someone else's savings by depositing for them", async function () {
      const s = await load();
      const { alice, bob } = s.accounts;
      await s.vault.write.setWithdrawalCooldown([Number(DAY)]);
      await deposit(s, alice, usd(100));
      await s.networkHelpers.time.increase(Number(DAY));
      const own = await s.vault.read.balanceOf([alice.account.address]);
      await holdGpusd(s, bob, usd(1));
      await s.vault.write.deposit([usd(1), alice.account.address], { account: bob.account });
      const me = alice.account.address;
      await s.vault.write.redeem([own, me, me], { account: alice.account });
    });
  });
});
