/**
 * Starts several oracle nodes in one process, each with its own key, HTTP port, metrics and log stream, all pointed
 * at one chain: what `npm start` runs for the local demo and what the multi-node test drives.
 */
import { createPublicClient, defineChain, http, type Address, type Hex, type LocalAccount, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Logger } from "../../../scripts/lib/log.js";
import type { Tolerance } from "./aggregate.js";
import { viemChainView } from "./chain.js";
import { createLeader, type Leader, type Peer } from "./leader.js";
import { createNodeCore, type Clock, type NodeCore } from "./node.js";
import { serveNode, type NodeServer } from "./server.js";
import type { RetryPolicy } from "./submit.js";
import type { ChallengeDims } from "./tickets.js";
import type { NodeValuation } from "./valuation.js";
import type { VerifyLimits } from "./verify.js";

export type OracleNetworkConfig = {
  rpcUrl: string;
  oracle: Address;
  registry: Address;
  /** One oracle signer key per node (registered in FleetOracle). */
  nodeKeys: readonly (Hex | LocalAccount)[];
  /** Funded keys that pay for submitRound, one per node; default: the node keys themselves. */
  submitters?: readonly LocalAccount[];
  /** The model each node values with; a function to give nodes different ones (tests). */
  valuation: NodeValuation | ((index: number) => NodeValuation);
  /** Publish on a timer of this period; without it, rounds run only when `leadRound` is called. */
  intervalMs?: number;
  limits?: Partial<VerifyLimits>;
  challenge?: ChallengeDims;
  tolerance?: Tolerance;
  retry?: RetryPolicy;
  clock?: Clock;
  logger?: Logger | ((index: number) => Logger);
  host?: string;
  /** First port; node i listens on basePort + i. Default: any free port. */
  basePort?: number;
  /** How often viem polls for receipts; the local chain mines at once, a public one takes seconds. */
  pollingIntervalMs?: number;
  cacheTtlMs?: number;
};

export type RunningNode = { index: number; address: Address; url: string; core: NodeCore; leader: Leader; server: NodeServer; stop(): Promise<void> };

export type OracleNetwork = {
  nodes: RunningNode[];
  peers: Peer[];
  client: PublicClient;
  /** Has node `index` lead one round now. */
  leadRound(index: number): ReturnType<Leader["leadRound"]>;
  stop(): Promise<void>;
};

/**
 * A clock that never runs ahead of the chain: the later of the latest block's time and the wall clock less a margin.
 * An `observedAt` from it is never in the future for the next block (local chains that were time-travelled forward
 * included), which FleetOracle would reject.
 */
export function chainClock(client: PublicClient, marginSeconds = 15): Clock {
  return async () => {
    const block = await client.getBlock({ blockTag: "latest" });
    return Math.max(Number(block.timestamp), Math.floor(Date.now() / 1000) - marginSeconds);
  };
}

export async function startOracleNetwork(config: OracleNetworkConfig): Promise<OracleNetwork> {
  const probe = createPublicClient({ transport: http(config.rpcUrl) });
  const chainId = await probe.getChainId();
  const chain = defineChain({ id: chainId, name: `chain ${chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [config.rpcUrl] } } });
  const client = createPublicClient({ chain, transport: http(config.rpcUrl), pollingInterval: config.pollingIntervalMs ?? 500 });
  const view = viemChainView(client, { registry: config.registry, oracle: config.oracle }, { ttlMs: config.cacheTtlMs });
  const clock = config.clock ?? chainClock(client);
  const accounts = config.nodeKeys.map((key) => (typeof key === "string" ? privateKeyToAccount(key) : key));
  const peers: Peer[] = [];
  const nodes: RunningNode[] = [];

  for (const [index, account] of accounts.entries()) {
    const core = createNodeCore({
      account,
      chain: view,
      chainId,
      oracle: config.oracle,
      valuation: typeof config.valuation === "function" ? config.valuation(index) : config.valuation,
      limits: config.limits,
      challenge: config.challenge,
      tolerance: config.tolerance,
      clock,
      logger: typeof config.logger === "function" ? config.logger(index) : config.logger,
    });
    const server = await serveNode(core, { host: config.host, port: config.basePort === undefined ? 0 : config.basePort + index });
    const leader = createLeader({ core, peers: () => peers, client, submitter: config.submitters?.[index] ?? account, oracle: config.oracle, retry: config.retry });
    peers.push({ url: server.url, address: account.address });
    let stopped = false;
    nodes.push({
      index,
      address: account.address,
      url: server.url,
      core,
      leader,
      server,
      async stop() {
        if (stopped) return;
        stopped = true;
        await leader.stop();
        await server.close();
      },
    });
  }
  if (config.intervalMs) for (const node of nodes) node.leader.start(config.intervalMs);

  return {
    nodes,
    peers,
    client,
    leadRound: (index) => {
      const node = nodes[index];
      if (!node) throw new Error(`node ${index} does not exist; the network has ${nodes.length}`);
      return node.leader.leadRound();
    },
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}
