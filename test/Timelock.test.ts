/**
 * The AccessManager's execution delays are the protocol's timelock (DESIGN §3). A change scheduled by a delayed role
 * takes effect exactly when its delay has passed, never a second sooner; the guardian can cancel a pending risk or
 * oracle change; a cancelled, executed or expired operation never runs.
 *
 * Delays are written out from DESIGN §3 here rather than read from ROLE_DELAYS, so a wrong role map fails these tests.
 */
import assert from "node:assert/strict";
import { encodeFunctionData, type Address, type Hex } from "viem";
import { ROLES } from "../scripts/lib/governance.js";
import { DAY, cachedFixture, classById, deploySystem } from "./helpers/system.js";

type Sys = Awaited<ReturnType<typeof deploySystem>>;
type Wallet = Sys["accounts"]["deployer"];
const load = cachedFixture(deploySystem);

const ADMIN_DELAY = 2n * DAY;
const RISK_CURATOR_DELAY = 1n * DAY;
const ORACLE_ADMIN_DELAY = 2n * DAY;
/** AccessManager.expiration(): a ready operation must run within a week. */
const EXPIRATION = 7n * DAY;

const GUARDIANS_MISSING =
  "the deployment must make GUARDIAN the role guardian of RISK_CURATOR and ORACLE_ADMIN, so the guardian can cancel a " +
  "pending risk or oracle change: ROLE_GUARDIANS in scripts/lib/governance.ts, applied by ignition/modules/GpuCredit.ts " +
  "before the admin's own delay is set";

type Operation = { proposer: Wallet; target: Address; data: Hex };

/** Schedules as the proposer and returns the operation id, when it was scheduled and when it becomes executable. */
async function schedule(sys: Sys, op: Operation) {
  await sys.authority.write.schedule([op.target, op.data, 0], { account: op.proposer.account });
  const scheduledAt = BigInt(await sys.networkHelpers.time.latest());
  const id = await sys.authority.read.hashOperation([op.proposer.account.address, op.target, op.data]);
  const readyAt = BigInt(await sys.authority.read.getSchedule([id]));
  return { id, scheduledAt, readyAt };
}

/** Sends `execute` in a block stamped exactly `at`; an explicit gas limit skips the estimate, so the block is mined. */
async function executeAt(sys: Sys, op: Operation, at: bigint) {
  await sys.networkHelpers.time.setNextBlockTimestamp(at);
  return sys.authority.write.execute([op.target, op.data], { account: op.proposer.account, gas: 3_000_000n });
}

/** Executing at `at` is refused because the operation is not ready yet, not (or no longer) scheduled, or expired. */
async function expectRefusedAt(sys: Sys, op: Operation, at: bigint, error: "AccessManagerNotReady" | "AccessManagerNotScheduled" | "AccessManagerExpired", id: Hex) {
  await sys.viem.assertions.revertWithCustomErrorWithArgs(executeAt(sys, op, at), sys.authority, error, [id]);
  assert.equal(BigInt(await sys.networkHelpers.time.latest()), at, "the refused execute was not mined at the intended second");
}

/**
 * Schedules the operation and shows that it is refused one second before its delay has passed, with the state
 * unchanged, and takes effect exactly on time.
 */
async function expectTakesEffectAfter(sys: Sys, op: Operation, delay: bigint, state: () => Promise<unknown>, before: unknown, after: unknown) {
  assert.deepEqual(await state(), before, "the state before scheduling is not what the test assumes");
  const { id, scheduledAt, readyAt } = await schedule(sys, op);
  assert.equal(readyAt - scheduledAt, delay, `scheduled with a delay of ${readyAt - scheduledAt} s instead of ${delay} s`);

  await expectRefusedAt(sys, op, readyAt - 1n, "AccessManagerNotReady", id);
  assert.deepEqual(await state(), before, "the change took effect before its delay had passed");

  await sys.viem.assertions.emitWithArgs(executeAt(sys, op, readyAt), sys.authority, "OperationExecuted", [id, 1]);
  assert.deepEqual(await state(), after, "the change did not take effect once its delay had passed");
}

const classOne = classById(1);
const setClassOp = (sys: Sys): Operation => ({
  proposer: sys.accounts.riskCurator,
  target: sys.engine.address,
  data: encodeFunctionData({ abi: sys.engine.abi, functionName: "setClass", args: [classOne.classId, { ...classOne.params, maxLtv: 65n * 10n ** 16n }] }),
});
const maxLtvOfClassOne = async (sys: Sys) => (await sys.engine.read.classParams([classOne.classId])).maxLtv;

const setQuorumOp = (sys: Sys): Operation => ({
  proposer: sys.accounts.oracleAdmin,
  target: sys.oracle.address,
  data: encodeFunctionData({ abi: sys.oracle.abi, functionName: "setQuorum", args: [4n] }),
});

