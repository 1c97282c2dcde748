import { PGlite } from "@electric-sql/pglite";
const db = await PGlite.create(process.argv[2]!);
const q = `SELECT e."id", e."owner", e."fleet", e."debt"::text, e."collateralValue"::text, e."health"::text, e."healthBucket", e."lastUpdatedTimestamp"::text FROM "Vault" e WHERE e.__from <= 372 AND e.__to > 372 AND e."health" < $1::numeric AND e."collateralClass"::text = $2::text ORDER BY e."health" ASC NULLS FIRST, e.id ASC LIMIT 100`;
const params = ["1100000000000000000", "2"];
async function time(label: string) { const ts: number[] = []; for (let i = 0; i < 12; i++) { const t = performance.now(); await db.query(q, params); ts.push(performance.now() - t); } ts.sort((a,b)=>a-b); console.log(label, ts[6]!.toFixed(2), "ms median"); }
await db.exec(`DROP INDEX IF EXISTS v_cls_health_cur`);
await time("no composite");
let t = performance.now(); await db.exec(`CREATE INDEX v_cls_health ON "Vault" ("collateralClass", health)`); console.log("index", (performance.now()-t).toFixed(0), "ms");
await db.exec(`ANALYZE "Vault"`);
await time("composite (class, health)");
const r = await db.query(`EXPLAIN ANALYZE ${q}`, params); console.log((r.rows as any[]).map(x=>x["QUERY PLAN"]).join("\n"));
await db.close();
