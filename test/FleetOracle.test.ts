import assert from "node:assert/strict";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { keccak256, parseEther, recoverAddress, stringToHex, toHex, zeroAddress, type ContractErrorName, type Hex } from "viem";
import { fleetOracleAbi } from "../abi/index.js";
import { FUNCTION_ROLES } from "../scripts/lib/governance.js";
import { hashGpuReport, hashRound, signGpuReport, signRound, sortSignatures, type Round } from "../oracle/src/eip712.js";
import {
  B200,
  DAY,
  FLEETS,
  H100,
  HOUR,
  MAX_PER_GPU,
  MIN_PER_GPU,
  OUTSIDER,
  PARAMS,
  QUORUM,
  SIGNERS,
  fleetRecord,
  deployOracle,
  fleetValue,
  revertName,
  signAll,
  type OracleSystem,
} from "./helpers/oracleFixture.js";

let viem: NetworkConnection["viem"];
let networkHelpers: NetworkConnection["networkHelpers"];
let time: NetworkConnection["networkHelpers"]["time"];
const load = () => networkHelpers.loadFixture(deployOracle);

const CENT = 10n ** 16n;
const WAD = 10n ** 18n;
const FLEET_1 = FLEETS[0];
const FLEET_1_MIN = MIN_PER_GPU * BigInt(FLEET_1.gpuCount);
const FLEET_1_MAX = MAX_PER_GPU * BigInt(FLEET_1.gpuCount);
const SIGNATURE_ERRORS = ["InvalidSignature", "SignerNotAuthorized", "SignersNotAscending"];

/** Submits `round` in a block at `at` (default: one second after the latest block). */
async function submitAt(system: OracleSystem, round: Round, at?: number, signatures?: Hex[]) {
  await time.setNextBlockTimestamp(at ?? (await time.latest()) + 1);
  return system.oracle.write.submitRound([round, signatures ?? (await signAll(system, round))]);
}

/** A round observed `age` seconds before a block mined at `at`, submitted in that block. */
async function valueAt(system: OracleSystem, roundId: bigint, fleets: Round["fleets"], at: number, age = 0, indices: Round["indices"] = []) {
  const round: Round = { roundId, observedAt: at - age, fleets, indices };
  await submitAt(system, round, at);
  return round;
}

async function readState(system: OracleSystem) {
  const { oracle } = system;
  return {
    latestRoundId: await oracle.read.latestRoundId(),
    fleets: await Promise.all(FLEETS.map((f) => oracle.read.fleetState([f.id]))),
    index: await oracle.read.classIndex([H100]),
  };
}

/** Mines a block at `at` so that views run at that timestamp. */
async function mineAt(at: number) {
  await time.increaseTo(at);
}