describe("Timelock", function () {
  let sys: Sys;
  beforeEach(async function () {
    sys = await load();
  });

  describe("admin changes wait two days", function () {
    it("grants a role exactly two days after the admin schedules it, not a second sooner", async function () {
      const keeper = sys.accounts.keeper.account.address;
      const op = { proposer: sys.accounts.deployer, target: sys.authority.address, data: encodeFunctionData({ abi: sys.authority.abi, functionName: "grantRole", args: [ROLES.GUARDIAN, keeper, 0] }) };
      await expectTakesEffectAfter(sys, op, ADMIN_DELAY, async () => (await sys.authority.read.hasRole([ROLES.GUARDIAN, keeper]))[0], false, true);
    });

    it("adds a GPUSD minter exactly two days after the admin schedules it", async function () {
      const keeper = sys.accounts.keeper.account.address;
      const op = { proposer: sys.accounts.deployer, target: sys.gpusd.address, data: encodeFunctionData({ abi: sys.gpusd.abi, functionName: "setMinter", args: [keeper, true] }) };
      await expectTakesEffectAfter(sys, op, ADMIN_DELAY, () => sys.gpusd.read.isMinter([keeper]), false, true);
    });

    it("refuses the admin's direct call while the operation waits out its delay", async function () {
      const keeper = sys.accounts.keeper.account.address;
      const admin = sys.accounts.deployer.account;
      const data = encodeFunctionData({ abi: sys.gpusd.abi, functionName: "setMinter", args: [keeper, true] });
      await sys.viem.assertions.revertWithCustomError(sys.gpusd.write.setMinter([keeper, true], { account: admin }), sys.authority, "AccessManagerNotScheduled");
      const { id } = await schedule(sys, { proposer: sys.accounts.deployer, target: sys.gpusd.address, data });
      await sys.viem.assertions.revertWithCustomErrorWithArgs(sys.gpusd.write.setMinter([keeper, true], { account: admin }), sys.authority, "AccessManagerNotReady", [id]);
      assert.equal(await sys.gpusd.read.isMinter([keeper]), false);
    });
  });

  describe("risk and oracle changes wait their delays", function () {
    it("changes a class's parameters exactly one day after the risk curator schedules it", async function () {
      await expectTakesEffectAfter(sys, setClassOp(sys), RISK_CURATOR_DELAY, () => maxLtvOfClassOne(sys), classOne.params.maxLtv, 65n * 10n ** 16n);
    });

    it("changes the oracle's safety parameters exactly one day after the risk curator schedules it", async function () {
      const current = await sys.oracle.read.params();
      const op = { proposer: sys.accounts.riskCurator, target: sys.oracle.address, data: encodeFunctionData({ abi: sys.oracle.abi, functionName: "setParams", args: [{ ...current, maxAge: 3 * 60 * 60 }] }) };
      await expectTakesEffectAfter(sys, op, RISK_CURATOR_DELAY, async () => (await sys.oracle.read.params()).maxAge, current.maxAge, 3 * 60 * 60);
    });

    it("changes the oracle quorum exactly two days after the oracle admin schedules it", async function () {
      await expectTakesEffectAfter(sys, setQuorumOp(sys), ORACLE_ADMIN_DELAY, () => sys.oracle.read.quorum(), 3n, 4n);
    });
  });

  describe("the guardian cancels pending changes", function () {
    it("is the role guardian of the risk curator and oracle admin roles in the deployment", async function () {
      assert.equal(await sys.authority.read.getRoleGuardian([ROLES.RISK_CURATOR]), ROLES.GUARDIAN, GUARDIANS_MISSING);
      assert.equal(await sys.authority.read.getRoleGuardian([ROLES.ORACLE_ADMIN]), ROLES.GUARDIAN, GUARDIANS_MISSING);
    });

    it("cancels a risk curator's scheduled class change, which then never takes effect", async function () {
      assert.equal(await sys.authority.read.getRoleGuardian([ROLES.RISK_CURATOR]), ROLES.GUARDIAN, GUARDIANS_MISSING);
      const op = setClassOp(sys);
      const { id, readyAt } = await schedule(sys, op);
      await sys.viem.assertions.emitWithArgs(
        sys.authority.write.cancel([op.proposer.account.address, op.target, op.data], { account: sys.accounts.guardian.account }),
        sys.authority,
        "OperationCanceled",
        [id, 1],
      );
      await expectRefusedAt(sys, op, readyAt, "AccessManagerNotScheduled", id);
      assert.equal(await maxLtvOfClassOne(sys), classOne.params.maxLtv);
    });

    it("cancels an oracle admin's scheduled quorum change, which then never takes effect", async function () {
      assert.equal(await sys.authority.read.getRoleGuardian([ROLES.ORACLE_ADMIN]), ROLES.GUARDIAN, GUARDIANS_MISSING);
      const op = setQuorumOp(sys);
      const { id, readyAt } = await schedule(sys, op);
      await sys.viem.assertions.emitWithArgs(
        sys.authority.write.cancel([op.proposer.account.address, op.target, op.data], { account: sys.accounts.guardian.account }),
        sys.authority,
        "OperationCanceled",
        [id, 1],
      );
      await expectRefusedAt(sys, op, readyAt, "AccessManagerNotScheduled", id);
      assert.equal(await sys.oracle.read.quorum(), 3n);
    });

    it("cannot cancel an admin operation, because OpenZeppelin locks ADMIN_ROLE's guardian; the admin can", async function () {
      const admin = sys.accounts.deployer;
      // Making the guardian the admin role's guardian is refused even through the admin's own timelock.
      const lockOp = { proposer: admin, target: sys.authority.address, data: encodeFunctionData({ abi: sys.authority.abi, functionName: "setRoleGuardian", args: [ROLES.ADMIN, ROLES.GUARDIAN] }) };
      const lock = await schedule(sys, lockOp);
      await sys.viem.assertions.revertWithCustomErrorWithArgs(executeAt(sys, lockOp, lock.readyAt), sys.authority, "AccessManagerLockedRole", [ROLES.ADMIN]);
      assert.equal(await sys.authority.read.getRoleGuardian([ROLES.ADMIN]), ROLES.ADMIN);

      const op = { proposer: admin, target: sys.gpusd.address, data: encodeFunctionData({ abi: sys.gpusd.abi, functionName: "setMinter", args: [sys.accounts.keeper.account.address, true] }) };
      const { id } = await schedule(sys, op);
      const guardian = sys.accounts.guardian.account;
      await sys.viem.assertions.revertWithCustomErrorWithArgs(
        sys.authority.write.cancel([admin.account.address, op.target, op.data], { account: guardian }),
        sys.authority,
        "AccessManagerUnauthorizedCancel",
        [guardian.address, admin.account.address, op.target, op.data.slice(0, 10) as Hex],
      );
      await sys.viem.assertions.emitWithArgs(sys.authority.write.cancel([admin.account.address, op.target, op.data], { account: admin.account }), sys.authority, "OperationCanceled", [id, 1]);
    });

    it("refuses a cancel from anyone but the proposer, an admin or the role's guardian", async function () {
      const op = setClassOp(sys);
      await schedule(sys, op);
      for (const name of ["stranger", "underwriter", "oracleAdmin", "keeper"] as const) {
        const who = sys.accounts[name].account;
        await sys.viem.assertions.revertWithCustomErrorWithArgs(
          sys.authority.write.cancel([op.proposer.account.address, op.target, op.data], { account: who }),
          sys.authority,
          "AccessManagerUnauthorizedCancel",
          [who.address, op.proposer.account.address, op.target, op.data.slice(0, 10) as Hex],
        );
      }
    });
  });

  describe("an operation runs at most once", function () {
    it("never executes once cancelled, not on time, not later, and a new schedule waits the full delay again", async function () {
      const op = setClassOp(sys);
      const first = await schedule(sys, op);
      await sys.networkHelpers.time.setNextBlockTimestamp(first.readyAt - 1n);
      await sys.viem.assertions.emitWithArgs(
        sys.authority.write.cancel([op.proposer.account.address, op.target, op.data], { account: op.proposer.account }),
        sys.authority,
        "OperationCanceled",
        [first.id, 1],
      );
      assert.equal(await sys.authority.read.getSchedule([first.id]), 0);

      await expectRefusedAt(sys, op, first.readyAt, "AccessManagerNotScheduled", first.id);
      await expectRefusedAt(sys, op, first.readyAt + EXPIRATION / 2n, "AccessManagerNotScheduled", first.id);
      // Nor through a direct call by the role holder, which would consume the same schedule.
      await sys.viem.assertions.revertWithCustomErrorWithArgs(
        sys.engine.write.setClass([classOne.classId, { ...classOne.params, maxLtv: 65n * 10n ** 16n }], { account: op.proposer.account }),
        sys.authority,
        "AccessManagerNotScheduled",
        [first.id],
      );
      assert.equal(await maxLtvOfClassOne(sys), classOne.params.maxLtv);

      // Scheduling the same call again is a new operation (nonce 2) with its own full delay.
      const again = await schedule(sys, op);
      assert.equal(again.id, first.id);
      assert.equal(await sys.authority.read.getNonce([again.id]), 2);
      assert.equal(again.readyAt - again.scheduledAt, RISK_CURATOR_DELAY);
      await expectRefusedAt(sys, op, again.readyAt - 1n, "AccessManagerNotReady", again.id);
      await sys.viem.assertions.emitWithArgs(executeAt(sys, op, again.readyAt), sys.authority, "OperationExecuted", [again.id, 2]);
      assert.equal(await maxLtvOfClassOne(sys), 65n * 10n ** 16n);
    });

    it("cannot be replayed after it has executed", async function () {
      const op = setQuorumOp(sys);
      const { id, readyAt } = await schedule(sys, op);
      await executeAt(sys, op, readyAt);
      assert.equal(await sys.oracle.read.quorum(), 4n);
      await expectRefusedAt(sys, op, readyAt + 1n, "AccessManagerNotScheduled", id);
    });

    it("expires when not executed within a week of becoming ready", async function () {
      const op = setClassOp(sys);
      const { id, readyAt } = await schedule(sys, op);
      await expectRefusedAt(sys, op, readyAt + EXPIRATION, "AccessManagerExpired", id);
      assert.equal(await maxLtvOfClassOne(sys), classOne.params.maxLtv);
    });
  });
});
