/**
 * The protocol chain the subgraph bench replays: the protocol from its Ignition module on a Hardhat node (with the
 * test's clock, so the chain is the same every time), 10,000 vaults across the three GPU classes built by the
 * BenchVaultFactory mock, every fleet valued by quorum-signed rounds of 200 fleets, a borrow on every vault, a round
 * in which every tenth fleet loses half its value, and a few keeper calls. Its logs and blocks are written once, as
 * JSON lines (gzip), and replayed from there without a node.
 */
import { createReadStream, createWriteStream, existsSync, readdirSync, readFileSync, renameSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createGunzip, createGzip } from "node:zlib";
import { once } from "node:events";
import { createPublicClient, encodeFunctionData, http, type Block, type Hex, type Transaction } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { oracleDomain, signRound, sortSignatures } from "../../../oracle/src/eip712.js";
import { ROLES, ROLE_DELAYS } from "../../../scripts/lib/governance.js";
import type { Protocol } from "../../../scripts/lib/protocol.js";
import { GPU_CLASSES } from "../../../scripts/lib/protocolConfig.js";
import { blockInfo, transactionInfo } from "../src/follower.js";
import type { RawLog } from "../src/indexer.js";
import { loadManifest } from "../src/manifest.js";
import type { ReplayBlock } from "../src/throughput.js";
// Types only: the replay must not load Hardhat, whose modules the bench would count in the runner's memory.
import type { TestChain } from "../test/chain.js";
import { SUBGRAPH_DIR } from "../test/fixture.js";

/** 10,000 for the published figures; SUBGRAPH_BENCH_VAULTS makes a smaller chain for trying changes out. */
export const VAULTS = Number(process.env.SUBGRAPH_BENCH_VAULTS ?? 10_000);
const BUILD_BATCH = 100;
const ROUND_BATCH = 200;
const GPUS = 8;
const usd = (n: number) => BigInt(n) * 10n ** 18n;
const VALUE = usd(20_000) * BigInt(GPUS);

/** The cache is keyed by the compiled contracts and this file, so a change to either rebuilds it. */
export function cachePath(): string {
  const hash = createHash("sha256");
  const buildInfo = join(SUBGRAPH_DIR, "..", "artifacts", "build-info");
  for (const f of existsSync(buildInfo) ? readdirSync(buildInfo).sort() : []) hash.update(f);
  hash.update(String(VAULTS));
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  return join(tmpdir(), `gpu-credit-subgraph-bench-${hash.digest("hex").slice(0, 16)}.jsonl.gz`);
}

/** Heavy transactions carry their gas limit: estimating it would run each of them a dozen times over. */
let GAS = 0n;

async function publish(p: Protocol, chain: TestChain, fleets: { fleetId: bigint; value: bigint }[]) {
  const domain = oracleDomain(p.chainId, p.oracle.address);
  const round = {
    roundId: (await p.oracle.read.latestRoundId()) + 1n,
    observedAt: chain.now(),
    fleets: fleets.map((f) => ({ fleetId: f.fleetId, value: f.value, throughputBps: 9_700, utilizationBps: 8_600, healthFlags: 0, freshGpus: GPUS })),
    indices: [] as { classId: number; valuePerGpu: bigint }[],
  };
  const { ORACLE_SIGNER_KEYS } = await import("../test/chain.js");
  const signed = await Promise.all(ORACLE_SIGNER_KEYS.slice(0, 3).map((k) => signRound(privateKeyToAccount(k), domain, round)));
  await p.oracle.write.submitRound([round, sortSignatures(signed)], { account: p.accounts.keeper.account, gas: 12_000_000n });
}

