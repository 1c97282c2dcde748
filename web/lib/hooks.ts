"use client";
import { useEffect, useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { usePublicClient } from "wagmi";
import type { Address } from "viem";
import { useAppConfig } from "./app-config-context";
import { explainError, type ErrorContext } from "./errors";
import type { ContractCall } from "./tx";

export function useDebounced<T>(value: T, ms = 250): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return debounced;
}

/**
 * Simulates a call with eth_call before anything is signed: `error` is the contract's decoded refusal, in words.
 * `call` null skips it.
 */
export function useSimulation(call: ContractCall | null, account: Address | null, ctx: ErrorContext = {}) {
  const config = useAppConfig();
  const client = usePublicClient({ chainId: config.chainId });
  const key = call ? `${call.address}:${call.functionName}:${call.args.map(String).join(",")}` : null;
  const settledKey = useDebounced(key);
  const latest = useRef(call);
  latest.current = call;
  const q = useQuery({
    queryKey: ["chain", "simulate", account, settledKey],
    queryFn: async () => {
      try {
        await client!.simulateContract({ ...latest.current!, account: account! } as Parameters<NonNullable<typeof client>["simulateContract"]>[0]);
        return { ok: true as const, error: null };
      } catch (error) {
        return { ok: false as const, error: explainError(error, ctx) };
      }
    },
    enabled: key !== null && settledKey === key && account !== null && client !== undefined,
    refetchInterval: false,
  });
  const settled = key !== null && settledKey === key && !q.isFetching && q.data !== undefined;
  return { result: settled ? q.data : undefined, checking: key !== null && !settled };
}
