/**
 * Finds every liquidatable vault by paging through the VaultLens: one eth_call per page of vault ids, pages in
 * flight together. Pure reads; the keeper decides what to do with the result.
 */
import type { Address, PublicClient } from "viem";
import { vaultLensAbi, creditEngineAbi } from "../../abi/index.js";

export type ScanOptions = { pageSize?: number; concurrency?: number };

export async function findLiquidatable(client: PublicClient, lens: Address, engine: Address, options: ScanOptions = {}): Promise<bigint[]> {
  const pageSize = BigInt(options.pageSize ?? 1_000);
  const concurrency = options.concurrency ?? 4;
  if (pageSize <= 0n) throw new Error(`pageSize ${pageSize} must be positive: pass the number of vault ids per eth_call, e.g. 1000`);
  const last = await client.readContract({ address: engine, abi: creditEngineAbi, functionName: "lastVaultId" });
  const starts: bigint[] = [];
  for (let from = 1n; from <= last; from += pageSize) starts.push(from);

  const pages: bigint[][] = new Array(starts.length);
  let next = 0;
  const worker = async () => {
    while (next < starts.length) {
      const i = next++;
      pages[i] = [...(await client.readContract({ address: lens, abi: vaultLensAbi, functionName: "liquidatable", args: [starts[i]!, pageSize] }))];
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, starts.length) }, worker));
  return pages.flat();
}
