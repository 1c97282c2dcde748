/**
 * The entities as handlers see them: the latest version of every mutable entity in memory, plus the current block's
 * uncommitted writes. Host store functions are synchronous, so these reads never reach the database; the database is
 * the durable, versioned copy (see pg-store.ts), loaded into this at start. Immutable entities (event records) stay
 * only until they are handed to the store, which answers the rare later load of one (see the constructor).
 * A block's writes either all commit (become a Change list for the next flush) or are all discarded.
 */
import type { EntityDef, FieldDef, Schema } from "./schema.js";
import { NULL, type EntityData, type StoreValue } from "./values.js";

export interface Change {
  block: number;
  entity: string;
  id: string;
  /** null: removed in that block. */
  data: EntityData | null;
}

const MICROS = 1_000_000n;

function kindMatches(field: FieldDef, value: StoreValue): boolean {
  if (value.kind === "Null") return !field.nonNull;
  if (field.list) return value.kind === "Array" && value.value.every((v) => v.kind === field.kind);
  // graph-ts writes Int8 fields with fromI64 and Timestamp with fromTimestamp; both are 64-bit.
  if (field.kind === "Int8" || field.kind === "Timestamp") return value.kind === "Int8" || value.kind === "Timestamp";
  return value.kind === field.kind;
}

function idOf(data: EntityData): string {
  const id = data.get("id");
  return id && "value" in id ? String(id.value) : "";
}

function coversAll(data: EntityData, existing: EntityData): boolean {
  if (data.size < existing.size) return false;
  for (const key of existing.keys()) if (!data.has(key)) return false;
  return true;
}

/** Where committed immutable entities are read back from once the state has handed them to the store. */
export interface Archive {
  loadSync(entity: string, id: string): EntityData | null;
  relatedSync(entity: string, field: string, id: string): EntityData[];
}

/** Takes ownership of the maps passed to `set`: the host builds a fresh one per store.set. */
export class EntityState {
  private readonly current = new Map<string, Map<string, EntityData>>();
  private pending = new Map<string, Map<string, EntityData | null>>();
  private changes: Change[] = [];
  private readonly seriesIds = new Map<string, bigint>();
  private block = -1;
  private blockTimestamp = 0n;

  /**
   * With an archive, committed immutable entities leave memory when their changes are taken for the store: they are
   * most of the versions (every event record), mappings rarely load one again, and kept they would grow memory with the
   * chain's history. A load of one reads it back from the archive, which answers after the write it was handed in.
   */
  constructor(
    readonly schema: Schema,
    private readonly archive: Archive | null = null,
  ) {
    for (const e of schema.entities.values()) if (!e.timeseries && !e.aggregation) this.current.set(e.name, new Map());
  }

  /** Replace everything with what the database holds (start and after a rollback). */
  reset(current: Map<string, Map<string, EntityData>>, seriesIds: Map<string, bigint>): void {
    for (const [name, rows] of current) this.current.set(name, rows);
    // The store does not hand immutable entities back (it answers loads of them instead): none may outlive a rollback.
    if (this.archive) for (const name of this.current.keys()) if (!current.has(name) && this.def(name).immutable) this.current.set(name, new Map());
    for (const [name, next] of seriesIds) this.seriesIds.set(name, next);
    this.pending.clear();
    this.changes = [];
  }

  beginBlock(number: number, timestamp: bigint): void {
    this.block = number;
    this.blockTimestamp = timestamp;
    this.pending.clear();
  }

  commitBlock(): void {
    for (const [entity, rows] of this.pending) {
      const cur = this.current.get(entity);
      for (const [id, data] of rows) {
        if (cur) {
          if (data) cur.set(id, data);
          else cur.delete(id);
        }
        this.changes.push({ block: this.block, entity, id, data });
      }
    }
    this.pending = new Map();
  }

  discardBlock(): void {
    this.pending = new Map();
  }

  /** The committed versions, handed to the store; from now on the store holds the immutable ones (see the constructor). */
  takeChanges(): Change[] {
    const out = this.changes;
    this.changes = [];
    if (this.archive) {
      for (const c of out) if (c.data && this.def(c.entity).immutable) this.current.get(c.entity)?.delete(c.id);
    }
    return out;
  }

  hasUnflushedChanges(): boolean {
    return this.changes.length > 0;
  }

  /** Committed versions waiting for the next flush. */
  unflushedCount(): number {
    return this.changes.length;
  }

  private def(entity: string): EntityDef {
    const def = this.schema.entities.get(entity);
    if (!def) throw new Error(`entity type ${entity} is not in schema.graphql`);
    return def;
  }

  get(entity: string, id: string): EntityData | null {
    const def = this.def(entity);
    if (def.timeseries || def.aggregation) {
      throw new Error(`${entity} is a timeseries or aggregation; graph-node does not let mappings load those`);
    }
    const held = this.inMemory(entity, id);
    if (held !== undefined) return held;
    return def.immutable && this.archive ? this.archive.loadSync(entity, id) : null;
  }

  /** The pending or current version; undefined when memory has no answer (null: removed in this block). */
  private inMemory(entity: string, id: string): EntityData | null | undefined {
    const p = this.pending.get(entity);
    if (p?.has(id)) return p.get(id) ?? null;
    return this.current.get(entity)?.get(id);
  }

