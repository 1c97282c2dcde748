import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "mocha";
import { EntityState } from "../src/entity-state.js";
import { PgStore } from "../src/pg-store.js";
import { parseSchema } from "../src/schema.js";
import type { EntityData, StoreValue } from "../src/values.js";

const schema = parseSchema(`
  type Vault @entity { id: ID! debt: BigInt! records: [Record!]! @derivedFrom(field: "vault") }
  type Record @entity(immutable: true) { id: ID! vault: Vault! amount: BigInt! note: String }
`);

const str = (value: string): StoreValue => ({ kind: "String", value });
const big = (value: bigint): StoreValue => ({ kind: "BigInt", value });
const record = (id: string, vault: string, amount: bigint): EntityData => new Map([["id", str(id)], ["vault", str(vault)], ["amount", big(amount)]]);

async function withStore(run: (store: PgStore, state: EntityState) => Promise<void>): Promise<void> {
  const store = await PgStore.open(null, schema);
  try {
    await run(store, new EntityState(schema, store));
  } finally {
    await store.close();
  }
}

/** One block of writes, committed and handed to the store as the follower does. */
async function block(store: PgStore, state: EntityState, number: number, writes: (state: EntityState) => void): Promise<void> {
  state.beginBlock(number, BigInt(number) * 12n);
  writes(state);
  state.commitBlock();
  await store.flush(state.takeChanges(), [{ number, hash: `0x${number.toString(16).padStart(64, "0")}`, parentHash: "0x", timestamp: BigInt(number) * 12n }], null);
}

describe("store thread: immutable entities leave memory and are read back", function () {
  this.timeout(120_000);

  it("lets go of committed immutable entities and answers a later load, and loadRelated, from the store", async () => {
    await withStore(async (store, state) => {
      await block(store, state, 1, (s) => {
        s.set("Vault", "v1", new Map([["id", str("v1")], ["debt", big(5n)]]));
        s.set("Record", "r1", record("r1", "v1", 7n));
        s.set("Record", "r2", record("r2", "v1", -(2n ** 200n)));
      });
      assert.equal(state.count("Record"), 0, "immutable versions left memory with the flush");
      assert.equal(state.count("Vault"), 1, "mutable versions stay");
      state.beginBlock(2, 24n);
      assert.deepEqual(state.get("Record", "r1"), record("r1", "v1", 7n));
      assert.deepEqual(state.get("Record", "r2"), record("r2", "v1", -(2n ** 200n)), "a bigint past 64 bits survives the JSON hop");
      assert.equal(state.get("Record", "nope"), null);
      // A record created in this block, and not yet flushed, joins the stored ones.
      state.set("Record", "r3", record("r3", "v1", 1n));
      assert.deepEqual(state.loadRelated("Vault", "v1", "records").map((r) => r.get("id")).sort((a, b) => String((a as { value: string }).value).localeCompare(String((b as { value: string }).value))), [str("r1"), str("r2"), str("r3")]);
    });
  });

  it("refuses an immutable entity created again after its first version was flushed, and keeps what was stored", async () => {
    await withStore(async (store, state) => {
      await block(store, state, 1, (s) => s.set("Record", "r1", record("r1", "v1", 7n)));
      await assert.rejects(
        block(store, state, 2, (s) => s.set("Record", "r1", record("r1", "v1", 8n))),
        /Record_id_once/,
      );
      assert.deepEqual(state.get("Record", "r1"), record("r1", "v1", 7n));
      assert.equal((await store.head())?.number, 1, "the failed block was not recorded");
    });
  });

  it("answers synchronous reads larger than the shared buffer, and reports a failing one by its message", async () => {
    await withStore(async (store) => {
      const rows = store.db.querySync<{ n: number; pad: string }>(`SELECT n, repeat('x', 200) AS pad FROM generate_series(1, 5000) AS n`);
      assert.equal(rows.length, 5000);
      assert.equal(rows[4999]!.n, 5000);
      assert.throws(() => store.db.querySync(`SELECT * FROM no_such_table`), /no_such_table/);
      // The thread keeps serving after a failed read.
      assert.deepEqual(store.db.querySync(`SELECT 1 AS one`), [{ one: 1 }]);
    });
  });

  it("names the directory and the fix when the store cannot open, and leaves the path as it was", async () => {
    const dir = mkdtempSync(join(tmpdir(), "store-thread-"));
    const file = join(dir, "not-a-directory");
    writeFileSync(file, "x");
    try {
      await assert.rejects(PgStore.open(file, schema), (e: Error) => e.message.includes(`cannot open the subgraph store in ${file}`) && e.message.includes("point dbDir at"));
      assert.equal(readFileSync(file, "utf8"), "x");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
