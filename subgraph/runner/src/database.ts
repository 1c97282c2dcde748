/**
 * The store's database runs in a worker thread: PGlite is WebAssembly on the thread that calls it, so in the main
 * thread every store write stopped the mappings. In a worker the writes of one range run on the second core while the
 * mappings run the next range. Requests are answered in the order they were sent, so a read always sees every write
 * sent before it.
 */
import { Worker } from "node:worker_threads";

/** One statement of a batch; `csv` is copied in as `/dev/blob` (for `COPY … FROM '/dev/blob'`). */
export interface Statement {
  sql: string;
  params?: unknown[];
  csv?: string;
}

export interface Database {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(sql: string): Promise<void>;
  /** Runs the statements in order in one transaction: all of them take effect, or none. */
  batch(statements: Statement[]): Promise<void>;
  close(): Promise<void>;
}

type RequestBody = { op: "query"; sql: string; params?: unknown[] } | { op: "exec"; sql: string } | { op: "batch"; statements: Statement[] } | { op: "close" };
export type Request = RequestBody & { id: number };
export type Reply = { id: number; rows?: unknown[]; error?: { message: string; code?: string } };

/** Opens the database in `dbDir` (null: in memory) in a new worker thread. */
export async function openDatabase(dbDir: string | null): Promise<Database> {
  const worker = new Worker(new URL("./pg-worker.ts", import.meta.url), { workerData: { dbDir } });
  const pending = new Map<number, { resolve: (rows: unknown[]) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let failure: Error | null = null;
  // The worker keeps the process alive only while a request waits on it.
  worker.unref();
  const settle = (error: Error) => {
    failure = error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  worker.on("message", (reply: Reply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if (reply.error) p.reject(Object.assign(new Error(reply.error.message), reply.error.code ? { code: reply.error.code } : {}));
    else p.resolve(reply.rows ?? []);
  });
  worker.on("error", (error) => settle(new Error(`the store's database thread failed: ${error.message}`)));
  worker.on("exit", (code) => settle(new Error(`the store's database thread exited (code ${code}); reopen the store`)));

  const send = (request: RequestBody): Promise<unknown[]> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      if (pending.size === 1) worker.ref();
      worker.postMessage({ ...request, id });
    });

  await send({ op: "exec", sql: "SELECT 1" }); // opened, or the reason it could not be
  return {
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await send({ op: "query", sql, params })) as T[] }),
    exec: async (sql) => void (await send({ op: "exec", sql })),
    batch: async (statements) => void (await send({ op: "batch", statements })),
    close: async () => {
      await send({ op: "close" });
      await worker.terminate();
    },
  };
}
