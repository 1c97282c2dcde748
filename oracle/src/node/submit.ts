/**
 * Relays a quorum-signed round to FleetOracle, at most once.
 *
 * The transaction is signed once, with a fixed account nonce, and every retry rebroadcasts those same bytes: however
 * many times a flaky RPC makes us resend, one transaction hash exists and it can be mined once. Before each attempt
 * the relayer reads `latestRoundId`; a round already there (ours, or another leader's) ends the job. A simulated or
 * mined revert `RoundNotIncreasing` means another leader won the race and counts as done. The transaction is re-signed
 * only when its account nonce was consumed by something else and no receipt exists for it, so the old bytes can
 * never land.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  encodeFunctionData,
  keccak256,
  type Address,
  type Hash,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type TransactionSerializable,
} from "viem";
import { allErrorsAbi, fleetOracleAbi } from "../../../abi/index.js";
import type { Round } from "../eip712.js";

export type RetryPolicy = { attempts: number; baseDelayMs: number; maxDelayMs: number; receiptTimeoutMs: number };
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 250, maxDelayMs: 8_000, receiptTimeoutMs: 30_000 };

export type SubmitOutcome =
  | { outcome: "landed"; hash: Hash; gasUsed: bigint; attempts: number }
  | { outcome: "already-landed"; latestRoundId: bigint; attempts: number }
  | { outcome: "failed"; error: string; attempts: number };

export type SubmitDeps = {
  client: PublicClient;
  account: LocalAccount;
  oracle: Address;
  retry?: RetryPolicy;
  onRetry?: (attempt: number, error: string, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
};

const abi = [...fleetOracleAbi, ...allErrorsAbi];

/** The custom error a revert carries, as `Name(arg, …)`, or null when the failure was not a revert. */
export function revertOf(error: unknown): { name: string; text: string } | null {
  if (!(error instanceof BaseError)) return null;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(revert instanceof ContractFunctionRevertedError)) return null;
  // A call through one contract can revert with another's error (the engine bubbles FleetOracle's): decode it with
  // every protocol error when the called contract's ABI did not know it.
  let data: { errorName: string; args?: readonly unknown[] } | undefined = revert.data;
  if (!data && revert.raw) {
    try {
      data = decodeErrorResult({ abi: allErrorsAbi, data: revert.raw });
    } catch {
      data = undefined;
    }
  }
  const name = data?.errorName ?? revert.reason ?? "unknown revert";
  const args = (data?.args ?? []).map((a) => (typeof a === "bigint" ? a.toString() : String(a))).join(", ");
  return { name, text: `${name}(${args})` };
}

const short = (error: unknown) => (error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message : String(error));
const nonceConsumed = (message: string) => /nonce too low|nonce has already been used|already been used/i.test(message);
const alreadyKnown = (message: string) => /already known|known transaction|already imported/i.test(message);

export async function submitRound(round: Round, signatures: readonly Hex[], deps: SubmitDeps): Promise<SubmitOutcome> {
  const { client, account, oracle } = deps;
  const retry = deps.retry ?? DEFAULT_RETRY;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const data = encodeFunctionData({ abi: fleetOracleAbi, functionName: "submitRound", args: [round, [...signatures]] });
  let signed: Hex | undefined;
  let hash: Hash | undefined;

  const settled = async (attempts: number): Promise<SubmitOutcome | null> => {
    if (hash) {
      const receipt = await client.getTransactionReceipt({ hash }).catch(() => null);
      if (receipt?.status === "success") return { outcome: "landed", hash, gasUsed: receipt.gasUsed, attempts };
    }
    const latest = BigInt(await client.readContract({ address: oracle, abi: fleetOracleAbi, functionName: "latestRoundId" }));
    return latest >= round.roundId ? { outcome: "already-landed", latestRoundId: latest, attempts } : null;
  };

  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    try {
      const done = await settled(attempt);
      if (done) return done;
      if (!signed) {
        // A dry run first: a round the contract would refuse is not worth a transaction, or a retry.
        try {
          await client.simulateContract({ address: oracle, abi, functionName: "submitRound", args: [round, [...signatures]], account });
        } catch (error) {
          const revert = revertOf(error);
          if (revert?.name === "RoundNotIncreasing") return (await settled(attempt)) ?? { outcome: "failed", error: revert.text, attempts: attempt };
          if (revert) return { outcome: "failed", error: `FleetOracle.submitRound would revert ${revert.text}`, attempts: attempt };
          throw error;
        }
        const request = await client.prepareTransactionRequest({ account, to: oracle, data, chain: client.chain ?? null });
        signed = await account.signTransaction(request as TransactionSerializable);
        hash = keccak256(signed);
      }
      try {
        await client.sendRawTransaction({ serializedTransaction: signed });
      } catch (error) {
        const message = short(error);
        if (nonceConsumed(message)) {
          const landed = await settled(attempt);
          if (landed) return landed;
          signed = undefined; // the nonce went to another transaction and ours can no longer be mined
          throw error;
        }
        if (!alreadyKnown(message)) throw error;
      }
      const receipt = await client.waitForTransactionReceipt({ hash: hash!, timeout: retry.receiptTimeoutMs });
      if (receipt.status === "success") return { outcome: "landed", hash: hash!, gasUsed: receipt.gasUsed, attempts: attempt };
      const other = await settled(attempt);
      if (other) return other;
      return { outcome: "failed", error: `submitRound transaction ${hash} reverted on-chain`, attempts: attempt };
    } catch (error) {
      if (attempt === retry.attempts) return { outcome: "failed", error: short(error), attempts: attempt };
      const delayMs = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)) * (0.75 + Math.random() / 2);
      deps.onRetry?.(attempt, short(error), Math.round(delayMs));
      await sleep(delayMs);
    }
  }
  return { outcome: "failed", error: "no attempts configured", attempts: 0 };
}
