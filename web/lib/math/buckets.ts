/** Health buckets, the same edges as the subgraph's HealthDistribution (subgraph/src/common.ts bucketOf). */
import { WAD } from "./fixed";
import { INFINITE_HEALTH } from "./vault";

export const BUCKETS = [
  { id: "below100", label: "< 1.00", tone: "liquidatable", below: WAD },
  { id: "from100To110", label: "1.00–1.10", tone: "danger", below: (WAD * 110n) / 100n },
  { id: "from110To125", label: "1.10–1.25", tone: "warning", below: (WAD * 125n) / 100n },
  { id: "from125To150", label: "1.25–1.50", tone: "caution", below: (WAD * 150n) / 100n },
  { id: "from150To200", label: "1.50–2.00", tone: "safe", below: 2n * WAD },
  { id: "above200", label: "≥ 2.00", tone: "safe", below: INFINITE_HEALTH },
] as const;

export type BucketId = (typeof BUCKETS)[number]["id"];

/** The bucket of a health; null without debt. */
export function bucketOf(health: bigint, debt: bigint): BucketId | null {
  if (debt === 0n || health === INFINITE_HEALTH) return null;
  return BUCKETS.find((b) => health < b.below)?.id ?? "above200";
}

export function histogram(vaults: readonly { health: bigint; debt: bigint }[]): Record<BucketId, number> {
  const counts = Object.fromEntries(BUCKETS.map((b) => [b.id, 0])) as Record<BucketId, number>;
  for (const v of vaults) {
    const b = bucketOf(v.health, v.debt);
    if (b) counts[b]++;
  }
  return counts;
}
