/**
 * The demo chain that `npm start` and the browser tests share: an in-process Hardhat node, the protocol deployed with
 * the Ignition module, the oracle network (4 nodes, quorum 3, a probe host per fleet) and the demo story seeded with
 * every valuation coming from the network's rounds.
 */
import { network } from "hardhat";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { deployProtocol } from "./protocol.js";
import { seedDemo, type DemoState } from "./demo.js";
import { START_FLEETS } from "./demoScenario.js";
import { demoHost, detectProbeMode, startDemoOracle, type DemoOracle, type ProbeMode } from "./demoOracle.js";
import { jsonLogger } from "./log.js";

type Log = (line: string) => void;

/** Node log lines that tell the story (rounds, rejections, failures); the rest would drown the narrative. */
const STORY_EVENTS = new Set(["round-submitted", "round-skipped", "round-no-quorum", "round-already-landed", "peer-unreachable", "round-submit-failed", "report-rejected", "tick-failed", "probe-failed"]);

export type DemoChain = {
  rpcUrl: string;
  demo: DemoState;
  oracle: DemoOracle;
  mode: ProbeMode;
  stop(): Promise<void>;
  /** Resolves when the node's server closes. */
  closed(): Promise<void>;
};

/** Starts the node on `port` (0: any free port), deploys, starts the oracle network and seeds the demo story. */
export async function startDemoChain(opts: { port: number; log: Log }): Promise<DemoChain> {
  const { log } = opts;
  const server = await network.createServer("node", "127.0.0.1", opts.port);
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
    const { event } = JSON.parse(line) as { event: string };
    if (!STORY_EVENTS.has(event)) return;
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
  return {
    rpcUrl,
    demo,
    oracle,
    mode,
    async stop() {
      await oracle.stop();
      await connection.close();
      await server.close();
    },
    closed: () => server.afterClosed(),
  };
}
