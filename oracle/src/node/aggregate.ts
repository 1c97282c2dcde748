/**
 * How nodes agree on a round, as pure functions: the leader takes the per-field lower median of the nodes'
 * observations; every node signs only a round that lies within a tolerance of its own observation.
 *
 * Why the lower median: with n observations of which f are wrong, both middle elements lie between honest values
 * whenever f ≤ ⌊(n − 1)/2⌋, so a single outlier among 3 or 4 nodes (10× or 0.1×) cannot move the result outside the
 * honest range. Of the two middles of an even count, the lower is taken because the protocol lends against the
 * value: when honest nodes disagree, the smaller one errs on the side of the lenders. It is also a value some node
 * actually observed, never an average of two, so it can be traced in the logs.
 *
 * Health flags are bits, not quantities: a bit is set when at least half of the observers set it, so one node can
 * neither invent a fault nor hide one that the others see.
 */
import type { Address } from "viem";
import type { ClassIndex, FleetValue, Round } from "../eip712.js";

/** One node's view of the fleets and classes at a given time. */
export type Observation = { node: Address; observedAt: number; fleets: FleetValue[]; indices: ClassIndex[] };

export function lowerMedian<T extends number | bigint>(values: readonly T[]): T {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function majorityBits(flags: readonly number[]): number {
  let out = 0;
  for (let bit = 0; bit < 16; bit++) {
    const set = flags.filter((f) => (f >> bit) & 1).length;
    if (2 * set >= flags.length) out |= 1 << bit;
  }
  return out;
}

export type Aggregate = {
  fleets: FleetValue[];
  indices: ClassIndex[];
  /** Fleets and classes seen by fewer than `minObservers` nodes: no quorum could vouch for them. */
  underObserved: { fleetIds: bigint[]; classIds: number[] };
};

/**
 * Per fleet and per class, the lower median of each field over the nodes that observed it; only entries with at least
 * `minObservers` observers (the quorum) are kept, since fewer could never gather enough signatures.
 */
export function aggregate(observations: readonly Observation[], minObservers: number): Aggregate {
  const byFleet = new Map<bigint, FleetValue[]>();
  const byClass = new Map<number, ClassIndex[]>();
  for (const o of observations) {
    for (const f of o.fleets) byFleet.set(f.fleetId, [...(byFleet.get(f.fleetId) ?? []), f]);
    for (const c of o.indices) byClass.set(c.classId, [...(byClass.get(c.classId) ?? []), c]);
  }
  const fleets: FleetValue[] = [];
  const indices: ClassIndex[] = [];
  const underObserved = { fleetIds: [] as bigint[], classIds: [] as number[] };
  for (const [fleetId, seen] of [...byFleet].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (seen.length < minObservers) {
      underObserved.fleetIds.push(fleetId);
      continue;
    }
    fleets.push({
      fleetId,
      value: lowerMedian(seen.map((f) => f.value)),
      throughputBps: lowerMedian(seen.map((f) => f.throughputBps)),
      utilizationBps: lowerMedian(seen.map((f) => f.utilizationBps)),
      healthFlags: majorityBits(seen.map((f) => f.healthFlags)),
      freshGpus: lowerMedian(seen.map((f) => f.freshGpus)),
    });
  }
  for (const [classId, seen] of [...byClass].sort(([a], [b]) => a - b)) {
    if (seen.length < minObservers) {
      underObserved.classIds.push(classId);
      continue;
    }
    indices.push({ classId, valuePerGpu: lowerMedian(seen.map((c) => c.valuePerGpu)) });
  }
  return { fleets, indices, underObserved };
}

/** How far a round may sit from a node's own observation and still get its signature. */
export type Tolerance = {
  valueBps: number; // relative, on fleet values and class indices
  ratioBps: number; // absolute, on throughputBps and utilizationBps
  freshGpusBps: number; // relative, on freshGpus (at least one GPU either way)
};

/** 5 %: honest nodes differ by a report or two arriving at different times, a 10× lie differs by 900 %. */
export const DEFAULT_TOLERANCE: Tolerance = { valueBps: 500, ratioBps: 500, freshGpusBps: 1_000 };

export type Refusal = { reason: "unobserved-fleet" | "unobserved-class" | "value-out-of-tolerance" | "parts-out-of-tolerance"; message: string };

const within = (proposed: bigint, own: bigint, bps: number) => {
  const diff = proposed > own ? proposed - own : own - proposed;
  return diff * 10_000n <= own * BigInt(bps);
};

/**
 * Whether a node should sign `round`, judged against its own observation at the round's time. A round may leave out
 * entries the node saw (the leader drops what lacks a quorum or breaks a bound) but may not add any it did not see.
 */
export function judgeRound(round: Pick<Round, "fleets" | "indices">, own: Pick<Observation, "fleets" | "indices">, tolerance: Tolerance): Refusal | null {
  const mine = new Map(own.fleets.map((f) => [f.fleetId, f]));
  for (const f of round.fleets) {
    const o = mine.get(f.fleetId);
    if (!o) return { reason: "unobserved-fleet", message: `round.fleets fleet ${f.fleetId} has no fresh report on this node; leave it out of the round` };
    if (!within(f.value, o.value, tolerance.valueBps)) {
      return { reason: "value-out-of-tolerance", message: `round.fleets fleet ${f.fleetId} value ${f.value} is more than ${tolerance.valueBps} bps from this node's ${o.value}; propose the median of the nodes' observations` };
    }
    for (const part of ["throughputBps", "utilizationBps"] as const) {
      if (Math.abs(f[part] - o[part]) > tolerance.ratioBps) {
        return { reason: "parts-out-of-tolerance", message: `round.fleets fleet ${f.fleetId} ${part} ${f[part]} is more than ${tolerance.ratioBps} bps from this node's ${o[part]}; propose the median` };
      }
    }
    const gpuSlack = Math.max(1, Math.floor((o.freshGpus * tolerance.freshGpusBps) / 10_000));
    if (Math.abs(f.freshGpus - o.freshGpus) > gpuSlack) {
      return { reason: "parts-out-of-tolerance", message: `round.fleets fleet ${f.fleetId} freshGpus ${f.freshGpus} differs from this node's ${o.freshGpus} by more than ${gpuSlack}; propose the median` };
    }
  }
  const myIndices = new Map(own.indices.map((c) => [c.classId, c]));
  for (const c of round.indices) {
    const o = myIndices.get(c.classId);
    if (!o) return { reason: "unobserved-class", message: `round.indices class ${c.classId} has no fresh report on this node; leave it out of the round` };
    if (!within(c.valuePerGpu, o.valuePerGpu, tolerance.valueBps)) {
      return { reason: "value-out-of-tolerance", message: `round.indices class ${c.classId} valuePerGpu ${c.valuePerGpu} is more than ${tolerance.valueBps} bps from this node's ${o.valuePerGpu}; propose the median` };
    }
  }
  return null;
}
