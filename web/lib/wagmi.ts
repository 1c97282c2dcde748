/**
 * The wagmi config for a deployment: one chain (the deployment's), an injected-wallet connector, and in test mode
 * wagmi's mock connector, which forwards signing to the node's unlocked accounts so browser tests sign for real.
 */
// injected and mock come from wagmi's main entry: `wagmi/connectors` re-exports every wallet SDK's connector, and
// their modules stay in the bundle.
import { createConfig, http, injected, mock, type Config } from "wagmi";
import { defineChain, type Address } from "viem";
import { MOCK_ACCOUNT_KEY, type AppConfig } from "./config";

export function chainOf(config: AppConfig) {
  return defineChain({
    id: config.chainId,
    name: config.chainName,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [config.rpcUrl] } },
  });
}

function mockAccounts(config: AppConfig): Address[] {
  const chosen = typeof window !== "undefined" ? window.localStorage.getItem(MOCK_ACCOUNT_KEY) : null;
  const accounts = chosen ? [chosen as Address, ...config.mockAccounts.filter((a) => a.toLowerCase() !== chosen.toLowerCase())] : config.mockAccounts;
  return accounts.length ? accounts : ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"];
}

export function makeWagmiConfig(config: AppConfig): Config {
  const chain = chainOf(config);
  const connectors = [injected({ shimDisconnect: true })];
  if (config.testMode) connectors.push(mock({ accounts: mockAccounts(config) as [Address, ...Address[]], features: { reconnect: true, defaultConnected: true } }) as never);
  return createConfig({
    chains: [chain],
    connectors,
    // Batching folds a page's reads into one HTTP request per tick; polling every 2 s picks up new blocks.
    transports: { [chain.id]: http(config.rpcUrl, { batch: { wait: 16 } }) },
    pollingInterval: 2_000,
    ssr: true,
    multiInjectedProviderDiscovery: false,
  });
}
