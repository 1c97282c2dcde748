/**
 * Writes networks.json (graph-cli's `--network` file) with the addresses of a real local deployment: the Ignition
 * `GpuCreditLocal` module deployed by the default account on a fresh in-process chain 31337, exactly as `npm start`
 * does. Contract addresses there depend only on the deployer's nonce order, so they are stable across runs; deploying
 * for real instead of typing them means a change to the deployment's order cannot leave the subgraph pointing at the
 * wrong contracts. `--check` compares instead of writing, and fails when networks.json is out of date.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { network } from "hardhat";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { deployProtocol } from "../../scripts/lib/protocol.js";

/** Manifest data source name → the deployProtocol result key that holds its contract. */
export const DEPLOYED = {
  GPUSD: "gpusd",
  FleetRegistry: "registry",
  FleetOracle: "oracle",
  CreditEngine: "engine",
  PegStabilityModule: "psm",
  SavingsVault: "savings",
  Reserve: "reserve",
  LiquidationAuction: "auction",
  ProtocolAccessManager: "authority",
} as const;

const file = fileURLToPath(new URL("../networks.json", import.meta.url));

async function main() {
  const connection = await network.create();
  const signers = [0, 1, 2, 3].map(() => privateKeyToAccount(generatePrivateKey()));
  const protocol = await deployProtocol(connection, signers, 3n);
  const localhost: Record<string, { address: string; startBlock: number }> = {};
  for (const [name, key] of Object.entries(DEPLOYED)) {
    // Block 0 is the empty genesis: starting there indexes the constructors' events (initial parameters, signers).
    localhost[name] = { address: protocol[key].address.toLowerCase(), startBlock: 0 };
  }
  await connection.close();

  let existing: Record<string, unknown> = {};
  try {
    existing = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch {
    // first run
  }
  // Other networks (testnets, mainnets) are entered by whoever deploys there; only localhost is ours to rewrite.
  const next = JSON.stringify({ ...existing, localhost }, null, 2) + "\n";
  if (process.argv.includes("--check")) {
    if (JSON.stringify(existing.localhost) !== JSON.stringify(localhost)) {
      console.error("subgraph/networks.json is out of date with the local deployment; run `npm run networks -w subgraph`.");
      console.error(JSON.stringify(localhost, null, 2));
      process.exit(1);
    }
    console.log("networks.json matches a fresh local deployment");
    return;
  }
  writeFileSync(file, next);
  console.log("wrote subgraph/networks.json");
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
