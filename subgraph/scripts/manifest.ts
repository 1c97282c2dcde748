/**
 * Generates what the manifest needs from the one source of truth, the compiled artifacts (`npm run build` at the
 * root): the JSON ABIs under abis/ (gitignored) and subgraph.yaml itself. Every event in a data source's ABI gets an
 * event handler named `handle<Event>`, so a new or reshaped contract event shows up here on the next build and the
 * AssemblyScript compile fails until its handler exists. Addresses and start blocks come from networks.json
 * (written from a real deployment by scripts/networks.ts) for the network named by `--network` (default localhost).
 *
 * `--check` writes nothing and fails if subgraph.yaml differs from what would be generated.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { GPU_CLASSES } from "../../scripts/lib/protocolConfig.js";

const here = fileURLToPath(new URL("..", import.meta.url));
const artifacts = join(here, "..", "artifacts", "contracts");

type AbiParam = { name: string; type: string; indexed?: boolean; components?: AbiParam[] };
type AbiItem = { type: string; name?: string; inputs?: AbiParam[] };

export type DataSourceSpec = {
  name: string;
  artifact: string; // under artifacts/contracts
  mapping: string; // under src/
  entities: string[];
  gpuModelNames?: boolean;
};

/** One data source per deployed contract that emits events. ClassValueFeed and VaultLens emit none. */
export const DATA_SOURCES: DataSourceSpec[] = [
  { name: "ProtocolAccessManager", artifact: "governance/ProtocolAccessManager.sol/ProtocolAccessManager.json", mapping: "access.ts", entities: ["RoleMember", "ScheduledOperation", "ParameterChange"] },
  { name: "GPUSD", artifact: "GPUSD.sol/GPUSD.json", mapping: "gpusd.ts", entities: ["Account", "Protocol", "Reserve", "Allowance", "GpusdMinter", "ParameterChange"] },
  { name: "FleetRegistry", artifact: "FleetRegistry.sol/FleetRegistry.json", mapping: "registry.ts", entities: ["Fleet", "GpuModel", "HostSigner", "FleetTransfer", "OperatorApproval", "ParameterChange"], gpuModelNames: true },
  { name: "FleetOracle", artifact: "FleetOracle.sol/FleetOracle.json", mapping: "oracle.ts", entities: ["OracleRound", "FleetValuation", "ClassIndexUpdate", "Fleet", "GpuModel", "Vault", "CollateralClass", "ClassPoint", "ProtocolPoint", "ParameterChange"], gpuModelNames: true },
  { name: "CreditEngine", artifact: "CreditEngine.sol/CreditEngine.json", mapping: "engine.ts", entities: ["Protocol", "CollateralClass", "Vault", "Account", "Borrow", "Repay", "CollateralMove", "Seizure", "InterestAccrual", "InterestMint", "ClassPoint", "ProtocolPoint", "ParameterChange"], gpuModelNames: true },
  { name: "PegStabilityModule", artifact: "PegStabilityModule.sol/PegStabilityModule.json", mapping: "psm.ts", entities: ["Psm", "RedemptionRequest", "RedemptionFill", "QueueFill", "RedemptionClaim", "RedemptionCancellation", "PsmSwap", "PsmPoint", "ParameterChange"] },
  { name: "SavingsVault", artifact: "SavingsVault.sol/SavingsVault.json", mapping: "savings.ts", entities: ["SavingsVault", "Account", "SavingsDeposit", "SavingsWithdrawal", "SavingsInterest", "Impairment", "LossAbsorption", "SavingsPoint", "ProtocolPoint", "ParameterChange"] },
  { name: "Reserve", artifact: "Reserve.sol/Reserve.json", mapping: "reserve.ts", entities: ["Reserve", "ReserveDistribution", "ReserveCommitment", "LossAbsorption", "ProtocolPoint", "ParameterChange"] },
  { name: "LiquidationAuction", artifact: "LiquidationAuction.sol/LiquidationAuction.json", mapping: "auction.ts", entities: ["Auction", "AuctionKick", "AuctionReset", "AuctionTake", "LossSettlement", "TipClaim", "AuctionParams", "LiquidationPoint", "ProtocolPoint", "ParameterChange"] },
];

/**
 * Events in an ABI that no handler needs, each with the reason. Anything else without a handler fails the build.
 * EIP712DomainChanged is declared by IERC5267, which OpenZeppelin's EIP712 implements; OZ 5 never emits it because
 * the domain is fixed at construction.
 */
