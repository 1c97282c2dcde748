/**
 * Builds the fixture subgraph with graph-cli (codegen + build) once; later runs reuse build/ while no
 * source file is newer than the built wasm.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "usdc");
export const FIXTURE_BUILD = join(FIXTURE_DIR, "build");
/** The first contract account 0 deploys on a fresh Hardhat chain; subgraph.yaml watches it. */
export const FIXTURE_ADDRESS = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

export function buildFixture(): string {
  const wasm = join(FIXTURE_BUILD, "TestUSDC", "TestUSDC.wasm");
  const sources = ["schema.graphql", "subgraph.yaml", "src/usdc.ts"].map((f) => join(FIXTURE_DIR, f));
  const fresh = existsSync(wasm) && sources.every((s) => statSync(s).mtimeMs <= statSync(wasm).mtimeMs);
  if (fresh) return FIXTURE_BUILD;
  const require = createRequire(import.meta.url);
  const cli = join(dirname(require.resolve("@graphprotocol/graph-cli/package.json")), "bin", "run.js");
  for (const command of ["codegen", "build"]) {
    try {
      execFileSync(process.execPath, [cli, command, "subgraph.yaml"], { cwd: FIXTURE_DIR, stdio: "pipe" });
    } catch (error) {
      const e = error as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`graph ${command} failed for the runner fixture:\n${e.stdout?.toString() ?? ""}${e.stderr?.toString() ?? ""}`);
    }
  }
  return FIXTURE_BUILD;
}

/** The protocol subgraph itself (subgraph/): what `npm run build -w subgraph` produces and production deploys. */
export const SUBGRAPH_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Makes sure subgraph/build holds the compiled mappings of the current sources: runs graph codegen and graph build
 * (as `npm run build -w subgraph` does after the manifest) when the schema, the manifest or a mapping is newer.
 */
export function buildSubgraph(): string {
  const built = join(SUBGRAPH_DIR, "build", "subgraph.yaml");
  const sources = ["schema.graphql", "subgraph.yaml", ...readdirSync(join(SUBGRAPH_DIR, "src")).map((f) => join("src", f))].map((f) => join(SUBGRAPH_DIR, f));
  if (!existsSync(join(SUBGRAPH_DIR, "subgraph.yaml"))) throw new Error("subgraph/subgraph.yaml is missing: run `npm run build -w subgraph` (it renders the manifest from the contract artifacts)");
  const fresh = existsSync(built) && sources.every((s) => statSync(s).mtimeMs <= statSync(built).mtimeMs);
  if (fresh) return join(SUBGRAPH_DIR, "build");
  const require = createRequire(import.meta.url);
  const cli = join(dirname(require.resolve("@graphprotocol/graph-cli/package.json")), "bin", "run.js");
  for (const command of ["codegen", "build"]) {
    try {
      execFileSync(process.execPath, [cli, command, "subgraph.yaml"], { cwd: SUBGRAPH_DIR, stdio: "pipe" });
    } catch (error) {
      const e = error as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`graph ${command} failed for the protocol subgraph:\n${e.stdout?.toString() ?? ""}${e.stderr?.toString() ?? ""}`);
    }
  }
  return join(SUBGRAPH_DIR, "build");
}
