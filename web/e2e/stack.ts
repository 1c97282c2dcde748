/**
 * The whole local stack for browser tests and benchmarks, in one process: an in-process Hardhat node, the protocol
 * deployed with the Ignition module (scripts/lib/protocol.ts), the demo story seeded (scripts/lib/demo.ts), and the
 * services `npm start` runs beside it (scripts/lib/localServices.ts): the subgraph runner indexing the chain and the
 * built Next app, here in test mode on free ports.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { DemoState } from "../../scripts/lib/demo.js";
import { startDemoChain } from "../../scripts/lib/localChain.js";
import { WEB, demoWebConfig, ensureWebBuild, startSubgraph, startWebServer } from "../../scripts/lib/localServices.js";
import { freePort } from "../../scripts/lib/net.js";
import type { Runner } from "../../subgraph/runner/src/runner.js";
import type { AppConfig } from "../lib/config.js";

export { ROOT } from "../../scripts/lib/localServices.js";
/** Gitignored: screenshots and other test output. */
export const OUT = join(WEB, ".e2e");

export type Stack = {
  rpcUrl: string;
  graphqlUrl: string;
  webUrl: string;
  demo: DemoState;
  runner: Runner;
  config: AppConfig;
  /** Waits until the subgraph has indexed the chain's head. */
  syncSubgraph(): Promise<void>;
  stop(): Promise<void>;
};

type Log = (line: string) => void;

export async function startStack(opts: { log?: Log; webPort?: number } = {}): Promise<Stack> {
  const started = Date.now();
  const quiet = opts.log ?? (() => {});
  // Phase lines always carry the elapsed time, so a slow start on a loaded machine says where the time went.
  const log: Log = (line) => quiet(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${line}`);
  mkdirSync(OUT, { recursive: true });
  ensureWebBuild(log);

  const chain = await startDemoChain({ port: 0, log: (line) => quiet(`  demo: ${line}`) });
  const { demo, rpcUrl } = chain;
  log(`chain ${rpcUrl} seeded`);

  const runner = await startSubgraph(rpcUrl, demo.engine.address, { log });
  log(`subgraph at ${runner.url}`);

  const config = await demoWebConfig(demo, { rpcUrl, graphqlUrl: runner.url }, true);
  const web = await startWebServer(config, opts.webPort ?? (await freePort()), log);

  return {
    rpcUrl,
    graphqlUrl: runner.url,
    webUrl: web.url,
    demo,
    runner,
    config,
    async syncSubgraph() {
      await runner.sync();
    },
    async stop() {
      await web.stop();
      await runner.stop();
      await chain.stop();
    },
  };
}
