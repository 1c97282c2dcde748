/**
 * The liquidation keeper: finds liquidatable vaults and kicks their auctions, resets auctions that need it, takes an
 * auction once its price is at or below the configured bid, and mints the tips the auction credited it. Every action
 * is one structured log line.
 */
import { BaseError, ContractFunctionRevertedError, type Account, type Address, type Chain, type PublicClient, type WalletClient } from "viem";
import { fleetOracleAbi, liquidationAuctionAbi } from "../../abi/index.js";
import type { Logger } from "../lib/log.js";
import { findLiquidatable } from "./scan.js";

const WAD = 10n ** 18n;

export type KeeperConfig = {
  publicClient: PublicClient;
  wallet: WalletClient & { account: Account; chain: Chain | undefined };
  engine: Address;
  lens: Address;
  auction: Address;
  oracle: Address;
  /** Most the keeper pays for a fleet, as a fraction of its oracle value [wad]; 0 never takes. */
  bidPerValue: bigint;
  log: Logger;
};

export type KeeperReport = { kicked: bigint[]; redone: bigint[]; taken: { auctionId: bigint; price: bigint }[]; claimed: bigint; failed: number };

/** The revert's custom error name, or the short message: what a log line should say about a failed action. */
function reason(error: unknown): string {
  if (error instanceof BaseError) {
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) return revert.data?.errorName ?? revert.shortMessage;
    return error.shortMessage;
  }
  return String(error);
}

export async function runOnce(cfg: KeeperConfig): Promise<KeeperReport> {
  const { publicClient, wallet, log } = cfg;
  const report: KeeperReport = { kicked: [], redone: [], taken: [], claimed: 0n, failed: 0 };
  const send = async (action: string, fields: Record<string, unknown>, write: () => Promise<`0x${string}`>) => {
    try {
      const hash = await write();
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      log.info(action, { ...fields, tx: hash, gasUsed: receipt.gasUsed });
      return true;
    } catch (error) {
      report.failed++;
      log.warn(`${action}.failed`, { ...fields, reason: reason(error) });
      return false;
    }
  };

  const liquidatable = await findLiquidatable(publicClient, cfg.lens, cfg.engine);
  log.info("scan", { liquidatable: liquidatable.length });
  for (const vaultId of liquidatable) {
    const write = () => wallet.writeContract({ address: cfg.auction, abi: liquidationAuctionAbi, functionName: "kick", args: [vaultId, wallet.account.address], account: wallet.account, chain: wallet.chain });
    if (await send("kick", { vaultId }, write)) report.kicked.push(vaultId);
  }

  const last = await publicClient.readContract({ address: cfg.auction, abi: liquidationAuctionAbi, functionName: "lastAuctionId" });
  for (let auctionId = 1n; auctionId <= last; auctionId++) {
    const auction = await publicClient.readContract({ address: cfg.auction, abi: liquidationAuctionAbi, functionName: "auction", args: [auctionId] });
    if (auction.tab === 0n) continue; // settled
    const [needsReset, price] = await publicClient.readContract({ address: cfg.auction, abi: liquidationAuctionAbi, functionName: "status", args: [auctionId] });
    if (needsReset) {
      const write = () => wallet.writeContract({ address: cfg.auction, abi: liquidationAuctionAbi, functionName: "redo", args: [auctionId, wallet.account.address], account: wallet.account, chain: wallet.chain });
      if (await send("redo", { auctionId, price }, write)) report.redone.push(auctionId);
      continue;
    }
    const [value] = await publicClient.readContract({ address: cfg.oracle, abi: fleetOracleAbi, functionName: "liquidationValue", args: [auction.fleetId] });
    const bid = (value * cfg.bidPerValue) / WAD;
    if (price > bid) {
      log.info("wait", { auctionId, price, bid });
      continue;
    }
    // maxPrice guards against the price moving between this read and inclusion.
    const write = () => wallet.writeContract({ address: cfg.auction, abi: liquidationAuctionAbi, functionName: "take", args: [auctionId, bid, wallet.account.address], account: wallet.account, chain: wallet.chain });
    if (await send("take", { auctionId, price, bid, fleetId: auction.fleetId }, write)) report.taken.push({ auctionId, price });
  }

  // Kicks and resets credit tips; a claim mints them, all but the wei that keeps the next credit cheap.
  const owed = await publicClient.readContract({ address: cfg.auction, abi: liquidationAuctionAbi, functionName: "tipsOwed", args: [wallet.account.address] });
  if (owed > 1n) {
    const write = () => wallet.writeContract({ address: cfg.auction, abi: liquidationAuctionAbi, functionName: "claimTips", args: [wallet.account.address], account: wallet.account, chain: wallet.chain });
    if (await send("claim", { tips: owed - 1n }, write)) report.claimed = owed - 1n;
  }
  return report;
}