  getInBlock(entity: string, id: string): EntityData | null {
    this.def(entity);
    return this.pending.get(entity)?.get(id) ?? null;
  }

  /** All current `target` entities whose `derivedFrom` field points at `id` (or lists it). */
  loadRelated(entity: string, id: string, field: string): EntityData[] {
    const def = this.def(entity);
    const f = def.fieldMap.get(field);
    if (!f?.derivedFrom || !f.reference) throw new Error(`${entity}.${field} is not a @derivedFrom field; loadRelated needs one`);
    const out = new Map<string, EntityData>();
    const matches = (data: EntityData) => {
      const v = data.get(f.derivedFrom!);
      if (!v) return false;
      if (v.kind === "Array") return v.value.some((x) => "value" in x && String(x.value) === id);
      return "value" in v && String(v.value) === id;
    };
    const target = this.def(f.reference);
    if (target.immutable && this.archive) {
      for (const data of this.archive.relatedSync(f.reference, f.derivedFrom!, id)) out.set(idOf(data), data);
    }
    for (const [rid, data] of this.current.get(f.reference) ?? []) if (matches(data)) out.set(rid, data);
    for (const [rid, data] of this.pending.get(f.reference) ?? []) {
      if (data && matches(data)) out.set(rid, data);
      else out.delete(rid);
    }
    return [...out.values()];
  }

  set(entity: string, id: string, data: EntityData): void {
    const def = this.def(entity);
    let merged: EntityData;
    if (def.timeseries) {
      // graph-node assigns timeseries ids and stamps them with the block time, whatever the mapping set.
      const next = this.seriesIds.get(entity) ?? 1n;
      this.seriesIds.set(entity, next + 1n);
      id = next.toString();
      merged = data;
      merged.set("id", { kind: "Int8", value: next });
      merged.set("timestamp", { kind: "Timestamp", value: this.blockTimestamp * MICROS });
    } else {
      // Memory only: an immutable entity created twice across flushes is refused by the store's unique index instead
      // of a read back per create.
      const existing = this.inMemory(entity, id) ?? null;
      if (def.immutable && existing && !this.pending.get(entity)?.has(id)) {
        throw new Error(`entity ${entity}[${id}] is immutable and already exists; immutable entities can only be created once`);
      }
      // store.set merges onto the stored version; a Null value unsets the field. A mapping that loaded the entity
      // sends every field back, and then `data` (a fresh map from the wasm memory, owned here) is the merge.
      merged = existing === null || coversAll(data, existing) ? data : new Map([...existing, ...data]);
      // The stored version was checked when it was set: only the incoming values need checking, and required
      // fields only where the entity is new or a value was unset.
      let unset = false;
      for (const [key, value] of data) {
        // A value the mapping handed back untouched is the very object stored before, checked when it was set.
        if (existing !== null && existing.get(key) === value) continue;
        this.check(def, entity, id, key, value);
        if (value.kind === "Null") {
          merged.delete(key);
          unset = true;
        }
      }
      if (!existing || unset) this.checkRequired(def, entity, id, merged);
      let rows = this.pending.get(entity);
      if (!rows) this.pending.set(entity, (rows = new Map()));
      rows.set(id, merged);
      return;
    }
    for (const [key, value] of merged) {
      this.check(def, entity, id, key, value);
      if (value.kind === "Null") merged.delete(key);
    }
    this.checkRequired(def, entity, id, merged);
    let rows = this.pending.get(entity);
    if (!rows) this.pending.set(entity, (rows = new Map()));
    rows.set(id, merged);
  }

  private check(def: EntityDef, entity: string, id: string, key: string, value: StoreValue): void {
    const field = def.fieldMap.get(key);
    if (!field) throw new Error(`Entity ${entity}[${id}]: unknown field \`${key}\`; it is not in schema.graphql`);
    if (field.derivedFrom) throw new Error(`Entity ${entity}[${id}]: field \`${key}\` is derived and can not be set`);
    if (!kindMatches(field, value)) {
      throw new Error(`Entity ${entity}[${id}]: the value of field \`${key}\` is a ${value.kind}, but the schema says ${field.list ? `[${field.typeName}]` : field.typeName}${field.nonNull ? "!" : ""}`);
    }
  }

  private checkRequired(def: EntityDef, entity: string, id: string, merged: EntityData): void {
    for (const field of def.fields) {
      if (field.nonNull && !field.derivedFrom && !merged.has(field.name)) {
        throw new Error(`Entity ${entity}[${id}]: missing value for non-nullable field \`${field.name}\``);
      }
    }
  }

  remove(entity: string, id: string): void {
    const def = this.def(entity);
    if (def.immutable) throw new Error(`entity ${entity}[${id}] is immutable and can not be removed`);
    let rows = this.pending.get(entity);
    if (!rows) this.pending.set(entity, (rows = new Map()));
    rows.set(id, null);
  }

  /** Current value of one entity, for tests and the matchstick-style helpers. */
  peek(entity: string, id: string): EntityData | null {
    return this.current.get(entity)?.get(id) ?? null;
  }

  count(entity: string): number {
    return this.current.get(entity)?.size ?? 0;
  }
}

export { NULL };
