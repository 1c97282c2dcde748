/**
 * Bundles the probe for a GPU host that has the NVIDIA driver but no Node project: one ESM file plus koffi's loader
 * and its linux-x64 native module, laid out as node_modules so koffi finds its binary the way it does when installed.
 *
 *   npx tsx oracle/scripts/bundle-probe.ts [--out DIR] [--with-node] [--demo-ticket]
 *
 * --with-node    adds this project's Node 22 binary, xz-compressed (about a quarter of its 120 MB), for hosts
 *                without Node; run.sh unpacks it on first use.
 * --demo-ticket  adds ticket.json issued by a throwaway key, for a benchmark run with no node to ask (gpu-bench.sh).
 * The default DIR, oracle/dist/probe, is ignored by git through .git/info/exclude.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { DEFAULT_SIZE } from "../src/challenge.js";
import { ticketNonce } from "../src/report.js";

const oracleDir = resolve(import.meta.dirname, "..");

/** A package's root folder, found as Node would, from the oracle workspace upwards (koffi exports no package.json). */
function packageRoot(name: string): string {
  for (let dir = oracleDir; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules", name, "package.json"))) return join(dir, "node_modules", name);
    if (dirname(dir) === dir) throw new Error(`${name} is not installed; run npm install in the repository root`);
  }
}

// What koffi's ESM entry imports at run time, relative to each package root; nothing else of either package runs.
const KOFFI_FILES = ["package.json", "index.js", "src/koffi/index.js", "src/koffi/src/static.js", "LICENSE.txt"];
const NATIVE_PACKAGE = `@koromix/koffi-${process.platform}-${process.arch}`;
const NATIVE_FILES = ["package.json", "index.js", "linux_x64/koffi.node", "musl_x64/koffi.node"];

function copyPackage(name: string, files: string[], into: string): void {
  const root = packageRoot(name);
  for (const file of files) {
    const from = join(root, file);
    if (!existsSync(from)) continue;
    const to = join(into, "node_modules", name, file);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
  }
}

async function demoTicket(out: string): Promise<void> {
  const issuer = privateKeyToAccount(generatePrivateKey());
  const fields = { issuer: issuer.address, issuedAt: Math.floor(Date.now() / 1000), salt: generatePrivateKey(), m: DEFAULT_SIZE, n: DEFAULT_SIZE, k: DEFAULT_SIZE };
  const nonce = ticketNonce(fields);
  const ticket = { ...fields, nonce, signature: await issuer.signMessage({ message: { raw: nonce } }) };
  writeFileSync(join(out, "ticket.json"), `${JSON.stringify(ticket, null, 2)}\n`);
}

function findNode(): string {
  // The `node` devDependency's real binary; process.execPath is it too when this runs through npm or npx.
  for (const candidate of [join(oracleDir, "..", "node_modules", "node", "bin", "node"), process.execPath]) {
    if (existsSync(candidate) && process.versions.node.startsWith("22")) return candidate;
  }
  throw new Error("no Node 22 binary found: run this script through npx so the project's `node` devDependency is used");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: "string", default: join(oracleDir, "dist", "probe") }, "with-node": { type: "boolean" }, "demo-ticket": { type: "boolean" } },
  });
  const out = resolve(values.out!);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  await build({
    entryPoints: [join(oracleDir, "src", "probe", "main.ts")],
    outfile: join(out, "probe.mjs"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    external: ["koffi"],
    // Bundled CommonJS dependencies may call require(); ESM output has none unless given one.
    banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
    logLevel: "warning",
  });
  copyPackage("koffi", KOFFI_FILES, out);
  copyPackage(NATIVE_PACKAGE, NATIVE_FILES, out);
  for (const script of ["run.sh", "gpu-bench.sh", "torch_matmul.py"]) {
    copyFileSync(join(import.meta.dirname, script), join(out, script));
    if (script.endsWith(".sh")) chmodSync(join(out, script), 0o755);
  }
  if (values["demo-ticket"]) await demoTicket(out);
  if (values["with-node"]) {
    const node = findNode();
    execFileSync("sh", ["-c", `xz -T0 -6 -c "$1" > "$2"`, "sh", node, join(out, "node.xz")]);
  }

  const size = (file: string) => (existsSync(join(out, file)) ? `${(statSync(join(out, file)).size / 2 ** 20).toFixed(1)} MiB` : "absent");
  process.stderr.write(`bundle: ${relative(process.cwd(), out) || "."}: probe.mjs ${size("probe.mjs")}, node.xz ${size("node.xz")}; run with ./run.sh --help\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bundle-probe: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
