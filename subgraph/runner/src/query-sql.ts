/**
 * graph-node's `where` filters and ordering, compiled to SQL over the versioned entity tables.
 * A filter key is a field name plus an operator suffix (`amount_gte`, `name_starts_with_nocase`, `owner_`
 * for a nested filter on a referenced entity); `and`/`or` take lists of filters.
 */
import type { EntityDef, FieldDef, Schema } from "./schema.js";
import { columnType, q } from "./pg-store.js";

const SUFFIXES = [
  "_not_contains_nocase",
  "_not_starts_with_nocase",
  "_not_ends_with_nocase",
  "_contains_nocase",
  "_starts_with_nocase",
  "_ends_with_nocase",
  "_not_starts_with",
  "_not_ends_with",
  "_not_contains",
  "_starts_with",
  "_ends_with",
  "_contains",
  "_not_in",
  "_not",
  "_gte",
  "_lte",
  "_in",
  "_gt",
  "_lt",
  "_",
] as const;
export type FilterOp = (typeof SUFFIXES)[number] | "";

export class QueryError extends Error {}

export class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

export function rangeClause(alias: string, block: number): string {
  return `${alias}.__from <= ${block} AND ${alias}.__to > ${block}`;
}

export function splitFilterKey(def: EntityDef, key: string): { field: FieldDef; op: FilterOp } {
  const direct = def.fieldMap.get(key);
  if (direct) return { field: direct, op: "" };
  for (const suffix of SUFFIXES) {
    if (key.endsWith(suffix)) {
      const field = def.fieldMap.get(key.slice(0, -suffix.length));
      if (field) return { field, op: suffix };
    }
  }
  throw new QueryError(`Type \`${def.name}_filter\` has no field \`${key}\``);
}

function scalarParam(field: FieldDef, value: unknown): unknown {
  if (value === null) return null;
  if (field.kind === "Bytes") return String(value).toLowerCase();
  if (field.kind === "Bool") return Boolean(value);
  if (field.kind === "Int") return Number(value);
  return String(value);
}

function scalarCast(field: FieldDef): string {
  const t = columnType({ ...field, list: false });
  return t === "int4" ? "int4" : t;
}

/** graph-node stores list elements; our jsonb keeps 64-bit and big numbers as strings, Int as numbers. */
function listElementJson(field: FieldDef, value: unknown): unknown {
  if (field.kind === "Int") return Number(value);
  if (field.kind === "Bool") return Boolean(value);
  if (field.kind === "Bytes") return String(value).toLowerCase();
  if (field.kind === "BigDecimal") return String(value);
  return String(value);
}

