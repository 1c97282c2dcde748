import { PGlite } from "@electric-sql/pglite";
const db = await PGlite.create(process.argv[2]!);
const q = `SELECT id, health FROM "Vault" WHERE "collateralClass" = '1' AND __to = 2147483647 AND health < 1100000000000000000 ORDER BY health ASC, id LIMIT 100`;
async function time(label: string) { const ts: number[] = []; for (let i = 0; i < 12; i++) { const t = performance.now(); await db.query(q); ts.push(performance.now() - t); } ts.sort((a,b)=>a-b); console.log(label, ts[6]!.toFixed(2), "ms median"); }
await time("as is");
let t = performance.now(); await db.exec(`VACUUM "Vault"`); console.log("vacuum Vault", (performance.now()-t).toFixed(0), "ms");
await time("after vacuum");
t = performance.now(); await db.exec(`CREATE INDEX v_cls_health_cur ON "Vault" ("collateralClass", health, id) WHERE __to = 2147483647`); console.log("index", (performance.now()-t).toFixed(0), "ms");
await time("with partial index");
const r = await db.query(`EXPLAIN ANALYZE ${q}`); console.log((r.rows as any[]).map(x=>x["QUERY PLAN"]).join("\n"));
t = performance.now(); await db.exec(`VACUUM`); console.log("vacuum all", (performance.now()-t).toFixed(0), "ms");
const sizes = await db.query(`SELECT relname, n_dead_tup, n_live_tup FROM pg_stat_user_tables ORDER BY n_dead_tup DESC LIMIT 5`); console.log(sizes.rows);
await db.close();
