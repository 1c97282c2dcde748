/**
 * The GraphQL API graph-node would generate from schema.graphql: `entity(id)`, `entities(first, skip,
 * orderBy, orderDirection, where, block)`, `_meta`, @derivedFrom fields, and aggregation collections
 * with `interval`. Resolvers read the versioned tables at the requested block.
 */
import {
  type GraphQLResolveInfo,
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLID,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  Kind,
  type GraphQLFieldConfigMap,
  type GraphQLInputFieldConfigMap,
} from "graphql";
import { decimalToString, parseDecimal } from "./bigdecimal.js";
import { columnType, OPEN, q, selectColumns, type IndexingError, type PgStore, type BlockPtr } from "./pg-store.js";
import { buildWhere, orderClause, Params, QueryError, rangeClause } from "./query-sql.js";
import { type EntityDef, type FieldDef, type Schema } from "./schema.js";

export interface ApiStatus {
  head(): BlockPtr | null;
  error(): IndexingError | null;
  deployment: string;
}

type Row = Record<string, unknown> & { __block: number };

const MAX_FIRST = 1000;
const MAX_SKIP = 5000;
const HOUR_US = 3_600_000_000n;
const DAY_US = 86_400_000_000n;

function stringScalar(name: string, parse: (s: string) => string = (s) => s): GraphQLScalarType {
  return new GraphQLScalarType({
    name,
    serialize: (v) => String(v),
    parseValue: (v) => parse(String(v)),
    parseLiteral: (ast) => {
      if (ast.kind === Kind.STRING || ast.kind === Kind.INT) return parse(ast.value);
      throw new QueryError(`${name} must be given as a string`);
    },
  });
}

const BigIntScalar = stringScalar("BigInt", (s) => {
  if (!/^-?\d+$/.test(s)) throw new QueryError(`"${s}" is not a BigInt`);
  return s;
});
const BigDecimalScalar = stringScalar("BigDecimal", (s) => decimalToString(parseDecimal(s)));
const BytesScalar = stringScalar("Bytes", (s) => {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(s)) throw new QueryError(`"${s}" is not valid hex bytes (0x…, even length)`);
  return s.toLowerCase();
});
const Int8Scalar = stringScalar("Int8");
const TimestampScalar = stringScalar("Timestamp");

export function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/**
 * The Rails-style plural rules of the `inflector` crate, which graph-node's `camel_cased_names` applies to a type
 * name: the last matching rule wins, and its first group plus the replacement is the plural. (The crate's list of
 * uncountable words only matches lower-case names, which entity types never are.)
 */
const PLURAL_RULES: [RegExp, string][] = [
  [/(\w*)s$/, "s"],
  [/(\w*([^aeiou]ese))$/, ""],
  [/(\w*(ax|test))is$/, "es"],
  [/(\w*(alias|[^aou]us|tlas|gas|ris))$/, "es"],
  [/(\w*(e[mn]u))s?$/, "s"],
  [/(\w*([^l]ias|[aeiou]las|[emjzr]as|[iu]am))$/, ""],
  [/(\w*(alumn|syllab|octop|vir|radi|nucle|fung|cact|stimul|termin|bacill|foc|uter|loc|strat))(?:us|i)$/, "i"],
  [/(\w*(alumn|alg|vertebr))(?:a|ae)$/, "ae"],
  [/(\w*(seraph|cherub))(?:im)?$/, "im"],
  [/(\w*(her|at|gr))o$/, "oes"],
  [/(\w*(agend|addend|millenni|dat|extrem|bacteri|desiderat|strat|candelabr|errat|ov|symposi|curricul|automat|quor))(?:a|um)$/, "a"],
  [/(\w*(apheli|hyperbat|periheli|asyndet|noumen|phenomen|criteri|organ|prolegomen|hedr|automat))(?:a|on)$/, "a"],
  [/(\w*)sis$/, "ses"],
  [/(\w*(kni|wi|li))fe$/, "ves"],
  [/(\w*(ar|l|ea|eo|oa|hoo))f$/, "ves"],
  [/(\w*([^aeiouy]|qu))y$/, "ies"],
  [/(\w*([^ch][ieo][ln]))ey$/, "ies"],
  [/(\w*(x|ch|ss|sh|zz)es)$/, ""],
  [/(\w*(x|ch|ss|sh|zz))$/, "es"],
  [/(\w*(matr|cod|mur|sil|vert|ind|append))(?:ix|ex)$/, "ices"],
  [/(\w*(m|l)(?:ice|ouse))$/, "ice"],
  [/(\w*(pe)(?:rson|ople))$/, "ople"],
  [/(\w*(child))(?:ren)?$/, "ren"],
  [/(\w*eaux)$/, ""],
];

