/**
 * The compiled manifest `graph build` writes (build/subgraph.yaml): data sources, templates, their ABIs,
 * wasm files and event handlers, resolved to topic0 → (ABI event, handler).
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { toEventSelector, type AbiEvent } from "viem";
import { parseDecimal } from "./bigdecimal.js";
import type { EntityData, StoreValue } from "./values.js";

export interface EventHandlerDef {
  signature: string;
  handler: string;
  topic0: string;
  abiEvent: AbiEvent;
}

export interface DataSourceDef {
  name: string;
  network: string;
  /** Lowercase address; null for templates until instantiated. */
  address: string | null;
  startBlock: number;
  wasmPath: string;
  handlers: Map<string, EventHandlerDef>;
  isTemplate: boolean;
  /** The manifest's `context:` (what `dataSource.context()` returns); null when it declares none. */
  context: EntityData | null;
}

export interface Manifest {
  dir: string;
  schemaPath: string;
  dataSources: DataSourceDef[];
  templates: Map<string, DataSourceDef>;
}

/** "Transfer(indexed address,indexed address,uint256)" → "Transfer(address,address,uint256)". */
export function canonicalSignature(signature: string): string {
  return signature.replace(/\bindexed\s+/g, "").replace(/\s+/g, "");
}

function resolveDataSource(raw: Record<string, any>, dir: string, isTemplate: boolean): DataSourceDef {
  const name = String(raw.name);
  if (raw.kind !== "ethereum" && raw.kind !== "ethereum/contract") {
    throw new Error(`data source ${name} has kind ${raw.kind}; the runner follows only ethereum data sources`);
  }
  const mapping = raw.mapping ?? {};
  if (mapping.blockHandlers?.length || mapping.callHandlers?.length) {
    throw new Error(`data source ${name} declares block or call handlers; the runner supports event handlers only`);
  }
  const abiName = raw.source?.abi;
  const abiEntry = (mapping.abis ?? []).find((a: { name: string }) => a.name === abiName);
  if (!abiEntry) throw new Error(`data source ${name}: source.abi ${abiName} is not listed under mapping.abis`);
  const abiJson = JSON.parse(readFileSync(join(dir, abiEntry.file), "utf8"));
  const abi: unknown[] = Array.isArray(abiJson) ? abiJson : abiJson.abi;
  const events = abi.filter((item): item is AbiEvent => (item as { type: string }).type === "event");
  const bySelector = new Map(events.map((e) => [toEventSelector(e), e]));

  const handlers = new Map<string, EventHandlerDef>();
  for (const h of mapping.eventHandlers ?? []) {
    const canonical = canonicalSignature(h.event);
    const topic0 = toEventSelector(canonical);
    const abiEvent = bySelector.get(topic0);
    if (!abiEvent) throw new Error(`data source ${name}: event ${h.event} is not in ABI ${abiName}`);
    if (h.receipt || h.calls) throw new Error(`data source ${name}: handler ${h.handler} asks for receipts or declared calls, which the runner does not provide`);
    handlers.set(topic0, { signature: h.event, handler: h.handler, topic0, abiEvent });
  }
  return {
    name,
    network: String(raw.network ?? "hardhat"),
    address: raw.source?.address ? String(raw.source.address).toLowerCase() : null,
    startBlock: Number(raw.source?.startBlock ?? 0),
    wasmPath: join(dir, mapping.file),
    handlers,
    isTemplate,
    context: resolveContext(name, raw.context),
  };
}

/** One `context:` entry (`{ type, data }`, graph-node's manifest format) as a store value. */
function contextValue(source: string, key: string, entry: { type?: string; data?: unknown }): StoreValue {
  const { type, data } = entry ?? {};
  switch (type) {
    case "Bool":
      return { kind: "Bool", value: data === true || data === "true" };
    case "String":
      return { kind: "String", value: String(data) };
    case "Int":
      return { kind: "Int", value: Number(data) };
    case "Int8":
      return { kind: "Int8", value: BigInt(String(data)) };
    case "BigInt":
      return { kind: "BigInt", value: BigInt(String(data)) };
    case "BigDecimal":
      return { kind: "BigDecimal", value: parseDecimal(String(data)) };
    case "Bytes":
      return { kind: "Bytes", value: String(data).toLowerCase() };
    case "List":
      return { kind: "Array", value: (data as { type: string; data: unknown }[]).map((e, i) => contextValue(source, `${key}[${i}]`, e)) };
    default:
      throw new Error(`data source ${source}: context.${key} has type ${type}; graph-node knows Bool, String, Int, Int8, BigInt, BigDecimal, Bytes and List`);
  }
}

function resolveContext(source: string, raw: unknown): EntityData | null {
  if (raw === undefined || raw === null) return null;
  return new Map(Object.entries(raw as Record<string, { type: string; data: unknown }>).map(([k, v]) => [k, contextValue(source, k, v)]));
}

/** Loads `<dir>/subgraph.yaml` where `dir` is a `graph build` output folder. */
export function loadManifest(buildDir: string): Manifest {
  const path = join(buildDir, "subgraph.yaml");
  let raw: Record<string, any>;
  try {
    raw = parseYaml(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read the built manifest ${path} (${(error as Error).message}); run \`graph codegen && graph build\` first`);
  }
  const dir = dirname(path);
  const dataSources = (raw.dataSources ?? []).map((d: Record<string, any>) => resolveDataSource(d, dir, false));
  const templates = new Map<string, DataSourceDef>(
    (raw.templates ?? []).map((t: Record<string, any>) => [String(t.name), resolveDataSource(t, dir, true)] as const),
  );
  return { dir, schemaPath: join(dir, raw.schema.file), dataSources, templates };
}
