/**
 * The services beside a local node that `npm start` and the web app's browser tests both run: the subgraph runner
 * indexing the chain (subgraph/runner) and the built Next app served by `next start` with a config pointing at the
 * node and the subgraph. Each is built first when its build is missing or stale.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Address } from "viem";
import { startRunner, type Runner } from "../../subgraph/runner/src/runner.js";
import type { AppConfig } from "../../web/lib/config.js";
import type { DemoState } from "./demo.js";
import { formatUsd } from "./format.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const WEB = join(ROOT, "web");
const SUBGRAPH = join(ROOT, "subgraph");
const NEXT_BIN = join(ROOT, "node_modules", "next", "dist", "bin", "next");
/** The subgraph's name on the runner, so its URL has graph-node's shape: /subgraphs/name/gpu-credit/local. */
export const SUBGRAPH_NAME = "gpu-credit/local";

type Log = (line: string) => void;

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === "node_modules" || entry === ".next" || entry === ".e2e" || entry === "e2e" || entry === "test" || entry === "bench") continue;
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

function run(command: string, args: string[], log: Log) {
  log(`$ ${command} ${args.join(" ")}`);
  const r = spawnSync(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${r.status}):\n${(r.stdout ?? "").slice(-4000)}\n${(r.stderr ?? "").slice(-4000)}`);
}

/** Builds the Next app unless its build is fresh; WEB_BUILD=always forces it, WEB_BUILD=never skips it. */
export function ensureWebBuild(log: Log): void {
  const mode = process.env.WEB_BUILD ?? "auto";
  if (mode === "never" || (mode === "auto" && !webBuildIsStale())) return;
  log(mode === "always" ? "Building the web app (WEB_BUILD=always) …" : "Building the web app (its build is missing or older than its sources) …");
  const started = Date.now();
  run(process.execPath, [NEXT_BIN, "build", WEB], log);
  log(`next build took ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** Builds the subgraph (manifest, graph codegen, graph build) unless subgraph/build exists. */
export function ensureSubgraphBuild(log: Log): void {
  if (existsSync(join(SUBGRAPH, "build", "subgraph.yaml"))) return;
  run("npm", ["run", "build", "--silent", "-w", "subgraph"], log);
}

/**
 * Starts the subgraph runner against `rpcUrl` (in-memory store: the local chain is new each run) and returns once it
 * has indexed the chain's head. Fails first if the subgraph's manifest indexes another CreditEngine address than the
 * one deployed, since it would then index nothing.
 */
export async function startSubgraph(rpcUrl: string, engine: Address, opts: { port?: number; log?: Log } = {}): Promise<Runner> {
  const log = opts.log ?? (() => {});
  ensureSubgraphBuild(log);
  const networks = JSON.parse(readFileSync(join(SUBGRAPH, "networks.json"), "utf8")) as { localhost: Record<string, { address: string }> };
  const indexed = networks.localhost.CreditEngine?.address;
  if (indexed?.toLowerCase() !== engine.toLowerCase()) {
    throw new Error(`the subgraph indexes CreditEngine at ${indexed}, but it deployed at ${engine}; run \`npm run networks -w subgraph\` and rebuild it`);
  }
  const runner = await startRunner({
    rpcUrl,
    subgraphDir: SUBGRAPH,
    dbDir: null,
    port: opts.port ?? 0,
    name: SUBGRAPH_NAME,
    pollMs: 500,
    logger: (level, message) => level === "error" && log(`subgraph: ${message}`),
  });
  try {
    await runner.sync();
    const { error } = runner.status();
    if (error) throw new Error(`the subgraph failed to index: ${JSON.stringify(error)}`);
  } catch (error) {
    await runner.stop();
    throw error;
  }
  return runner;
}

/** The web app's config for the demo deployment (see web/lib/config.ts). */
export async function demoWebConfig(demo: DemoState, urls: { rpcUrl: string; graphqlUrl: string | null }, testMode: boolean): Promise<AppConfig> {
  const wallets = await demo.viem.getWalletClients();
  return {
    chainId: demo.chainId,
    chainName: "Local Hardhat",
    rpcUrl: urls.rpcUrl,
    graphqlUrl: urls.graphqlUrl,
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
    testMode,
    mockAccounts: testMode ? wallets.map((w) => w.account.address as Address) : [],
  };
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export type WebServer = { url: string; stop: () => Promise<void> };

/** `next start` on 127.0.0.1:`port`, serving `config` (passed as WEB_CONFIG_JSON); resolves once /config.json answers. */
export async function startWebServer(config: AppConfig, port: number, log: Log = () => {}): Promise<WebServer> {
  const child = spawn(process.execPath, [NEXT_BIN, "start", WEB, "-p", String(port), "-H", "127.0.0.1"], {
    cwd: ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", WEB_CONFIG: "", WEB_CONFIG_JSON: JSON.stringify(config), NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // If this process dies without stop(), the server must not outlive it.
  const killChild = () => child.kill("SIGTERM");
  process.once("exit", killChild);
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${port}`;
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
  return { url, stop };
}

type AuctionRow = { auctionId: string; cause: string; status: string; shortfall: string | null; absorbedBySavers: string | null; surplus: string | null; vault: { vaultId: string } };

/** What the subgraph holds of the demo's history, read back through its GraphQL like any client would. */
export async function subgraphHistory(graphqlUrl: string): Promise<{ block: number; lines: string[] }> {
  const query = `{ _meta { block { number } } oracleRounds(first: 1000) { id } borrows(first: 1000) { id }
    auctions(first: 100, orderBy: auctionId) { auctionId cause status shortfall absorbedBySavers surplus vault { vaultId } } }`;
  const response = await fetch(graphqlUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
  const body = (await response.json()) as { data?: { _meta: { block: { number: number } }; oracleRounds: unknown[]; borrows: unknown[]; auctions: AuctionRow[] }; errors?: { message: string }[] };
  if (!body.data) throw new Error(`the subgraph answered ${response.status}: ${JSON.stringify(body.errors)}`);
  const { _meta, oracleRounds, borrows, auctions } = body.data;
  const usd = (wad: string | null) => formatUsd(BigInt(wad ?? 0));
  const lines = [
    `${oracleRounds.length} oracle rounds, ${borrows.length} borrows, ${auctions.length} auctions`,
    ...auctions.map(
      (a) =>
        `auction #${a.auctionId}, vault #${a.vault.vaultId}, cause ${a.cause}, ${a.status}: shortfall ${usd(a.shortfall)}, savers absorbed ${usd(a.absorbedBySavers)}, operator surplus ${usd(a.surplus)}`,
    ),
  ];
  return { block: _meta.block.number, lines };
}

export type DemoServices = { graphqlUrl: string; webUrl: string | null; stop: () => Promise<void> };

/**
 * `npm start`'s services for the seeded demo: the subgraph runner on GRAPHQL_PORT (8000, graph-node's query port), and
 * unless `web` is false the app on WEB_PORT (3000), built first if stale. WEB_TEST_MODE=1 adds the app's "Connect test
 * account" button, which signs with the node's unlocked accounts, for a browser without a wallet.
 */
export async function startDemoServices(demo: DemoState, rpcUrl: string, opts: { web: boolean; log: Log }): Promise<DemoServices> {
  const { log } = opts;
  const runner = await startSubgraph(rpcUrl, demo.engine.address, { port: Number(process.env.GRAPHQL_PORT ?? 8000), log });
  const stops = [() => runner.stop()];
  const stop = async () => {
    for (const s of [...stops].reverse()) await s();
  };
  let webUrl: string | null = null;
  try {
    const history = await subgraphHistory(runner.url);
    log(`Subgraph: indexed to block ${history.block}, the chain's head is ${await demo.publicClient.getBlockNumber()}; its history:`);
    for (const line of history.lines) log(`  ${line}`);
    if (opts.web) {
      ensureWebBuild(log);
      const config = await demoWebConfig(demo, { rpcUrl, graphqlUrl: runner.url }, process.env.WEB_TEST_MODE === "1");
      const web = await startWebServer(config, Number(process.env.WEB_PORT ?? 3000));
      stops.push(web.stop);
      webUrl = web.url;
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { graphqlUrl: runner.url, webUrl, stop };
}
