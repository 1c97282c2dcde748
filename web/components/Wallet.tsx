"use client";
import { useAccount, useConnect, useDisconnect, useSwitchChain } from "wagmi";
import { useAppConfig } from "../lib/app-config-context";
import { shortAddress } from "../lib/units";

/** Connect / disconnect. In test mode the mock connector is offered as "Test account". */
export function WalletButton() {
  const { address, isConnected, status } = useAccount();
  const { connectors, connect, isPending, error } = useConnect();
  const { disconnect } = useDisconnect();
  if (isConnected && address) {
    return (
      <div className="wallet">
        <span className="wallet-address" data-testid="wallet-address" title={address}>
          {shortAddress(address)}
        </span>
        <button type="button" className="btn btn-ghost" onClick={() => disconnect()}>
          Disconnect
        </button>
      </div>
    );
  }
  return (
    <div className="wallet">
      {connectors.map((c) => (
        <button key={c.uid} type="button" className="btn" disabled={isPending || status === "reconnecting"} onClick={() => connect({ connector: c })}>
          {c.type === "mock" ? "Connect test account" : "Connect wallet"}
        </button>
      ))}
      {error ? (
        <span role="alert" className="wallet-error">
          {/not found|ProviderNotFound/i.test(`${error.name} ${error.message}`) ? "No browser wallet found. Install one, or open the app in a browser that has one." : error.message.split("\n")[0]}
        </span>
      ) : null}
    </div>
  );
}

/** Shown while the wallet is on another chain than the deployment's. */
export function NetworkBanner() {
  const config = useAppConfig();
  const { chainId, isConnected } = useAccount();
  const { switchChain, isPending, error } = useSwitchChain();
  if (!isConnected || chainId === undefined || chainId === config.chainId) return null;
  return (
    <div className="banner banner-warn" role="alert" data-testid="wrong-network">
      <span>
        Your wallet is on chain {chainId}. This app runs on {config.chainName} (chain {config.chainId}).
      </span>
      <button type="button" className="btn" disabled={isPending} onClick={() => switchChain({ chainId: config.chainId })}>
        Switch to {config.chainName}
      </button>
      {error ? <span className="wallet-error">{error.message.split("\n")[0]}</span> : null}
    </div>
  );
}

/** The connected account when it is on the right chain; null otherwise. */
export function useActiveAccount() {
  const config = useAppConfig();
  const { address, chainId, isConnected } = useAccount();
  return isConnected && address && chainId === config.chainId ? address : null;
}
