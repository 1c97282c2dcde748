/**
 * The subgraph's schema.graphql reduced to what the store and the query layer need: entity types, their
 * fields with value kinds, references, @derivedFrom, immutability, timeseries and @aggregation.
 */
import { Kind, parse, type FieldDefinitionNode, type TypeNode, type ConstDirectiveNode } from "graphql";
import type { StoreValue } from "./values.js";

export type ScalarName = "ID" | "String" | "Bytes" | "BigInt" | "BigDecimal" | "Int" | "Int8" | "Boolean" | "Timestamp";
export type ValueKind = StoreValue["kind"];

export interface FieldDef {
  name: string;
  /** Scalar, enum or entity type name as written in the schema. */
  typeName: string;
  /** How the value is held: for references, the kind of the target's id. */
  kind: Exclude<ValueKind, "Array" | "Null">;
  list: boolean;
  nonNull: boolean;
  reference?: string;
  derivedFrom?: string;
  aggregate?: { fn: "sum" | "count" | "min" | "max" | "first" | "last"; arg?: string; cumulative: boolean };
}

export interface EntityDef {
  name: string;
  fields: FieldDef[];
  fieldMap: Map<string, FieldDef>;
  immutable: boolean;
  timeseries: boolean;
  aggregation?: { intervals: ("hour" | "day")[]; source: string };
  idKind: "String" | "Bytes" | "Int8";
}

export interface Schema {
  entities: Map<string, EntityDef>;
  enums: Map<string, string[]>;
}

const SCALAR_KINDS: Record<ScalarName, FieldDef["kind"]> = {
  ID: "String",
  String: "String",
  Bytes: "Bytes",
  BigInt: "BigInt",
  BigDecimal: "BigDecimal",
  Int: "Int",
  Int8: "Int8",
  Boolean: "Bool",
  Timestamp: "Timestamp",
};

function unwrap(type: TypeNode): { name: string; list: boolean; nonNull: boolean } {
  let nonNull = false;
  let list = false;
  let t = type;
  if (t.kind === Kind.NON_NULL_TYPE) {
    nonNull = true;
    t = t.type;
  }
  if (t.kind === Kind.LIST_TYPE) {
    list = true;
    t = t.type;
    if (t.kind === Kind.NON_NULL_TYPE) t = t.type;
  }
  if (t.kind !== Kind.NAMED_TYPE) throw new Error("nested lists are not supported by graph-node schemas");
  return { name: t.name.value, list, nonNull };
}

function directiveArg(directive: ConstDirectiveNode | undefined, name: string): unknown {
  const arg = directive?.arguments?.find((a) => a.name.value === name);
  if (!arg) return undefined;
  const v = arg.value;
  if (v.kind === Kind.BOOLEAN || v.kind === Kind.STRING) return v.value;
  if (v.kind === Kind.LIST) return v.values.map((x) => (x.kind === Kind.STRING ? x.value : undefined));
  return undefined;
}

export function parseSchema(source: string): Schema {
  const doc = parse(source);
  const enums = new Map<string, string[]>();
  const objectNodes: { name: string; directives: readonly ConstDirectiveNode[]; fields: readonly FieldDefinitionNode[] }[] = [];
  for (const def of doc.definitions) {
    if (def.kind === Kind.ENUM_TYPE_DEFINITION) enums.set(def.name.value, (def.values ?? []).map((v) => v.name.value));
    if (def.kind === Kind.OBJECT_TYPE_DEFINITION) {
      objectNodes.push({ name: def.name.value, directives: def.directives ?? [], fields: def.fields ?? [] });
    }
    if (def.kind === Kind.INTERFACE_TYPE_DEFINITION) {
      throw new Error(`schema interface ${def.name.value}: interfaces are not supported by the local runner yet`);
    }
  }
  const idTypes = new Map<string, string>();
  for (const node of objectNodes) {
    const id = node.fields.find((f) => f.name.value === "id");
    if (!id) throw new Error(`entity ${node.name} has no id field; graph-node requires \`id: ID!\`, Bytes! or Int8!`);
    idTypes.set(node.name, unwrap(id.type).name);
  }

  const entities = new Map<string, EntityDef>();
  for (const node of objectNodes) {
    const entityDirective = node.directives.find((d) => d.name.value === "entity");
    const aggregationDirective = node.directives.find((d) => d.name.value === "aggregation");
    if (!entityDirective && !aggregationDirective) continue;
    const fields: FieldDef[] = node.fields.map((f) => {
      const { name: typeName, list, nonNull } = unwrap(f.type);
      const derived = f.directives?.find((d) => d.name.value === "derivedFrom");
      const aggregate = f.directives?.find((d) => d.name.value === "aggregate");
      let kind: FieldDef["kind"];
      let reference: string | undefined;
      if (typeName in SCALAR_KINDS) kind = SCALAR_KINDS[typeName as ScalarName];
      else if (enums.has(typeName)) kind = "String";
      else if (idTypes.has(typeName)) {
        reference = typeName;
        kind = SCALAR_KINDS[idTypes.get(typeName) as ScalarName] ?? "String";
      } else throw new Error(`field ${node.name}.${f.name.value} has unknown type ${typeName}`);
      const def: FieldDef = { name: f.name.value, typeName, kind, list, nonNull };
      if (reference) def.reference = reference;
      if (derived) def.derivedFrom = String(directiveArg(derived, "field"));
      if (aggregate) {
        def.aggregate = {
          fn: String(directiveArg(aggregate, "fn")) as NonNullable<FieldDef["aggregate"]>["fn"],
          cumulative: directiveArg(aggregate, "cumulative") === true,
        };
        const arg = directiveArg(aggregate, "arg");
        if (typeof arg === "string") def.aggregate.arg = arg;
      }
      return def;
    });
    const idField = fields.find((f) => f.name === "id")!;
    const entity: EntityDef = {
      name: node.name,
      fields,
      fieldMap: new Map(fields.map((f) => [f.name, f])),
      immutable: directiveArg(entityDirective, "immutable") === true || directiveArg(entityDirective, "timeseries") === true,
      timeseries: directiveArg(entityDirective, "timeseries") === true,
      idKind: idField.kind as EntityDef["idKind"],
    };
    if (aggregationDirective) {
      entity.immutable = true;
      entity.aggregation = {
        intervals: (directiveArg(aggregationDirective, "intervals") as ("hour" | "day")[]) ?? [],
        source: String(directiveArg(aggregationDirective, "source")),
      };
    }
    entities.set(node.name, entity);
  }
  for (const entity of entities.values()) {
    for (const field of entity.fields) {
      if (field.derivedFrom && !entities.get(field.reference ?? "")?.fieldMap.has(field.derivedFrom)) {
        throw new Error(`${entity.name}.${field.name} is @derivedFrom(field: "${field.derivedFrom}") but ${field.reference} has no such field`);
      }
    }
    if (entity.aggregation && !entities.get(entity.aggregation.source)?.timeseries) {
      throw new Error(`aggregation ${entity.name} has source ${entity.aggregation.source}, which is not a @entity(timeseries: true)`);
    }
  }
  return { entities, enums };
}

/** Fields stored in the entity's table (derived fields live on the other side). */
export function storedFields(entity: EntityDef): FieldDef[] {
  return entity.fields.filter((f) => !f.derivedFrom);
}
