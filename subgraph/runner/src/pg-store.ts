/**
 * The durable store: one PGlite table per entity type, each row one version valid over the blocks
 * [__from, __to), as graph-node's block ranges. Time travel reads the version whose range holds the
 * block; a reorg deletes versions born after the common ancestor and reopens those it closed.
 */
import type { Change } from "./entity-state.js";
import { decimalToString, parseDecimal } from "./bigdecimal.js";
import type { CustomIndex } from "./custom-indexes.js";
import { openDatabase, type Database, type Statement } from "./database.js";
import { storedFields, type EntityDef, type FieldDef, type Schema } from "./schema.js";
import type { EntityData, StoreValue } from "./values.js";

export const OPEN = 2147483647;

export interface BlockPtr {
  number: number;
  hash: string;
  parentHash: string;
  timestamp: bigint;
}

export interface IndexingError {
  block: number;
  handler: string;
  message: string;
}

export const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function columnType(field: FieldDef): string {
  if (field.list) return "jsonb";
  switch (field.kind) {
    case "BigInt":
    case "BigDecimal":
      return "numeric";
    case "Int":
      return "int4";
    case "Int8":
    case "Timestamp":
      return "int8";
    case "Bool":
      return "boolean";
    default:
      return "text";
  }
}

/** Select expression that hands back exact text for numbers JavaScript cannot hold. */
export function selectExpr(field: FieldDef, alias = ""): string {
  const col = `${alias}${q(field.name)}`;
  const t = columnType(field);
  return t === "numeric" || t === "int8" ? `${col}::text AS ${q(field.name)}` : `${col} AS ${q(field.name)}`;
}

/**
 * The select list of an entity's stored columns (those in `columns`, or all), numbers as exact text: what the host
 * reads back into entity values, and what the GraphQL API reads for a selection.
 */
export function selectColumns(def: EntityDef, alias = "", columns: ReadonlySet<string> | null = null): string {
  return storedFields(def)
    .filter((f) => !columns || columns.has(f.name))
    .map((f) => selectExpr(f, alias))
    .join(", ");
}

function scalarToJson(v: StoreValue): unknown {
  switch (v.kind) {
    case "Null":
      return null;
    case "BigDecimal":
      return decimalToString(v.value);
    case "BigInt":
    case "Int8":
    case "Timestamp":
      return v.value.toString();
    case "Array":
      return v.value.map(scalarToJson);
    default:
      return v.value;
  }
}

function scalarFromJson(field: FieldDef, raw: unknown): StoreValue {
  switch (field.kind) {
    case "BigInt":
      return { kind: "BigInt", value: BigInt(raw as string) };
    case "BigDecimal":
      return { kind: "BigDecimal", value: parseDecimal(String(raw)) };
    case "Int8":
      return { kind: "Int8", value: BigInt(raw as string) };
    case "Timestamp":
      return { kind: "Timestamp", value: BigInt(raw as string) };
    case "Int":
      return { kind: "Int", value: Number(raw) };
    case "Bool":
      return { kind: "Bool", value: Boolean(raw) };
    case "Bytes":
      return { kind: "Bytes", value: String(raw) };
    default:
      return { kind: "String", value: String(raw) };
  }
}

/** One CSV field for COPY: an unquoted empty field is NULL, so every text is quoted (an empty string stays one). */
function csvField(v: StoreValue): string {
  switch (v.kind) {
    case "Null":
      return "";
    case "Bytes":
      return `"${v.value}"`;
    case "String":
      // Ids and names rarely hold a quote: the scan is cheaper than a regex replace on every field.
      return v.value.includes('"') ? `"${v.value.replace(/"/g, '""')}"` : `"${v.value}"`;
    case "Array":
      return `"${JSON.stringify(scalarToJson(v)).replace(/"/g, '""')}"`;
    case "BigDecimal":
      return decimalToString(v.value);
    default:
      return String(v.value);
  }
}

export function rowToEntity(def: EntityDef, row: Record<string, unknown>): EntityData {
  const out: EntityData = new Map();
  for (const field of storedFields(def)) {
    const raw = row[field.name];
    if (raw === null || raw === undefined) continue;
    out.set(
      field.name,
      field.list ? { kind: "Array", value: (raw as unknown[]).map((x) => scalarFromJson(field, x)) } : scalarFromJson(field, raw),
    );
  }
  return out;
}

export class PgStore {
  private constructor(
    readonly db: Database,
    readonly schema: Schema,
  ) {}

