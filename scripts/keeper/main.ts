/**
 * `npm run keeper`: runs the keeper against a node until stopped.
 *   RPC_URL       node to watch (default http://127.0.0.1:8545, the `npm start` node)
 *   KEEPER_KEY    the keeper's private key; on the local chain (31337) the node's unlocked keeper account is used
 *   BID           most it pays for a fleet, as a fraction of the fleet's oracle value (default 0.6)
 *   INTERVAL_S    seconds between passes (default 15)
 * Contract addresses come from Ignition's record of the deployment on that chain.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createPublicClient, createWalletClient, http, parseEther, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { jsonLogger } from "../lib/log.js";
import { LOCAL_ACCOUNT_ROLES } from "../lib/protocol.js";
import { runOnce } from "./keeper.js";

const log = jsonLogger("keeper");

function fail(message: string): never {
  log.error("config", { message });
  process.exit(2);
}

async function main() {
  const rpcUrl = process.env.RPC_URL ?? "http://127.0.0.1:8545";
  const bid = process.env.BID ?? "0.6";
  if (!/^(0(\.\d+)?|1(\.0+)?)$/.test(bid)) fail(`BID=${bid} must be a fraction between 0 and 1, e.g. 0.6`);
  const interval = Number(process.env.INTERVAL_S ?? "15");
  if (!Number.isFinite(interval) || interval <= 0) fail(`INTERVAL_S=${process.env.INTERVAL_S} must be a positive number of seconds`);

  const publicClient = createPublicClient({ transport: http(rpcUrl) });
  const chainId = await publicClient.getChainId().catch(() => fail(`no node answers at RPC_URL=${rpcUrl}: start one with npm start or set RPC_URL`));
  const file = fileURLToPath(new URL(`../../ignition/deployments/chain-${chainId}/deployed_addresses.json`, import.meta.url));
  let deployed: Record<string, Address>;
  try {
    deployed = JSON.parse(readFileSync(file, "utf8")) as Record<string, Address>;
  } catch {
    fail(`no deployment recorded for chain ${chainId} (${file}): deploy with Ignition first`);
  }
  const address = (name: string) => deployed[`GpuCreditLocal#${name}`] ?? deployed[`GpuCredit#${name}`] ?? fail(`${name} missing from ${file}`);

  const chain = { id: chainId, name: `chain ${chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } };
  let account;
  if (process.env.KEEPER_KEY) account = privateKeyToAccount(process.env.KEEPER_KEY as `0x${string}`);
  else if (chainId === 31337) {
    const accounts = await publicClient.request({ method: "eth_accounts" } as never) as Address[];
    account = accounts[LOCAL_ACCOUNT_ROLES.indexOf("keeper")] ?? fail("the local node has no keeper account");
  } else fail(`set KEEPER_KEY: chain ${chainId} is not the local chain, whose unlocked accounts the keeper may use`);
  const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) });

  const cfg = {
    publicClient,
    wallet: wallet as never,
    engine: address("CreditEngine"),
    lens: address("VaultLens"),
    auction: address("LiquidationAuction"),
    oracle: address("FleetOracle"),
    bidPerValue: parseEther(bid),
    log,
  };
  log.info("start", { rpcUrl, chainId, keeper: wallet.account.address, bid, intervalS: interval });
  for (;;) {
    try {
      const report = await runOnce(cfg);
      log.info("pass", { kicked: report.kicked.length, redone: report.redone.length, taken: report.taken.length, failed: report.failed });
    } catch (error) {
      log.error("pass.failed", { message: error instanceof Error ? error.message : String(error) });
    }
    await new Promise((resolve) => setTimeout(resolve, interval * 1000));
  }
}

void main();
