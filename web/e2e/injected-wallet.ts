/**
 * A browser wallet for the browser tests: an EIP-1193 provider set as `window.ethereum` before the app's scripts run,
 * as a wallet extension's content script does, so the app goes through wagmi's injected connector and nothing else.
 * It holds one account the Hardhat node has unlocked: `eth_sendTransaction` goes to the node, which signs it as a wallet
 * signs with its key. Every other request also goes to the node over HTTP (the node answers CORS, as it does for the
 * app's own reads). It starts on another chain than the node's, so the app has to ask it to switch.
 */
import type { Address } from "viem";

export type InjectedWallet = {
  /** The node's JSON-RPC URL: the wallet's RPC for the node's chain. */
  rpcUrl: string;
  /** The node's chain, the one network besides `startChainId` this wallet knows. */
  chainId: number;
  account: Address;
  /** The chain the wallet is on before the app asks for another, e.g. 1 (Ethereum mainnet). */
  startChainId: number;
};

/** The script for `context.addInitScript({ content })`. */
export function injectedWalletScript(wallet: InjectedWallet): string {
  // tsx compiles this file with esbuild's keepNames, which wraps named functions in a module-level __name() helper the
  // page does not have; the script brings a no-op one.
  return `(() => { const __name = (f) => f; (${installWallet.toString()})(${JSON.stringify(wallet)}); })();`;
}

/** Runs in the page: serialized by `injectedWalletScript`, so it may use nothing from this module. */
function installWallet(wallet: InjectedWallet): void {
  type Listener = (payload: unknown) => void;
  type Storage = { getItem(key: string): string | null; setItem(key: string, value: string): void };
  const page = globalThis as unknown as { ethereum?: unknown; localStorage: Storage };
  // A wallet remembers per site whether the site may see its account and which chain the site was on. This one keeps
  // that in the site's own storage, so it survives the app's reloads as an extension's storage would.
  const KEY = "e2e:injectedWallet";
  const state = (JSON.parse(page.localStorage.getItem(KEY) ?? "null") as { connected: boolean; chainId: number } | null) ?? { connected: false, chainId: wallet.startChainId };
  const save = () => page.localStorage.setItem(KEY, JSON.stringify(state));
  const listeners = new Map<string, Set<Listener>>();
  const emit = (event: string, payload: unknown) => listeners.get(event)?.forEach((listener) => listener(payload));
  const hex = (n: number) => `0x${n.toString(16)}`;
  // EIP-1193 errors carry a code; viem maps them to its typed errors (4100 unauthorized, 4901 wrong chain, 4902 unknown chain).
  const fail = (code: number, message: string): never => {
    throw Object.assign(new Error(message), { code });
  };
  const accounts = () => (state.connected ? [wallet.account] : []);
  // Connecting: a real wallet asks its user here; this one approves.
  const grant = () => {
    if (!state.connected) {
      state.connected = true;
      save();
      emit("accountsChanged", accounts());
    }
    return accounts();
  };
  const permissions = () => (state.connected ? [{ parentCapability: "eth_accounts", caveats: [{ type: "restrictReturnedAccounts", value: accounts() }] }] : []);
  let nextId = 0;
  const forward = async (method: string, params: unknown) => {
    const response = await fetch(wallet.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: ++nextId, method, params: params ?? [] }) });
    const body = (await response.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
    if (body.error) throw Object.assign(new Error(body.error.message), body.error);
    return body.result;
  };

  const provider = {
    isMetaMask: false,
    async request({ method, params }: { method: string; params?: unknown[] }): Promise<unknown> {
      switch (method) {
        case "eth_chainId":
          return hex(state.chainId);
        case "net_version":
          return String(state.chainId);
        // Empty until the site has asked: a wallet shows its accounts only to sites the user connected.
        case "eth_accounts":
          return accounts();
        case "eth_requestAccounts":
          return grant();
        case "wallet_requestPermissions":
          grant();
          return permissions();
        case "wallet_getPermissions":
          return permissions();
        case "wallet_revokePermissions":
          state.connected = false;
          save();
          emit("accountsChanged", []);
          return null;
        case "wallet_switchEthereumChain": {
          const target = Number((params?.[0] as { chainId: string }).chainId);
          if (target !== wallet.chainId && target !== wallet.startChainId) fail(4902, `Unrecognized chain ID ${hex(target)}: add it to the wallet first`);
          if (target !== state.chainId) {
            state.chainId = target;
            save();
            emit("chainChanged", hex(target));
          }
          return null;
        }
        case "eth_sendTransaction": {
          const tx = params?.[0] as { from?: string; chainId?: string } | undefined;
          if (!state.connected || tx?.from?.toLowerCase() !== wallet.account.toLowerCase()) fail(4100, "The wallet has not given this site that account");
          // On any other chain the wallet would sign for that network and send it there, not to the node.
          if (state.chainId !== wallet.chainId) fail(4901, `The wallet is on chain ${state.chainId}; switch it to chain ${wallet.chainId} first`);
          if (tx?.chainId !== undefined && Number(tx.chainId) !== state.chainId) fail(-32602, `The transaction is for chain ${Number(tx.chainId)}, the wallet is on ${state.chainId}`);
          return forward(method, params);
        }
        default:
          return forward(method, params);
      }
    },
    on(event: string, listener: Listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(listener);
      return provider;
    },
    removeListener(event: string, listener: Listener) {
      listeners.get(event)?.delete(listener);
      return provider;
    },
  };
  page.ethereum = provider;
}
