/**
 * The whole local stack for browser tests and benchmarks, in one process: an in-process Hardhat node, the protocol
 * deployed with the Ignition module (scripts/lib/protocol.ts), the demo story seeded (scripts/lib/demo.ts), the
 * subgraph runner indexing it, and the built Next app served by `next start` with a config that points at all of it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { network } from "hardhat";
import type { Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { deployProtocol } from "../../scripts/lib/protocol.js";
import { seedDemo, type DemoState } from "../../scripts/lib/demo.js";
import { startRunner, type Runner } from "../../subgraph/runner/src/runner.js";
import type { AppConfig } from "../lib/config.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const WEB = join(ROOT, "web");
/** Gitignored: the config the server reads, screenshots, logs. */
export const OUT = join(WEB, ".e2e");
const NEXT_BIN = join(ROOT, "node_modules", "next", "dist", "bin", "next");

export type Stack = {
  rpcUrl: string;
  graphqlUrl: string;
  webUrl: string;
  demo: DemoState;
  runner: Runner;
  config: AppConfig;
  /** Waits until the subgraph has indexed the chain's head. */
  syncSubgraph(): Promise<void>;
  stop(): Promise<void>;
};

type Log = (line: string) => void;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === "node_modules" || entry === ".next" || entry === ".e2e" || entry === "e2e" || entry === "test") continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** Whether `next build` output is older than any source it was built from (web/, the ABIs, the shared modules). */
export function webBuildIsStale(): boolean {
  const built = join(WEB, ".next", "BUILD_ID");
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  const sources = [WEB, join(ROOT, "abi"), join(ROOT, "scripts", "lib"), join(ROOT, "oracle", "src"), join(ROOT, "oracle", "config")];
  return sources.some((s) => newestMtime(s) > builtAt);
}

function run(command: string, args: string[], log: Log, env: NodeJS.ProcessEnv = {}) {
  log(`$ ${command} ${args.join(" ")}`);
  const r = spawnSync(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${r.status}):\n${(r.stdout ?? "").slice(-4000)}\n${(r.stderr ?? "").slice(-4000)}`);
  return r.stdout;
}

/** Builds the Next app unless the build is fresh; WEB_BUILD=always forces it, WEB_BUILD=never skips it. */
export function ensureWebBuild(log: Log): void {
  const mode = process.env.WEB_BUILD ?? "auto";
  if (mode === "never" || (mode === "auto" && !webBuildIsStale())) return;
  const started = Date.now();
  run(process.execPath, [NEXT_BIN, "build", WEB], log);
  log(`next build took ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** Builds the subgraph (graph codegen + build) unless subgraph/build exists. */
export function ensureSubgraphBuild(log: Log): void {
  if (existsSync(join(ROOT, "subgraph", "build", "subgraph.yaml"))) return;
  run("npm", ["run", "build", "--silent", "-w", "subgraph"], log);
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export async function startWebServer(configFile: string, log: Log, port?: number): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const webPort = port ?? (await freePort());
  const child = spawn(process.execPath, [NEXT_BIN, "start", WEB, "-p", String(webPort), "-H", "127.0.0.1"], {
    cwd: ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", WEB_CONFIG: configFile, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // If this process dies without stop(), the server must not outlive it.
  const killChild = () => child.kill("SIGTERM");
  process.once("exit", killChild);
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${webPort}`;
  try {
    await waitForHttp(`${url}/config.json`, child, 60_000);
  } catch (error) {
    child.kill("SIGTERM");
    throw new Error(`${(error as Error).message}\n${output.slice(-3000)}`);
  }
  log(`web app at ${url}`);
  const stop = () =>
    new Promise<void>((resolve) => {
      process.off("exit", killChild);
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return { url, child, stop };
}

export async function startStack(opts: { log?: Log; webPort?: number } = {}): Promise<Stack> {
  const started = Date.now();
  const quiet = opts.log ?? (() => {});
  // Phase lines always carry the elapsed time, so a slow start on a loaded machine says where the time went.
  const log: Log = (line) => quiet(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${line}`);
  mkdirSync(OUT, { recursive: true });
  ensureSubgraphBuild(log);
  ensureWebBuild(log);

  const server = await network.createServer("node", "127.0.0.1", 0);
  const { address, port } = await server.listen();
  const rpcUrl = `http://${address}:${port}`;
  const connection = await network.create({ network: "localhost", override: { url: rpcUrl } });
  const signers = [0, 1, 2, 3].map(() => privateKeyToAccount(generatePrivateKey()));
  const protocol = await deployProtocol(connection, signers, 3n);
  const networks = JSON.parse(readFileSync(join(ROOT, "subgraph", "networks.json"), "utf8")) as { localhost: Record<string, { address: string }> };
  if (networks.localhost.CreditEngine?.address.toLowerCase() !== protocol.engine.address.toLowerCase()) {
    throw new Error(`the subgraph indexes CreditEngine at ${networks.localhost.CreditEngine?.address}, but it deployed at ${protocol.engine.address}; run \`npm run networks -w subgraph\` and rebuild it`);
  }
  log("deployed with Ignition; seeding the demo story");
  const demo = await seedDemo(protocol, (line) => quiet(`  demo: ${line}`));
  log(`chain ${rpcUrl} seeded`);

  const runner = await startRunner({ rpcUrl, subgraphDir: join(ROOT, "subgraph"), dbDir: null, port: 0, name: "gpu-credit/local", pollMs: 500 });
  await runner.sync();
  log(`subgraph at ${runner.url}`);

  const wallets = await demo.viem.getWalletClients();
  const config: AppConfig = {
    chainId: demo.chainId,
    chainName: "Local Hardhat",
    rpcUrl,
    graphqlUrl: runner.url,
    contracts: {
      gpusd: demo.gpusd.address,
      usdc: demo.usdc.address,
      registry: demo.registry.address,
      oracle: demo.oracle.address,
      engine: demo.engine.address,
      psm: demo.psm.address,
      savings: demo.savings.address,
      reserve: demo.reserve.address,
      auction: demo.auction.address,
      lens: demo.lens.address,
    },
    explorerTxUrl: "/tx/{hash}",
    faucet: true,
    testMode: true,
    mockAccounts: wallets.map((w) => w.account.address as Address),
  };
  const configFile = join(OUT, "config.json");
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const web = await startWebServer(configFile, log, opts.webPort);

  return {
    rpcUrl,
    graphqlUrl: runner.url,
    webUrl: web.url,
    demo,
    runner,
    config,
    async syncSubgraph() {
      await runner.sync();
    },
    async stop() {
      await web.stop();
      await runner.stop();
      await connection.close();
      await server.close();
    },
  };
}
