import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "mocha";
import { loadCustomIndexes, parseCustomIndexes } from "../src/custom-indexes.js";
import { PgStore } from "../src/pg-store.js";
import { parseSchema } from "../src/schema.js";

const SUBGRAPH = join(import.meta.dirname, "..", "..");
const schema = parseSchema(readFileSync(join(SUBGRAPH, "schema.graphql"), "utf8"));

describe("custom indexes (subgraph/indexes.json)", () => {
  it("refuses an unknown entity, an aggregation, a derived, list or unknown field, naming the entry and the fix", () => {
    const cases: [unknown, RegExp][] = [
      [{ entity: "Vault" }, /must be a list/],
      [[{ entity: "Vaults", fields: ["health"] }], /indexes\.json\[0\]\.entity "Vaults" is not an entity type/],
      [[{ entity: "ClassStats", fields: ["id"] }], /"ClassStats" is not an entity type/],
      [[{ entity: "Vault", fields: [] }], /\[0\]\.fields \[\] must be a non-empty list/],
      [[{ entity: "Vault", fields: ["healthh"] }], /"healthh" is not a stored scalar field of Vault; use one of .*health/],
      [[{ entity: "CollateralClass", fields: ["vaults"] }], /"vaults" is not a stored scalar field of CollateralClass/],
    ];
    for (const [raw, message] of cases) assert.throws(() => parseCustomIndexes(raw, schema), message, JSON.stringify(raw));
  });

  it("creates the committed indexes on a new store, so the planner can read a class's vaults in health order", async function () {
    this.timeout(120_000);
    const indexes = loadCustomIndexes(SUBGRAPH, schema);
    assert.ok(indexes.some((i) => i.entity === "Vault" && i.fields.join() === "collateralClass,health"), JSON.stringify(indexes));
    const store = await PgStore.open(null, schema, indexes);
    try {
      const r = await store.db.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE tablename = 'Vault' AND indexname LIKE '%custom%'`);
      assert.deepEqual(r.rows.map((x) => x.indexdef.replace(/^.* USING /, "")), [`btree ("collateralClass", health, __to)`]);
    } finally {
      await store.close();
    }
  });
});
