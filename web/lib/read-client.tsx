"use client";
/**
 * The client every page reads the chain with: a bare viem client plus the tree-shakable actions each module imports
 * from `viem/actions`. (wagmi's usePublicClient extends its client with every public action, which would put all of
 * them, and the signature code they reach, in every route's first load.) Reads made in the same tick are batched
 * into one JSON-RPC request.
 */
import { createContext, useContext, useState, type ReactNode } from "react";
import { createClient, http, type Client } from "viem";
import type { AppConfig } from "./config";
import { chainOf } from "./wagmi";

const ReadClientContext = createContext<Client | null>(null);

export function ReadClientProvider({ config, children }: { config: AppConfig; children: ReactNode }) {
  const [client] = useState(() => createClient({ chain: chainOf(config), transport: http(config.rpcUrl, { batch: { wait: 16 } }), pollingInterval: 1_000 }));
  return <ReadClientContext.Provider value={client}>{children}</ReadClientContext.Provider>;
}

export function useReadClient(): Client {
  const client = useContext(ReadClientContext);
  if (!client) throw new Error("useReadClient needs <ReadClientProvider>");
  return client;
}
