/**
 * The runner on the real thing: the protocol deployed by its Ignition module on a Hardhat node, the compiled mappings
 * of subgraph/build, and a seeded randomized scenario that drives every contract. The cases share one chain and run in
 * order: reconciliation after the scenario, a reorg, then the README's analyst queries on the indexed state.
 *
 * SUBGRAPH_SEED=<n> replays a seed (failures print theirs); SUBGRAPH_TXS=<n> changes the scenario's length.
 */
import { strict as assert } from "node:assert";
import type { Protocol } from "../../../scripts/lib/protocol.js";
import type { Runner } from "../src/runner.js";
import type { TestChain } from "./chain.js";
import { checkAnalystQuery, QueryContext, variablesFor } from "./analyst-checks.js";
import { readAnalystQueries, shapeDiff, shapeOf } from "./readme-queries.js";
import { reconcile } from "./reconcile.js";
import type { Scenario, ScenarioReport } from "./scenario.js";
import { DEFAULT_SEED, DEFAULT_TRANSACTIONS, startWorld, type World } from "./world.js";

const SEED = Number(process.env.SUBGRAPH_SEED ?? DEFAULT_SEED);
const TRANSACTIONS = Number(process.env.SUBGRAPH_TXS ?? DEFAULT_TRANSACTIONS);

