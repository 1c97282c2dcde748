/**
 * `npm start`: the whole local stack on embedded defaults. Starts a Hardhat node, deploys the protocol with the
 * Ignition module, starts the oracle network (4 nodes, quorum 3, with a probe host per fleet), seeds the demo story
 * with every valuation coming from the network's rounds, prints a summary read from the chain, and keeps the node and
 * the oracle network (publishing on a timer) running. `npm start -- --once` exits after the summary (used by the
 * end-to-end test).
 */
import { network } from "hardhat";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { deployProtocol } from "./lib/protocol.js";
import { seedDemo, summarize } from "./lib/demo.js";
import { START_FLEETS } from "./lib/demoScenario.js";
import { demoHost, detectProbeMode, startDemoOracle } from "./lib/demoOracle.js";
import { jsonLogger } from "./lib/log.js";

const RPC_PORT = Number(process.env.RPC_PORT ?? 8545);
const once = process.argv.includes("--once");
/** How often the nodes publish once the demo is done and the stack keeps running. */
const ROUND_INTERVAL_MS = Number(process.env.ORACLE_INTERVAL_MS ?? 30_000);
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

  // The nodes relay their own rounds, so their keys need gas.
  for (const signer of signers) await protocol.networkHelpers.setBalance(signer.address, 10n ** 20n);
  const mode = await detectProbeMode();
  const oracleLog = jsonLogger("oracle-node", (line) => {
    // Node lines that tell the story (rounds, rejections, failures) are echoed; the rest would drown the narrative.
    const { event } = JSON.parse(line) as { event: string };
    if (!["round-submitted", "round-skipped", "round-no-quorum", "round-already-landed", "peer-unreachable", "round-submit-failed", "report-rejected", "tick-failed", "probe-failed"].includes(event)) return;
    log(`  [oracle] ${line.replace('"component":"oracle-node",', mode.mode === "replay" ? '"component":"oracle-node","probes":"replay",' : "")}`);
  });
  const oracle = await startDemoOracle({
    rpcUrl,
    oracle: protocol.oracle.address,
    registry: protocol.registry.address,
    nodeKeys: signers,
    hosts: START_FLEETS.map((f) => demoHost(f.name, f.classId, f.gpuCount)),
    mode,
    logger: oracleLog,
  });
  log(`Oracle nodes: ${oracle.net.nodes.map((n) => `${n.url} (${n.address})`).join(", ")}`);
  if (mode.mode === "real") log("NVML is present, but the demo fleets' GPUs are not on this host: their hosts replay; point `probe --node URL` at a node to add this GPU's live report");

  const demo = await seedDemo(protocol, oracle, log);
  log("");
  log(await summarize(demo));
  log("");
  log("Contracts:");
  for (const name of ["authority", "gpusd", "usdc", "registry", "oracle", "engine", "psm", "savings", "reserve", "auction"] as const) {
    log(`  ${name.padEnd(10)} ${demo[name].address}`);
  }
  log(`RPC: ${rpcUrl}`);

  if (once) {
    await oracle.stop();
    await connection.close();
    await server.close();
    return;
  }
  oracle.startTimers(ROUND_INTERVAL_MS);
  log(`Local stack running; the oracle nodes publish a round every ${ROUND_INTERVAL_MS / 1000} s. Ctrl+C stops it.`);
  const stop = async () => {
    await oracle.stop();
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
