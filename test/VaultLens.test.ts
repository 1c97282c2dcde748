import assert from "node:assert/strict";
import { cachedFixture, classById, deployWithFleets, openVault, publishRound, usd } from "./helpers/system.js";

/** Three vaults: #1 healthy and paid on time, #2 about to lose value, #3 about to miss its first instalment. */
async function threeVaults() {
  const sys = await deployWithFleets();
  const lens = await sys.viem.deployContract("VaultLens", [sys.engine.address]);
  const a = sys.accounts.operatorA.account;
  const b = sys.accounts.operatorB.account;
  const v1 = await openVault(sys, "operatorA", sys.fleetIds[0]!);
  const v2 = await openVault(sys, "operatorB", sys.fleetIds[1]!);
  const v3 = await openVault(sys, "operatorA", sys.fleetIds[2]!);
  await sys.engine.write.borrow([v1, usd(100_000), a.address], { account: a });
  await sys.engine.write.borrow([v2, usd(550_000), b.address], { account: b });
  await sys.engine.write.borrow([v3, usd(100_000), a.address], { account: a });
  return { ...sys, lens, vaultIds: [v1, v2, v3] };
}

const load = cachedFixture(threeVaults);

describe("VaultLens", function () {
  it("finds exactly the liquidatable vaults, for either cause, across pages", async function () {
    const sys = await load();
    const [v1, v2, v3] = sys.vaultIds as [bigint, bigint, bigint];
    assert.deepEqual(await sys.lens.read.liquidatable([1n, 10n]), []);

    // Vault 2's fleet loses 40 %; vault 3 then misses its first instalment's grace while staying healthy.
    const { period, grace } = classById(3).params;
    const start = (await sys.engine.read.vault([v3])).scheduleStart;
    await sys.networkHelpers.time.increaseTo(start + period + grace + 1);
    const values = sys.valuations().map((v) => (v.fleetId === sys.fleetIds[1] ? { ...v, value: (v.value * 60n) / 100n } : v));
    await publishRound(sys, values);
    const v1Due = await sys.engine.read.nextDue([v1]);
    await sys.engine.write.repay([v1, (await sys.engine.read.debtOf([v1])) - usd(100_000) + v1Due[1] + usd(1)], { account: sys.accounts.operatorA.account });

    assert.deepEqual(await sys.lens.read.liquidatable([1n, 10n]), [v2, v3]);
    assert.deepEqual(await sys.lens.read.liquidatable([0n, 3n]), [v2], "a page stops where asked");
    assert.deepEqual(await sys.lens.read.liquidatable([3n, 1000n]), [v3], "a page past the last vault is clamped");
    assert.deepEqual(await sys.lens.read.liquidatable([4n, 10n]), []);

    const views = await sys.lens.read.vaults([1n, 10n]);
    assert.equal(views.length, 3);
    for (const view of views) {
      assert.equal(view.debt, await sys.engine.read.debtOf([view.vaultId]));
      assert.equal(view.health, await sys.engine.read.healthOf([view.vaultId]));
      const [, unhealthy, missed] = await sys.engine.read.isLiquidatable([view.vaultId]);
      assert.deepEqual([view.unhealthy, view.missedPayment], [unhealthy, missed]);
    }
    // Vault 2 also let its own first due date pass, so both causes hold there.
    assert.deepEqual(views.map((v) => [v.unhealthy, v.missedPayment]), [[false, false], [true, true], [false, true]]);
  });

  it("judges each vault on its own fleet's value when vaults without debt sit between them", async function () {
    const sys = await load();
    const [v1, v2, v3] = sys.vaultIds as [bigint, bigint, bigint];
    const a = sys.accounts.operatorA.account;
    // Vault 1 repays everything but stays open, so the page's vaults with debt no longer line up with its ids. Vault
    // 2's fleet loses 40 %; vault 3's fleet is worth more than vault 2's debt, so reading vault 3's value for vault 2
    // (or vault 2's for vault 3) changes the answer.
    await sys.gpusd.write.transfer([a.address, usd(10_000)], { account: sys.accounts.operatorB.account });
    await sys.engine.write.repay([v1, 2n ** 256n - 1n], { account: a });
    await publishRound(sys, sys.valuations().map((v) => (v.fleetId === sys.fleetIds[1] ? { ...v, value: (v.value * 60n) / 100n } : v)));

    const expected: bigint[] = [];
    for (const id of [v1, v2, v3]) if ((await sys.engine.read.isLiquidatable([id]))[0]) expected.push(id);
    assert.deepEqual(expected, [v2]);
    for (let from = 0n; from <= 4n; from++) {
      for (let count = 1n; count <= 4n; count++) {
        const want = expected.filter((id) => id >= from && id < from + count);
        assert.deepEqual(await sys.lens.read.liquidatable([from, count]), want, `page [${from}, ${from + count})`);
      }
    }
  });

  it("reads many fleets' liquidation values in one call, in the order asked", async function () {
    const sys = await load();
    const [f1, f2, f3] = sys.fleetIds as [bigint, bigint, bigint];
    const one = async (id: bigint) => (await sys.oracle.read.liquidationValue([id]))[0];
    assert.deepEqual(await sys.oracle.read.liquidationValues([[f3, f1, f2, f3]]), [await one(f3), await one(f1), await one(f2), await one(f3)]);
    assert.deepEqual(await sys.oracle.read.liquidationValues([[]]), []);
    await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.oracle.read.liquidationValues([[f1, 999n, f2]]), sys.oracle, "NoValuation", [999n]);
  });

  it("skips closed vaults", async function () {
    const sys = await load();
    const v1 = sys.vaultIds[0]!;
    const a = sys.accounts.operatorA.account;
    await sys.gpusd.write.transfer([a.address, usd(10_000)], { account: sys.accounts.operatorB.account });
    await sys.engine.write.repay([v1, 2n ** 256n - 1n], { account: a });
    await sys.engine.write.close([v1, a.address], { account: a });
    const views = await sys.lens.read.vaults([1n, 10n]);
    assert.deepEqual(views.map((v) => v.vaultId), [2n, 3n]);
  });
});