export function buildWhere(schema: Schema, def: EntityDef, filter: Record<string, unknown> | undefined, params: Params, alias: string, block: number): string {
  if (!filter) return "TRUE";
  const parts: string[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    if (key === "and" || key === "or") {
      const subs = (value as Record<string, unknown>[]).map((f) => `(${buildWhere(schema, def, f, params, alias, block)})`);
      if (subs.length > 0) parts.push(`(${subs.join(key === "and" ? " AND " : " OR ")})`);
      continue;
    }
    if (key === "_change_block") {
      const gte = (value as { number_gte: number }).number_gte;
      parts.push(`${alias}.__from >= ${Number(gte)}`);
      continue;
    }
    const { field, op } = splitFilterKey(def, key);
    const col = `${alias}.${q(field.name)}`;
    if (op === "_") {
      const target = schema.entities.get(field.reference ?? "");
      if (!target) throw new QueryError(`\`${key}\`: ${def.name}.${field.name} is not a reference to an entity`);
      const sub = `s${params.values.length}_${Math.floor(Math.random() * 1e6)}`;
      const inner = buildWhere(schema, target, value as Record<string, unknown>, params, sub, block);
      if (field.derivedFrom) {
        const back = target.fieldMap.get(field.derivedFrom)!;
        const backCol = `${sub}.${q(back.name)}`;
        const match = back.list ? `${backCol} @> jsonb_build_array(${alias}.id)` : `${backCol} = ${alias}.id`;
        parts.push(`EXISTS (SELECT 1 FROM ${q(target.name)} ${sub} WHERE ${rangeClause(sub, block)} AND ${match} AND ${inner})`);
      } else if (field.list) {
        parts.push(`EXISTS (SELECT 1 FROM ${q(target.name)} ${sub} WHERE ${rangeClause(sub, block)} AND ${col} @> jsonb_build_array(${sub}.id) AND ${inner})`);
      } else {
        parts.push(`${col} IN (SELECT ${sub}.id FROM ${q(target.name)} ${sub} WHERE ${rangeClause(sub, block)} AND ${inner})`);
      }
      continue;
    }
    if (field.derivedFrom) throw new QueryError(`\`${key}\`: derived field ${field.name} can only be filtered with \`${field.name}_\``);
    if (field.list) {
      const json = (v: unknown) => params.add(JSON.stringify((v as unknown[]).map((x) => listElementJson(field, x))), "jsonb");
      switch (op) {
        case "":
          parts.push(value === null ? `${col} IS NULL` : `${col} = ${json(value)}`);
          break;
        case "_not":
          parts.push(value === null ? `${col} IS NOT NULL` : `${col} <> ${json(value)}`);
          break;
        case "_contains":
          parts.push(`${col} @> ${json(value)}`);
          break;
        case "_not_contains":
          parts.push(`NOT (${col} @> ${json(value)})`);
          break;
        case "_contains_nocase":
        case "_not_contains_nocase": {
          const lowered = params.add(JSON.stringify((value as unknown[]).map((x) => String(x).toLowerCase())), "jsonb");
          const expr = `(SELECT coalesce(jsonb_agg(lower(e)), '[]'::jsonb) FROM jsonb_array_elements_text(${col}) e) @> ${lowered}`;
          parts.push(op === "_contains_nocase" ? expr : `NOT ${expr}`);
          break;
        }
        default:
          throw new QueryError(`\`${key}\`: list field ${field.name} supports only =, _not, _contains and _not_contains (with _nocase)`);
      }
      continue;
    }
    const cast = scalarCast(field);
    const p = (v: unknown) => params.add(scalarParam(field, v), cast);
    const text = (v: unknown) => params.add(String(v), "text");
    const like = (v: unknown, pre: string, post: string) => params.add(`${pre}${String(v).replace(/[\\%_]/g, (c) => `\\${c}`)}${post}`, "text");
    switch (op) {
      case "":
        parts.push(value === null ? `${col} IS NULL` : `${col} = ${p(value)}`);
        break;
      case "_not":
        parts.push(value === null ? `${col} IS NOT NULL` : `${col} IS DISTINCT FROM ${p(value)}`);
        break;
      case "_gt":
        parts.push(`${col} > ${p(value)}`);
        break;
      case "_gte":
        parts.push(`${col} >= ${p(value)}`);
        break;
      case "_lt":
        parts.push(`${col} < ${p(value)}`);
        break;
      case "_lte":
        parts.push(`${col} <= ${p(value)}`);
        break;
      case "_in":
        parts.push(`${col} = ANY(${params.add((value as unknown[]).map((v) => scalarParam(field, v)), `${cast}[]`)})`);
        break;
      case "_not_in":
        parts.push(`NOT (${col} = ANY(${params.add((value as unknown[]).map((v) => scalarParam(field, v)), `${cast}[]`)}))`);
        break;
      case "_contains":
        parts.push(`${col} LIKE ${like(value, "%", "%")}`);
        break;
      case "_not_contains":
        parts.push(`${col} NOT LIKE ${like(value, "%", "%")}`);
        break;
      case "_contains_nocase":
        parts.push(`${col} ILIKE ${like(value, "%", "%")}`);
        break;
      case "_not_contains_nocase":
        parts.push(`${col} NOT ILIKE ${like(value, "%", "%")}`);
        break;
      case "_starts_with":
        parts.push(`${col} LIKE ${like(value, "", "%")}`);
        break;
      case "_not_starts_with":
        parts.push(`${col} NOT LIKE ${like(value, "", "%")}`);
        break;
      case "_starts_with_nocase":
        parts.push(`${col} ILIKE ${like(value, "", "%")}`);
        break;
      case "_not_starts_with_nocase":
        parts.push(`${col} NOT ILIKE ${like(value, "", "%")}`);
        break;
      case "_ends_with":
        parts.push(`${col} LIKE ${like(value, "%", "")}`);
        break;
      case "_not_ends_with":
        parts.push(`${col} NOT LIKE ${like(value, "%", "")}`);
        break;
      case "_ends_with_nocase":
        parts.push(`${col} ILIKE ${like(value, "%", "")}`);
        break;
      case "_not_ends_with_nocase":
        parts.push(`${col} NOT ILIKE ${like(value, "%", "")}`);
        break;
    }
    void text;
  }
  return parts.length > 0 ? parts.join(" AND ") : "TRUE";
}

export function orderClause(def: EntityDef, orderBy: string | undefined, direction: string | undefined, alias: string): string {
  const dir = direction === "desc" ? "DESC" : "ASC";
  const field = def.fieldMap.get(orderBy ?? "id");
  if (!field || field.derivedFrom) throw new QueryError(`cannot order ${def.name} by \`${orderBy}\``);
  const col = `${alias}.${q(field.name)}`;
  return field.name === "id" ? `${col} ${dir}` : `${col} ${dir} NULLS LAST, ${alias}.id ${dir}`;
}