async function build(chain: TestChain, p: Protocol, log: (line: string) => void): Promise<void> {
  const { viem, accounts } = p;
  const factory = await viem.deployContract("BenchVaultFactory", [p.registry.address, p.engine.address]);
  GAS = (await p.publicClient.getBlock()).gasLimit - 1_000_000n;
  const asDelayed = async (role: "ADMIN" | "RISK_CURATOR", target: { address: Hex; abi: unknown }, functionName: string, args: unknown[]) => {
    const who = role === "ADMIN" ? accounts.deployer : accounts.riskCurator;
    const data = encodeFunctionData({ abi: target.abi, functionName, args } as Parameters<typeof encodeFunctionData>[0]);
    await p.authority.write.schedule([target.address, data, 0], { account: who.account });
    await chain.advance(ROLE_DELAYS[role]);
    await p.authority.write.execute([target.address, data], { account: who.account });
  };
  // The factory onboards, so it needs the underwriter role; and room under every ceiling.
  await asDelayed("ADMIN", p.authority, "grantRole", [ROLES.UNDERWRITER, factory.address, 0]);
  const ceiling = usd(10_000_000_000);
  for (const c of GPU_CLASSES) await asDelayed("RISK_CURATOR", p.engine, "setClass", [c.classId, { ...c.params, debtCeiling: ceiling }]);
  await asDelayed("RISK_CURATOR", p.engine, "setGlobalDebtCeiling", [ceiling]);
  await asDelayed("RISK_CURATOR", p.engine, "setOperatorCeiling", [factory.address, ceiling]);

  const started = performance.now();
  for (let built = 0; built < VAULTS; built += BUILD_BATCH) {
    const classId = GPU_CLASSES[Math.floor((built / VAULTS) * GPU_CLASSES.length)]!.classId;
    await factory.write.build([classId, GPUS, VALUE, BigInt(Math.min(BUILD_BATCH, VAULTS - built))], { gas: GAS });
  }
  log(`built ${VAULTS} vaults in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  const fleetIds = Array.from({ length: VAULTS }, (_, i) => BigInt(i + 1));
  const valueAll = async (value: (fleetId: bigint) => bigint) => {
    for (let i = 0; i < VAULTS; i += ROUND_BATCH) await publish(p, chain, fleetIds.slice(i, i + ROUND_BATCH).map((fleetId) => ({ fleetId, value: value(fleetId) })));
  };
  await valueAll(() => VALUE);
  log(`valued every fleet after ${((performance.now() - started) / 1000).toFixed(0)} s`);
  await chain.advance(Number((await p.oracle.read.params()).increaseDelay) + 60);
  // Vault ids equal fleet ids: the factory opened them in order on a fresh chain.
  for (let from = 1; from <= VAULTS; from += BUILD_BATCH) {
    await factory.write.borrowAll([BigInt(from), BigInt(Math.min(BUILD_BATCH, VAULTS - from + 1)), usd(90_000)], { gas: GAS });
  }
  log(`valued and borrowed on every vault after ${((performance.now() - started) / 1000).toFixed(0)} s`);
  await chain.advance(3_600);
  // Every tenth fleet loses half its value: 80,000 × any class's liquidation LTV is below 90,000 of debt.
  await valueAll((fleetId) => (fleetId % 10n === 0n ? VALUE / 2n : VALUE));
  for (const c of GPU_CLASSES) await p.engine.write.accrue([c.classId], { account: accounts.keeper.account });
  await p.reserve.write.distribute({ account: accounts.keeper.account });
  log(`chain done after ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

type Json = Record<string, unknown>;
const big = (_k: string, v: unknown) => (typeof v === "bigint" ? `${v}n` : v);
const unbig = (_k: string, v: unknown) => (typeof v === "string" && /^-?\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v);

/** Builds the chain on an in-process node and writes its blocks with logs to `path`. */
export async function generate(path: string, log: (line: string) => void): Promise<void> {
  const { deployOn, TestChain } = await import("../test/chain.js");
  const chain = await TestChain.start();
  const p = await deployOn(chain);
  try {
    await build(chain, p, log);
    const manifest = loadManifest(join(SUBGRAPH_DIR, "build"));
    const addresses = manifest.dataSources.map((d) => d.address!) as Hex[];
    const client = createPublicClient({ transport: http(chain.url) });
    const head = await chain.blockNumber();
    const tmp = `${path}.tmp-${process.pid}`;
    const gzip = createGzip();
    const out = gzip.pipe(createWriteStream(tmp));
    let events = 0;
    for (let from = 0; from <= head; from += 50) {
      const to = Math.min(head, from + 49);
      // Straight to the node: a range of factory builds holds tens of megabytes of logs, past viem's body limit.
      const logs = await chain.rpc<Json[]>("eth_getLogs", [{ address: addresses, fromBlock: `0x${from.toString(16)}`, toBlock: `0x${to.toString(16)}` }]);
      const byBlock = new Map<number, RawLog[]>();
      for (const l of logs) {
        const n = Number(l.blockNumber);
        const list = byBlock.get(n) ?? [];
        list.push({ address: String(l.address), topics: l.topics as string[], data: String(l.data), logIndex: Number(l.logIndex), transactionHash: String(l.transactionHash), transactionIndex: Number(l.transactionIndex) });
        byBlock.set(n, list);
      }
      for (const [n, blockLogs] of [...byBlock].sort((a, b) => a[0] - b[0])) {
        const b = await client.getBlock({ blockNumber: BigInt(n), includeTransactions: true });
        const txs = (b.transactions as Transaction[]).map(transactionInfo);
        events += blockLogs.length;
        if (!gzip.write(JSON.stringify({ block: blockInfo(b as Block), logs: blockLogs, transactions: txs }, big) + "\n")) await once(gzip, "drain");
      }
    }
    gzip.end();
    await once(out, "finish");
    renameSync(tmp, path);
    log(`wrote ${events} logs of ${head} blocks to ${path}`);
  } finally {
    await (p as { connection?: { close(): Promise<void> } }).connection?.close();
    await chain.close();
  }
}

/** Streams the cached blocks back, one at a time, so the replay holds only the block it runs. */
export async function* replay(path: string): AsyncGenerator<ReplayBlock> {
  const lines = createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    const raw = JSON.parse(line, unbig) as { block: ReplayBlock["block"]; logs: RawLog[]; transactions: ReplayBlock["transactions"] extends Map<string, infer T> ? T[] : never };
    yield { block: raw.block, logs: raw.logs, transactions: new Map(raw.transactions.map((t) => [t.hash.toLowerCase(), t])) };
  }
}
