/** The demo's fleets: three GPU classes, two operators. The test fixtures onboard them with hand-set values. */
import { usd, type FleetSpec } from "./protocol.js";

export const DEMO_FLEETS: readonly FleetSpec[] = [
  { name: "Lambda-style H100 pod, Dallas", classId: 1, gpuCount: 64, valuePerGpu: usd(22_000), operator: "operatorA", acquiredDaysAgo: 200 },
  { name: "H200 cluster, Reykjavik", classId: 2, gpuCount: 32, valuePerGpu: usd(26_000), operator: "operatorB", acquiredDaysAgo: 60 },
  { name: "A100 80GB fleet, Frankfurt", classId: 3, gpuCount: 128, valuePerGpu: usd(7_000), operator: "operatorA", acquiredDaysAgo: 900 },
];

/**
 * The fleets `npm start` onboards: the same three at 16 GPUs each. In every oracle round each GPU is probed against a
 * fresh ticket and verified by each of the four nodes, so a demo fleet stays small; a GPU's value does not depend on
 * the fleet's size. The fixtures keep DEMO_FLEETS, whose hand-set values their tests were written for.
 */
export const START_FLEETS: readonly FleetSpec[] = DEMO_FLEETS.map((spec) => ({ ...spec, gpuCount: 16 }));
