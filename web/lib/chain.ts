"use client";
/** Live state read from the chain: a react-query hook around a loader that gets the viem client and the addresses. */
import { useQuery } from "@tanstack/react-query";
import { usePublicClient } from "wagmi";
import type { PublicClient } from "viem";
import { useAppConfig } from "./app-config-context";
import type { AppConfig } from "./config";

export type Loader<T> = (client: PublicClient, contracts: AppConfig["contracts"]) => Promise<T>;

export function useChainData<T>(key: readonly unknown[], load: Loader<T>, enabled = true) {
  const config = useAppConfig();
  const client = usePublicClient({ chainId: config.chainId }) as PublicClient | undefined;
  return useQuery({
    queryKey: ["chain", ...key],
    queryFn: () => load(client!, config.contracts),
    enabled: enabled && client !== undefined,
  });
}

/** Chain time now, from the latest block's timestamp plus the wall-clock time since it was read. */
export async function chainNow(client: PublicClient): Promise<number> {
  const block = await client.getBlock({ blockTag: "latest" });
  return Number(block.timestamp);
}
