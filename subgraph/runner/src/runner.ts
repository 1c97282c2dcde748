/**
 * The local runner: the compiled subgraph (`graph build` output), a PGlite store in `dbDir`, a follower
 * polling the node, and the GraphQL server. `startRunner` resumes after the last indexed block.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { EntityState } from "./entity-state.js";
import { Follower } from "./follower.js";
import { buildApi } from "./graphql-api.js";
import { Indexer, type Logger } from "./indexer.js";
import { loadManifest } from "./manifest.js";
import { PgStore } from "./pg-store.js";
import { loadCustomIndexes } from "./custom-indexes.js";
import { parseSchema } from "./schema.js";
import { serveGraphql } from "./server.js";

export interface RunnerOptions {
  rpcUrl: string;
  /** The subgraph folder; its `build/` (from `graph build`) is what runs. */
  subgraphDir: string;
  /** Where PGlite keeps its files; null keeps everything in memory. */
  dbDir: string | null;
  /** 0 picks a free port. */
  port: number;
  name: string;
  pollMs?: number;
  logger?: Logger;
}

export interface Runner {
  url: string;
  /** Index everything the node has right now (tests call this instead of waiting for the poll). */
  sync(): Promise<void>;
  status(): ReturnType<Follower["status"]> & { eventsProcessed: number; rollbacks: number };
  stop(): Promise<void>;
}

export async function startRunner(options: RunnerOptions): Promise<Runner> {
  const manifest = loadManifest(join(options.subgraphDir, "build"));
  const schemaSource = readFileSync(manifest.schemaPath, "utf8");
  const schema = parseSchema(schemaSource);
  // graph-node names a deployment by the manifest's IPFS hash; a content hash plays that role here.
  const deployment = `local-${createHash("sha256").update(readFileSync(join(manifest.dir, "subgraph.yaml"))).update(schemaSource).digest("hex").slice(0, 16)}`;
  const store = await PgStore.open(options.dbDir, schema, loadCustomIndexes(options.subgraphDir, schema));
  const state = new EntityState(schema, store);
  const indexer = new Indexer(manifest, state, options.logger ?? (() => {}));
  const follower = new Follower(options.rpcUrl, indexer, state, store);
  await follower.init();

  const api = buildApi(schema, store, { head: () => follower.status().head, error: () => follower.status().error, deployment });
  const { server, url } = await serveGraphql(api, options.name, options.port);

  // One poll at a time: sync() and the timer share this chain.
  let chain: Promise<void> = Promise.resolve();
  let lastError: unknown = null;
  const sync = () => {
    chain = chain.then(async () => {
      try {
        await follower.poll();
        lastError = null;
      } catch (error) {
        lastError = error;
        throw error;
      }
    });
    return chain;
  };
  let stopped = false;
  const pollMs = options.pollMs ?? 500;
  const timer = setInterval(() => {
    if (!stopped) sync().catch((error) => (options.logger ?? (() => {}))("error", `poll failed: ${(error as Error).message}`));
  }, pollMs);
  timer.unref();

  return {
    url,
    sync: async () => {
      await sync();
    },
    status: () => ({ ...follower.status(), eventsProcessed: indexer.eventsProcessed, rollbacks: follower.rollbacks }),
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await chain.catch(() => {});
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      void lastError;
    },
  };
}
