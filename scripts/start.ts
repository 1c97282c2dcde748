/**
 * `npm start`: the whole local stack on embedded defaults. Starts a Hardhat node, deploys the protocol with the
 * Ignition module, seeds the demo story, prints a summary read from the chain, starts the subgraph runner and the web
 * app (scripts/lib/localServices.ts), prints their URLs, and keeps everything running.
 * `npm start -- --once` exits after the summary and the subgraph's history, without building or serving the web app
 * (used by the end-to-end test).
 */
import { network } from "hardhat";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { deployProtocol } from "./lib/protocol.js";
import { seedDemo, summarize } from "./lib/demo.js";
import { startDemoServices } from "./lib/localServices.js";

const RPC_PORT = Number(process.env.RPC_PORT ?? 8545);
const once = process.argv.includes("--once");
const log = (line: string) => console.log(line);

async function main() {
  const server = await network.createServer("node", "127.0.0.1", RPC_PORT);
  const { address, port } = await server.listen();
  const rpcUrl = `http://${address}:${port}`;
  log(`Hardhat node listening at ${rpcUrl} (chain 31337)`);

  const connection = await network.create({ network: "localhost", override: { url: rpcUrl } });
  // Oracle signer keys are made fresh for each run and live only in this process.
  const signers = [0, 1, 2, 3].map(() => privateKeyToAccount(generatePrivateKey()));
  const protocol = await deployProtocol(connection, signers, 3n);
  log(`Deployed with Ignition: engine ${protocol.engine.address}, oracle ${protocol.oracle.address}, PSM ${protocol.psm.address}`);
  log("");

  const demo = await seedDemo(protocol, log);
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
    await connection.close();
    await server.close();
    return;
  }
  log("Local stack running. Ctrl+C stops it.");
  const stop = async () => {
    await services.stop();
    await server.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  await server.afterClosed();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
