/**
 * `npm run bench:subgraph` → bench/subgraph.json: the local runner on the protocol subgraph at 10,000 vaults.
 *
 * - eventsPerSecond: the protocol chain of protocol-chain.ts (80,407 events: 10,000 fleets onboarded and locked
 *   in vaults, three rounds valuing every fleet, a borrow on every vault) replayed through the compiled mappings and
 *   the PGlite store on disk, flushed per range as the follower does, without a node in the loop. Wall time; CPU time
 *   and the load average are reported too.
 * - queryP95Ms: p95 over every analyst query of subgraph/README.md, each run 20 times over HTTP against the store the
 *   replay left (10,000 vaults indexed), after warm-up runs.
 * - peakRssMb: the process's resident memory, sampled while indexing.
 *
 * The chain is built once on an in-process Hardhat node (a child process, so its memory is not counted) and cached
 * in the OS temp folder; `--rebuild` builds it again.
 *
 * Each round (indexing, then the queries on its store) runs in a process of its own, so a round's memory figure is
 * its own; `--rounds N` (default 3) rounds are run back to back, and bench/subgraph.json holds the median of their
 * throughputs and query p95s, the largest of their peak RSS, and every round's figures: one round on this machine
 * moves by up to 1.5× with the host's load.
 *
 * For iterating: `--keep-db DIR` indexes into DIR and keeps it; `--queries-only DIR` skips indexing and times the
 * queries on the store a `--keep-db` run left in DIR; `--index-only` skips the queries. Each is one round in this
 * process, and none writes bench/subgraph.json.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildApi } from "../src/graphql-api.js";
import { loadManifest } from "../src/manifest.js";
import { PgStore } from "../src/pg-store.js";
import { loadCustomIndexes } from "../src/custom-indexes.js";
import { parseSchema } from "../src/schema.js";
import { serveGraphql } from "../src/server.js";
import { FLUSH_CHANGES } from "../src/follower.js";
import { measureThroughput } from "../src/throughput.js";
import { buildSubgraph, SUBGRAPH_DIR } from "../test/fixture.js";
import { readAnalystQueries } from "../test/readme-queries.js";
import { cachePath, generate, replay, VAULTS } from "./protocol-chain.js";

const RUNS = 20;
const WARMUP = 3;
const TARGETS = { eventsPerSecond: 2_000, queryP95Ms: 50, peakRssMb: 1_024 };
const log = (line: string) => console.error(line);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function main() {
  const cache = cachePath();
  if (process.argv.includes("--generate")) {
    const t0 = performance.now();
    await generate(cache, log);
    const seconds = (performance.now() - t0) / 1000;
    writeFileSync(`${cache}.meta.json`, JSON.stringify({ seconds }));
    log(`the chain took ${seconds.toFixed(0)} s to build and export`);
    return;
  }
  buildSubgraph();
  if (process.argv.includes("--rebuild")) rmSync(cache, { force: true });
  if (!existsSync(cache)) {
    log(`building the bench chain (${VAULTS} vaults) on an in-process Hardhat node; cached in ${cache}`);
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--generate"], { stdio: "inherit" });
    if (child.status !== 0) throw new Error("building the bench chain failed");
  }

  const keepDb = argValue("--keep-db");
  const queriesOnly = argValue("--queries-only");
  const indexOnly = process.argv.includes("--index-only");
  const roundOut = argValue("--round");
  if (keepDb || queriesOnly || indexOnly || roundOut) return round(cache, { keepDb, queriesOnly, indexOnly, roundOut });

  const rounds = Number(argValue("--rounds") ?? 3);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds ${argValue("--rounds")} must be a whole number ≥ 1`);
  const results: RoundResult[] = [];
  const dir = mkdtempSync(join(tmpdir(), "runner-bench-rounds-"));
  try {
    for (let r = 1; r <= rounds; r++) {
      log(`round ${r} of ${rounds}`);
      const file = join(dir, `round-${r}.json`);
      const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--round", file], { stdio: "inherit" });
      if (child.status !== 0) throw new Error(`bench round ${r} failed (exit ${child.status})`);
      results.push(JSON.parse(readFileSync(file, "utf8")) as RoundResult);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid]! : round1((sorted[mid - 1]! + sorted[mid]!) / 2);
  };
  // Per-query figures and the timing split come from the round whose query p95 is the median one.
  const middle = [...results].sort((a, b) => a.queryP95Ms - b.queryP95Ms)[(results.length - 1) >> 1]!;
  const { perQuery, ...middleRound } = middle;
  const result = {
    eventsPerSecond: median(results.map((x) => x.eventsPerSecond)),
    queryP95Ms: median(results.map((x) => x.queryP95Ms)),
    peakRssMb: Math.max(...results.map((x) => x.peakRssMb)),
    rounds: results.map(({ eventsPerSecond, eventsPerCpuSecond, queryP95Ms, queryP50Ms, peakRssMb, indexSeconds, loadAverage }) => ({ eventsPerSecond, eventsPerCpuSecond, queryP95Ms, queryP50Ms, peakRssMb, indexSeconds, loadAverage })),
    medianQueryRound: { ...middleRound, perQuery },
    targets: TARGETS,
  };
  const out = join(SUBGRAPH_DIR, "..", "bench");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "subgraph.json"), JSON.stringify(result, null, 2) + "\n");
  for (const [k, target] of Object.entries(TARGETS)) {
    const v = result[k as keyof typeof TARGETS];
    const ok = k === "eventsPerSecond" ? v >= target : v <= target;
    const each = results.map((x) => x[k as keyof typeof TARGETS]).join(", ");
    log(`${k}: ${v} (${k === "peakRssMb" ? "largest" : "median"} of ${each}; target ${k === "eventsPerSecond" ? "≥" : "≤"} ${target}) ${ok ? "ok" : "MISSED"}`);
  }
  log("wrote bench/subgraph.json");
}

type RoundResult = NonNullable<Awaited<ReturnType<typeof round>>>;

/** One round: indexing into a fresh store (or DIR), then the queries on it; its figures go to `roundOut`. */
async function round(cache: string, opts: { keepDb?: string; queriesOnly?: string; indexOnly: boolean; roundOut?: string }) {
  const { keepDb, queriesOnly, indexOnly, roundOut } = opts;
  const dbDir = queriesOnly ?? keepDb ?? mkdtempSync(join(tmpdir(), "runner-bench-"));
  if (keepDb) {
    rmSync(keepDb, { recursive: true, force: true });
    mkdirSync(keepDb, { recursive: true });
  }
  try {
    const load0 = loadavg()[0]!;
    const t = queriesOnly
      ? null
      : await measureThroughput({ subgraphDir: SUBGRAPH_DIR, dbDir, blocks: replay(cache), batchBlocks: 2_000, flushChanges: FLUSH_CHANGES });
    const load1 = loadavg()[0]!;
    if (t) log(`indexed ${t.events} events of ${t.blocks} blocks in ${t.seconds.toFixed(1)} s: ${t.eventsPerSecond.toFixed(0)} events/s (${t.eventsPerCpuSecond.toFixed(0)} per CPU second; mappings ${t.mappingSeconds.toFixed(1)} s, writes ${t.flushSeconds.toFixed(1)} s, analyze ${t.analyzeSeconds.toFixed(1)} s), peak RSS ${t.peakRssMb.toFixed(0)} MB, load ${load0.toFixed(1)} → ${load1.toFixed(1)}`);
    if (indexOnly) return null;

    // Queries, on the store the replay left.
    const manifest = loadManifest(join(SUBGRAPH_DIR, "build"));
    const schema = parseSchema(readFileSync(manifest.schemaPath, "utf8"));
    const store = await PgStore.open(dbDir, schema, loadCustomIndexes(SUBGRAPH_DIR, schema));
    const head = await store.head();
    const vaults = Number((await store.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Vault" WHERE __to = 2147483647`)).rows[0]!.n);
    const api = buildApi(schema, store, { head: () => head, error: () => null, deployment: "bench" });
    const { server, url } = await serveGraphql(api, "gpu-credit", 0);
    const day = 86_400n;
    const variables: Record<number, Record<string, unknown>> = {
      2: { since: String(((head!.timestamp / day) * day - 30n * day) * 1_000_000n) },
      14: { id: "1", block: head!.number },
    };
    const post = async (query: string, vars?: Record<string, unknown>) => {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables: vars }) });
      const body = (await res.json()) as { errors?: unknown };
      if (body.errors) throw new Error(`query failed: ${JSON.stringify(body.errors)}`);
    };
    const all: number[] = [];
    const perQuery: { query: number; title: string; p50Ms: number; p95Ms: number; maxMs: number }[] = [];
    for (const q of readAnalystQueries()) {
      for (let i = 0; i < WARMUP; i++) await post(q.query, variables[q.number]);
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        await post(q.query, variables[q.number]);
        times.push(performance.now() - t0);
      }
      all.push(...times);
      times.sort((a, b) => a - b);
      perQuery.push({ query: q.number, title: q.title, p50Ms: round1(percentile(times, 50)), p95Ms: round1(percentile(times, 95)), maxMs: round1(times.at(-1)!) });
      log(`query ${q.number} (${q.title}): p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms`);
    }
    all.sort((a, b) => a - b);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.close();
    if (!t) {
      log(`p95 over all queries: ${percentile(all, 95).toFixed(1)} ms (p50 ${percentile(all, 50).toFixed(1)} ms); --queries-only writes no bench/subgraph.json`);
      return null;
    }

    const result = {
      eventsPerSecond: Math.round(t.eventsPerSecond),
      queryP95Ms: round1(percentile(all, 95)),
      peakRssMb: Math.round(t.peakRssMb),
      eventsPerCpuSecond: Math.round(t.eventsPerCpuSecond),
      events: t.events,
      blocks: t.blocks,
      vaults,
      indexSeconds: round1(t.seconds),
      querySamples: all.length,
      queryP50Ms: round1(percentile(all, 50)),
      perQuery,
      // Building the chain on the node (deploy, 10,000 vaults, three rounds, borrows): wall seconds of the run that
      // wrote the cache, not part of the indexing figure.
      chainSeconds: existsSync(`${cache}.meta.json`) ? round1((JSON.parse(readFileSync(`${cache}.meta.json`, "utf8")) as { seconds: number }).seconds) : null,
      mappingSeconds: round1(t.mappingSeconds),
      flushSeconds: round1(t.flushSeconds),
      analyzeSeconds: round1(t.analyzeSeconds),
      loadAverage: [round1(load0), round1(load1)],
      machine: `${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
      node: process.version,
    };
    log(`round: ${result.eventsPerSecond} events/s, query p95 ${result.queryP95Ms} ms, peak RSS ${result.peakRssMb} MB`);
    if (roundOut) writeFileSync(roundOut, JSON.stringify(result));
    return result;
  } finally {
    if (!keepDb && !queriesOnly) rmSync(dbDir, { recursive: true, force: true });
  }
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (!v || v.startsWith("--")) throw new Error(`${name} needs a value: a directory, a file, or for --rounds a count`);
  return v;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