export const UNHANDLED: Record<string, string> = {
  EIP712DomainChanged: "declared by IERC5267; never emitted (the EIP-712 domain is immutable)",
};

export function readAbi(spec: DataSourceSpec): AbiItem[] {
  return (JSON.parse(readFileSync(join(artifacts, spec.artifact), "utf8")) as { abi: AbiItem[] }).abi;
}

function typeOf(p: AbiParam): string {
  if (p.type.startsWith("tuple")) return `(${(p.components ?? []).map(typeOf).join(",")})${p.type.slice(5)}`;
  return p.type;
}

/** graph-node's event signature: `Name(indexed type,…)` with tuples spelled out. */
export function eventSignature(e: AbiItem): string {
  return `${e.name}(${(e.inputs ?? []).map((p) => (p.indexed ? "indexed " : "") + typeOf(p)).join(",")})`;
}

export function handledEvents(spec: DataSourceSpec): AbiItem[] {
  return readAbi(spec).filter((i) => i.type === "event" && !(i.name! in UNHANDLED)).sort((a, b) => a.name!.localeCompare(b.name!));
}

type NetworkEntry = { address: string; startBlock: number };

export function renderManifest(networkName: string): string {
  const networks = JSON.parse(readFileSync(join(here, "networks.json"), "utf8")) as Record<string, Record<string, NetworkEntry>>;
  const net = networks[networkName];
  if (!net) throw new Error(`networks.json has no network "${networkName}"`);
  const names = GPU_CLASSES.map((c) => `${c.classId}=${c.name}`).join(";");
  const lines = [
    "# Generated by scripts/manifest.ts from artifacts/ and networks.json: edit those, not this file.",
    "specVersion: 1.3.0",
    "description: GPU Credit Protocol — vaults, fleets, oracle rounds, auctions, PSM, savings and reserve for risk analysts",
    "indexerHints:",
    "  prune: never",
    "schema:",
    "  file: ./schema.graphql",
    "dataSources:",
  ];
  for (const spec of DATA_SOURCES) {
    const entry = net[spec.name];
    if (!entry) throw new Error(`networks.json "${networkName}" has no address for ${spec.name}`);
    lines.push(
      "  - kind: ethereum/contract",
      `    name: ${spec.name}`,
      `    network: ${networkName}`,
    );
    if (spec.gpuModelNames) {
      // The chain knows classes only by id; the names come from the launch configuration.
      lines.push("    context:", "      gpuModelNames:", "        type: String", `        data: "${names}"`);
    }
    lines.push(
      "    source:",
      `      address: "${entry.address}"`,
      `      abi: ${spec.name}`,
      `      startBlock: ${entry.startBlock}`,
      "    mapping:",
      "      kind: ethereum/events",
      "      apiVersion: 0.0.9",
      "      language: wasm/assemblyscript",
      "      entities:",
      ...spec.entities.map((e) => `        - ${e}`),
      "      abis:",
      `        - name: ${spec.name}`,
      `          file: ./abis/${spec.name}.json`,
      "      eventHandlers:",
    );
    for (const e of handledEvents(spec)) {
      lines.push(`        - event: ${eventSignature(e)}`, `          handler: handle${e.name}`);
    }
    lines.push(`      file: ./src/${spec.mapping}`);
  }
  return lines.join("\n") + "\n";
}

export function writeAbis(): void {
  mkdirSync(join(here, "abis"), { recursive: true });
  for (const spec of DATA_SOURCES) {
    writeFileSync(join(here, "abis", `${spec.name}.json`), JSON.stringify(readAbi(spec), null, 2) + "\n");
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf("--network");
  const networkName = i >= 0 ? process.argv[i + 1]! : "localhost";
  const manifest = renderManifest(networkName);
  const file = join(here, "subgraph.yaml");
  if (process.argv.includes("--check")) {
    if (readFileSync(file, "utf8") !== manifest) {
      console.error("subgraph/subgraph.yaml is out of date: run `npm run manifest -w subgraph`.");
      process.exit(1);
    }
    console.log("subgraph.yaml is up to date");
  } else {
    writeAbis();
    writeFileSync(file, manifest);
    console.log(`wrote subgraph/abis/*.json and subgraph/subgraph.yaml (${networkName})`);
  }
}
