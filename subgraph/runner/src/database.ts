/**
 * The store's database runs in a worker thread: PGlite is WebAssembly on the thread that calls it, so in the main
 * thread every store write stopped the mappings. In a worker the writes of one range run on the second core while the
 * mappings run the next range. Requests are answered in the order they were sent, so a read always sees every write
 * sent before it. Host store functions are synchronous, so the one read a mapping can trigger (an entity the host no
 * longer keeps in memory) blocks on a shared buffer until the worker answers: `querySync`.
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
  /** A query answered after every request sent before it, blocking this thread until then (rows must be JSON). */
  querySync<T = Record<string, unknown>>(sql: string, params?: unknown[]): T[];
  close(): Promise<void>;
}

type RequestBody =
  | { op: "query"; sql: string; params?: unknown[] }
  | { op: "querySync"; sql: string; params?: unknown[]; control: SharedArrayBuffer; data: SharedArrayBuffer }
  | { op: "exec"; sql: string }
  | { op: "batch"; statements: Statement[] }
  | { op: "close" };
export type Request = RequestBody & { id: number };
export type Reply = { id: number; rows?: unknown[]; error?: { message: string; code?: string } };

/** `querySync`'s control words: [state, byte length of the answer]. */
export const SYNC = { waiting: 0, rows: 1, tooLarge: 2, error: 3 } as const;
/** How long a synchronous read waits for the worker: past this the worker is taken for stuck. */
const SYNC_TIMEOUT_MS = 120_000;

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

  const control = new Int32Array(new SharedArrayBuffer(8));
  let data = new SharedArrayBuffer(1 << 16);
  const querySync = <T>(sql: string, params?: unknown[]): T[] => {
    for (;;) {
      if (failure) throw failure;
      Atomics.store(control, 0, SYNC.waiting);
      worker.postMessage({ op: "querySync", id: nextId++, sql, params, control: control.buffer, data } satisfies Request);
      if (Atomics.wait(control, 0, SYNC.waiting, SYNC_TIMEOUT_MS) === "timed-out") {
        throw new Error(`the store's database thread did not answer a synchronous read in ${SYNC_TIMEOUT_MS / 1000} s: ${sql.slice(0, 120)}`);
      }
      const state = Atomics.load(control, 0);
      const length = Atomics.load(control, 1);
      if (state === SYNC.tooLarge) {
        data = new SharedArrayBuffer(length);
        continue;
      }
      const text = Buffer.from(new Uint8Array(data, 0, length)).toString("utf8");
      if (state === SYNC.error) throw new Error((JSON.parse(text) as { message: string }).message);
      return JSON.parse(text) as T[];
    }
  };

  await send({ op: "exec", sql: "SELECT 1" }); // opened, or the reason it could not be
  return {
    querySync,
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await send({ op: "query", sql, params })) as T[] }),
    exec: async (sql) => void (await send({ op: "exec", sql })),
    batch: async (statements) => void (await send({ op: "batch", statements })),
    close: async () => {
      await send({ op: "close" });
      await worker.terminate();
    },
  };
}
