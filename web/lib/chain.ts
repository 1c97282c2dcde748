"use client";
/** Live state read from the chain: a react-query hook around a loader that gets the viem client and the addresses. */
import { useQuery } from "@tanstack/react-query";
import type { Client } from "viem";
import { useAppConfig } from "./app-config-context";
import { useReadClient } from "./read-client";
import type { AppConfig } from "./config";
import { getBlock } from "viem/actions";

export type Loader<T> = (client: Client, contracts: AppConfig["contracts"]) => Promise<T>;

export function useChainData<T>(key: readonly unknown[], load: Loader<T>, enabled = true) {
  const config = useAppConfig();
  const client = useReadClient();
  return useQuery({
    queryKey: ["chain", ...key],
    queryFn: () => load(client, config.contracts),
    enabled,
  });
}

/** Chain time now, from the latest block's timestamp plus the wall-clock time since it was read. */
export async function chainNow(client: Client): Promise<number> {
  const block = await getBlock(client, { blockTag: "latest" });
  return Number(block.timestamp);
}
