"use client";
import Link from "next/link";
import type { ReactNode } from "react";
import { useAppConfig } from "../lib/app-config-context";
import { Nav } from "./Nav";
import { Toasts } from "./Toasts";
import { NetworkBanner, WalletButton } from "./Wallet";

export function Shell({ children }: { children: ReactNode }) {
  const config = useAppConfig();
  return (
    <>
      <header className="top">
        <Link href="/" className="brand">
          GPU Credit
        </Link>
        <Nav />
        <WalletButton />
      </header>
      <NetworkBanner />
      {config.testMode ? (
        <div className="banner banner-info" role="note">
          Test mode: the test account signs through the local node's unlocked accounts.
        </div>
      ) : null}
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <footer className="foot">
        {config.chainName} · chain {config.chainId} · {config.graphqlUrl ? "history from the subgraph" : "no subgraph configured: history hidden"}
      </footer>
      <Toasts />
    </>
  );
}
