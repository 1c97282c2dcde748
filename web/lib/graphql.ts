"use client";
/**
 * History and aggregates come from the subgraph (graph-node's query conventions; locally the runner in subgraph/).
 * Every query names its `first`, at most MAX_ROWS (subgraph-rows.ts), and querySubgraph refuses one above it.
 */
import { useQuery } from "@tanstack/react-query";
import { useAppConfig } from "./app-config-context";
import { MAX_ROWS, largestFirst } from "./subgraph-rows";

export { MAX_ROWS };

export class SubgraphError extends Error {
  override name = "SubgraphError";
}

export async function querySubgraph<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const rows = largestFirst(query, variables);
  if (rows > MAX_ROWS) throw new SubgraphError(`a query asks for ${rows} rows; the app pages or aggregates above ${MAX_ROWS}`);
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new SubgraphError(body.errors.map((e) => e.message).join("; "));
  if (!body.data) throw new SubgraphError(`the subgraph answered ${response.status} without data`);
  return body.data;
}

/** A subgraph query; `data` stays undefined (and `disabled` true) when no subgraph is configured. */
export function useSubgraph<T>(key: readonly unknown[], query: string, variables: Record<string, unknown> = {}, enabled = true) {
  const { graphqlUrl } = useAppConfig();
  const result = useQuery({
    queryKey: ["subgraph", ...key, variables],
    queryFn: () => querySubgraph<T>(graphqlUrl!, query, variables),
    enabled: enabled && graphqlUrl !== null,
    refetchInterval: 10_000,
  });
  return { ...result, disabled: graphqlUrl === null };
}

/** Aggregation timestamps are microseconds (graph-node's convention); points are unix seconds. */
export const bucketSeconds = (timestamp: string) => Number(BigInt(timestamp) / 1_000_000n);
