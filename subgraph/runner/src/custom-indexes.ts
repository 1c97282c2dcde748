/**
 * Indexes the analysts' queries need beyond the ones every table gets, read from `subgraph/indexes.json`: the runner's
 * counterpart of `graphman index create` on graph-node, where an operator adds the same indexes by hand (see
 * subgraph/README.md). Each is a B-tree over the listed columns, so a filter on the first and an order on the next is
 * served in index order: a class's vaults by health read the hundred they return instead of every vault of the class.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Schema } from "./schema.js";

export interface CustomIndex {
  entity: string;
  fields: string[];
}

const FILE = "indexes.json";

/** The subgraph's custom indexes, checked against its schema; none when the file is absent. */
export function loadCustomIndexes(subgraphDir: string, schema: Schema): CustomIndex[] {
  const path = join(subgraphDir, FILE);
  if (!existsSync(path)) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`${FILE} is not valid JSON (${(error as Error).message}); fix the file or delete it`);
  }
  return parseCustomIndexes(raw, schema);
}

export function parseCustomIndexes(raw: unknown, schema: Schema): CustomIndex[] {
  if (!Array.isArray(raw)) throw new Error(`${FILE} must be a list of { "entity", "fields" }, got ${JSON.stringify(raw)}`);
  return raw.map((entry: unknown, i) => {
    const { entity, fields } = (entry ?? {}) as { entity?: unknown; fields?: unknown };
    const def = typeof entity === "string" ? schema.entities.get(entity) : undefined;
    if (!def || def.aggregation) throw new Error(`${FILE}[${i}].entity ${JSON.stringify(entity)} is not an entity type of schema.graphql; use a type name such as "Vault"`);
    if (!Array.isArray(fields) || fields.length === 0) throw new Error(`${FILE}[${i}].fields ${JSON.stringify(fields)} must be a non-empty list of ${entity} fields`);
    for (const field of fields) {
      const f = typeof field === "string" ? def.fieldMap.get(field) : undefined;
      if (!f || f.derivedFrom || f.list) {
        throw new Error(`${FILE}[${i}].fields: ${JSON.stringify(field)} is not a stored scalar field of ${entity}; use one of ${[...def.fieldMap.values()].filter((x) => !x.derivedFrom && !x.list).map((x) => x.name).join(", ")}`);
      }
    }
    return { entity: def.name, fields: fields as string[] };
  });
}
