/**
 * `npm start`: the whole local stack on embedded defaults. Starts a Hardhat node, deploys the protocol with the
 * Ignition module, starts the oracle network (4 nodes, quorum 3, with a probe host per fleet), seeds the demo story
 * with every valuation coming from the network's rounds, prints a summary read from the chain, starts the subgraph
 * runner and the web app (scripts/lib/localServices.ts), prints their URLs, and keeps the node, the oracle network
 * (publishing on a timer), the subgraph and the app running. `npm start -- --once` exits after the summary and the
 * subgraph's history, without building or serving the web app (used by the end-to-end test).
 */
import { summarize } from "./lib/demo.js";
import { startDemoChain } from "./lib/localChain.js";
import { startDemoServices } from "./lib/localServices.js";

const RPC_PORT = Number(process.env.RPC_PORT ?? 8545);
const once = process.argv.includes("--once");
/** How often the nodes publish once the demo is done and the stack keeps running. */
const ROUND_INTERVAL_MS = Number(process.env.ORACLE_INTERVAL_MS ?? 30_000);
const log = (line: string) => console.log(line);

async function main() {
  const chain = await startDemoChain({ port: RPC_PORT, log });
  const { demo, oracle, rpcUrl } = chain;
  log("");
  log(await summarize(demo));
  log("");
  log("Contracts:");
  for (const name of ["authority", "gpusd", "usdc", "registry", "oracle", "engine", "psm", "savings", "reserve", "auction"] as const) {
    log(`  ${name.padEnd(10)} ${demo[name].address}`);
  }
  log("");
  const services = await startDemoServices(demo, rpcUrl, { web: !once, log });
  log("");
  log(`RPC: ${rpcUrl}`);
  log(`GraphQL: ${services.graphqlUrl}`);
  if (services.webUrl) log(`Web: ${services.webUrl} (point a wallet at the RPC, chain 31337)`);

  if (once) {
    await services.stop();
    await chain.stop();
    return;
  }
  // The story ends hours of chain time after its last round, past the oracle's staleness window: without a round now,
  // borrowing stays paused until the hosts' first timed re-probe and the round after it, two minutes in.
  const fresh = await oracle.round();
  oracle.startTimers(ROUND_INTERVAL_MS);
  log(`Local stack running; oracle round ${fresh} just landed, and the nodes publish a round every ${ROUND_INTERVAL_MS / 1000} s. Ctrl+C stops it.`);
  const stop = async () => {
    await services.stop();
    await chain.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  await chain.closed();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
