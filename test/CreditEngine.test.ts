import assert from "node:assert/strict";
import { encodeFunctionData, maxUint256, stringToHex, zeroAddress } from "viem";
import { anyValue } from "@nomicfoundation/hardhat-viem-assertions/predicates";
import { DAY, USDC_UNIT, WAD, asRole, cachedFixture, classById, deployWithFleets, onboardFleet, openVault, publishRound, usd } from "./helpers/system.js";
import { RAY, SECONDS_PER_YEAR, rPow } from "../scripts/lib/rates.js";

const fixture = deployWithFleets;
type Sys = Awaited<ReturnType<typeof fixture>>;

/** Vault 1: operator A's H100 fleet (64 × $22,000 = $1,408,000; max LTV 70 % → $985,600). */
async function withVault(sys: Sys) {
  const vaultId = await openVault(sys, "operatorA", sys.fleetIds[0]!);
  return { vaultId, operator: sys.accounts.operatorA.account, fleetId: sys.fleetIds[0]! };
}

const load = cachedFixture(fixture);

describe("CreditEngine", function () {
  let sys: Sys;
  beforeEach(async function () {
    sys = await load();
  });

  describe("opening and collateral", function () {
    it("locks the fleet NFT in a new vault owned by the caller", async function () {
      const { vaultId, operator, fleetId } = await withVault(sys);
      assert.equal(await sys.registry.read.ownerOf([fleetId]), sys.engine.address);
      const v = await sys.engine.read.vault([vaultId]);
      assert.equal(v.owner.toLowerCase(), operator.address.toLowerCase());
      assert.equal(v.fleetId, Number(fleetId));
      assert.equal(v.classId, 1);
    });

    it("emits VaultOpened with the fleet's class", async function () {
      const account = sys.accounts.operatorA.account;
      await sys.registry.write.approve([sys.engine.address, sys.fleetIds[0]!], { account });
      await sys.viem.assertions.emitWithArgs(sys.engine.write.open([sys.fleetIds[0]!], { account }), sys.engine, "VaultOpened", [1n, account.address, sys.fleetIds[0]!, 1]);
    });

    it("refuses a fleet whose class has no parameters", async function () {
      const fleetId = await onboardFleet(sys, { name: "unclassified", classId: 9, gpuCount: 8, valuePerGpu: usd(20_000), operator: "operatorA" });
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.open([fleetId], { account: sys.accounts.operatorA.account }), sys.engine, "UnknownClass", [9]);
    });

    it("refuses to open with someone else's fleet", async function () {
      await assert.rejects(sys.engine.write.open([sys.fleetIds[1]!], { account: sys.accounts.operatorA.account }));
      assert.equal((await sys.registry.read.ownerOf([sys.fleetIds[1]!])).toLowerCase(), sys.accounts.operatorB.account.address.toLowerCase());
    });

    it("returns the NFT of a debt-free vault and accepts a fleet back", async function () {
      const { vaultId, operator, fleetId } = await withVault(sys);
      await sys.viem.assertions.emitWithArgs(sys.engine.write.removeCollateral([vaultId, operator.address], { account: operator }), sys.engine, "CollateralRemoved", [vaultId, fleetId, operator.address]);
      assert.equal((await sys.registry.read.ownerOf([fleetId])).toLowerCase(), operator.address.toLowerCase());
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.removeCollateral([vaultId, operator.address], { account: operator }), sys.engine, "VaultHasNoCollateral", [vaultId]);
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.borrow([vaultId, usd(20_000), operator.address], { account: operator }), sys.engine, "VaultHasNoCollateral", [vaultId]);

      await sys.registry.write.approve([sys.engine.address, fleetId], { account: operator });
      await sys.viem.assertions.emitWithArgs(sys.engine.write.addCollateral([vaultId, fleetId], { account: operator }), sys.engine, "CollateralAdded", [vaultId, fleetId, 1]);
      const otherFleet = sys.fleetIds[2]!;
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.addCollateral([vaultId, otherFleet], { account: operator }), sys.engine, "VaultHasCollateral", [vaultId, fleetId]);
    });

    it("keeps the NFT while the vault has debt", async function () {
      const { vaultId, operator } = await withVault(sys);
      await sys.engine.write.borrow([vaultId, usd(100_000), operator.address], { account: operator });
      const debt = await sys.engine.read.debtOf([vaultId]);
      // One more second of interest accrues in the block that reverts.
      const atLeastDebt = (owed: bigint) => owed >= debt && owed - debt < usd(1);
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.removeCollateral([vaultId, operator.address], { account: operator }), sys.engine, "VaultHasDebt", [vaultId, atLeastDebt]);
      await sys.viem.assertions.revertWithCustomError(sys.engine.write.close([vaultId, operator.address], { account: operator }), sys.engine, "VaultHasDebt");
    });

    it("refuses strangers, unknown vaults and the zero address", async function () {
      const { vaultId, operator } = await withVault(sys);
      const stranger = sys.accounts.stranger.account;
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.borrow([vaultId, usd(20_000), stranger.address], { account: stranger }), sys.engine, "NotVaultOwner", [vaultId, stranger.address, operator.address]);
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.removeCollateral([vaultId, stranger.address], { account: stranger }), sys.engine, "NotVaultOwner", [vaultId, stranger.address, operator.address]);
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.close([vaultId, stranger.address], { account: stranger }), sys.engine, "NotVaultOwner", [vaultId, stranger.address, operator.address]);
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.addCollateral([99n, sys.fleetIds[2]!], { account: operator }), sys.engine, "UnknownVault", [99n]);
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.repay([99n, 1n], { account: operator }), sys.engine, "UnknownVault", [99n]);
      await sys.viem.assertions.revertWithCustomError(sys.engine.write.close([vaultId, zeroAddress], { account: operator }), sys.engine, "ZeroAddress");
      await sys.viem.assertions.revertWithCustomError(sys.engine.write.removeCollateral([vaultId, zeroAddress], { account: operator }), sys.engine, "ZeroAddress");
      await sys.viem.assertions.revertWithCustomError(sys.engine.write.borrow([vaultId, usd(20_000), zeroAddress], { account: operator }), sys.engine, "ZeroAddress");
    });

    it("closes a debt-free vault and forgets it", async function () {
      const { vaultId, operator, fleetId } = await withVault(sys);
      await sys.viem.assertions.emitWithArgs(sys.engine.write.close([vaultId, operator.address], { account: operator }), sys.engine, "VaultClosed", [vaultId, operator.address]);
      assert.equal((await sys.registry.read.ownerOf([fleetId])).toLowerCase(), operator.address.toLowerCase());
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.close([vaultId, operator.address], { account: operator }), sys.engine, "UnknownVault", [vaultId]);
    });
  });

  describe("borrowing", function () {
    it("mints GPUSD up to max LTV of the borrowable value and records principal and schedule", async function () {
      const { vaultId, operator } = await withVault(sys);
      const maxBorrow = await sys.engine.read.maxBorrow([vaultId]);
      const cap = (usd(1_408_000) * 70n) / 100n;
      assert.ok(maxBorrow <= cap && cap - maxBorrow <= 2n, `max borrow ${maxBorrow} is the cap ${cap} less rounding`);
      await sys.engine.write.borrow([vaultId, maxBorrow, operator.address], { account: operator });
      assert.equal(await sys.gpusd.read.balanceOf([operator.address]), maxBorrow);
      const v = await sys.engine.read.vault([vaultId]);
      assert.equal(v.principal, maxBorrow);
      assert.equal(v.peakPrincipal, maxBorrow);
      assert.equal(v.scheduleStart, await sys.networkHelpers.time.latest());
      assert.ok((await sys.engine.read.debtOf([vaultId])) >= maxBorrow, "debt rounds up");
      assert.equal(await sys.engine.read.totalPrincipal(), maxBorrow);
      assert.equal(await sys.engine.read.operatorPrincipal([operator.address]), maxBorrow);
    });

    it("refuses one wei over max LTV and names the limit", async function () {
      const { vaultId, operator } = await withVault(sys);
      const maxDebt = (usd(1_408_000) * 70n) / 100n;
      const justOver = (debt: bigint) => debt > maxDebt && debt <= maxDebt + 2n;
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.borrow([vaultId, maxDebt + 1n, operator.address], { account: operator }), sys.engine, "ExceedsMaxLtv", [vaultId, justOver, maxDebt]);
      assert.equal(await sys.gpusd.read.totalSupply(), 0n);
    });

    it("refuses a zero amount and debt under the dust floor", async function () {
      const { vaultId, operator } = await withVault(sys);
      await sys.viem.assertions.revertWithCustomError(sys.engine.write.borrow([vaultId, 0n, operator.address], { account: operator }), sys.engine, "ZeroAmount");
      const dust = classById(1).params.dust;
      const underDust = (debt: bigint) => debt < dust;
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.borrow([vaultId, dust - usd(1), operator.address], { account: operator }), sys.engine, "DebtBelowDust", [vaultId, underDust, dust]);
    });

    it("stops new debt while the oracle is stale, stopped, or the protocol is paused, but never stops repaying", async function () {
      const { vaultId, operator } = await withVault(sys);
      await sys.engine.write.borrow([vaultId, usd(200_000), operator.address], { account: operator });

      const { maxAge } = await sys.oracle.read.params();
      await sys.networkHelpers.time.increase(maxAge + 1);
      await sys.viem.assertions.revertWithCustomError(sys.engine.write.borrow([vaultId, usd(20_000), operator.address], { account: operator }), sys.oracle, "ValuationStale");
      await sys.engine.write.repay([vaultId, usd(20_000)], { account: operator });
      assert.equal(await sys.engine.read.maxBorrow([vaultId]), 0n, "max borrow is zero while stale");

      await publishRound(sys, sys.valuations());
      await asRole(sys, "GUARDIAN", sys.oracle, "stop", []);
      await sys.viem.assertions.revertWithCustomError(sys.engine.write.borrow([vaultId, usd(20_000), operator.address], { account: operator }), sys.oracle, "OracleIsStopped");
      await sys.engine.write.repay([vaultId, usd(20_000)], { account: operator });
      const health = await sys.engine.read.healthOf([vaultId]);
      assert.ok(health > WAD, "health keeps answering from the last good value while stopped");

      await asRole(sys, "ORACLE_ADMIN", sys.oracle, "resume", []);
      await publishRound(sys, sys.valuations());
      await asRole(sys, "GUARDIAN", sys.engine, "pause", []);
      await sys.viem.assertions.revertWithCustomError(sys.engine.write.borrow([vaultId, usd(20_000), operator.address], { account: operator }), sys.engine, "EnforcedPause");
      await sys.engine.write.repay([vaultId, usd(20_000)], { account: operator });
      await asRole(sys, "GUARDIAN", sys.engine, "unpause", []);
      await sys.engine.write.borrow([vaultId, usd(20_000), operator.address], { account: operator });
    });

    it("lets borrowing use a value increase only after the oracle's increase delay", async function () {
      const { vaultId, operator } = await withVault(sys);
      const base = usd(1_408_000);
      const raised = (base * 105n) / 100n;
      await sys.networkHelpers.time.increase(DAY);
      await publishRound(sys, [{ fleetId: sys.fleetIds[0]!, value: raised }]);
      const near = (actual: bigint, expected: bigint, what: string) => assert.ok(actual <= expected && expected - actual <= 2n, `${what}: ${actual} vs ${expected}`);
      near(await sys.engine.read.maxBorrow([vaultId]), (base * 70n) / 100n, "increase not yet borrowable");
      const { increaseDelay } = await sys.oracle.read.params();
      await sys.networkHelpers.time.increase(increaseDelay);
      near(await sys.engine.read.maxBorrow([vaultId]), (raised * 70n) / 100n, "increase borrowable after the delay");
    });

    it("enforces the class, global and operator ceilings on principal", async function () {
      const { vaultId, operator } = await withVault(sys);
      await asRole(sys, "RISK_CURATOR", sys.engine, "setOperatorCeiling", [operator.address, usd(50_000)]);
      await publishRound(sys, sys.valuations());
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.borrow([vaultId, usd(60_000), operator.address], { account: operator }), sys.engine, "OperatorCeilingExceeded", [operator.address, usd(60_000), usd(50_000)]);
      assert.equal(await sys.engine.read.operatorCeiling([operator.address]), usd(50_000));

      await asRole(sys, "RISK_CURATOR", sys.engine, "setOperatorCeiling", [operator.address, 0n]);
      assert.equal(await sys.engine.read.operatorCeiling([operator.address]), await sys.engine.read.defaultOperatorCeiling(), "zero restores the default");
      await asRole(sys, "RISK_CURATOR", sys.engine, "setGlobalDebtCeiling", [usd(40_000)]);
      await publishRound(sys, sys.valuations());
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.borrow([vaultId, usd(60_000), operator.address], { account: operator }), sys.engine, "GlobalCeilingExceeded", [usd(60_000), usd(40_000)]);

      await asRole(sys, "RISK_CURATOR", sys.engine, "setGlobalDebtCeiling", [usd(1_000_000_000)]);
      await asRole(sys, "RISK_CURATOR", sys.engine, "setClass", [1, { ...classById(1).params, debtCeiling: usd(30_000) }]);
      await publishRound(sys, sys.valuations());
      const rate = (await sys.engine.read.classState([1])).rate;
      const classDebt = ((usd(60_000) * RAY + rate - 1n) / rate * rate + RAY - 1n) / RAY;
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.borrow([vaultId, usd(60_000), operator.address], { account: operator }), sys.engine, "ClassCeilingExceeded", [1, classDebt, usd(30_000)]);
    });
  });

  describe("repaying", function () {
    it("lets anyone repay any vault, paying interest before principal", async function () {
      const { vaultId, operator } = await withVault(sys);
      await sys.engine.write.borrow([vaultId, usd(500_000), operator.address], { account: operator });
      await sys.networkHelpers.time.increase(30n * DAY);
      const helper = sys.accounts.operatorB.account;
      await sys.gpusd.write.transfer([helper.address, usd(100_000)], { account: operator });
      const debt = await sys.engine.read.debtOf([vaultId]);
      const interest = debt - usd(500_000);
      assert.ok(interest > 0n);
      await sys.engine.write.repay([vaultId, usd(100_000)], { account: helper });
      const v = await sys.engine.read.vault([vaultId]);
      const expectedPrincipal = usd(500_000) - (usd(100_000) - interest);
      // The repay block accrues one more second of interest, which is paid before principal.
      assert.ok(v.principal >= expectedPrincipal && v.principal - expectedPrincipal < usd(1), `principal ${v.principal} ≈ ${expectedPrincipal}`);
      assert.equal(await sys.gpusd.read.balanceOf([helper.address]), 0n);
    });

    it("repays everything with max uint, returns the schedule to zero and frees the NFT", async function () {
      const { vaultId, operator, fleetId } = await withVault(sys);
      await sys.engine.write.borrow([vaultId, usd(500_000), operator.address], { account: operator });
      await sys.networkHelpers.time.increase(90n * DAY);
      // Interest is owed on top of principal; top the operator up from a second vault.
      const other = await openVault(sys, "operatorA", sys.fleetIds[2]!);
      await publishRound(sys, sys.valuations());
      await sys.engine.write.borrow([other, usd(50_000), operator.address], { account: operator });
      await sys.engine.write.repay([vaultId, 2n ** 256n - 1n], { account: operator });
      const v = await sys.engine.read.vault([vaultId]);
      assert.equal(v.normDebt, 0n);
      assert.equal(v.principal, 0n);
      assert.equal(v.peakPrincipal, 0n);
      assert.equal(v.scheduleStart, 0);
      assert.equal(await sys.engine.read.debtOf([vaultId]), 0n);
      await sys.engine.write.close([vaultId, operator.address], { account: operator });
      assert.equal((await sys.registry.read.ownerOf([fleetId])).toLowerCase(), operator.address.toLowerCase());
    });

    it("refuses zero, a debt-free vault, and a partial repayment that leaves dust", async function () {
      const { vaultId, operator } = await withVault(sys);
      await sys.viem.assertions.revertWithCustomError(sys.engine.write.repay([vaultId, 0n], { account: operator }), sys.engine, "ZeroAmount");
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.repay([vaultId, 1n], { account: operator }), sys.engine, "NoDebt", [vaultId]);
      await sys.engine.write.borrow([vaultId, usd(15_000), operator.address], { account: operator });
      await sys.viem.assertions.revertWithCustomError(sys.engine.write.repay([vaultId, usd(10_000)], { account: operator }), sys.engine, "DebtBelowDust");
    });

    it("leaves every balance and the vault untouched when the payer cannot pay", async function () {
      const { vaultId, operator } = await withVault(sys);
      await sys.engine.write.borrow([vaultId, usd(100_000), operator.address], { account: operator });
      const before = await sys.engine.read.vault([vaultId]);
      const stranger = sys.accounts.stranger.account;
      await assert.rejects(sys.engine.write.repay([vaultId, usd(50_000)], { account: stranger }));
      assert.deepEqual(await sys.engine.read.vault([vaultId]), before);
      assert.equal(await sys.gpusd.read.balanceOf([operator.address]), usd(100_000));
    });
  });

  describe("interest", function () {
    it("compounds to the configured annual rate over a year, within 1e-9, and mints it to the Reserve", async function () {
      const { vaultId, operator } = await withVault(sys);
      const amount = usd(500_000);
      await sys.engine.write.borrow([vaultId, amount, operator.address], { account: operator });
      const start = await sys.networkHelpers.time.latest();
      await sys.networkHelpers.time.setNextBlockTimestamp(start + Number(SECONDS_PER_YEAR));
      await sys.engine.write.accrue([1]);
      const debt = await sys.engine.read.debtOf([vaultId]);
      const fee = classById(1).params.stabilityFee;
      const expected = (amount * rPow(fee, SECONDS_PER_YEAR)) / RAY;
      const annual = (amount * 110n) / 100n;
      const relErr = (a: bigint, b: bigint) => Number((a > b ? a - b : b - a) * 10n ** 18n / b) / 1e18;
      assert.ok(relErr(debt, annual) < 1e-9, `debt ${debt} vs 10 % a year ${annual}`);
      assert.ok(relErr(debt, expected) < 1e-12);
      const minted = await sys.gpusd.read.balanceOf([sys.reserve.address]);
      assert.ok(minted <= debt - amount, "minted interest never exceeds the debt it represents");
      assert.ok(debt - amount - minted <= 2n, `minted ${minted} vs accrued ${debt - amount}`);
    });

    it("keeps total GPUSD at or below total debt across borrows, repays and accruals", async function () {
      const { vaultId, operator } = await withVault(sys);
      const vaultB = await openVault(sys, "operatorB", sys.fleetIds[1]!);
      const b = sys.accounts.operatorB.account;
      for (let i = 0; i < 5; i++) {
        await sys.engine.write.borrow([vaultId, usd(30_000 + i * 1_111), operator.address], { account: operator });
        await sys.engine.write.borrow([vaultB, usd(25_000 + i * 777), b.address], { account: b });
        await sys.networkHelpers.time.increase(3n * 3600n + BigInt(i));
        await publishRound(sys, sys.valuations());
        await sys.engine.write.repay([vaultId, usd(7_000)], { account: operator });
      }
      await sys.engine.write.accrue([1]);
      await sys.engine.write.accrue([2]);
      const supply = await sys.gpusd.read.totalSupply();
      const debt = (await sys.engine.read.debtOf([vaultId])) + (await sys.engine.read.debtOf([vaultB]));
      assert.ok(supply <= debt, `supply ${supply} > debt ${debt}`);
    });

    it("records interest as owed on borrow and repay, and mints all of it to the Reserve on accrue", async function () {
      const { vaultId, operator } = await withVault(sys);
      await sys.engine.write.borrow([vaultId, usd(500_000), operator.address], { account: operator });
      await sys.networkHelpers.time.increase(30n * DAY);
      await publishRound(sys, sys.valuations());
      await sys.engine.write.repay([vaultId, usd(20_000)], { account: operator });
      assert.equal(await sys.gpusd.read.balanceOf([sys.reserve.address]), 0n, "repay only records the interest");
      const owed = (await sys.engine.read.classState([1])).unmintedInterest;
      assert.ok(owed > 0n);
      const minted = (amount: bigint) => amount >= owed && amount - owed < usd(1);
      await sys.viem.assertions.emitWithArgs(sys.engine.write.accrue([1]), sys.engine, "InterestMinted", [1, sys.reserve.address, minted]);
      assert.ok(minted(await sys.gpusd.read.balanceOf([sys.reserve.address])));
      assert.equal((await sys.engine.read.classState([1])).unmintedInterest, 0n);
    });

    it("refuses to accrue an unknown class", async function () {
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.accrue([7]), sys.engine, "UnknownClass", [7]);
    });
  });

  describe("amortization", function () {
    it("reports the next due date and the principal due, and flags a vault that misses it past grace", async function () {
      const { vaultId, operator } = await withVault(sys);
      const c = classById(1).params;
      const amount = usd(720_000);
      await sys.engine.write.borrow([vaultId, amount, operator.address], { account: operator });
      const start = BigInt((await sys.engine.read.vault([vaultId])).scheduleStart);
      const [dueAt, principalDue, graceEndsAt] = await sys.engine.read.nextDue([vaultId]);
      assert.equal(BigInt(dueAt), start + BigInt(c.period));
      assert.equal(principalDue, amount - (amount * BigInt(c.term - c.period)) / BigInt(c.term));
      assert.equal(graceEndsAt, dueAt + c.grace);

      await sys.networkHelpers.time.increaseTo(BigInt(graceEndsAt) - 10n);
      await publishRound(sys, sys.valuations());
      let [liquidatable, unhealthy, missed] = await sys.engine.read.isLiquidatable([vaultId]);
      assert.deepEqual([liquidatable, unhealthy, missed], [false, false, false], "inside grace");

      await sys.networkHelpers.time.increaseTo(BigInt(graceEndsAt) + 1n);
      [liquidatable, unhealthy, missed] = await sys.engine.read.isLiquidatable([vaultId]);
      assert.deepEqual([liquidatable, unhealthy, missed], [true, false, true], "healthy but behind schedule");
      await publishRound(sys, sys.valuations());
      await sys.viem.assertions.revertWithCustomError(sys.engine.write.borrow([vaultId, usd(10_000), operator.address], { account: operator }), sys.engine, "PaymentMissed");

      // Paying the instalment (interest first, then the principal due) cures it.
      const debt = await sys.engine.read.debtOf([vaultId]);
      await sys.engine.write.repay([vaultId, debt - amount + principalDue + usd(1)], { account: operator });
      [liquidatable, , missed] = await sys.engine.read.isLiquidatable([vaultId]);
      assert.deepEqual([liquidatable, missed], [false, false]);
    });

    it("raises the peak on a second borrow so the vault stays on schedule", async function () {
      const { vaultId, operator } = await withVault(sys);
      await sys.engine.write.borrow([vaultId, usd(300_000), operator.address], { account: operator });
      const [dueAt, principalDue] = await sys.engine.read.nextDue([vaultId]);
      await sys.networkHelpers.time.increaseTo(BigInt(dueAt) - 60n);
      await publishRound(sys, sys.valuations());
      const debt = await sys.engine.read.debtOf([vaultId]);
      await sys.engine.write.repay([vaultId, debt - usd(300_000) + principalDue], { account: operator });
      await sys.networkHelpers.time.increase(120);
      await sys.engine.write.borrow([vaultId, usd(100_000), operator.address], { account: operator });
      const [, missed] = [0, (await sys.engine.read.isLiquidatable([vaultId]))[2]];
      assert.equal(missed, false);
    });

    it("refuses new borrowing once the term has run out", async function () {
      const { vaultId, operator } = await withVault(sys);
      await asRole(sys, "RISK_CURATOR", sys.engine, "setClass", [1, { ...classById(1).params, grace: 30 * 86_400, term: 30 * 86_400, period: 30 * 86_400 }]);
      await publishRound(sys, sys.valuations());
      await sys.engine.write.borrow([vaultId, usd(100_000), operator.address], { account: operator });
      const start = BigInt((await sys.engine.read.vault([vaultId])).scheduleStart);
      await sys.networkHelpers.time.increaseTo(start + 30n * DAY + 10n);
      await publishRound(sys, sys.valuations());
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.borrow([vaultId, usd(10_000), operator.address], { account: operator }), sys.engine, "LoanMatured", [vaultId, Number(start + 30n * DAY)]);
    });
  });

  describe("health", function () {
    it("falls below one when the fleet's value drops, and answers max without debt", async function () {
      const { vaultId, operator } = await withVault(sys);
      assert.equal(await sys.engine.read.healthOf([vaultId]), 2n ** 256n - 1n);
      await sys.engine.write.borrow([vaultId, usd(900_000), operator.address], { account: operator });
      const health = await sys.engine.read.healthOf([vaultId]);
      const debt = await sys.engine.read.debtOf([vaultId]);
      assert.equal(health, (((usd(1_408_000) * 80n) / 100n) * WAD) / debt);
      await publishRound(sys, [{ fleetId: sys.fleetIds[0]!, value: usd(1_000_000) }]);
      assert.ok((await sys.engine.read.healthOf([vaultId])) < WAD);
      const [liquidatable, unhealthy, missed] = await sys.engine.read.isLiquidatable([vaultId]);
      assert.deepEqual([liquidatable, unhealthy, missed], [true, true, false]);
    });
  });

  describe("governance", function () {
    it("refuses every restricted function to a stranger", async function () {
      const stranger = sys.accounts.stranger.account;
      const calls = [
        sys.engine.write.setClass([1, classById(1).params], { account: stranger }),
        sys.engine.write.setGlobalDebtCeiling([1n], { account: stranger }),
        sys.engine.write.setDefaultOperatorCeiling([1n], { account: stranger }),
        sys.engine.write.setOperatorCeiling([stranger.address, 1n], { account: stranger }),
        sys.engine.write.pause({ account: stranger }),
        sys.engine.write.unpause({ account: stranger }),
      ];
      for (const call of calls) await sys.viem.assertions.revertWithCustomErrorWithArgs(call, sys.engine, "AccessManagedUnauthorized", [stranger.address]);
    });

    it("lets the guardian pause and unpause, each only from the other state", async function () {
      const guardian = sys.accounts.guardian.account;
      await sys.viem.assertions.revertWithCustomError(asRole(sys, "GUARDIAN", sys.engine, "unpause", []), sys.engine, "ExpectedPause");
      await sys.viem.assertions.emitWithArgs(asRole(sys, "GUARDIAN", sys.engine, "pause", []), sys.engine, "Paused", [guardian.address]);
      assert.equal(await sys.engine.read.paused(), true);
      await sys.viem.assertions.revertWithCustomError(asRole(sys, "GUARDIAN", sys.engine, "pause", []), sys.engine, "EnforcedPause");
      await sys.viem.assertions.emitWithArgs(asRole(sys, "GUARDIAN", sys.engine, "unpause", []), sys.engine, "Unpaused", [guardian.address]);
      assert.equal(await sys.engine.read.paused(), false);
    });

    it("applies a risk change only after the curator's one-day delay", async function () {
      const data = encodeFunctionData({ abi: sys.engine.abi, functionName: "setGlobalDebtCeiling", args: [usd(1)] });
      const curator = sys.accounts.riskCurator.account;
      // The curator holds the role, but under a delay a direct call is refused until it was scheduled.
      await sys.viem.assertions.revertWithCustomError(sys.engine.write.setGlobalDebtCeiling([usd(1)], { account: curator }), sys.authority, "AccessManagerNotScheduled");
      await sys.authority.write.schedule([sys.engine.address, data, 0], { account: curator });
      await sys.networkHelpers.time.increase(DAY - 10n);
      await assert.rejects(sys.authority.write.execute([sys.engine.address, data], { account: curator }));
      await sys.networkHelpers.time.increase(10n);
      await sys.authority.write.execute([sys.engine.address, data], { account: curator });
      assert.equal(await sys.engine.read.globalDebtCeiling(), usd(1));
    });

    it("rejects every class parameter outside its hard bound, naming it", async function () {
      const base = classById(1).params;
      const cases: [string, Partial<typeof base>][] = [
        ["stabilityFee", { stabilityFee: RAY - 1n }],
        ["stabilityFee", { stabilityFee: 1_000_000_012_857_214_317_438_491_660n }],
        ["maxLtv", { maxLtv: 0n }],
        ["maxLtv", { maxLtv: (WAD * 91n) / 100n, liquidationLtv: (WAD * 95n) / 100n }],
        ["liquidationLtv", { liquidationLtv: base.maxLtv }],
        ["liquidationLtv", { liquidationLtv: (WAD * 96n) / 100n }],
        ["term", { term: 29 * 86_400 }],
        ["period", { period: 86_399 }],
        ["period", { period: base.term + 1 }],
        ["grace", { grace: 31 * 86_400 }],
        ["dust", { dust: base.debtCeiling + 1n }],
      ];
      for (const [name, patch] of cases) {
        const data = encodeFunctionData({ abi: sys.engine.abi, functionName: "setClass", args: [1, { ...base, ...patch }] });
        const curator = sys.accounts.riskCurator.account;
        await sys.authority.write.schedule([sys.engine.address, data, 0], { account: curator });
        await sys.networkHelpers.time.increase(DAY);
        const tx = sys.authority.write.execute([sys.engine.address, data], { account: curator });
        await sys.viem.assertions.revertWithCustomErrorWithArgs(tx, sys.engine, "ParameterOutOfBounds", [stringToHex(name, { size: 32 }), anyValue, anyValue, anyValue]);
      }
      assert.deepEqual(await sys.engine.read.classParams([1]), base, "a rejected change leaves the class as it was");
      await sys.viem.assertions.revertWithCustomErrorWithArgs(asRole(sys, "RISK_CURATOR", sys.engine, "setClass", [0, base]), sys.engine, "UnknownClass", [0]);
      await sys.viem.assertions.revertWithCustomError(asRole(sys, "RISK_CURATOR", sys.engine, "setOperatorCeiling", [zeroAddress, 1n]), sys.engine, "ZeroAddress");
    });
  });

  describe("seizing", function () {
    it("lets only the liquidator seize, and only a liquidatable vault", async function () {
      const { vaultId, operator } = await withVault(sys);
      await sys.engine.write.borrow([vaultId, usd(900_000), operator.address], { account: operator });
      const stranger = sys.accounts.stranger.account;
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.seize([vaultId], { account: stranger }), sys.engine, "NotLiquidator", [stranger.address]);
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.setLiquidator([stranger.address, true], { account: stranger }), sys.engine, "AccessManagedUnauthorized", [stranger.address]);
      const keeper = sys.accounts.keeper.account;
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.auction.write.kick([vaultId, keeper.address], { account: keeper }), sys.engine, "NotLiquidatable", [vaultId]);
    });

    it("books an unhealthy vault's debt off and keeps its fleet, locked, until the auction delivers it", async function () {
      const { vaultId, operator, fleetId } = await withVault(sys);
      await sys.engine.write.borrow([vaultId, usd(900_000), operator.address], { account: operator });
      await publishRound(sys, [{ fleetId, value: usd(1_000_000), freshGpus: 64 }]);
      const keeper = sys.accounts.keeper.account;
      const atLeastDebt = (d: bigint) => d >= usd(900_000) && d < usd(900_100);
      await sys.viem.assertions.emitWithArgs(sys.auction.write.kick([vaultId, keeper.address], { account: keeper }), sys.engine, "Seized", [vaultId, fleetId, operator.address, atLeastDebt, usd(900_000), true, false]);
      assert.equal((await sys.registry.read.ownerOf([fleetId])).toLowerCase(), sys.engine.address.toLowerCase());
      assert.equal(await sys.engine.read.debtOf([vaultId]), 0n);
      assert.equal((await sys.engine.read.classState([1])).normDebt, 0n);
      assert.equal(await sys.engine.read.totalPrincipal(), 0n);
      assert.equal(await sys.engine.read.operatorPrincipal([operator.address]), 0n);
      assert.deepEqual(await sys.engine.read.isLiquidatable([vaultId]), [false, false, false]);
      assert.equal((await sys.engine.read.vault([vaultId])).inAuction, true);
      assert.equal(await sys.engine.read.maxBorrow([vaultId]), 0n, "nothing to borrow against a fleet being sold");

      // While the fleet is auctioned, the owner can neither borrow against it, take it back nor close the vault.
      await publishRound(sys, [{ fleetId, value: usd(1_408_000), freshGpus: 64 }]);
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.borrow([vaultId, usd(10_000), operator.address], { account: operator }), sys.engine, "VaultInAuction", [vaultId]);
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.removeCollateral([vaultId, operator.address], { account: operator }), sys.engine, "VaultInAuction", [vaultId]);
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.close([vaultId, operator.address], { account: operator }), sys.engine, "VaultInAuction", [vaultId]);
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.addCollateral([vaultId, fleetId], { account: operator }), sys.engine, "VaultHasCollateral", [vaultId, fleetId]);
      const stranger = sys.accounts.stranger.account;
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.engine.write.deliver([vaultId, stranger.address], { account: stranger }), sys.engine, "NotLiquidator", [stranger.address]);

      // The sale delivers the fleet to the buyer and leaves the vault empty and still the operator's.
      const buyer = sys.accounts.saver.account;
      const [, price] = await sys.auction.read.status([1n]);
      await sys.usdc.write.mint([buyer.address, 2_000_000n * USDC_UNIT]);
      await sys.usdc.write.approve([sys.psm.address, maxUint256], { account: buyer });
      await sys.psm.write.sellUsdc([2_000_000n * USDC_UNIT, buyer.address], { account: buyer });
      await sys.auction.write.take([1n, price, buyer.address], { account: buyer });
      assert.equal((await sys.registry.read.ownerOf([fleetId])).toLowerCase(), buyer.address.toLowerCase());
      const emptied = await sys.engine.read.vault([vaultId]);
      assert.deepEqual([emptied.owner.toLowerCase(), emptied.fleetId, emptied.classId, emptied.inAuction], [operator.address.toLowerCase(), 0, 0, false]);
      const other = await onboardFleet(sys, { name: "replacement", classId: 1, gpuCount: 8, valuePerGpu: usd(20_000), operator: "operatorA" });
      await sys.registry.write.approve([sys.engine.address, other], { account: operator });
      await sys.engine.write.addCollateral([vaultId, other], { account: operator });
      assert.equal((await sys.engine.read.vault([vaultId])).fleetId, Number(other));
    });
  });
});
