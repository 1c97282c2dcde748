/**
 * Four oracle nodes (quorum 3) on localhost against a real Hardhat node with the protocol deployed by Ignition. Probe
 * submissions are built in-process (CPU-computed samples of a 64³ challenge) and posted over HTTP to every node, like a
 * probe does. Every case is asserted against on-chain state.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "mocha";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { createPublicClient, getAddress, http, parseEther, type Address, type Hex, type PublicClient, type Transport } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { signRound, sortSignatures, type Round } from "../src/eip712.js";
import { stringify, type NonceTicket } from "../src/report.js";
import { startOracleNetwork, type OracleNetwork, type RunningNode } from "../src/node/network.js";
import { fetchDomain } from "../src/probe/node-client.js";
import { HANDOVER_TICKS } from "../src/node/leader.js";
import { revertOf, submitRound } from "../src/node/submit.js";
import { modelValuation, type NodeValuation } from "../src/node/valuation.js";
import { DEFAULT_LIMITS } from "../src/node/verify.js";
import { loadClassParams, type ClassParams } from "../src/valuation/index.js";
import type { Protocol } from "../../scripts/lib/protocol.js";
import { buildSubmission, deployWithFleets, key, NODE_ACCOUNTS, NODE_KEYS, SMALL, TEST_LIMITS, testFleet, type TestFleet } from "./nodeFixture.js";

const WAD = 10n ** 18n;

/** Polls `done` until it holds; fails with `what` after `boundMs` of wall time. */
async function until(done: () => Promise<boolean>, boundMs: number, what: string): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!(await done())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${boundMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The lying node: the honest model's output, times ten. */
function tenTimes(honest: NodeValuation): NodeValuation {
  return {
    classPeak: honest.classPeak,
    value(fleets, now) {
      const v = honest.value(fleets, now);
      return { fleets: v.fleets.map((f) => ({ ...f, value: f.value * 10n })), indices: v.indices.map((c) => ({ ...c, valuePerGpu: c.valuePerGpu * 10n })) };
    },
  };
}

describe("oracle network: 4 nodes, quorum 3, on a local Hardhat node", function () {
  this.timeout(180_000);
  let server: Awaited<ReturnType<typeof network.createServer>>;
  let connection: NetworkConnection;
  let rpcUrl: string;
  let p: Protocol;
  let net: OracleNetwork;
  let honest: NodeValuation;
  const fleetA = testFleet("network fleet A", 1, 4);
  const fleetB = testFleet("network fleet B", 2, 2);
  const logs: Record<string, unknown>[] = [];

  const latestRoundId = () => p.oracle.read.latestRoundId();
  const fleetValue = async (fleet: TestFleet) => (await p.oracle.read.fleetState([fleet.fleetId!])).value;

  function start(valuation: (i: number) => NodeValuation, intervalMs?: number) {
    return startOracleNetwork({
      rpcUrl,
      oracle: p.oracle.address,
      registry: p.registry.address,
      nodeKeys: NODE_KEYS,
      valuation,
      intervalMs,
      limits: TEST_LIMITS,
      challenge: SMALL,
      pollingIntervalMs: 50,
      cacheTtlMs: 1_000,
      retry: { attempts: 4, baseDelayMs: 50, maxDelayMs: 400, receiptTimeoutMs: 10_000 },
      logger: (i) => ({
        info: (event, f) => logs.push({ node: i, level: "info", event, ...f }),
        warn: (event, f) => logs.push({ node: i, level: "warn", event, ...f }),
        error: (event, f) => logs.push({ node: i, level: "error", event, ...f }),
      }),
    });
  }

  /** What a probe does for each GPU: a ticket from one node, the challenge, one signed report posted to every node. */
  async function probeAll(fleets: TestFleet[], live = net.nodes) {
    const clock = live[0]!.core.clock;
    let g = 0;
    for (const fleet of fleets) {
      for (let gpu = 0; gpu < fleet.uuids.length; gpu++, g++) {
        const issuer = live[g % live.length]!;
        const ticket = (await (await fetch(`${issuer.url}/nonce?m=${SMALL.m}&n=${SMALL.n}&k=${SMALL.k}`)).json()) as NonceTicket;
        const submission = await buildSubmission({ ticket, fleet, gpu, domain: issuer.core.domain, observedAt: await clock(), measurement: { tflops: 730 + gpu } });
        for (const node of live) {
          const response = await fetch(`${node.url}/reports`, { method: "POST", body: stringify(submission) });
          assert.equal(response.status, 200, `node ${node.index} rejected GPU ${gpu} of ${fleet.name}: ${await response.text()}`);
        }
      }
    }
  }

  before(async function () {
    server = await network.createServer("node", "127.0.0.1", 0);
    const { address, port } = await server.listen();
    rpcUrl = `http://${address}:${port}`;
    connection = await network.create({ network: "localhost", override: { url: rpcUrl } });
    p = await deployWithFleets(connection, [fleetA, fleetB]);
    for (const account of NODE_ACCOUNTS) await p.networkHelpers.setBalance(account.address, parseEther("100"));
    const params: Map<number, ClassParams> = await loadClassParams();
    honest = modelValuation({ params, rentalRatePerHour: (c) => (c.classId === 1 ? 2.4 : 3.2), maxReportAgeSeconds: DEFAULT_LIMITS.maxReportAgeSeconds, excludeReplays: false });
    net = await start((i) => (i === 3 ? tenTimes(honest) : honest));
  });

  after(async () => {
    await net?.stop();
    await connection?.close();
    await server?.close();
  });

  it("serves its EIP-712 domain at GET /domain, which a probe in --node mode signs under", async () => {
    for (const node of net.nodes) {
      const response = await fetch(`${node.url}/domain`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { chainId: await p.publicClient.getChainId(), verifyingContract: p.oracle.address });
      assert.deepEqual(await fetchDomain(node.url), node.core.domain);
    }
  });

  it("a round lands, and FleetOracle holds the median of the nodes' observations", async () => {
    await probeAll([fleetA, fleetB]);
    assert.equal(await latestRoundId(), 0n);
    const led = await net.leadRound(0);
    assert.equal(led.outcome, "submitted");
    if (led.outcome !== "submitted") return;
    assert.equal(led.submit.outcome, "landed", JSON.stringify(led.submit, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
    assert.equal(led.observers.length, 4);
    assert.equal(await latestRoundId(), 1n);

    // The median of three honest observations and one 10× is the honest one.
    const own = await net.nodes[1]!.core.observe(led.round.observedAt);
    assert.equal(own.fleets.length, 2);
    for (const f of own.fleets) {
      const fleet = f.fleetId === fleetA.fleetId ? fleetA : fleetB;
      assert.equal(await fleetValue(fleet), f.value, `fleet ${f.fleetId} on-chain value`);
      const state = await p.oracle.read.fleetState([f.fleetId]);
      assert.deepEqual([state.throughputBps, state.utilizationBps, state.healthFlags, state.observedAt], [f.throughputBps, f.utilizationBps, f.healthFlags, led.round.observedAt]);
      assert.ok(f.value > 10_000n * WAD && f.value < 60_000n * WAD * BigInt(fleet.uuids.length), `model value ${f.value} is plausible`);
    }
    for (const c of own.indices) assert.equal((await p.oracle.read.classIndex([c.classId]))[1], c.valuePerGpu);
    const lying = await net.nodes[3]!.core.observe(led.round.observedAt);
    assert.equal(lying.fleets[0]!.value, own.fleets[0]!.value * 10n, "the lying node did lie");
    assert.ok(logs.some((l) => l.event === "round-submitted" && l.roundId === 1n));
  });

  it("one node reporting 10× values changes nothing on-chain, even when it leads", async () => {
    const before = await fleetValue(fleetA);
    // Its turn to lead: it still publishes the median, because that is what the others sign.
    const led = await net.leadRound(3);
    assert.ok(led.outcome === "submitted" && led.submit.outcome === "landed");
    assert.equal(await latestRoundId(), 2n);
    const own = await net.nodes[0]!.core.observe(led.round.observedAt);
    assert.equal(await fleetValue(fleetA), own.fleets[0]!.value);
    assert.ok((await fleetValue(fleetA)) <= before, "no increase from a 10× observer");

    // A leader proposing its own 10× values gets no honest signature, and one signature cannot land a round.
    const observedAt = await net.nodes[3]!.core.clock();
    const lie = await net.nodes[3]!.core.observe(observedAt);
    const round: Round = { roundId: 3n, observedAt, fleets: lie.fleets, indices: lie.indices };
    const answers = await Promise.all(net.nodes.map((n) => fetch(`${n.url}/sign`, { method: "POST", body: stringify({ round }) }).then(async (r) => ({ status: r.status, body: (await r.json()) as { reason?: string; signature?: Hex; signer?: string } }))));
    assert.deepEqual(answers.map((a) => a.status), [409, 409, 409, 200]);
    assert.ok(answers.slice(0, 3).every((a) => a.body.reason === "value-out-of-tolerance"));
    await assert.rejects(
      p.oracle.write.submitRound([round, [answers[3]!.body.signature!]], { account: p.accounts.keeper.account }),
      (error: unknown) => revertOf(error)?.name === "TooFewSignatures",
    );
    assert.equal(await latestRoundId(), 2n);
    assert.equal(await fleetValue(fleetA), own.fleets[0]!.value);
  });

  it("with one node down a round still lands (3 of 4)", async () => {
    await net.nodes[3]!.stop();
    const led = await net.leadRound(1);
    assert.ok(led.outcome === "submitted" && led.submit.outcome === "landed");
    assert.equal(led.observers.length, 3);
    assert.equal(await latestRoundId(), 3n);
  });

  it("with two nodes down no round lands", async () => {
    await net.nodes[2]!.stop();
    const before = await p.oracle.read.fleetState([fleetA.fleetId!]);
    for (const leader of [0, 1]) {
      const led = await net.leadRound(leader);
      assert.equal(led.outcome, "nothing-to-publish", "two observations cannot make a quorum-backed median");
    }
    // Even a leader that skipped the median check cannot get past two signatures.
    const observedAt = await net.nodes[0]!.core.clock();
    const own = await net.nodes[0]!.core.observe(observedAt);
    const round: Round = { roundId: 4n, observedAt, fleets: own.fleets, indices: own.indices };
    const signed = [];
    for (const node of net.nodes.slice(0, 2)) {
      const r = await node.core.sign(round);
      assert.ok(r.signed);
      if (r.signed) signed.push(r.signature);
    }
    await assert.rejects(
      p.oracle.write.submitRound([round, sortSignatures(signed)], { account: p.accounts.keeper.account }),
      (error: unknown) => revertOf(error)?.name === "TooFewSignatures",
    );
    assert.equal(await latestRoundId(), 3n);
    assert.deepEqual(await p.oracle.read.fleetState([fleetA.fleetId!]), before);
  });

  it("with the oracle stale, new borrowing reverts with the oracle's error and repaying still works", async () => {
    const operator = p.accounts.operatorA.account;
    await p.registry.write.approve([p.engine.address, fleetA.fleetId!], { account: operator });
    await p.engine.write.open([fleetA.fleetId!], { account: operator });
    const vaultId = await p.engine.read.lastVaultId();
    const { increaseDelay, maxAge } = await p.oracle.read.params();
    await p.networkHelpers.time.increase(increaseDelay); // the first valuation matures
    await p.engine.write.borrow([vaultId, 15_000n * WAD, operator.address], { account: operator });
    const debt = await p.engine.read.debtOf([vaultId]);

    await p.networkHelpers.time.increase(maxAge); // no round for longer than maxAge: two of four nodes are down
    assert.equal(await p.oracle.read.isFresh([fleetA.fleetId!]), false);
    await assert.rejects(
      p.engine.write.borrow([vaultId, 1_000n * WAD, operator.address], { account: operator }),
      (error: unknown) => revertOf(error)?.name === "ValuationStale",
    );
    await p.engine.write.repay([vaultId, 5_000n * WAD], { account: operator });
    const after = await p.engine.read.debtOf([vaultId]);
    assert.ok(after < debt - 4_999n * WAD, `debt ${debt} → ${after}`);
    assert.equal(await latestRoundId(), 3n);
  });

  it("back at full strength, the nodes publish on a timer and borrowing resumes", async () => {
    await net.stop();
    net = await start(() => honest, 400);
    await probeAll([fleetA, fleetB]);
    // How long a round takes on a loaded machine is not ours to choose, so wait on the chain, with a bound far above
    // a round's time, rather than for a fixed span of wall time. Who leads each round is left to the next test.
    const from = await latestRoundId();
    await until(async () => (await latestRoundId()) >= from + 2n, 120_000, "two rounds published by the timer");
    await net.stop();
    assert.ok(logs.some((l) => l.event === "round-submitted" && BigInt(l.roundId as bigint) > from), "the timer's rounds were logged");
    assert.equal(await p.oracle.read.isFresh([fleetA.fleetId!]), true);
    const operator = p.accounts.operatorA.account;
    const vaultId = await p.engine.read.lastVaultId();
    const debt = await p.engine.read.debtOf([vaultId]);
    await p.engine.write.borrow([vaultId, 1_000n * WAD, operator.address], { account: operator });
    assert.ok((await p.engine.read.debtOf([vaultId])) >= debt + 1_000n * WAD, "borrowing resumed");
  });

  it("the lead rotates by address with each round, and a dead leader's turn passes to the next node", async () => {
    // Ticks driven one at a time: under the timer, a round slower than the interval lets the next node lead the same
    // round too, and which of them lands it is a race. Stepping the ticks makes every turn an exact expectation.
    net = await start(() => honest);
    await probeAll([fleetA, fleetB]);
    const byAddress = [...net.nodes].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
    const turn = async (passedTurns: number) => byAddress[Number(((await latestRoundId()) + 1n + BigInt(passedTurns)) % BigInt(byAddress.length))]!;
    /**
     * Ticks every live node once, `last` after all the others (a node leads as soon as it sees its turn, so ticking
     * it first would let the following node lead the next round in the same pass). Returns who led.
     */
    async function pass(live: RunningNode[], last: RunningNode): Promise<number[]> {
      const led: number[] = [];
      for (const node of [...live.filter((n) => n !== last), last]) {
        const outcome = await node.leader.tick();
        if (outcome === null) continue;
        assert.ok(outcome.outcome === "submitted" && outcome.submit.outcome === "landed", `node ${node.index}: ${outcome.outcome}`);
        if (outcome.submit.outcome !== "landed") continue;
        assert.equal(getAddress((await p.publicClient.getTransaction({ hash: outcome.submit.hash })).from), node.address, "the leader relayed it");
        led.push(node.index);
      }
      return led;
    }

    for (let i = 0; i < byAddress.length; i++) {
      const expected = await turn(0);
      const roundId = (await latestRoundId()) + 1n;
      assert.deepEqual(await pass(net.nodes, expected), [expected.index], `round ${roundId} is node ${expected.index}'s turn`);
      assert.equal(await latestRoundId(), roundId);
    }

    const dead = await turn(0);
    await dead.stop();
    const live = net.nodes.filter((n) => n !== dead);
    const next = await turn(1);
    const latest = await latestRoundId();
    for (let i = 0; i < HANDOVER_TICKS; i++) assert.deepEqual(await pass(live, next), [], `tick ${i + 1}: still the dead leader's turn`);
    assert.equal(await latestRoundId(), latest);
    assert.deepEqual(await pass(live, next), [next.index], "then the next node by address leads");
    assert.equal(await latestRoundId(), latest + 1n);
    await net.stop();
  });

  it("relays through a flaky RPC with retries and never submits a round twice", async () => {
    const clock = net.nodes[0]!.core.clock;
    const observedAt = await clock();
    const own = await net.nodes[0]!.core.observe(observedAt);
    const round: Round = { roundId: (await latestRoundId()) + 1n, observedAt, fleets: own.fleets, indices: own.indices };
    const domain = net.nodes[0]!.core.domain;
    const signatures = sortSignatures(await Promise.all(NODE_ACCOUNTS.slice(0, 3).map((a) => signRound(a, domain, round))));

    let dropped = 0;
    const flaky: Transport = (params) => {
      const inner = http(rpcUrl)(params);
      return {
        ...inner,
        async request(args) {
          // The first two broadcasts "fail" after reaching the node: the worst case for double submission.
          if (args.method === "eth_sendRawTransaction" && dropped < 2) {
            dropped++;
            await inner.request(args);
            throw new Error("socket hang up");
          }
          return inner.request(args);
        },
      } as ReturnType<Transport>;
    };
    const client = createPublicClient({ chain: net.client.chain, transport: flaky, pollingInterval: 50 }) as PublicClient;
    const relayer = privateKeyToAccount(key("gpu-credit test relayer"));
    await p.networkHelpers.setBalance(relayer.address, parseEther("10"));
    const nonceBefore = await client.getTransactionCount({ address: relayer.address });
    let retries = 0;
    const deps = { client, account: relayer, oracle: p.oracle.address, retry: { attempts: 5, baseDelayMs: 20, maxDelayMs: 100, receiptTimeoutMs: 10_000 }, onRetry: () => void retries++ };
    const first = await submitRound(round, signatures, deps);
    assert.equal(first.outcome, "landed");
    assert.ok(retries >= 1, "at least one retry happened");
    assert.equal(await latestRoundId(), round.roundId);
    assert.equal(await client.getTransactionCount({ address: relayer.address }), nonceBefore + 1, "one transaction for all the retries");

    // Relaying again, or a second leader racing, finds the round there and sends nothing.
    const again = await submitRound(round, signatures, deps);
    assert.equal(again.outcome, "already-landed");
    assert.equal(await client.getTransactionCount({ address: relayer.address }), nonceBefore + 1);
  });
});
