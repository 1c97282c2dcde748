/**
 * The app's runtime configuration: which chain, which RPC and GraphQL endpoints, which contract addresses. The server
 * reads it at request time (see lib/server/config.ts) and hands it to the browser, so one build serves any deployment.
 */
import { getAddress, isAddress, type Address } from "viem";

export const CONTRACT_NAMES = ["gpusd", "usdc", "registry", "oracle", "engine", "psm", "savings", "reserve", "auction", "lens"] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

export type AppConfig = {
  chainId: number;
  chainName: string;
  /** JSON-RPC endpoint the browser reads live state from. */
  rpcUrl: string;
  /** The subgraph's GraphQL endpoint (history and aggregates); null runs the app on chain reads alone. */
  graphqlUrl: string | null;
  contracts: Record<ContractName, Address>;
  /** Link for a transaction hash; `{hash}` is replaced. Defaults to the app's own /tx/{hash} page. */
  explorerTxUrl: string;
  /** Whether TestUSDC's open faucet may be offered (local chains and testnets only). */
  faucet: boolean;
  /**
   * Test mode adds wagmi's mock connector, which forwards signing to the node's unlocked accounts. Never set it
   * against a real network.
   */
  testMode: boolean;
  /** Accounts the mock connector offers, in test mode. */
  mockAccounts: Address[];
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** Checks a parsed JSON object and fills defaults; throws ConfigError naming the field and the fix. */
export function parseConfig(json: unknown): AppConfig {
  if (!isObject(json)) throw new ConfigError("web config must be a JSON object with chainId, rpcUrl and contracts");
  const chainId = Number(json.chainId);
  if (!Number.isInteger(chainId) || chainId <= 0) throw new ConfigError(`chainId ${String(json.chainId)} must be a positive integer, e.g. 31337 for a local Hardhat node`);
  if (typeof json.rpcUrl !== "string" || !/^https?:\/\//.test(json.rpcUrl)) throw new ConfigError(`rpcUrl ${String(json.rpcUrl)} must be an http(s) URL, e.g. http://127.0.0.1:8545`);
  const graphqlUrl = json.graphqlUrl == null || json.graphqlUrl === "" ? null : String(json.graphqlUrl);
  if (graphqlUrl !== null && !/^https?:\/\//.test(graphqlUrl)) throw new ConfigError(`graphqlUrl ${graphqlUrl} must be an http(s) URL or null`);
  if (!isObject(json.contracts)) throw new ConfigError("contracts must map each contract name to its address");
  const contracts = {} as Record<ContractName, Address>;
  for (const name of CONTRACT_NAMES) {
    const address = json.contracts[name];
    if (typeof address !== "string" || !isAddress(address, { strict: false })) {
      throw new ConfigError(`contracts.${name} is ${String(address)}; set it to the deployed ${name} address`);
    }
    contracts[name] = getAddress(address);
  }
  const mockAccounts = Array.isArray(json.mockAccounts) ? json.mockAccounts.map((a) => getAddress(String(a))) : [];
  return {
    chainId,
    chainName: typeof json.chainName === "string" && json.chainName ? json.chainName : chainId === 31337 ? "Local Hardhat" : `Chain ${chainId}`,
    rpcUrl: json.rpcUrl,
    graphqlUrl,
    contracts,
    explorerTxUrl: typeof json.explorerTxUrl === "string" && json.explorerTxUrl.includes("{hash}") ? json.explorerTxUrl : "/tx/{hash}",
    faucet: json.faucet === undefined ? chainId === 31337 : json.faucet === true,
    testMode: json.testMode === true,
    mockAccounts,
  };
}

/** Browser tests pick the mock connector's account by writing it to localStorage under this key before the app loads. */
export const MOCK_ACCOUNT_KEY = "gpuc:mockAccount";

export const txUrl = (config: Pick<AppConfig, "explorerTxUrl">, hash: string) => config.explorerTxUrl.replace("{hash}", hash);