describe("FleetOracle", function () {
  before(async function () {
    ({ viem, networkHelpers } = await network.create());
    time = networkHelpers.time;
  });

  describe("deployment", function () {
    it("starts with the constructor's signers, quorum, params and registry", async function () {
      const { oracle, registry } = await load();
      assert.equal(await oracle.read.signerCount(), 4n);
      for (const signer of SIGNERS) assert.equal(await oracle.read.isSigner([signer.address]), true);
      assert.equal(await oracle.read.isSigner([OUTSIDER.address]), false);
      assert.equal(await oracle.read.quorum(), QUORUM);
      assert.deepEqual(await oracle.read.params(), PARAMS);
      assert.equal((await oracle.read.registry()).toLowerCase(), registry.address.toLowerCase());
      assert.equal(await oracle.read.latestRoundId(), 0n);
      assert.equal(await oracle.read.stopped(), false);
    });

    it("publishes the EIP-712 domain that the TypeScript signer uses", async function () {
      const { oracle, domain } = await load();
      const [, name, version, chainId, verifyingContract] = await oracle.read.eip712Domain();
      assert.deepEqual(
        { name, version, chainId: Number(chainId), verifyingContract: verifyingContract.toLowerCase() },
        { ...domain, verifyingContract: domain.verifyingContract.toLowerCase() },
      );
    });

    it("refuses a zero or duplicate signer, a quorum that is not a majority, and params out of bounds", async function () {
      const { manager, registry, oracle, deploy } = await load();
      const addresses = SIGNERS.map((s) => s.address);
      const first = SIGNERS[0]!.address;
      const attempt = (signers: readonly Hex[], quorum: bigint, params: { maxAge: number; increaseDelay: number; maxIncreasePerDay: bigint } = PARAMS) =>
        deploy("FleetOracle", fleetOracleAbi, [manager.address, registry.address, signers, quorum, params]);
      await viem.assertions.revertWithCustomError(attempt([...addresses, zeroAddress], 3n), oracle, "ZeroSigner");
      await viem.assertions.revertWithCustomErrorWithArgs(attempt([first, first], 2n), oracle, "SignerAlreadyAdded", [first]);
      await viem.assertions.revertWithCustomErrorWithArgs(attempt(addresses, 2n), oracle, "QuorumOutOfRange", [2n, 4n]);
      await viem.assertions.revertWithCustomErrorWithArgs(attempt([], 1n), oracle, "QuorumOutOfRange", [1n, 0n]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        attempt(addresses, 3n, { ...PARAMS, maxAge: 60 }),
        oracle,
        "ParameterOutOfBounds",
        [stringToHex("maxAge", { size: 32 }), 60n, 600n, BigInt(7 * DAY)],
      );
    });
  });

  describe("access control", function () {
    const calls: Record<keyof typeof FUNCTION_ROLES.FleetOracle, (o: OracleSystem["oracle"], from: { account: OracleSystem["accounts"]["stranger"]["account"] }) => Promise<unknown>> = {
      addSigner: (o, from) => o.write.addSigner([OUTSIDER.address], from),
      removeSigner: (o, from) => o.write.removeSigner([SIGNERS[0]!.address], from),
      setQuorum: (o, from) => o.write.setQuorum([4n], from),
      resume: (o, from) => o.write.resume(from),
      setClassBounds: (o, from) => o.write.setClassBounds([H100, 1n, 2n], from),
      setParams: (o, from) => o.write.setParams([PARAMS], from),
      stop: (o, from) => o.write.stop(from),
    };

    for (const [fn, call] of Object.entries(calls)) {
      it(`refuses ${fn} from an account without its role`, async function () {
        const { oracle, accounts } = await load();
        await viem.assertions.revertWithCustomErrorWithArgs(
          call(oracle, { account: accounts.stranger.account }),
          oracle,
          "AccessManagedUnauthorized",
          [accounts.stranger.account.address],
        );
      });
    }

    it("lets the guardian stop but not resume: only the oracle admin lifts a stop", async function () {
      const { oracle, accounts } = await load();
      await oracle.write.stop({ account: accounts.guardian.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.resume({ account: accounts.guardian.account }),
        oracle,
        "AccessManagedUnauthorized",
        [accounts.guardian.account.address],
      );
      await oracle.write.resume({ account: accounts.oracleAdmin.account });
      assert.equal(await oracle.read.stopped(), false);
    });
  });

  describe("signer set and quorum", function () {
    it("adds a signer while the quorum stays a strict majority", async function () {
      const { oracle, accounts } = await load();
      await viem.assertions.emitWithArgs(oracle.write.addSigner([OUTSIDER.address], { account: accounts.oracleAdmin.account }), oracle, "SignerAdded", [OUTSIDER.address, 5n]);
      assert.equal(await oracle.read.isSigner([OUTSIDER.address]), true);
      // 3 of 6 is not a majority: two disjoint halves could each sign.
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.addSigner([accounts.stranger.account.address], { account: accounts.oracleAdmin.account }),
        oracle,
        "QuorumOutOfRange",
        [3n, 6n],
      );
    });

    it("refuses a zero or already added signer", async function () {
      const { oracle, accounts } = await load();
      const from = { account: accounts.oracleAdmin.account };
      await viem.assertions.revertWithCustomError(oracle.write.addSigner([zeroAddress], from), oracle, "ZeroSigner");
      await viem.assertions.revertWithCustomErrorWithArgs(oracle.write.addSigner([SIGNERS[1]!.address], from), oracle, "SignerAlreadyAdded", [SIGNERS[1]!.address]);
    });

    it("removes a signer unless the quorum would exceed the remaining set", async function () {
      const { oracle, accounts } = await load();
      const from = { account: accounts.oracleAdmin.account };
      await viem.assertions.emitWithArgs(oracle.write.removeSigner([SIGNERS[3]!.address], from), oracle, "SignerRemoved", [SIGNERS[3]!.address, 3n]);
      assert.equal(await oracle.read.isSigner([SIGNERS[3]!.address]), false);
      await viem.assertions.revertWithCustomErrorWithArgs(oracle.write.removeSigner([SIGNERS[2]!.address], from), oracle, "QuorumOutOfRange", [3n, 2n]);
      await viem.assertions.revertWithCustomErrorWithArgs(oracle.write.removeSigner([OUTSIDER.address], from), oracle, "NotASigner", [OUTSIDER.address]);
      assert.equal(await oracle.read.signerCount(), 3n);
    });

    it("sets a quorum between a strict majority and the whole set", async function () {
      const { oracle, accounts } = await load();
      const from = { account: accounts.oracleAdmin.account };
      for (const bad of [0n, 2n, 5n]) {
        await viem.assertions.revertWithCustomErrorWithArgs(oracle.write.setQuorum([bad], from), oracle, "QuorumOutOfRange", [bad, 4n]);
      }
      await viem.assertions.emitWithArgs(oracle.write.setQuorum([4n], from), oracle, "QuorumSet", [4n]);
      assert.equal(await oracle.read.quorum(), 4n);
    });

    it("stops accepting a removed signer's signature", async function () {
      const system = await load();
      await system.oracle.write.removeSigner([SIGNERS[0]!.address], { account: system.accounts.oracleAdmin.account });
      const at = (await time.latest()) + 10;
      const round: Round = { roundId: 1n, observedAt: at, fleets: [fleetValue(1n, parseEther("200000"))], indices: [] };
      const signatures = await signAll(system, round, SIGNERS.slice(0, 3));
      const index = sortedIndexOf(SIGNERS.slice(0, 3).map((s) => s.address), SIGNERS[0]!.address);
      await viem.assertions.revertWithCustomErrorWithArgs(submitAt(system, round, at, signatures), system.oracle, "SignerNotAuthorized", [BigInt(index), SIGNERS[0]!.address]);
    });
  });

  describe("class bounds and params", function () {
    it("sets exclusive per-GPU bounds below MAX_VALUE_PER_GPU", async function () {
      const { oracle, accounts } = await load();
      const from = { account: accounts.curator.account };
      const limit = await oracle.read.MAX_VALUE_PER_GPU();
      // 2^16 − 1 GPUs at the limit still fit 48 bits of cents; one more wei per GPU could overflow a fleet.
      assert.ok(((limit * (2n ** 16n - 1n)) / CENT) < 2n ** 48n);
      await viem.assertions.emitWithArgs(oracle.write.setClassBounds([B200, 1n, limit], from), oracle, "ClassBoundsSet", [B200, 1n, limit]);
      assert.deepEqual(await oracle.read.classBounds([B200]), [1n, limit]);
      const name = (s: string) => stringToHex(s, { size: 32 });
      await viem.assertions.revertWithCustomErrorWithArgs(oracle.write.setClassBounds([B200, 10n, 10n], from), oracle, "ParameterOutOfBounds", [name("maxValuePerGpu"), 10n, 11n, limit]);
      await viem.assertions.revertWithCustomErrorWithArgs(oracle.write.setClassBounds([B200, 10n, 9n], from), oracle, "ParameterOutOfBounds", [name("maxValuePerGpu"), 9n, 11n, limit]);
      await viem.assertions.revertWithCustomErrorWithArgs(oracle.write.setClassBounds([B200, 1n, limit + 1n], from), oracle, "ParameterOutOfBounds", [name("maxValuePerGpu"), limit + 1n, 2n, limit]);
      await viem.assertions.revertWithCustomErrorWithArgs(oracle.write.setClassBounds([B200, limit, limit], from), oracle, "ParameterOutOfBounds", [name("minValuePerGpu"), limit, 0n, limit - 1n]);
    });

    it("sets params only inside Bounds, with the increase delay shorter than the max age", async function () {
      const { oracle, accounts } = await load();
      const from = { account: accounts.curator.account };
      const next = { maxAge: DAY, increaseDelay: 2 * HOUR, maxIncreasePerDay: parseEther("0.05") };
      await viem.assertions.emitWithArgs(oracle.write.setParams([next], from), oracle, "ParamsSet", [next.maxAge, next.increaseDelay, next.maxIncreasePerDay]);
      assert.deepEqual(await oracle.read.params(), next);

      const name = (s: string) => stringToHex(s, { size: 32 });
      const cases: [typeof next, string, bigint, bigint, bigint][] = [
        [{ ...next, maxAge: 599 }, "maxAge", 599n, 600n, 604_800n],
        [{ ...next, maxAge: 7 * DAY + 1 }, "maxAge", 604_801n, 600n, 604_800n],
        [{ ...next, increaseDelay: 599 }, "increaseDelay", 599n, 600n, BigInt(DAY - 1)],
        [{ ...next, increaseDelay: DAY }, "increaseDelay", BigInt(DAY), 600n, BigInt(DAY - 1)],
        [{ ...next, maxAge: 7 * DAY, increaseDelay: 7 * DAY }, "increaseDelay", 604_800n, 600n, 604_799n],
        [{ ...next, maxIncreasePerDay: parseEther("0.0099") }, "maxIncreasePerDay", parseEther("0.0099"), parseEther("0.01"), parseEther("0.5")],
        [{ ...next, maxIncreasePerDay: parseEther("0.51") }, "maxIncreasePerDay", parseEther("0.51"), parseEther("0.01"), parseEther("0.5")],
      ];
      for (const [params, parameter, value, min, max] of cases) {
        await viem.assertions.revertWithCustomErrorWithArgs(oracle.write.setParams([params], from), oracle, "ParameterOutOfBounds", [name(parameter), value, min, max]);
      }
      assert.deepEqual(await oracle.read.params(), next);
    });
  });

  describe("accepting rounds", function () {
    it("stores a quorum-signed round relayed by anyone, with its parts, and emits it", async function () {
      const system = await load();
      const { oracle, publicClient, accounts } = system;
      const at = (await time.latest()) + 10;
      const value = parseEther("200000");
      const round: Round = {
        roundId: 7n,
        observedAt: at - 30,
        fleets: [fleetValue(1n, value, { throughputBps: 10_250, utilizationBps: 7_100, healthFlags: 4, freshGpus: 7 })],
        indices: [{ classId: H100, valuePerGpu: parseEther("24000") }],
      };
      const signatures = await signAll(system, round);
      await time.setNextBlockTimestamp(at);
      const hash = await oracle.write.submitRound([round, signatures], { account: accounts.stranger.account });
      await publicClient.waitForTransactionReceipt({ hash });

      const signers = SIGNERS.slice(0, 3).map((s) => s.address).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      const [submitted] = await oracle.getEvents.RoundSubmitted();
      assert.deepEqual(submitted!.args, { roundId: 7n, observedAt: at - 30, fleetCount: 1n, signers });
      const [valued] = await oracle.getEvents.FleetValued();
      assert.deepEqual(valued!.args, {
        fleetId: 1n,
        value,
        priorValue: 0n,
        maturesAt: at - 30 + PARAMS.increaseDelay,
        throughputBps: 10_250,
        utilizationBps: 7_100,
        healthFlags: 4,
        freshGpus: 7,
      });
      const logs = await publicClient.getLogs({ address: oracle.address, fromBlock: 0n });
      assert.ok(logs.findIndex((l) => l.logIndex === submitted!.logIndex) < logs.findIndex((l) => l.logIndex === valued!.logIndex), "RoundSubmitted comes before the round's fleets");
      const [indexed] = await oracle.getEvents.ClassIndexUpdated();
      assert.deepEqual(indexed!.args, { classId: H100, roundId: 7n, valuePerGpu: parseEther("24000"), observedAt: at - 30 });

      assert.equal(await oracle.read.latestRoundId(), 7n);
      assert.deepEqual(await oracle.read.fleetState([1n]), {
        value,
        priorValue: 0n,
        observedAt: at - 30,
        maturesAt: at - 30 + PARAMS.increaseDelay,
        throughputBps: 10_250,
        utilizationBps: 7_100,
        healthFlags: 4,
        classId: H100,
        gpuCount: FLEET_1.gpuCount,
      });
      assert.deepEqual(await oracle.read.classIndex([H100]), [7n, parseEther("24000"), at - 30]);
      assert.deepEqual(await oracle.read.liquidationValue([1n]), [value, at - 30]);
      assert.equal(await oracle.read.isFresh([1n]), true);
    });

    it("accepts more signatures than the quorum", async function () {
      const system = await load();
      const at = (await time.latest()) + 10;
      const round: Round = { roundId: 1n, observedAt: at, fleets: [fleetValue(1n, parseEther("200000"))], indices: [] };
      await submitAt(system, round, at, await signAll(system, round, SIGNERS));
      const [submitted] = await system.oracle.getEvents.RoundSubmitted();
      assert.equal(submitted!.args.signers!.length, 4);
    });

    it("accepts a round that only advances the round id", async function () {
      const system = await load();
      const at = (await time.latest()) + 10;
      await submitAt(system, { roundId: 1n, observedAt: at, fleets: [], indices: [] }, at);
      assert.equal(await system.oracle.read.latestRoundId(), 1n);
    });

    it("stores values in cents, rounding down, so it never stores more than was reported", async function () {
      const system = await load();
      const reported = parseEther("123456.123456789123456789");
      const at = (await time.latest()) + 10;
      await valueAt(system, 1n, [fleetValue(1n, reported)], at);
      const [valued] = await system.oracle.getEvents.FleetValued();
      assert.equal((await system.oracle.getEvents.IncreaseClamped()).length, 0, "rounding is not a clamp");
      assert.equal(valued!.args.value, parseEther("123456.12"));
      assert.deepEqual(await system.oracle.read.liquidationValue([1n]), [parseEther("123456.12"), at]);
    });

    it("caches a fleet's class and GPU count from the registry on its first valuation", async function () {
      const system = await load();
      const at = (await time.latest()) + 10;
      await valueAt(system, 1n, [fleetValue(2n, parseEther("1000000"))], at);
      const state = await system.oracle.read.fleetState([2n]);
      assert.equal(state.classId, FLEETS[1].classId);
      assert.equal(state.gpuCount, FLEETS[1].gpuCount);
      assert.deepEqual(await system.oracle.read.fleetState([3n]), { value: 0n, priorValue: 0n, observedAt: 0, maturesAt: 0, throughputBps: 0, utilizationBps: 0, healthFlags: 0, classId: 0, gpuCount: 0 });
    });

    it("keeps valuing a fleet from its cache after the registry retires it", async function () {
      const system = await load();
      const at = (await time.latest()) + 10;
      await valueAt(system, 1n, [fleetValue(1n, parseEther("200000"))], at);
      await system.registry.write.retire([1n], { account: system.accounts.underwriter.account });
      await valueAt(system, 2n, [fleetValue(1n, parseEther("190000"))], at + 100);
      assert.equal((await system.oracle.read.liquidationValue([1n]))[0], parseEther("190000"));
    });
  });

  describe("rejecting rounds", function () {
    async function setup() {
      const system = await load();
      const t0 = (await time.latest()) + 10;
      await valueAt(system, 5n, [fleetValue(1n, parseEther("200000"))], t0, 0, [{ classId: H100, valuePerGpu: parseEther("25000") }]);
      return { system, t0, before: await readState(system) };
    }

    /** Each rejected round must leave every stored value as it was. */
    async function assertRejected(system: OracleSystem, attempt: () => Promise<unknown>, error: ContractErrorName<typeof fleetOracleAbi>, args?: unknown[]) {
      const before = await readState(system);
      const promise = attempt();
      if (args) await viem.assertions.revertWithCustomErrorWithArgs(promise, system.oracle, error, args as never);
      else await viem.assertions.revertWithCustomError(promise, system.oracle, error);
      assert.deepEqual(await readState(system), before);
    }

    it("refuses fewer signatures than the quorum", async function () {
      const { system, t0 } = await setup();
      const round: Round = { roundId: 6n, observedAt: t0 + 50, fleets: [fleetValue(1n, parseEther("190000"))], indices: [] };
      const two = await signAll(system, round, SIGNERS.slice(0, 2));
      await assertRejected(system, () => submitAt(system, round, t0 + 60, two), "TooFewSignatures", [2n, 3n]);
      await assertRejected(system, () => submitAt(system, round, t0 + 60, []), "TooFewSignatures", [0n, 3n]);
    });

    it("refuses the same signer twice, which would fake a quorum", async function () {
      const { system, t0 } = await setup();
      const round: Round = { roundId: 6n, observedAt: t0 + 50, fleets: [fleetValue(1n, parseEther("190000"))], indices: [] };
      const one = await signRound(SIGNERS[0]!, system.domain, round);
      const two = await signRound(SIGNERS[1]!, system.domain, round);
      const [first, second] = sortSignatures([one, two]);
      const lower = BigInt(one.signer) < BigInt(two.signer) ? one.signer : two.signer;
      const higher = lower === one.signer ? two.signer : one.signer;
      await assertRejected(system, () => submitAt(system, round, t0 + 60, [first!, second!, second!]), "SignersNotAscending", [2n, higher, higher]);
      await assertRejected(system, () => submitAt(system, round, t0 + 60, [second!, first!, first!]), "SignersNotAscending", [1n, higher, lower]);
    });

    it("refuses signatures out of ascending signer order", async function () {
      const { system, t0 } = await setup();
      const round: Round = { roundId: 6n, observedAt: t0 + 50, fleets: [fleetValue(1n, parseEther("190000"))], indices: [] };
      const signatures = await signAll(system, round);
      await assertRejected(system, () => submitAt(system, round, t0 + 60, [...signatures].reverse()), "SignersNotAscending");
    });

    it("refuses a signature from a key that is not a registered signer", async function () {
      const { system, t0 } = await setup();
      const round: Round = { roundId: 6n, observedAt: t0 + 50, fleets: [fleetValue(1n, parseEther("190000"))], indices: [] };
      const keys = [SIGNERS[0]!, SIGNERS[1]!, OUTSIDER];
      const signatures = await signAll(system, round, keys);
      const index = sortedIndexOf(keys.map((k) => k.address), OUTSIDER.address);
      await assertRejected(system, () => submitAt(system, round, t0 + 60, signatures), "SignerNotAuthorized", [BigInt(index), OUTSIDER.address]);
    });

    it("refuses a malformed signature, naming its position", async function () {
      const { system, t0 } = await setup();
      const round: Round = { roundId: 6n, observedAt: t0 + 50, fleets: [fleetValue(1n, parseEther("190000"))], indices: [] };
      const signatures = await signAll(system, round);
      const tooShort = signatures[1]!.slice(0, -2) as Hex;
      const badV = `${signatures[1]!.slice(0, -2)}1d` as Hex; // v = 29
      const highS = withHighS(signatures[1]!);
      for (const bad of [tooShort, badV, highS]) {
        await assertRejected(system, () => submitAt(system, round, t0 + 60, [signatures[0]!, bad, signatures[2]!]), "InvalidSignature", [1n]);
      }
    });

    it("refuses a replayed or non-increasing round id", async function () {
      const { system, t0 } = await setup();
      for (const roundId of [5n, 4n]) {
        const round: Round = { roundId, observedAt: t0 + 50, fleets: [fleetValue(1n, parseEther("190000"))], indices: [] };
        await assertRejected(system, () => submitAt(system, round, t0 + 60), "RoundNotIncreasing", [roundId, 5n]);
      }
    });

    it("refuses an observation from the future", async function () {
      const { system, t0 } = await setup();
      const round: Round = { roundId: 6n, observedAt: t0 + 61, fleets: [fleetValue(1n, parseEther("190000"))], indices: [] };
      await assertRejected(system, () => submitAt(system, round, t0 + 60), "ObservationInFuture", [t0 + 61, BigInt(t0 + 60)]);
    });

    it("refuses an observation older than maxAge and accepts one exactly maxAge old", async function () {
      const { system, t0 } = await setup();
      const at = t0 + PARAMS.maxAge + 100;
      const stale: Round = { roundId: 6n, observedAt: at - PARAMS.maxAge - 1, fleets: [fleetValue(1n, parseEther("190000"))], indices: [] };
      await assertRejected(system, () => submitAt(system, stale, at), "ObservationStale", [stale.observedAt, BigInt(at), BigInt(PARAMS.maxAge)]);
      const oldest: Round = { ...stale, observedAt: at - PARAMS.maxAge };
      await submitAt(system, oldest, at);
      assert.equal(await system.oracle.read.latestRoundId(), 6n);
    });

    it("refuses a round observed before the previous round", async function () {
      const { system, t0 } = await setup();
      const round: Round = { roundId: 6n, observedAt: t0 - 1, fleets: [fleetValue(1n, parseEther("190000"))], indices: [] };
      await assertRejected(system, () => submitAt(system, round, t0 + 60), "ObservationOutOfOrder", [t0 - 1, t0]);
    });

    it("refuses a fleet or class listed twice or out of order", async function () {
      const { system, t0 } = await setup();
      const fleets = [fleetValue(2n, parseEther("1000000")), fleetValue(1n, parseEther("190000"))];
      await assertRejected(system, () => submitAt(system, { roundId: 6n, observedAt: t0 + 50, fleets, indices: [] }, t0 + 60), "FleetsNotAscending", [1n, 2n, 1n]);
      const twice = [fleetValue(1n, parseEther("190000")), fleetValue(1n, parseEther("180000"))];
      await assertRejected(system, () => submitAt(system, { roundId: 6n, observedAt: t0 + 50, fleets: twice, indices: [] }, t0 + 60), "FleetsNotAscending", [1n, 1n, 1n]);
      const zero = [fleetValue(0n, parseEther("190000"))];
      await assertRejected(system, () => submitAt(system, { roundId: 6n, observedAt: t0 + 50, fleets: zero, indices: [] }, t0 + 60), "FleetsNotAscending", [0n, 0n, 0n]);
      const indices = [{ classId: H100, valuePerGpu: parseEther("25000") }, { classId: H100, valuePerGpu: parseEther("26000") }];
      await assertRejected(system, () => submitAt(system, { roundId: 6n, observedAt: t0 + 50, fleets: [], indices }, t0 + 60), "ClassesNotAscending", [1n, H100, H100]);
    });

    it("refuses a fleet the registry does not know, never onboarded or retired before its first valuation", async function () {
      const { system, t0 } = await setup();
      await assertRejected(system, () => submitAt(system, { roundId: 6n, observedAt: t0 + 50, fleets: [fleetValue(99n, parseEther("190000"))], indices: [] }, t0 + 60), "UnknownFleet", [99n]);
      await system.registry.write.retire([2n], { account: system.accounts.underwriter.account });
      await assertRejected(system, () => submitAt(system, { roundId: 6n, observedAt: t0 + 50, fleets: [fleetValue(2n, parseEther("1000000"))], indices: [] }, t0 + 70), "UnknownFleet", [2n]);
    });

    it("refuses a fleet whose class has no bounds", async function () {
      const { system, t0 } = await setup();
      const round: Round = { roundId: 6n, observedAt: t0 + 50, fleets: [fleetValue(3n, parseEther("300000"))], indices: [] };
      await assertRejected(system, () => submitAt(system, round, t0 + 60), "ClassBoundsNotSet", [B200]);
      const index: Round = { roundId: 6n, observedAt: t0 + 50, fleets: [], indices: [{ classId: B200, valuePerGpu: parseEther("30000") }] };
      await assertRejected(system, () => submitAt(system, index, t0 + 60), "ClassBoundsNotSet", [B200]);
    });

    it("refuses a fleet with more GPUs than the oracle's 16-bit cache holds", async function () {
      const { system, t0 } = await setup();
      const { registry, accounts } = system;
      await registry.write.onboard([fleetRecord(accounts.operator.account.address, H100, 2 ** 16, t0), []], { account: accounts.underwriter.account });
      const id = await registry.read.lastFleetId();
      const round: Round = { roundId: 6n, observedAt: t0 + 50, fleets: [fleetValue(id, parseEther("1000000000"))], indices: [] };
      await assertRejected(system, () => submitAt(system, round, t0 + 60), "GpuCountTooLarge", [id, BigInt(2 ** 16), BigInt(2 ** 16 - 1)]);
    });

    it("refuses a fleet value at either bound; one wei inside each bound is accepted", async function () {
      const { system, t0 } = await setup();
      for (const value of [FLEET_1_MIN, FLEET_1_MAX, 0n, FLEET_1_MAX * 2n]) {
        const round: Round = { roundId: 6n, observedAt: t0 + 50, fleets: [fleetValue(1n, value)], indices: [] };
        await assertRejected(system, () => submitAt(system, round, t0 + 60), "ValueOutOfBounds", [1n, value, FLEET_1_MIN, FLEET_1_MAX]);
      }
      await valueAt(system, 6n, [fleetValue(1n, FLEET_1_MIN + 1n)], t0 + 60);
      await valueAt(system, 7n, [fleetValue(1n, FLEET_1_MAX - 1n)], t0 + 70);
      assert.equal(await system.oracle.read.latestRoundId(), 7n);
    });

    it("refuses a class index at either bound", async function () {
      const { system, t0 } = await setup();
      for (const valuePerGpu of [MIN_PER_GPU, MAX_PER_GPU]) {
        const round: Round = { roundId: 6n, observedAt: t0 + 50, fleets: [], indices: [{ classId: H100, valuePerGpu }] };
        await assertRejected(system, () => submitAt(system, round, t0 + 60), "IndexOutOfBounds", [H100, valuePerGpu, MIN_PER_GPU, MAX_PER_GPU]);
      }
    });

    it("applies none of a round's fleets when one of them is invalid", async function () {
      const { system, t0 } = await setup();
      const fleets = [fleetValue(1n, parseEther("190000")), fleetValue(2n, MAX_PER_GPU * 64n)];
      await assertRejected(system, () => submitAt(system, { roundId: 6n, observedAt: t0 + 50, fleets, indices: [] }, t0 + 60), "ValueOutOfBounds");
    });

    it("refuses rounds while stopped and accepts them again after resume", async function () {
      const { system, t0 } = await setup();
      const { oracle, accounts } = system;
      await viem.assertions.emitWithArgs(oracle.write.stop({ account: accounts.guardian.account }), oracle, "Stopped", [accounts.guardian.account.address]);
      await viem.assertions.revertWithCustomError(oracle.write.stop({ account: accounts.guardian.account }), oracle, "OracleIsStopped");
      const round: Round = { roundId: 6n, observedAt: t0 + 50, fleets: [fleetValue(1n, parseEther("190000"))], indices: [] };
      const signatures = await signAll(system, round);
      await assertRejected(system, () => submitAt(system, round, t0 + 60, signatures), "OracleIsStopped");
      await viem.assertions.emitWithArgs(oracle.write.resume({ account: accounts.oracleAdmin.account }), oracle, "Resumed", [accounts.oracleAdmin.account.address]);
      await viem.assertions.revertWithCustomError(oracle.write.resume({ account: accounts.oracleAdmin.account }), oracle, "OracleIsNotStopped");
      await submitAt(system, round, (await time.latest()) + 1, signatures);
      assert.equal(await oracle.read.latestRoundId(), 6n);
    });
  });

  describe("increases and decreases", function () {
    const V = parseEther("200000");

    async function valued() {
      const system = await load();
      const t0 = (await time.latest()) + 10;
      await valueAt(system, 1n, [fleetValue(1n, V)], t0);
      return { system, t0 };
    }

    it("lends nothing against a first valuation until the increase delay has passed", async function () {
      const { system, t0 } = await valued();
      await mineAt(t0 + PARAMS.increaseDelay - 1);
      assert.equal(await system.oracle.read.borrowValue([1n]), 0n);
      await mineAt(t0 + PARAMS.increaseDelay);
      assert.equal(await system.oracle.read.borrowValue([1n]), V);
    });

    it("clamps an increase to the daily cap pro rata to the time since the last value", async function () {
      const { system, t0 } = await valued();
      const t1 = t0 + DAY / 2;
      await valueAt(system, 2n, [fleetValue(1n, (V * 3n) / 2n)], t1);
      const capped = V + (V * PARAMS.maxIncreasePerDay * BigInt(DAY / 2)) / (WAD * BigInt(DAY)); // +5 %
      assert.equal((await system.oracle.read.liquidationValue([1n]))[0], capped);
      const [, valued1] = await system.oracle.getEvents.FleetValued({}, { fromBlock: 0n });
      assert.equal(valued1!.args.value, capped);
      const [clamped] = await system.oracle.getEvents.IncreaseClamped({}, { fromBlock: 0n });
      assert.deepEqual(clamped!.args, { fleetId: 1n, reported: (V * 3n) / 2n, value: capped });
    });

    it("caps an increase at one day's worth however long the fleet went without a value", async function () {
      const { system, t0 } = await valued();
      const t1 = t0 + 3 * DAY;
      await valueAt(system, 2n, [fleetValue(1n, (V * 3n) / 2n)], t1, 60);
      assert.equal((await system.oracle.read.liquidationValue([1n]))[0], (V * 11n) / 10n);
    });

    it("stores an increase below the cap as reported", async function () {
      const { system, t0 } = await valued();
      await valueAt(system, 2n, [fleetValue(1n, V + parseEther("1000"))], t0 + DAY / 2);
      assert.equal((await system.oracle.read.liquidationValue([1n]))[0], V + parseEther("1000"));
    });

    it("makes an increase borrowable only once it is increaseDelay old", async function () {
      const { system, t0 } = await valued();
      const t1 = t0 + 2 * HOUR;
      const higher = V + parseEther("1000");
      await valueAt(system, 2n, [fleetValue(1n, higher)], t1);
      assert.equal((await system.oracle.read.fleetState([1n])).priorValue, V);
      const [, event] = await system.oracle.getEvents.FleetValued({}, { fromBlock: 0n });
      assert.equal(event!.args.priorValue, V);
      assert.equal(event!.args.maturesAt, t1 + PARAMS.increaseDelay);
      await mineAt(t1 + PARAMS.increaseDelay - 1);
      assert.equal(await system.oracle.read.borrowValue([1n]), V);
      assert.equal((await system.oracle.read.liquidationValue([1n]))[0], higher);
      await mineAt(t1 + PARAMS.increaseDelay);
      assert.equal(await system.oracle.read.borrowValue([1n]), higher);
    });

    it("does not let a chain of increases skip the delay", async function () {
      const { system, t0 } = await valued();
      const t1 = t0 + 2 * HOUR; // V is mature
      await valueAt(system, 2n, [fleetValue(1n, V + parseEther("1000"))], t1);
      const t2 = t1 + PARAMS.increaseDelay / 2; // the first increase is not
      await valueAt(system, 3n, [fleetValue(1n, V + parseEther("1300"))], t2); // within the cap
      assert.equal((await system.oracle.read.fleetState([1n])).priorValue, V);
      await mineAt(t1 + PARAMS.increaseDelay);
      assert.equal(await system.oracle.read.borrowValue([1n]), V, "the first increase alone would have matured now");
      await mineAt(t2 + PARAMS.increaseDelay);
      assert.equal(await system.oracle.read.borrowValue([1n]), V + parseEther("1300"));
    });

    it("matures a first valuation on time however often it is re-reported", async function () {
      const { system, t0 } = await valued();
      await valueAt(system, 2n, [fleetValue(1n, V)], t0 + PARAMS.increaseDelay / 2);
      await mineAt(t0 + PARAMS.increaseDelay - 1);
      assert.equal(await system.oracle.read.borrowValue([1n]), 0n, "still holding back the first valuation");
      await mineAt(t0 + PARAMS.increaseDelay);
      assert.equal(await system.oracle.read.borrowValue([1n]), V);
    });

    it("lets an increase mature while level rounds keep arriving more often than the delay", async function () {
      const { system, t0 } = await valued();
      const t1 = t0 + 2 * HOUR;
      const higher = V + parseEther("1000");
      await valueAt(system, 2n, [fleetValue(1n, higher)], t1);
      const step = PARAMS.increaseDelay / 4;
      for (let i = 1; i <= 3; i++) await valueAt(system, BigInt(2 + i), [fleetValue(1n, higher)], t1 + i * step);
      assert.equal(await system.oracle.read.borrowValue([1n]), V, "not yet matured");
      await mineAt(t1 + PARAMS.increaseDelay);
      assert.equal(await system.oracle.read.borrowValue([1n]), higher, "level rounds kept the increase's clock");
    });

    it("applies a decrease at once, to borrowing and liquidation alike", async function () {
      const { system, t0 } = await valued();
      const t1 = t0 + 2 * HOUR;
      const lower = V - parseEther("50000");
      await valueAt(system, 2n, [fleetValue(1n, lower)], t1);
      assert.equal(await system.oracle.read.borrowValue([1n]), lower);
      assert.deepEqual(await system.oracle.read.liquidationValue([1n]), [lower, t1]);
      assert.equal((await system.oracle.read.fleetState([1n])).priorValue, lower);
    });

    it("applies a decrease at once even while an increase is pending", async function () {
      const { system, t0 } = await valued();
      const t1 = t0 + 2 * HOUR;
      await valueAt(system, 2n, [fleetValue(1n, V + parseEther("1000"))], t1);
      const lower = V - parseEther("10000");
      await valueAt(system, 3n, [fleetValue(1n, lower)], t1 + 60);
      assert.equal(await system.oracle.read.borrowValue([1n]), lower);
    });

    it("does not make a pending increase borrowable when the value falls back only part of the way", async function () {
      const { system, t0 } = await valued();
      const t1 = t0 + 2 * HOUR;
      await valueAt(system, 2n, [fleetValue(1n, V + parseEther("2000"))], t1);
      await valueAt(system, 3n, [fleetValue(1n, V + parseEther("1000"))], t1 + 60);
      assert.equal(await system.oracle.read.borrowValue([1n]), V);
      await mineAt(t1 + 60 + PARAMS.increaseDelay);
      assert.equal(await system.oracle.read.borrowValue([1n]), V + parseEther("1000"));
    });
  });

  describe("reading values", function () {
    it("reverts borrowValue and liquidationValue for a fleet never valued", async function () {
      const { oracle } = await load();
      await viem.assertions.revertWithCustomErrorWithArgs(oracle.read.borrowValue([1n]), oracle, "NoValuation", [1n]);
      await viem.assertions.revertWithCustomErrorWithArgs(oracle.read.liquidationValue([1n]), oracle, "NoValuation", [1n]);
      assert.equal(await oracle.read.isFresh([1n]), false);
    });

    it("stops borrowing on a stale value while liquidations keep the last value", async function () {
      const system = await load();
      const t0 = (await time.latest()) + 10;
      await valueAt(system, 1n, [fleetValue(1n, parseEther("200000"))], t0);
      await mineAt(t0 + PARAMS.maxAge);
      assert.equal(await system.oracle.read.isFresh([1n]), true);
      assert.equal(await system.oracle.read.borrowValue([1n]), parseEther("200000"));
      await mineAt(t0 + PARAMS.maxAge + 1);
      assert.equal(await system.oracle.read.isFresh([1n]), false);
      await viem.assertions.revertWithCustomErrorWithArgs(system.oracle.read.borrowValue([1n]), system.oracle, "ValuationStale", [
        1n,
        t0,
        BigInt(t0 + PARAMS.maxAge + 1),
        BigInt(PARAMS.maxAge),
      ]);
      assert.deepEqual(await system.oracle.read.liquidationValue([1n]), [parseEther("200000"), t0]);
    });

    it("stops borrowing while stopped while liquidations keep the last value", async function () {
      const system = await load();
      const t0 = (await time.latest()) + 10;
      await valueAt(system, 1n, [fleetValue(1n, parseEther("200000"))], t0);
      await system.oracle.write.stop({ account: system.accounts.guardian.account });
      await mineAt(t0 + 2 * HOUR);
      await viem.assertions.revertWithCustomError(system.oracle.read.borrowValue([1n]), system.oracle, "OracleIsStopped");
      assert.deepEqual(await system.oracle.read.liquidationValue([1n]), [parseEther("200000"), t0]);
      await system.oracle.write.resume({ account: system.accounts.oracleAdmin.account });
      assert.equal(await system.oracle.read.borrowValue([1n]), parseEther("200000"));
    });
  });

  describe("EIP-712 agreement between the TypeScript signer and the contract", function () {
    const round: Round = {
      roundId: 3n,
      observedAt: 0, // set per test
      fleets: [
        fleetValue(1n, parseEther("200000.5"), { throughputBps: 10_123, utilizationBps: 6_543, healthFlags: 0x21, freshGpus: 7 }),
        fleetValue(2n, parseEther("1000000"), { freshGpus: 64 }),
      ],
      indices: [{ classId: H100, valuePerGpu: parseEther("24999.75") }],
    };
    const report = {
      fleetId: 1n,
      gpuUuidHash: keccak256(toHex("GPU-2f1c9a4e-0000-4000-8000-000000000001")),
      nonce: stringToHex("nonce 42", { size: 32 }),
      observedAt: 1_800_000_000,
      tflopsMilli: 989_500,
      bandwidthGBps: 2_900,
      utilizationBps: 9_100,
      powerMilliwatts: 650_000,
      healthFlags: 2,
      sampleDigest: stringToHex("sample digest", { size: 32 }),
      replay: false,
    };

    it("computes the same round digest as hashRound", async function () {
      const { oracle, domain } = await load();
      const message = { ...round, observedAt: 1_700_000_000 };
      assert.equal(hashRound(domain, message), await oracle.read.hashRound([message]));
      const empty: Round = { roundId: 1n, observedAt: 1, fleets: [], indices: [] };
      assert.equal(hashRound(domain, empty), await oracle.read.hashRound([empty]));
    });

    it("computes the same report digest as hashGpuReport", async function () {
      const { oracle, domain } = await load();
      const digest = await oracle.read.hashGpuReport([report]);
      assert.equal(hashGpuReport(domain, report), digest);
      assert.equal(hashGpuReport(domain, { ...report, replay: true }), await oracle.read.hashGpuReport([{ ...report, replay: true }]));
      const signed = await signGpuReport(SIGNERS[0]!, domain, report);
      assert.equal(await recoverAddress({ hash: digest, signature: signed.signature }), SIGNERS[0]!.address);
    });

    it("gives every GpuReport field a say in the digest", async function () {
      const { oracle } = await load();
      const digest = await oracle.read.hashGpuReport([report]);
      for (const [field, value] of Object.entries(report)) {
        const flipped = { ...report, [field]: flipLowestBit(value) } as typeof report;
        assert.notEqual(await oracle.read.hashGpuReport([flipped]), digest, field);
      }
    });

    it("orders signatures by signer address and refuses one signer twice", async function () {
      const { domain } = await load();
      const message = { ...round, observedAt: 1 };
      const signed = await Promise.all(SIGNERS.map((signer) => signRound(signer, domain, message)));
      const bySigner = [...signed].sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1));
      assert.deepEqual(sortSignatures([...signed].reverse()), bySigner.map((s) => s.signature));
      assert.throws(() => sortSignatures([signed[0]!, signed[1]!, signed[0]!]), /signed twice/);
    });

    it("accepts a round signed in TypeScript", async function () {
      const system = await load();
      const at = (await time.latest()) + 10;
      const message = { ...round, observedAt: at - 100 };
      await submitAt(system, message, at);
      assert.equal(await system.oracle.read.latestRoundId(), 3n);
      assert.equal((await system.oracle.read.fleetState([1n])).value, parseEther("200000.5"));
    });

    it("rejects the signed round after one bit of any field is flipped", async function () {
      const system = await load();
      const at = (await time.latest()) + 10;
      const message: Round = { ...round, observedAt: at - 100 };
      const signatures = await signAll(system, message);
      const digest = await system.oracle.read.hashRound([message]);
      for (const { path, tampered } of flips(message)) {
        assert.notEqual(await system.oracle.read.hashRound([tampered]), digest, path);
        const error = await revertName(submitAt(system, tampered, at + 1, signatures));
        assert.ok(error !== undefined && SIGNATURE_ERRORS.includes(error), `${path}: reverted with ${error}`);
      }
      assert.equal(await system.oracle.read.latestRoundId(), 0n);
    });

    it("rejects the round after one bit of any signature is flipped", async function () {
      const system = await load();
      const at = (await time.latest()) + 10;
      const message: Round = { ...round, observedAt: at - 100 };
      const signatures = await signAll(system, message);
      for (let s = 0; s < signatures.length; s++) {
        for (const bit of [0, 255, 256, 511, 512 + 0]) {
          const tampered = [...signatures];
          tampered[s] = flipBit(signatures[s]!, bit);
          const error = await revertName(submitAt(system, message, at + 1, tampered));
          assert.ok(error !== undefined && SIGNATURE_ERRORS.includes(error), `signature ${s} bit ${bit}: reverted with ${error}`);
        }
      }
      assert.equal(await system.oracle.read.latestRoundId(), 0n);
    });
  });

  describe("gas", function () {
    it("values fleets in steady state within 60k execution gas plus 10k per fleet at quorum 3", async function () {
      const system = await load();
      const { registry, publicClient, accounts } = system;
      for (let i = 0; i < 10; i++) {
        await registry.write.onboard([fleetRecord(accounts.operator.account.address, H100, 8, (await time.latest()) - DAY), []], { account: accounts.underwriter.account });
      }
      const ids = Array.from({ length: 10 }, (_, i) => BigInt(FLEETS.length + 1 + i));
      let roundId = 1n;
      let at = (await time.latest()) + 10;
      const results: { fleets: number; gasUsed: bigint; calldataBytes: number; execution: bigint }[] = [];
      for (const count of [1, 10]) {
        const fleets = (value: bigint) => ids.slice(0, count).map((id) => fleetValue(id, value));
        await valueAt(system, roundId++, fleets(parseEther("200000")), (at += 2 * HOUR)); // first valuation: fresh slots
        const round: Round = { roundId: roundId++, observedAt: (at += 2 * HOUR), fleets: fleets(parseEther("200100")), indices: [] };
        const hash = await submitAt(system, round, at);
        const receipt = await publicClient.waitForTransactionReceipt({ hash });
        const tx = await publicClient.getTransaction({ hash });
        const bytes = Buffer.from(tx.input.slice(2), "hex");
        const calldataGas = bytes.reduce((sum, b) => sum + (b === 0 ? 4n : 16n), 0n);
        results.push({ fleets: count, gasUsed: receipt.gasUsed, calldataBytes: bytes.length, execution: receipt.gasUsed - 21_000n - calldataGas });
      }
      console.log("      submitRound, quorum 3, steady state:");
      for (const r of results) console.log(`        ${r.fleets} fleet(s): gasUsed ${r.gasUsed}, calldata ${r.calldataBytes} bytes, execution ${r.execution}`);
      const [one, ten] = results as [(typeof results)[0], (typeof results)[0]];
      const perFleet = (ten.execution - one.execution) / 9n;
      console.log(`        marginal per fleet ≈ ${perFleet}, base ≈ ${one.execution - perFleet}`);
      for (const r of results) assert.ok(r.execution <= 60_000n + 10_000n * BigInt(r.fleets), `${r.fleets} fleets: ${r.execution}`);
    });
  });
});

