/**
 * The protocol world the runner tests and the README script share: a Hardhat node with the test's clock, the
 * protocol from its Ignition module, the runner on the compiled subgraph, and a seeded scenario, run to its end.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Protocol } from "../../../scripts/lib/protocol.js";
import { startRunner, type Runner } from "../src/runner.js";
import { deployOn, TestChain } from "./chain.js";
import { buildSubgraph, SUBGRAPH_DIR } from "./fixture.js";
import { Scenario, type ScenarioReport } from "./scenario.js";

export const DEFAULT_SEED = 20_261_122;
export const DEFAULT_TRANSACTIONS = 420;

export interface World {
  seed: number;
  chain: TestChain;
  p: Protocol;
  runner: Runner;
  scenario: Scenario;
  report: ScenarioReport;
  /** POST a query to the runner; throws on GraphQL errors, naming the seed. */
  gql(query: string, variables?: Record<string, unknown>): Promise<any>;
  close(): Promise<void>;
}

export async function startWorld(options: { seed?: number; transactions?: number; log?: (line: string) => void } = {}): Promise<World> {
  const seed = options.seed ?? DEFAULT_SEED;
  buildSubgraph();
  const chain = await TestChain.start();
  const p = await deployOn(chain);
  const dbDir = mkdtempSync(join(tmpdir(), "runner-protocol-"));
  const runner = await startRunner({ rpcUrl: chain.url, subgraphDir: SUBGRAPH_DIR, dbDir, port: 0, name: "gpu-credit", pollMs: 600_000 });
  const scenario = new Scenario(p, chain, { seed, transactions: options.transactions ?? DEFAULT_TRANSACTIONS, log: options.log });
  const report = await scenario.run();
  const gql = async (query: string, variables?: Record<string, unknown>) => {
    const res = await fetch(runner.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: any; errors?: { message: string }[] };
    if (body.errors) throw new Error(`seed ${seed}: GraphQL errors for ${query.slice(0, 160).replace(/\s+/g, " ")}…: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
  return {
    seed,
    chain,
    p,
    runner,
    scenario,
    report,
    gql,
    close: async () => {
      await runner.stop();
      await (p as { connection?: { close(): Promise<void> } }).connection?.close();
      await chain.close();
      rmSync(dbDir, { recursive: true, force: true });
    },
  };
}
