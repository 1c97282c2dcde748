import assert from "node:assert/strict";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { parseEther } from "viem";
import { classValueFeedAbi } from "../abi/index.js";
import type { Round } from "../oracle/src/eip712.js";
import { B200, H100, deployOracle, fleetValue, signAll, type OracleSystem } from "./helpers/oracleFixture.js";

let viem: NetworkConnection["viem"];
let networkHelpers: NetworkConnection["networkHelpers"];

async function deployFeed(connection: NetworkConnection) {
  const system = await deployOracle(connection);
  const feed = await system.deploy("ClassValueFeed", classValueFeedAbi, [system.oracle.address, H100, "H100 SXM value per GPU / USD"]);
  return { ...system, feed };
}
const load = () => networkHelpers.loadFixture(deployFeed);

async function publish(system: OracleSystem, roundId: bigint, indices: Round["indices"], fleets: Round["fleets"] = []) {
  const at = (await networkHelpers.time.latest()) + 10;
  const round: Round = { roundId, observedAt: at - 5, fleets, indices };
  await networkHelpers.time.setNextBlockTimestamp(at);
  await system.oracle.write.submitRound([round, await signAll(system, round)]);
  return round.observedAt;
}

describe("ClassValueFeed", function () {
  before(async function () {
    ({ viem, networkHelpers } = await network.create());
  });

  it("describes itself as an 18-decimal Chainlink feed over one class of one oracle", async function () {
    const { feed, oracle } = await load();
    assert.equal(await feed.read.decimals(), 18);
    assert.equal(await feed.read.version(), 1n);
    assert.equal(await feed.read.description(), "H100 SXM value per GPU / USD");
    assert.equal((await feed.read.oracle()).toLowerCase(), oracle.address.toLowerCase());
    assert.equal(await feed.read.classId(), H100);
  });

  it("reverts instead of answering 0 before the class has an index", async function () {
    const { feed } = await load();
    await viem.assertions.revertWithCustomErrorWithArgs(feed.read.latestRoundData(), feed, "NoIndex", [H100]);
    await viem.assertions.revertWithCustomErrorWithArgs(feed.read.getRoundData([0n]), feed, "NoIndex", [H100]);
  });

  it("answers the class's value per GPU with the oracle round and observation time that published it", async function () {
    const system = await load();
    const observedAt = await publish(system, 4n, [{ classId: H100, valuePerGpu: parseEther("24500.25") }]);
    const expected = [4n, parseEther("24500.25"), BigInt(observedAt), BigInt(observedAt), 4n];
    assert.deepEqual(await system.feed.read.latestRoundData(), expected);
    assert.deepEqual(await system.feed.read.getRoundData([4n]), expected);
  });

  it("keeps the round that last published its class when later rounds leave the class out", async function () {
    const system = await load();
    const observedAt = await publish(system, 4n, [{ classId: H100, valuePerGpu: parseEther("24500") }]);
    await publish(system, 5n, [], [fleetValue(1n, parseEther("200000"))]);
    assert.equal(await system.oracle.read.latestRoundId(), 5n);
    assert.deepEqual(await system.feed.read.latestRoundData(), [4n, parseEther("24500"), BigInt(observedAt), BigInt(observedAt), 4n]);
  });

  it("follows only its own class", async function () {
    const system = await load();
    await system.oracle.write.setClassBounds([B200, parseEther("1000"), parseEther("90000")], { account: system.accounts.curator.account });
    await publish(system, 4n, [{ classId: H100, valuePerGpu: parseEther("24500") }]);
    await publish(system, 6n, [{ classId: B200, valuePerGpu: parseEther("41000") }]);
    assert.equal((await system.feed.read.latestRoundData())[1], parseEther("24500"));
  });

  it("refuses any round but the latest, because the oracle stores only the latest index", async function () {
    const system = await load();
    await publish(system, 4n, [{ classId: H100, valuePerGpu: parseEther("24500") }]);
    await publish(system, 9n, [{ classId: H100, valuePerGpu: parseEther("24600") }]);
    for (const roundId of [4n, 8n, 10n, 0n]) {
      await viem.assertions.revertWithCustomErrorWithArgs(system.feed.read.getRoundData([roundId]), system.feed, "RoundNotAvailable", [roundId, 9n]);
    }
    assert.equal((await system.feed.read.getRoundData([9n]))[1], parseEther("24600"));
  });
});
