/** Rounds and observations on the wire between nodes: JSON with bigints as decimal strings (see report.ts). */
import { getAddress, type Address } from "viem";
import type { ClassIndex, FleetValue, Round } from "../eip712.js";
import type { Observation } from "./aggregate.js";

type Json = Record<string, unknown>;

function big(value: unknown, field: string): bigint {
  if (typeof value === "string" && /^\d+$/.test(value)) return BigInt(value);
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw new Error(`${field} ${String(value)} is not a decimal integer string`);
}

function int(value: unknown, field: string): number {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  throw new Error(`${field} ${String(value)} is not a non-negative integer`);
}

function list(value: unknown, field: string): Json[] {
  if (!Array.isArray(value)) throw new Error(`${field} is not an array`);
  return value as Json[];
}

export function parseFleets(value: unknown, field: string): FleetValue[] {
  return list(value, field).map((f, i) => ({
    fleetId: big(f.fleetId, `${field}[${i}].fleetId`),
    value: big(f.value, `${field}[${i}].value`),
    throughputBps: int(f.throughputBps, `${field}[${i}].throughputBps`),
    utilizationBps: int(f.utilizationBps, `${field}[${i}].utilizationBps`),
    healthFlags: int(f.healthFlags, `${field}[${i}].healthFlags`),
    freshGpus: int(f.freshGpus, `${field}[${i}].freshGpus`),
  }));
}

export function parseIndices(value: unknown, field: string): ClassIndex[] {
  return list(value, field).map((c, i) => ({ classId: int(c.classId, `${field}[${i}].classId`), valuePerGpu: big(c.valuePerGpu, `${field}[${i}].valuePerGpu`) }));
}

export function parseRound(raw: unknown): Round {
  const r = (raw ?? {}) as Json;
  return { roundId: big(r.roundId, "round.roundId"), observedAt: int(r.observedAt, "round.observedAt"), fleets: parseFleets(r.fleets, "round.fleets"), indices: parseIndices(r.indices, "round.indices") };
}

export function parseObservation(raw: unknown): Observation {
  const o = (raw ?? {}) as Json;
  if (typeof o.node !== "string") throw new Error(`observation.node ${String(o.node)} is not an address`);
  const node: Address = getAddress(o.node);
  return { node, observedAt: int(o.observedAt, "observation.observedAt"), fleets: parseFleets(o.fleets, "observation.fleets"), indices: parseIndices(o.indices, "observation.indices") };
}