describe(`protocol subgraph on the runner (seed ${SEED})`, function () {
  this.timeout(600_000);
  let world: World;
  let chain: TestChain;
  let p: Protocol;
  let runner: Runner;
  let scenario: Scenario;
  let report: ScenarioReport;
  const gql = (query: string, variables?: Record<string, unknown>) => world.gql(query, variables);

  /** Index to the node's head and check the runner stands exactly there, without an indexing error. */
  async function syncToHead(): Promise<bigint> {
    await runner.sync();
    const status = runner.status();
    assert.equal(status.error, null, `seed ${SEED}: indexing failed: ${JSON.stringify(status.error)}`);
    const head = BigInt(await chain.blockNumber());
    assert.equal(BigInt(status.head!.number), head, `seed ${SEED}: the runner is not at the node's head`);
    return head;
  }

  before(async function () {
    world = await startWorld({ seed: SEED, transactions: TRANSACTIONS });
    ({ chain, p, runner, scenario, report } = world);
  });

  after(async function () {
    await world?.close();
  });

  it("drives every contract with at least 300 transactions", function () {
    assert.ok(report.transactions >= 300, `seed ${SEED}: only ${report.transactions} transactions`);
    for (const contract of ["CreditEngine", "FleetOracle", "FleetRegistry", "PegStabilityModule", "SavingsVault", "Reserve", "LiquidationAuction", "GPUSD", "ProtocolAccessManager"]) {
      assert.ok((report.contracts[contract] ?? 0) > 0, `seed ${SEED}: no transaction to ${contract}: ${JSON.stringify(report.contracts)}`);
    }
    for (const action of [
      "CreditEngine.borrow",
      "CreditEngine.repay",
      "FleetOracle.submitRound",
      "LiquidationAuction.kick",
      "LiquidationAuction.redo",
      "LiquidationAuction.take",
      "PegStabilityModule.sellUsdc",
      "PegStabilityModule.redeem",
      "PegStabilityModule.claim",
      "PegStabilityModule.cancel",
      "SavingsVault.deposit",
      "Reserve.distribute",
      "CreditEngine.setClass",
      "CreditEngine.pause",
      "PegStabilityModule.pause",
      "LiquidationAuction.pause",
      "FleetOracle.stop",
      "SavingsVault.redeem",
    ]) {
      assert.ok((report.actions[action] ?? 0) > 0, `seed ${SEED}: the scenario never did ${action}: ${JSON.stringify(report.actions)}`);
    }
  });

  it("emits the events of the rare paths: clamps, resets, shortfalls, bad debt, queue fills and cancels, orphaned interest", function () {
    for (const event of [
      "FleetOracle.IncreaseClamped",
      "FleetOracle.ClassIndexUpdated",
      "CreditEngine.Seized",
      "CreditEngine.CollateralAdded",
      "CreditEngine.VaultClosed",
      "LiquidationAuction.Redone",
      "LiquidationAuction.LossSettled",
      "LiquidationAuction.BadDebt",
      "Reserve.Committed",
      "Reserve.Released",
      "Reserve.ShortfallCovered",
      "SavingsVault.Impaired",
      "SavingsVault.ImpairmentReleased",
      "SavingsVault.LossAbsorbed",
      "SavingsVault.InterestAdded",
      "PegStabilityModule.QueueFilled",
      "PegStabilityModule.RedemptionClaimed",
      "PegStabilityModule.RedemptionCancelled",
      "FleetRegistry.FleetRetired",
      "FleetRegistry.HostSignerSet",
      "ProtocolAccessManager.OperationScheduled",
      "ProtocolAccessManager.OperationExecuted",
    ]) {
      assert.ok((report.events[event] ?? 0) > 0, `seed ${SEED}: no ${event} event: ${JSON.stringify(report.events)}`);
    }
  });

  it("indexes the scenario to the head, where every entity equals the contracts' views", async function () {
    const head = await syncToHead();
    const { mismatches, checks } = await reconcile(p, chain, gql, head);
    assert.deepEqual(mismatches, [], `seed ${SEED}: ${mismatches.length} of ${checks} comparisons differ at block ${head}:\n${mismatches.join("\n")}`);
    assert.ok(checks > 500, `seed ${SEED}: only ${checks} comparisons`);
    console.log(`      seed ${SEED}: ${report.transactions} transactions, ${head} blocks, ${checks} comparisons, all equal`);
  });

  it("answers every analyst query of the README with the documented shape and the chain's values", async function () {
    const head = await syncToHead();
    const ctx = await QueryContext.create(p, chain, gql, head);
    const queries = readAnalystQueries();
    assert.equal(queries.length, 14, "the README documents 14 analyst queries");
    const failures: string[] = [];
    const counts: string[] = [];
    for (const q of queries) {
      const variables = await variablesFor(q.number, ctx);
      let data: unknown;
      try {
        data = await gql(q.query, variables);
      } catch (error) {
        failures.push(`query ${q.number} (${q.title}): ${(error as Error).message}`);
        continue;
      }
      for (const d of shapeDiff(shapeOf((q.example as { data: unknown }).data), shapeOf(data))) failures.push(`query ${q.number} (${q.title}) shape: ${d}`);
      const { mismatches, checks } = await checkAnalystQuery(q.number, data, ctx, variables);
      failures.push(...mismatches);
      counts.push(`${q.number}: ${checks}`);
    }
    console.log(`      comparisons by query: ${counts.join(", ")}`);
    assert.deepEqual(failures, [], `seed ${SEED}: README analyst queries at block ${head}:\n${failures.join("\n")}`);
  });

  it("rolls back a reorg to the common ancestor and re-indexes the new branch until it equals the chain again", async function () {
    const fork = await syncToHead();
    const meta = async (block?: bigint) => (await gql(`{ _meta${block === undefined ? "" : `(block: { number: ${block} })`} { block { number hash } } }`))._meta.block;
    const forkHash = (await meta(fork)).hash;
    const roundsAfter = async (block: bigint) => (await gql(`{ oracleRounds(where: { blockNumber_gt: "${block}" }, orderBy: roundId) { roundId hash } }`)).oracleRounds as { roundId: string; hash: string }[];
    const snapshot = await chain.snapshot();

    // Branch A: a round, a borrow, a sale and a deposit, indexed.
    await scenario.publishRound();
    const withFleet = (await scenario.vaults()).filter((v) => v.fleetId !== 0);
    if (withFleet.length > 0) await scenario.borrow(withFleet[0]!.id, 0.1, 0.3);
    await scenario.sellUsdc(scenario.pick([...scenario.fleets.map((f) => f.operator)]), 25_000n * 10n ** 6n);
    await scenario.publishRound();
    const headA = await syncToHead();
    assert.ok(headA > fork, `seed ${SEED}: branch A added no block`);
    const metaA = await meta();
    const roundsA = await roundsAfter(fork);
    assert.ok(roundsA.length >= 1, `seed ${SEED}: branch A's rounds are not indexed`);
    const rollbacks = runner.status().rollbacks;

    // Branch B from the same parent, longer, with other transactions.
    await chain.revert(snapshot);
    assert.equal(BigInt(await chain.blockNumber()), fork);
    for (let i = 0; i < 3; i++) await scenario.step();
    await scenario.keeper();
    // At least one block longer than branch A, so the runner meets a different hash at branch A's head.
    while (BigInt(await chain.blockNumber()) <= headA) await scenario.publishRound();
    assert.notEqual((await p.publicClient.getBlock({ blockNumber: headA })).hash, metaA.hash);
    const headB = await syncToHead();
    assert.equal(runner.status().rollbacks, rollbacks + 1, `seed ${SEED}: the runner did not roll back`);
    const chainHead = await p.publicClient.getBlock({ blockNumber: headB });
    const metaB = await meta();
    assert.equal(BigInt(metaB.number), headB);
    assert.equal(metaB.hash, chainHead.hash, `seed ${SEED}: _meta.block.hash is not the new branch's head`);
    // Nothing of branch A survives: the rounds after the fork are exactly branch B's.
    const roundsB = await roundsAfter(fork);
    const logs = await p.oracle.getEvents.RoundSubmitted({}, { fromBlock: fork + 1n, toBlock: headB });
    assert.deepEqual(
      roundsB.map((r) => [r.roundId, r.hash]),
      logs.map((l) => [String(l.args.roundId), l.transactionHash]),
      `seed ${SEED}: rounds after the fork differ from the chain's`,
    );
    for (const r of roundsA) assert.ok(!roundsB.some((b) => b.hash === r.hash), `seed ${SEED}: round ${r.roundId} of the abandoned branch survived`);
    // History before the fork is untouched, and the head equals the chain again.
    assert.equal((await meta(fork)).hash, forkHash);
    const { mismatches, checks } = await reconcile(p, chain, gql, headB);
    assert.deepEqual(mismatches, [], `seed ${SEED}: after the reorg ${mismatches.length} of ${checks} comparisons differ at block ${headB}:\n${mismatches.join("\n")}`);
  });
});