export function toPlural(word: string): string {
  for (let i = PLURAL_RULES.length - 1; i >= 0; i--) {
    const [rule, replace] = PLURAL_RULES[i]!;
    const m = rule.exec(word);
    if (m?.[1] !== undefined) return m[1] + replace;
  }
  return `${word}s`;
}

/**
 * graph-node's collection field name (`camel_cased_names`): the plural, camel-cased; where the plural equals the
 * singular (`ClassStats`, `AuctionParams`), `_collection` is appended. `CollateralClass` gives `collateralClasses`.
 */
export function collectionName(entity: string): string {
  const single = lowerFirst(entity);
  const plural = lowerFirst(toPlural(entity));
  return plural === single ? `${single}_collection` : plural;
}

export function buildApi(schema: Schema, store: PgStore, status: ApiStatus): GraphQLSchema {
  const objectTypes = new Map<string, GraphQLObjectType>();
  const filterTypes = new Map<string, GraphQLInputObjectType>();
  const orderTypes = new Map<string, GraphQLEnumType>();
  const userEnums = new Map<string, GraphQLEnumType>();
  for (const [name, values] of schema.enums) {
    userEnums.set(name, new GraphQLEnumType({ name, values: Object.fromEntries(values.map((v) => [v, { value: v }])) }));
  }
  const OrderDirection = new GraphQLEnumType({ name: "OrderDirection", values: { asc: { value: "asc" }, desc: { value: "desc" } } });
  const IntervalEnum = new GraphQLEnumType({ name: "Aggregation_interval", values: { hour: { value: "hour" }, day: { value: "day" } } });
  const BlockHeight = new GraphQLInputObjectType({
    name: "Block_height",
    fields: { hash: { type: BytesScalar }, number: { type: GraphQLInt }, number_gte: { type: GraphQLInt } },
  });
  const BlockChangedFilter = new GraphQLInputObjectType({ name: "BlockChangedFilter", fields: { number_gte: { type: new GraphQLNonNull(GraphQLInt) } } });

  function scalarType(field: FieldDef): GraphQLScalarType | GraphQLEnumType {
    switch (field.typeName) {
      case "ID":
        return GraphQLID;
      case "String":
        return GraphQLString;
      case "Int":
        return GraphQLInt;
      case "Boolean":
        return GraphQLBoolean;
      case "BigInt":
        return BigIntScalar;
      case "BigDecimal":
        return BigDecimalScalar;
      case "Bytes":
        return BytesScalar;
      case "Int8":
        return Int8Scalar;
      case "Timestamp":
        return TimestampScalar;
    }
    const e = userEnums.get(field.typeName);
    if (e) return e;
    // A reference filters by the target's id type.
    const target = schema.entities.get(field.typeName)!;
    return target.idKind === "Bytes" ? BytesScalar : target.idKind === "Int8" ? Int8Scalar : GraphQLString;
  }

  function orderType(def: EntityDef): GraphQLEnumType {
    let t = orderTypes.get(def.name);
    if (!t) {
      t = new GraphQLEnumType({
        name: `${def.name}_orderBy`,
        values: Object.fromEntries(def.fields.filter((f) => !f.derivedFrom).map((f) => [f.name, { value: f.name }])),
      });
      orderTypes.set(def.name, t);
    }
    return t;
  }

  function filterType(def: EntityDef): GraphQLInputObjectType {
    let t = filterTypes.get(def.name);
    if (t) return t;
    t = new GraphQLInputObjectType({
      name: `${def.name}_filter`,
      fields: (): GraphQLInputFieldConfigMap => {
        const fields: GraphQLInputFieldConfigMap = {};
        for (const f of def.fields) {
          const target = f.reference ? schema.entities.get(f.reference) : undefined;
          if (target && !target.aggregation) fields[`${f.name}_`] = { type: filterType(target) };
          if (f.derivedFrom) continue;
          const s = scalarType(f);
          if (f.list) {
            const l = new GraphQLList(new GraphQLNonNull(s));
            for (const op of ["", "_not", "_contains", "_contains_nocase", "_not_contains", "_not_contains_nocase"]) fields[`${f.name}${op}`] = { type: l };
            continue;
          }
          const ops = ["", "_not", "_in", "_not_in"];
          if (f.kind !== "Bool") ops.push("_gt", "_lt", "_gte", "_lte");
          if (f.kind === "String" || f.kind === "Bytes") ops.push("_contains", "_not_contains");
          if (f.kind === "String") {
            for (const b of ["_contains", "_starts_with", "_ends_with"]) ops.push(`${b}_nocase`, `_not${b}_nocase`);
            ops.push("_starts_with", "_not_starts_with", "_ends_with", "_not_ends_with");
          }
          for (const op of ops) fields[`${f.name}${op}`] = { type: op.endsWith("in") ? new GraphQLList(new GraphQLNonNull(s)) : s };
        }
        fields._change_block = { type: BlockChangedFilter };
        fields.and = { type: new GraphQLList(t!) };
        fields.or = { type: new GraphQLList(t!) };
        return fields;
      },
    });
    filterTypes.set(def.name, t);
    return t;
  }

  async function resolveBlock(arg: { number?: number; hash?: string; number_gte?: number } | undefined): Promise<number> {
    const head = status.head();
    const headNumber = head?.number ?? -1;
    if (!arg) return headNumber;
    if (arg.hash) {
      const r = await store.db.query<{ number: number }>(`SELECT number FROM _runner_blocks WHERE hash = $1`, [arg.hash.toLowerCase()]);
      if (!r.rows[0]) throw new QueryError(`no block with hash ${arg.hash} has been indexed`);
      return r.rows[0].number;
    }
    const wanted = arg.number ?? arg.number_gte;
    if (wanted !== undefined && wanted > headNumber) {
      throw new QueryError(`Failed to decode \`block.number\` value: \`subgraph ${status.deployment} has only indexed up to block number ${headNumber} and data for block number ${wanted} is therefore not yet available\``);
    }
    return arg.number ?? headNumber;
  }

  /**
   * The stored columns a selection reads: its fields (a reference field's column holds the id its sub-selection
   * resolves) and always `id` (derived lists look up by it). Null, for every column, where the selection uses
   * fragments. PGlite's cost per returned row grows with its columns: `fleet { id gpuCount }` on 300 vaults read 25
   * columns of each fleet.
   */
  function selectedColumns(def: EntityDef, info: GraphQLResolveInfo | undefined): Set<string> | null {
    if (!info) return null;
    const out = new Set<string>(["id"]);
    for (const node of info.fieldNodes) {
      for (const sel of node.selectionSet?.selections ?? []) {
        if (sel.kind !== "Field") return null;
        if (def.fieldMap.has(sel.name.value)) out.add(sel.name.value);
      }
    }
    return out;
  }

  function paging(args: { first?: number; skip?: number }): string {
    const first = args.first ?? 100;
    const skip = args.skip ?? 0;
    if (first < 0 || first > MAX_FIRST) throw new QueryError(`The \`first\` argument must be between 0 and ${MAX_FIRST}, but is ${first}`);
    if (skip < 0 || skip > MAX_SKIP) throw new QueryError(`The \`skip\` argument must be between 0 and ${MAX_SKIP}, but is ${skip}`);
    return `LIMIT ${first} OFFSET ${skip}`;
  }

  /**
   * `sql`'s rows, handed over as one JSON text that Postgres builds: PGlite decodes a result value by value in
   * JavaScript and the rows then cross from the store's thread as objects, where JSON.parse reads one string (300
   * vaults: 12 → 7 ms). The JSON types are the ones PGlite's decoders give: numbers the API must keep exact are
   * selected as text. json_agg reads the sorted subquery in its order, the idiom PostgreSQL's aggregate documentation
   * gives for ordered input.
   */
  async function rows(sql: string, params: unknown[], block: number): Promise<Row[]> {
    const r = await store.db.query<{ j: string }>(`SELECT coalesce(json_agg(y), '[]')::text AS j FROM (${sql}) y`, params);
    const list = JSON.parse(r.rows[0]!.j) as Row[];
    for (const row of list) row.__block = block;
    return list;
  }

  async function many(def: EntityDef, args: Record<string, any>, block: number, extra?: (alias: string, params: Params) => string, columns: Set<string> | null = null): Promise<Row[]> {
    if (block < 0) return [];
    const params = new Params();
    const where = buildWhere(schema, def, args.where, params, "e", block);
    const more = extra ? ` AND ${extra("e", params)}` : "";
    const sql = `SELECT ${selectColumns(def, "e.", columns)} FROM ${q(def.name)} e WHERE ${rangeClause("e", block)} AND ${where}${more} ORDER BY ${orderClause(def, args.orderBy, args.orderDirection, "e")} ${paging(args)}`;
    return rows(sql, params.values, block);
  }

  async function one(def: EntityDef, id: string, block: number, columns: Set<string> | null = null): Promise<Row | null> {
    if (block < 0) return null;
    const key = def.idKind === "Bytes" ? id.toLowerCase() : id;
    const found = await rows(`SELECT ${selectColumns(def, "e.", columns)} FROM ${q(def.name)} e WHERE e.id = $1 AND ${rangeClause("e", block)} LIMIT 1`, [key], block);
    return found[0] ?? null;
  }

  /**
   * Keys asked for in one turn of the event loop under one batch key are answered by one `load`: what turns a page's
   * references, and its parents' derived lists, into one query each. Callers with the same batch key ask the same
   * query of different keys, so the first caller's `load` serves them all.
   */
  function batcher<R>() {
    const open = new Map<string, { keys: Map<string, ((r: R) => void)[]>; fail: ((e: unknown) => void)[] }>();
    return (batchKey: string, key: string, load: (keys: string[]) => Promise<(key: string) => R>): Promise<R> => {
      let batch = open.get(batchKey);
      if (!batch) {
        const created = { keys: new Map<string, ((r: R) => void)[]>(), fail: [] as ((e: unknown) => void)[] };
        open.set(batchKey, (batch = created));
        setImmediate(() => {
          open.delete(batchKey);
          load([...created.keys.keys()])
            .then((answer) => {
              for (const [k, waiting] of created.keys) for (const resolve of waiting) resolve(answer(k));
            })
            .catch((error: unknown) => {
              for (const reject of created.fail) reject(error);
            });
        });
      }
      return new Promise((resolve, reject) => {
        const waiting = batch.keys.get(key);
        if (waiting) waiting.push(resolve);
        else batch.keys.set(key, [resolve]);
        batch.fail.push(reject);
      });
    };
  }

  /**
   * References (`vault.owner`, `fleet.collateralClass`) resolve through a batch: every lookup of one entity type at
   * one block made while a list is being resolved is one query, instead of one query per row (a page of 100 vaults
   * with two references each was 200 queries). It looks the ids up one by one in the id index: `id = ANY(ids)` spent
   * 3 ms planning 300 ids against the column's statistics and 6 ms in a bitmap scan, where this takes 5 ms in all.
   */
  const references = batcher<Row | null>();
  function oneBatched(def: EntityDef, id: string, block: number, columns: Set<string> | null = null): Promise<Row | null> {
    if (block < 0) return Promise.resolve(null);
    const key = def.idKind === "Bytes" ? id.toLowerCase() : id;
    return references(`${def.name}@${block}@${columns ? [...columns].join(",") : "*"}`, key, async (ids) => {
      const cast = columnType(def.fieldMap.get("id")!);
      const found = await rows(
        `SELECT x.* FROM unnest($1::${cast}[]) AS k(id) CROSS JOIN LATERAL (SELECT ${selectColumns(def, "e.", columns)} FROM ${q(def.name)} e WHERE e.id = k.id AND ${rangeClause("e", block)} LIMIT 1) x`,
        [ids],
        block,
      );
      const byId = new Map(found.map((row) => [String(row.id), row]));
      return (k) => byId.get(k) ?? null;
    });
  }

  /**
   * Derived lists (`class.vaults`) resolve through a batch too: the lists of every parent resolved in one turn (the
   * classes of one page) are read by one query, a LATERAL join that runs the list's filter, order and page once per
   * parent over its index, as graph-node's window queries do. Three classes' vaults by health were three queries,
   * and their references three batches each.
   */
  const derivedLists = batcher<Row[]>();
  function derivedBatched(target: EntityDef, back: FieldDef, parent: string, args: Record<string, any>, block: number, columns: Set<string> | null): Promise<Row[]> {
    if (block < 0) return Promise.resolve([]);
    return derivedLists(JSON.stringify([target.name, back.name, block, args, columns ? [...columns] : null]), parent, async (parents) => {
      const params = new Params();
      const where = buildWhere(schema, target, args.where, params, "e", block);
      const sql =
        `SELECT x.* FROM unnest(${params.add(parents, "text[]")}) AS p(parent) CROSS JOIN LATERAL (` +
        `SELECT ${selectColumns(target, "e.", columns)}, p.parent AS "__parent" FROM ${q(target.name)} e ` +
        `WHERE ${rangeClause("e", block)} AND ${where} AND e.${q(back.name)}::text = p.parent ` +
        `ORDER BY ${orderClause(target, args.orderBy, args.orderDirection, "e")} ${paging(args)}) x`;
      const byParent = new Map<string, Row[]>();
      for (const row of await rows(sql, params.values, block)) {
        const key = String(row.__parent);
        let list = byParent.get(key);
        if (!list) byParent.set(key, (list = []));
        list.push(row);
      }
      return (k) => byParent.get(k) ?? [];
    });
  }

  const listArgs = (def: EntityDef) => ({
    skip: { type: GraphQLInt, defaultValue: 0 },
    first: { type: GraphQLInt, defaultValue: 100 },
    orderBy: { type: orderType(def) },
    orderDirection: { type: OrderDirection },
    where: { type: filterType(def) },
  });

  function objectType(def: EntityDef): GraphQLObjectType {
    let t = objectTypes.get(def.name);
    if (t) return t;
    t = new GraphQLObjectType({
      name: def.name,
      fields: (): GraphQLFieldConfigMap<Row, unknown> => {
        const fields: GraphQLFieldConfigMap<Row, unknown> = {};
        for (const f of def.fields) {
          const target = f.reference ? schema.entities.get(f.reference) : undefined;
          if (!target) {
            const s = scalarType(f);
            const base = f.list ? new GraphQLList(new GraphQLNonNull(s)) : s;
            fields[f.name] = { type: f.nonNull ? new GraphQLNonNull(base) : base, resolve: (row) => row[f.name] };
            continue;
          }
          const tt = objectType(target);
          if (f.derivedFrom) {
            const back = target.fieldMap.get(f.derivedFrom)!;
            fields[f.name] = {
              type: f.list ? new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(tt))) : tt,
              args: f.list ? listArgs(target) : {},
              resolve: async (row, args: Record<string, any>, _c, info) => {
                const listArgs = { first: f.list ? args.first : 1, ...args };
                const list = back.list
                  ? await many(target, listArgs, row.__block, (alias, params) => `${alias}.${q(back.name)} @> jsonb_build_array(${params.add(String(row.id), "text")})`, selectedColumns(target, info))
                  : await derivedBatched(target, back, String(row.id), listArgs, row.__block, selectedColumns(target, info));
                return f.list ? list : (list[0] ?? null);
              },
            };
          } else if (f.list) {
            fields[f.name] = {
              type: new GraphQLList(new GraphQLNonNull(tt)),
              args: listArgs(target),
              resolve: async (row, args: Record<string, any>, _c, info) => {
                const ids = row[f.name] as string[] | null;
                if (!ids) return null;
                return many(target, args, row.__block, (alias, params) => `${alias}.id::text = ANY(${params.add(ids.map(String), "text[]")})`, selectedColumns(target, info));
              },
            };
          } else {
            fields[f.name] = {
              type: f.nonNull ? new GraphQLNonNull(tt) : tt,
              resolve: (row, _a, _c, info) => (row[f.name] === null || row[f.name] === undefined ? null : oneBatched(target, String(row[f.name]), row.__block, selectedColumns(target, info))),
            };
          }
        }
        return fields;
      },
    });
    objectTypes.set(def.name, t);
    return t;
  }

  // --- aggregations: rolled up at query time from the timeseries, completed buckets only ------------
  async function aggregate(def: EntityDef, args: Record<string, any>, block: number, idVisible = true): Promise<Row[]> {
    if (block < 0) return [];
    const source = schema.entities.get(def.aggregation!.source)!;
    const interval: "hour" | "day" = args.interval;
    if (!def.aggregation!.intervals.includes(interval)) throw new QueryError(`${def.name} is not aggregated by ${interval}`);
    const width = interval === "hour" ? HOUR_US : DAY_US;
    const blockTime = (await store.blockTimestamp(block)) ?? 0n;
    // graph-node rolls a bucket up once a block past its end is processed.
    const cutoff = ((blockTime * 1_000_000n) / width) * width;
    const dims = def.fields.filter((f) => !f.aggregate && f.name !== "id" && f.name !== "timestamp");
    const dimCols = dims.map((d) => `s.${q(d.name)}`);
    const aggs = def.fields.filter((f) => f.aggregate);
    // `first` and `last` are the argument's value in the group's lowest and highest timeseries id: the group keeps those
    // two ids, and each is read back by one index lookup (an array_agg(… ORDER BY id) per field sorted every group
    // once per field). LATERAL … LIMIT 1 keeps it a lookup: the planner guesses hundreds of groups where a filtered
    // roll-up has a handful, and would otherwise hash-join a scan of the whole timeseries.
    const needFirst = aggs.some((f) => f.aggregate!.fn === "first");
    const groupExprs = aggs
      .filter((f) => f.aggregate!.fn !== "first" && f.aggregate!.fn !== "last")
      .map((f) => {
        const a = f.aggregate!;
        const arg = a.arg ? `s.${q(a.arg)}` : "1";
        return `${a.fn === "count" ? "count(*)" : `${a.fn}(${arg})`} AS ${q(f.name)}`;
      });
    const bucketExprs = aggs.map((f) => {
      const a = f.aggregate!;
      const from = a.fn === "first" ? "sf" : a.fn === "last" ? "sl" : null;
      if (!from) return `g.${q(f.name)}`;
      return `${a.arg ? `${from}.${q(a.arg)}` : "1"} AS ${q(f.name)}`;
    });
    const partition = dims.length > 0 ? `PARTITION BY ${dims.map((d) => q(d.name)).join(", ")} ` : "";
    const outExprs = aggs.map((f) => {
      const a = f.aggregate!;
      if (!a.cumulative || a.fn === "last") return `b.${q(f.name)}`;
      const win = `OVER (${partition}ORDER BY b.bucket ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`;
      const fn = a.fn === "count" || a.fn === "sum" ? "sum" : a.fn === "first" ? "first_value" : a.fn;
      return `${fn}(b.${q(f.name)}) ${win} AS ${q(f.name)}`;
    });
    const params = new Params();
    // An aggregation's id numbers every (bucket, dimensions) group, so filtering the timeseries on a dimension before
    // the roll-up would renumber the groups. Where the query cannot see ids (it neither selects, filters nor orders by
    // id), plain equality filters on dimensions go into the roll-up: the cumulative windows partition by every
    // dimension, so each group's values are the same, and a class's hourly buckets no longer roll up every class.
    let pushed = "";
    if (!idVisible && args.where) {
      const dimFilter: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(args.where as Record<string, unknown>)) {
        if (value !== undefined && dims.some((d) => d.name === key)) dimFilter[key] = value;
      }
      if (Object.keys(dimFilter).length > 0) pushed = ` AND ${buildWhere(schema, def, dimFilter, params, "s", block)}`;
    }
    const inner = `
      WITH g AS (
        SELECT (s.timestamp / ${width}) * ${width} AS bucket${dimCols.length ? ", " + dimCols.join(", ") : ""}, min(s.id) AS __first, max(s.id) AS __last${groupExprs.length ? ", " + groupExprs.join(", ") : ""}
        FROM ${q(source.name)} s WHERE ${rangeClause("s", block)} AND s.timestamp < ${cutoff}${pushed}
        GROUP BY 1${dims.map((_, i) => `, ${i + 2}`).join("")}
      ), b AS (
        SELECT g.bucket${dims.map((d) => `, g.${q(d.name)}`).join("")}, ${bucketExprs.join(", ")}
        FROM g CROSS JOIN LATERAL (SELECT * FROM ${q(source.name)} x WHERE x.id = g.__last AND ${rangeClause("x", block)} LIMIT 1) sl${needFirst ? ` CROSS JOIN LATERAL (SELECT * FROM ${q(source.name)} x WHERE x.id = g.__first AND ${rangeClause("x", block)} LIMIT 1) sf` : ""}
      )
      SELECT row_number() OVER (ORDER BY b.bucket${dims.map((d) => `, b.${q(d.name)}`).join("")}) AS id, b.bucket AS timestamp${dims.map((d) => `, b.${q(d.name)}`).join("")}, ${outExprs.join(", ")} FROM b`;
    const where = buildWhere(schema, def, args.where, params, "a", block);
    const order = orderClause(def, args.orderBy ?? "timestamp", args.orderDirection ?? (args.orderBy ? "asc" : "desc"), "a");
    const select = def.fields.map((f) => {
      const t = f.kind === "BigInt" || f.kind === "BigDecimal" || f.kind === "Int8" || f.kind === "Timestamp" ? `::text` : "";
      return `(a.${q(f.name)})${t} AS ${q(f.name)}`;
    });
    const found = await rows(`SELECT ${select.join(", ")} FROM (${inner}) a WHERE ${where} ORDER BY ${order} ${paging(args)}`, params.values, block);
    for (const row of found) {
      for (const f of def.fields) if (f.kind === "BigDecimal" && row[f.name] != null) row[f.name] = decimalToString(parseDecimal(String(row[f.name])));
    }
    return found;
  }

  /** Whether a query on an aggregation can observe its ids: it selects, filters or orders by `id` (or uses fragments). */
  function idsVisible(args: Record<string, any>, info: GraphQLResolveInfo): boolean {
    if (args.orderBy === "id") return true;
    if (args.where && JSON.stringify(args.where).match(/"id(_[a-z_]*)?"\s*:/)) return true;
    for (const node of info.fieldNodes) {
      for (const sel of node.selectionSet?.selections ?? []) {
        if (sel.kind !== "Field") return true;
        if (sel.name.value === "id") return true;
      }
    }
    return false;
  }

  // --- Query ------------------------------------------------------------------------------------------
  const BlockType = new GraphQLObjectType({
    name: "_Block_",
    fields: { hash: { type: BytesScalar }, number: { type: new GraphQLNonNull(GraphQLInt) }, timestamp: { type: GraphQLInt }, parentHash: { type: BytesScalar } },
  });
  const MetaType = new GraphQLObjectType({
    name: "_Meta_",
    fields: {
      block: { type: new GraphQLNonNull(BlockType) },
      deployment: { type: new GraphQLNonNull(GraphQLString) },
      hasIndexingErrors: { type: new GraphQLNonNull(GraphQLBoolean) },
    },
  });

  const queryFields: GraphQLFieldConfigMap<unknown, unknown> = {};
  for (const def of schema.entities.values()) {
    const t = objectType(def);
    const blockArg = { block: { type: BlockHeight } };
    if (def.aggregation) {
      queryFields[collectionName(def.name)] = {
        type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(t))),
        args: { interval: { type: new GraphQLNonNull(IntervalEnum) }, ...listArgs(def), ...blockArg },
        resolve: async (_s, args: Record<string, any>, _c, info) => aggregate(def, args, await resolveBlock(args.block), idsVisible(args, info)),
      };
      continue;
    }
    queryFields[lowerFirst(def.name)] = {
      type: t,
      args: { id: { type: new GraphQLNonNull(GraphQLID) }, ...blockArg },
      resolve: async (_s, args: Record<string, any>, _c, info) => one(def, String(args.id), await resolveBlock(args.block), selectedColumns(def, info)),
    };
    queryFields[collectionName(def.name)] = {
      type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(t))),
      args: { ...listArgs(def), ...blockArg },
      resolve: async (_s, args: Record<string, any>, _c, info) => many(def, args, await resolveBlock(args.block), undefined, selectedColumns(def, info)),
    };
  }
  queryFields._meta = {
    type: MetaType,
    args: { block: { type: BlockHeight } },
    resolve: async (_s, args: Record<string, any>) => {
      const number = await resolveBlock(args.block);
      const r = await store.db.query<{ number: number; hash: string; parent_hash: string; timestamp: string }>(
        `SELECT number, hash, parent_hash, timestamp::text AS timestamp FROM _runner_blocks WHERE number <= $1 ORDER BY number DESC LIMIT 1`,
        [number],
      );
      const b = r.rows[0];
      return {
        block: b ? { number, hash: b.number === number ? b.hash : null, parentHash: b.number === number ? b.parent_hash : null, timestamp: Number(b.timestamp) } : { number, hash: null },
        deployment: status.deployment,
        hasIndexingErrors: status.error() !== null,
      };
    },
  };
  void OPEN;
  return new GraphQLSchema({ query: new GraphQLObjectType({ name: "Query", fields: queryFields }) });
}