  static async open(dbDir: string | null, schema: Schema, customIndexes: CustomIndex[] = []): Promise<PgStore> {
    const store = new PgStore(await openDatabase(dbDir), schema);
    await store.migrate(customIndexes);
    return store;
  }

  private async migrate(customIndexes: CustomIndex[]): Promise<void> {
    const ddl: string[] = [
      `CREATE TABLE IF NOT EXISTS _runner_meta (key text PRIMARY KEY, value text NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS _runner_blocks (number int4 PRIMARY KEY, hash text NOT NULL, parent_hash text NOT NULL, timestamp int8 NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS _runner_data_sources (seq serial PRIMARY KEY, block int4 NOT NULL, template text NOT NULL, address text NOT NULL, context jsonb)`,
    ];
    for (const def of this.schema.entities.values()) {
      if (def.aggregation) continue;
      const cols = storedFields(def).map((f) => `${q(f.name)} ${columnType(f)}`);
      const t = q(def.name);
      ddl.push(`CREATE TABLE IF NOT EXISTS ${t} (__vid bigserial PRIMARY KEY, __from int4 NOT NULL, __to int4 NOT NULL, ${cols.join(", ")})`);
      ddl.push(`CREATE INDEX IF NOT EXISTS ${q(`${def.name}_id_range`)} ON ${t} (id, __to, __from)`);
      ddl.push(`CREATE INDEX IF NOT EXISTS ${q(`${def.name}_from`)} ON ${t} (__from)`);
      // An immutable entity has one version: the host keeps no copy of committed ones to check a second create against.
      if (def.immutable && !def.timeseries) ddl.push(`CREATE UNIQUE INDEX IF NOT EXISTS ${q(`${def.name}_id_once`)} ON ${t} (id)`);
      for (const f of storedFields(def)) {
        if (f.name === "id") continue;
        if (f.reference) {
          // With the version's end: a derived list (`class.vaults`) at the head reads the current versions of its
          // references, not every version (at 10,000 vaults, 3,300 rows of a class instead of 23,800).
          ddl.push(`DROP INDEX IF EXISTS ${q(`${def.name}_${f.name}`)}`);
          ddl.push(`CREATE INDEX IF NOT EXISTS ${q(`${def.name}_${f.name}_to`)} ON ${t} (${q(f.name)}, __to)`);
        } else if (f.name === "timestamp") {
          ddl.push(`CREATE INDEX IF NOT EXISTS ${q(`${def.name}_${f.name}`)} ON ${t} (${q(f.name)})`);
        }
      }
    }
    for (const { entity, fields } of customIndexes) {
      // With the version's end, as the reference indexes: without it the planner ANDed the index with a scan of a
      // whole reference index for `__to > block`, and sorted what came out (a class's vaults by health: 8.5 ms, now
      // 5.2 by EXPLAIN ANALYZE).
      const name = `${entity}_custom_${fields.join("_")}`;
      ddl.push(`DROP INDEX IF EXISTS ${q(name)}`);
      ddl.push(`CREATE INDEX IF NOT EXISTS ${q(`${name}_to`)} ON ${q(entity)} (${[...fields.map(q), "__to"].join(", ")})`);
    }
    await this.db.exec(ddl.join(";\n"));
  }

