/** The store's PGlite, in its own thread (see database.ts). */
import { cpSync, existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { SYNC, type Reply, type Request } from "./database.js";

/** An initialized empty cluster is copied instead of running initdb again (10–20 s on two cores). */
async function open(dbDir: string | null): Promise<PGlite> {
  if (dbDir === null) return PGlite.create();
  if (!existsSync(join(dbDir, "PG_VERSION"))) {
    const template = join(tmpdir(), "gpu-credit-runner-pglite-template-0.5.16");
    if (!existsSync(join(template, "PG_VERSION"))) {
      const seed = await PGlite.create(`${template}.tmp-${process.pid}`);
      await seed.close();
      try {
        cpSync(`${template}.tmp-${process.pid}`, template, { recursive: true, errorOnExist: false, force: false });
      } catch {
        // another process made it first
      }
    }
    mkdirSync(dbDir, { recursive: true });
    cpSync(template, dbDir, { recursive: true });
  }
  return PGlite.create(dbDir);
}

const port = parentPort!;
const { dbDir } = workerData as { dbDir: string | null };
const opening = open(dbDir).catch((error: Error) => {
  throw new Error(`cannot open the subgraph store in ${dbDir}: ${error.message}; point dbDir at an empty or absent directory, or at a store this runner wrote`);
});
opening.catch(() => {}); // each request reports it
let queue: Promise<void> = Promise.resolve();

/** Wakes the thread blocked in `querySync` with the answer, or with the size it needs when the buffer is too small. */
function answerSync(request: Extract<Request, { op: "querySync" }>, state: number, answer: Buffer): void {
  const control = new Int32Array(request.control);
  if (answer.length > request.data.byteLength) state = SYNC.tooLarge;
  else new Uint8Array(request.data).set(answer);
  Atomics.store(control, 1, answer.length);
  Atomics.store(control, 0, state);
  Atomics.notify(control, 0);
}

async function run(db: PGlite, request: Request): Promise<unknown[]> {
  switch (request.op) {
    case "query":
      return (await db.query(request.sql, request.params ?? [])).rows;
    case "querySync": {
      try {
        answerSync(request, SYNC.rows, Buffer.from(JSON.stringify((await db.query(request.sql, request.params ?? [])).rows)));
      } catch (error) {
        answerSync(request, SYNC.error, Buffer.from(JSON.stringify({ message: (error as Error).message })));
      }
      return [];
    }
    case "exec":
      await db.exec(request.sql);
      return [];
    case "batch":
      await db.transaction(async (tx) => {
        for (const s of request.statements) await tx.query(s.sql, s.params ?? [], s.csv === undefined ? undefined : { blob: new Blob([s.csv]) });
      });
      return [];
    case "close":
      await db.close();
      return [];
  }
}

// One request at a time, in arrival order: a read sent after a write sees it.
port.on("message", (request: Request) => {
  queue = queue.then(async () => {
    let reply: Reply;
    try {
      reply = { id: request.id, rows: await run(await opening, request) };
    } catch (error) {
      const e = error as Error & { code?: string };
      reply = { id: request.id, error: { message: e.message, ...(e.code ? { code: e.code } : {}) } };
      // A database that failed to open fails a blocked reader too, instead of leaving it to time out.
      if (request.op === "querySync") answerSync(request, SYNC.error, Buffer.from(JSON.stringify({ message: e.message })));
    }
    port.postMessage(reply);
  });
});
