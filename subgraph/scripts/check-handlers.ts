/**
 * Fails when any event of any deployed protocol contract has no handler in the compiled subgraph. Three gaps are
 * checked, each against the real thing rather than a list kept by hand:
 *   1. every contract compiled from contracts/ (not interfaces, libraries or mocks) whose ABI has events is a data
 *      source of the manifest;
 *   2. every event in each data source's ABI (from artifacts/) has an eventHandler in subgraph.yaml with graph-node's
 *      exact signature, unless UNHANDLED names it with a reason;
 *   3. every handler the manifest names is exported by the data source's compiled wasm in build/.
 * Prints the event → handler table it verified. Run after `graph build`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { DATA_SOURCES, eventSignature, readAbi, UNHANDLED } from "./manifest.js";

// Node's global WebAssembly, typed here because the root tsconfig leaves the DOM library out.
type WasmApi = { Module: { new (bytes: Uint8Array): object; exports(module: object): { name: string }[] } };
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const here = fileURLToPath(new URL("..", import.meta.url));
const artifacts = join(here, "..", "artifacts", "contracts");
const failures: string[] = [];

function* artifactFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* artifactFiles(path);
    else if (entry.endsWith(".json") && !entry.endsWith(".dbg.json")) yield path;
  }
}

// 1. Contracts with events that the manifest does not index.
const indexed = new Set(DATA_SOURCES.map((d) => d.artifact));
for (const path of artifactFiles(artifacts)) {
  const rel = relative(artifacts, path);
  if (/^(interfaces|libraries|mocks)\//.test(rel)) continue;
  const artifact = JSON.parse(readFileSync(path, "utf8")) as { abi: { type: string }[]; bytecode?: string };
  if (!artifact.bytecode || artifact.bytecode === "0x") continue;
  if (artifact.abi.some((i) => i.type === "event") && !indexed.has(rel)) failures.push(`${rel}: emits events but is not a data source`);
}

// 2 and 3. Per data source: ABI events against manifest handlers against wasm exports.
const manifest = readFileSync(join(here, "subgraph.yaml"), "utf8");
const rows: string[] = [];
for (const spec of DATA_SOURCES) {
  const block = manifest.split(/\n  - kind: /).find((b) => b.includes(`\n    name: ${spec.name}\n`));
  if (!block) {
    failures.push(`${spec.name}: missing from subgraph.yaml`);
    continue;
  }
  const handlers = new Map<string, string>();
  for (const m of block.matchAll(/- event: (.+)\n\s+handler: (\w+)/g)) handlers.set(m[1]!, m[2]!);
  const wasmPath = join(here, "build", spec.name, `${spec.name}.wasm`);
  if (!existsSync(wasmPath)) {
    failures.push(`${spec.name}: ${relative(here, wasmPath)} not built (run graph build first)`);
    continue;
  }
  const exported = new Set(Wasm.Module.exports(new Wasm.Module(readFileSync(wasmPath))).map((e) => e.name));
  for (const e of readAbi(spec).filter((i) => i.type === "event")) {
    const sig = eventSignature(e);
    if (e.name! in UNHANDLED) {
      rows.push(`| ${spec.name} | ${sig} | — (${UNHANDLED[e.name!]}) |`);
      continue;
    }
    const handler = handlers.get(sig);
    if (!handler) failures.push(`${spec.name}: no eventHandler for ${sig}`);
    else if (!exported.has(handler)) failures.push(`${spec.name}: ${handler} for ${sig} is not exported by ${spec.name}.wasm`);
    else rows.push(`| ${spec.name} | ${sig} | ${spec.mapping}#${handler} |`);
  }
  for (const sig of handlers.keys()) {
    if (!readAbi(spec).some((i) => i.type === "event" && eventSignature(i) === sig)) failures.push(`${spec.name}: handler for ${sig}, which the ABI does not have`);
  }
}

if (process.argv.includes("--table")) console.log(["| data source | event | handler |", "|---|---|---|", ...rows].join("\n"));
if (failures.length) {
  console.error(`event coverage: ${failures.length} gap(s)\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
console.log(`event coverage: ${rows.length} events of ${DATA_SOURCES.length} contracts, every one handled or excluded with a reason`);