function sortedIndexOf(addresses: readonly Hex[], address: Hex): number {
  return [...addresses].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)).indexOf(address);
}

/** The same signature with s replaced by n − s (and v flipped): valid for ecrecover, refused as malleable. */
function withHighS(signature: Hex): Hex {
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const r = signature.slice(2, 66);
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = parseInt(signature.slice(130, 132), 16);
  return `0x${r}${(n - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
}

function flipBit(signature: Hex, bit: number): Hex {
  const bytes = Buffer.from(signature.slice(2), "hex");
  bytes[bit >> 3]! ^= 0x80 >> (bit & 7);
  return `0x${bytes.toString("hex")}`;
}

function flipLowestBit(value: unknown): unknown {
  if (typeof value === "bigint") return value ^ 1n;
  if (typeof value === "number") return value ^ 1;
  if (typeof value === "boolean") return !value;
  if (typeof value === "string") return `${value.slice(0, -1)}${(parseInt(value.slice(-1), 16) ^ 1).toString(16)}`;
  throw new Error(`cannot flip ${String(value)}`);
}

/** Every copy of `round` with the lowest bit of exactly one field flipped, nested fields included. */
function flips(round: Round): { path: string; tampered: Round }[] {
  const out: { path: string; tampered: Round }[] = [];
  out.push({ path: "roundId", tampered: { ...round, roundId: round.roundId ^ 1n } });
  out.push({ path: "observedAt", tampered: { ...round, observedAt: round.observedAt ^ 1 } });
  round.fleets.forEach((fleet, i) => {
    for (const [field, value] of Object.entries(fleet)) {
      const fleets = round.fleets.map((f, j) => (j === i ? { ...f, [field]: flipLowestBit(value) } : f));
      out.push({ path: `fleets[${i}].${field}`, tampered: { ...round, fleets } as Round });
    }
  });
  round.indices.forEach((index, i) => {
    for (const [field, value] of Object.entries(index)) {
      const indices = round.indices.map((x, j) => (j === i ? { ...x, [field]: flipLowestBit(value) } : x));
      out.push({ path: `indices[${i}].${field}`, tampered: { ...round, indices } as Round });
    }
  });
  out.push({ path: "fleets (one dropped)", tampered: { ...round, fleets: round.fleets.slice(0, 1) } });
  out.push({ path: "indices (emptied)", tampered: { ...round, indices: [] } });
  return out;
}
