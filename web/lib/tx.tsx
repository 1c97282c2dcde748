"use client";
/**
 * Transaction flows with lifecycle toasts. A flow is a list of steps (approvals first, then the action). Each step is
 * simulated before the wallet is asked, so a revert shows its decoded sentence without anything being signed; then it
 * goes wallet → pending (with the hash) → confirmed or failed. When a flow ends, every chain query refetches.
 */
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { useAccount, useWriteContract } from "wagmi";
import type { Abi, Address, Hex } from "viem";
import { explainError, type ErrorContext } from "./errors";
import { useAppConfig } from "./app-config-context";
import { useReadClient } from "./read-client";
import { simulateContract, waitForTransactionReceipt } from "viem/actions";

export type ContractCall = { address: Address; abi: Abi; functionName: string; args: readonly unknown[] };
export type TxStep = { label: string; kind: "approve" | "action"; call: ContractCall; errorContext?: ErrorContext };
export type TxFlow = { steps: TxStep[] };

export type ToastStatus = "wallet" | "pending" | "confirmed" | "failed";
export type Toast = { id: number; title: string; kind: TxStep["kind"]; status: ToastStatus; hash?: Hex; message?: string };

type TxContextValue = {
  toasts: Toast[];
  dismiss: (id: number) => void;
  run: (flow: TxFlow) => Promise<boolean>;
  busy: boolean;
};

const TxContext = createContext<TxContextValue | null>(null);

export function TxProvider({ children }: { children: ReactNode }) {
  const config = useAppConfig();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [busy, setBusy] = useState(false);
  const nextId = useRef(1);
  const { address } = useAccount();
  const publicClient = useReadClient();
  const { writeContractAsync } = useWriteContract();
  const queryClient = useQueryClient();

  const update = useCallback((id: number, patch: Partial<Toast>) => setToasts((all) => all.map((t) => (t.id === id ? { ...t, ...patch } : t))), []);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const settle = useCallback((id: number) => setTimeout(() => dismiss(id), 15_000), [dismiss]);

  const run = useCallback(
    async (flow: TxFlow) => {
      if (!address) return false;
      setBusy(true);
      try {
        for (const step of flow.steps) {
          const id = nextId.current++;
          setToasts((all) => [...all.slice(-5), { id, title: step.label, kind: step.kind, status: "wallet" }]);
          try {
            await simulateContract(publicClient, { ...step.call, account: address } as Parameters<typeof simulateContract>[1]);
            const hash = await writeContractAsync({ ...step.call, chainId: config.chainId, account: address } as Parameters<typeof writeContractAsync>[0]);
            update(id, { status: "pending", hash });
            const receipt = await waitForTransactionReceipt(publicClient, { hash, pollingInterval: 250 });
            if (receipt.status !== "success") {
              update(id, { status: "failed", message: "The transaction reverted on-chain." });
              return false;
            }
            update(id, { status: "confirmed" });
            settle(id);
          } catch (error) {
            update(id, { status: "failed", message: explainError(error, step.errorContext).sentence });
            return false;
          }
        }
        return true;
      } finally {
        setBusy(false);
        await queryClient.invalidateQueries();
      }
    },
    [address, publicClient, writeContractAsync, config.chainId, update, settle, queryClient],
  );

  const value = useMemo(() => ({ toasts, dismiss, run, busy }), [toasts, dismiss, run, busy]);
  return <TxContext.Provider value={value}>{children}</TxContext.Provider>;
}

export function useTx(): TxContextValue {
  const ctx = useContext(TxContext);
  if (!ctx) throw new Error("useTx needs <TxProvider>");
  return ctx;
}
