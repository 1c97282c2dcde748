/** The demo's fleets: three GPU classes, two operators. Shared by `npm start` and the test fixtures. */
import { usd, type FleetSpec } from "./protocol.js";

export const DEMO_FLEETS: readonly FleetSpec[] = [
  { name: "Lambda-style H100 pod, Dallas", classId: 1, gpuCount: 64, valuePerGpu: usd(22_000), operator: "operatorA", acquiredDaysAgo: 200 },
  { name: "H200 cluster, Reykjavik", classId: 2, gpuCount: 32, valuePerGpu: usd(26_000), operator: "operatorB", acquiredDaysAgo: 60 },
  { name: "A100 80GB fleet, Frankfurt", classId: 3, gpuCount: 128, valuePerGpu: usd(7_000), operator: "operatorA", acquiredDaysAgo: 900 },
];
