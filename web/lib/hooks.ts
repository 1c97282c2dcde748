"use client";
import { useEffect, useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { useReadClient } from "./read-client";
import { explainError, type ErrorContext } from "./errors";
import type { ContractCall } from "./tx";
import { simulateContract } from "viem/actions";

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
  const client = useReadClient();
  const key = call ? `${call.address}:${call.functionName}:${call.args.map(String).join(",")}` : null;
  const settledKey = useDebounced(key);
  const latest = useRef(call);
  latest.current = call;
  const q = useQuery({
    queryKey: ["chain", "simulate", account, settledKey],
    queryFn: async () => {
      try {
        await simulateContract(client, { ...latest.current!, account: account! } as Parameters<typeof simulateContract>[1]);
        return { ok: true as const, error: null };
      } catch (error) {
        return { ok: false as const, error: explainError(error, ctx) };
      }
    },
    enabled: key !== null && settledKey === key && account !== null,
    refetchInterval: false,
  });
  const settled = key !== null && settledKey === key && !q.isFetching && q.data !== undefined;
  return { result: settled ? q.data : undefined, checking: key !== null && !settled };
}