  /**
   * Vacuum, and refresh the planner's statistics of, every table that grew by more than a tenth since they were last
   * taken, or never had any: what autovacuum does on graph-node's Postgres, and PGlite (single user) never runs. The
   * vacuum matters as much as the statistics: every flush closes versions with an UPDATE, which leaves the old tuple
   * dead with its index entries. Unvacuumed, the bench's Vault indexes carried four entries per current row, and a
   * class's vaults by health took 25 ms instead of 7.
   * Without statistics the planner takes every table for a hundred rows and picks bitmap scans over all versions: at
   * 10,000 vaults the first 100 of an operator's open vaults took 200 ms, against 3 ms by the id index once analyzed.
   * Growth is read from the table's size on disk against the pages recorded at the last ANALYZE, so it also holds
   * across restarts. Returns the tables analyzed.
   */
  async analyze(): Promise<string[]> {
    const r = await this.db.query<{ relname: string; relpages: number; reltuples: number; pages: number }>(
      `SELECT c.relname, c.relpages, c.reltuples, (pg_relation_size(c.oid) / current_setting('block_size')::int)::int AS pages
       FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace`,
    );
    const stale = r.rows.filter((t) => t.pages > 0 && (t.reltuples < 0 || t.pages > t.relpages * 1.1 + 1)).map((t) => t.relname);
    if (stale.length > 0) await this.db.exec(`VACUUM (ANALYZE) ${stale.map(q).join(", ")}`);
    return stale;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  async getMeta(key: string): Promise<string | null> {
    const r = await this.db.query<{ value: string }>(`SELECT value FROM _runner_meta WHERE key = $1`, [key]);
    return r.rows[0]?.value ?? null;
  }

  async head(): Promise<BlockPtr | null> {
    const r = await this.db.query<{ number: number; hash: string; parent_hash: string; timestamp: string }>(
      `SELECT number, hash, parent_hash, timestamp::text AS timestamp FROM _runner_blocks ORDER BY number DESC LIMIT 1`,
    );
    const row = r.rows[0];
    return row ? { number: row.number, hash: row.hash, parentHash: row.parent_hash, timestamp: BigInt(row.timestamp) } : null;
  }

  async blockHash(number: number): Promise<string | null> {
    const r = await this.db.query<{ hash: string }>(`SELECT hash FROM _runner_blocks WHERE number = $1`, [number]);
    return r.rows[0]?.hash ?? null;
  }

  /** Recorded blocks, newest first, for walking back to a common ancestor. */
  async recentBlocks(below: number, limit: number): Promise<{ number: number; hash: string }[]> {
    const r = await this.db.query<{ number: number; hash: string }>(
      `SELECT number, hash FROM _runner_blocks WHERE number < $1 ORDER BY number DESC LIMIT $2`,
      [below, limit],
    );
    return r.rows;
  }

  async indexingError(): Promise<IndexingError | null> {
    const raw = await this.getMeta("error");
    return raw ? (JSON.parse(raw) as IndexingError) : null;
  }

  async blockTimestamp(number: number): Promise<bigint | null> {
    const r = await this.db.query<{ t: string }>(
      `SELECT timestamp::text AS t FROM _runner_blocks WHERE number <= $1 ORDER BY number DESC LIMIT 1`,
      [number],
    );
    return r.rows[0] ? BigInt(r.rows[0].t) : null;
  }

  /** The current version of one entity, read synchronously: for a mapping's load of an entity the host let go of. */
  loadSync(entity: string, id: string): EntityData | null {
    const def = this.schema.entities.get(entity)!;
    const cols = selectColumns(def);
    const [row] = this.db.querySync(`SELECT ${cols} FROM ${q(entity)} WHERE id = $1 AND __to = ${OPEN}`, [id]);
    return row ? rowToEntity(def, row) : null;
  }

  /** Current `entity` rows whose `field` references (or lists) `id`, read synchronously, for `loadRelated`. */
  relatedSync(entity: string, field: string, id: string): EntityData[] {
    const def = this.schema.entities.get(entity)!;
    const f = def.fieldMap.get(field)!;
    const cols = selectColumns(def);
    const match = f.list ? `${q(field)} @> jsonb_build_array($1::text)` : `${q(field)} = $1`;
    return this.db.querySync(`SELECT ${cols} FROM ${q(entity)} WHERE ${match} AND __to = ${OPEN}`, [id]).map((row) => rowToEntity(def, row));
  }

  /**
   * Latest versions of the entities the host keeps in memory (all but the immutable ones, which it reads back from
   * here when a mapping loads one), plus the next id of each timeseries.
   */
  async loadCurrent(): Promise<{ current: Map<string, Map<string, EntityData>>; seriesIds: Map<string, bigint> }> {
    const current = new Map<string, Map<string, EntityData>>();
    const seriesIds = new Map<string, bigint>();
    for (const def of this.schema.entities.values()) {
      if (def.aggregation) continue;
      if (def.timeseries) {
        const r = await this.db.query<{ m: string | null }>(`SELECT max(id)::text AS m FROM ${q(def.name)}`);
        seriesIds.set(def.name, BigInt(r.rows[0]?.m ?? "0") + 1n);
        continue;
      }
      if (def.immutable) continue;
      const cols = selectColumns(def);
      const r = await this.db.query<Record<string, unknown>>(`SELECT ${cols} FROM ${q(def.name)} WHERE __to = ${OPEN}`);
      current.set(def.name, new Map(r.rows.map((row) => [String(row.id), rowToEntity(def, row)])));
    }
    return { current, seriesIds };
  }

  /**
   * Writes a batch of committed blocks in one transaction: each entity's open version is closed at its
   * first change in the batch, and every new version gets the range up to its successor.
   */
  async flush(changes: Change[], blocks: BlockPtr[], error: IndexingError | null, dataSources: { block: number; template: string; address: string; context: unknown }[] = []): Promise<void> {
    const byEntity = new Map<string, Change[]>();
    for (const c of changes) {
      let list = byEntity.get(c.entity);
      if (!list) byEntity.set(c.entity, (list = []));
      list.push(c);
    }
    const statements: Statement[] = [];
    for (const [entity, list] of byEntity) {
      const def = this.schema.entities.get(entity)!;
      const fields = storedFields(def);
      const t = q(entity);
      const idType = columnType(def.fieldMap.get("id")!);
      const firstChange = new Map<string, number>();
      const nextChange = new Map<Change, number>();
      const lastSeen = new Map<string, Change>();
      for (const c of list) {
        if (!firstChange.has(c.id)) firstChange.set(c.id, c.block);
        const prev = lastSeen.get(c.id);
        if (prev) nextChange.set(prev, c.block);
        lastSeen.set(c.id, c);
      }
      if (!def.immutable) {
        const closes = [...firstChange].map(([id, block]) => ({ id, b: block }));
        statements.push({
          sql: `UPDATE ${t} SET __to = x.b FROM jsonb_to_recordset($1::jsonb) AS x(id ${idType}, b int4) WHERE ${t}.id = x.id AND ${t}.__to = ${OPEN}`,
          params: [JSON.stringify(closes)],
        });
      }
      // New versions go in through COPY … FROM a CSV blob: about four times faster in PGlite than an INSERT from
      // jsonb_to_recordset, which parses one large JSON document and converts every field twice.
      const lines: string[] = [];
      for (const c of list) {
        if (!c.data) continue;
        let line = `${c.block},${nextChange.get(c) ?? OPEN}`;
        for (const f of fields) {
          const v = c.data.get(f.name);
          line += "," + (v ? csvField(v) : "");
        }
        lines.push(line);
      }
      if (lines.length > 0) {
        const colList = ["__from", "__to", ...fields.map((f) => f.name)];
        statements.push({ sql: `COPY ${t} (${colList.map(q).join(", ")}) FROM '/dev/blob' WITH (FORMAT csv)`, csv: lines.join("\n") });
      }
    }
    if (blocks.length > 0) {
      statements.push({
        sql: `INSERT INTO _runner_blocks (number, hash, parent_hash, timestamp) SELECT number, hash, parent_hash, timestamp FROM jsonb_to_recordset($1::jsonb) AS x(number int4, hash text, parent_hash text, timestamp int8)
         ON CONFLICT (number) DO UPDATE SET hash = excluded.hash, parent_hash = excluded.parent_hash, timestamp = excluded.timestamp`,
        params: [JSON.stringify(blocks.map((b) => ({ number: b.number, hash: b.hash, parent_hash: b.parentHash, timestamp: b.timestamp.toString() })))],
      });
    }
    for (const ds of dataSources) {
      statements.push({ sql: `INSERT INTO _runner_data_sources (block, template, address, context) VALUES ($1, $2, $3, $4)`, params: [ds.block, ds.template, ds.address, JSON.stringify(ds.context)] });
    }
    if (error) {
      statements.push({ sql: `INSERT INTO _runner_meta (key, value) VALUES ('error', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, params: [JSON.stringify(error)] });
    }
    await this.db.batch(statements);
  }

  async dataSources(): Promise<{ block: number; template: string; address: string; context: unknown }[]> {
    const r = await this.db.query<{ block: number; template: string; address: string; context: unknown }>(
      `SELECT block, template, address, context FROM _runner_data_sources ORDER BY seq`,
    );
    return r.rows;
  }

  /** Undo every block after `ancestor`: versions born later go, versions they closed reopen. */
  async rollback(ancestor: number): Promise<void> {
    const statements: Statement[] = [];
    for (const def of this.schema.entities.values()) {
      if (def.aggregation) continue;
      const t = q(def.name);
      statements.push({ sql: `DELETE FROM ${t} WHERE __from > $1`, params: [ancestor] });
      statements.push({ sql: `UPDATE ${t} SET __to = ${OPEN} WHERE __to > $1 AND __to <> ${OPEN}`, params: [ancestor] });
    }
    statements.push({ sql: `DELETE FROM _runner_blocks WHERE number > $1`, params: [ancestor] });
    statements.push({ sql: `DELETE FROM _runner_data_sources WHERE block > $1`, params: [ancestor] });
    statements.push({ sql: `DELETE FROM _runner_meta WHERE key = 'error' AND (value::jsonb ->> 'block')::int > $1`, params: [ancestor] });
    await this.db.batch(statements);
  }
}
