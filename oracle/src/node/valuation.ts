/**
 * The valuation model as the node sees it: an injected dependency, so the node never embeds a model of its own and
 * tests can give one node a lying model (the 10× node of the multi-node test).
 */
import type { ClassIndex, FleetValue } from "../eip712.js";
import type { FleetInfo } from "./chain.js";
import type { AcceptedReport, ClassPeak } from "./verify.js";

export type FleetReports = { fleet: FleetInfo; reports: readonly AcceptedReport[] };

export interface NodeValuation {
  /** Spec peaks the verifier holds measurements against; undefined for a class the model does not know. */
  classPeak(classId: number): ClassPeak | undefined;
  /**
   * Values every fleet from its fresh reports at time `now`, and the per-class indices. A fleet the model values at
   * zero (no fresh GPU) may be returned; the node leaves it out of its observation.
   */
  value(fleets: readonly FleetReports[], now: number): { fleets: FleetValue[]; indices: ClassIndex[] };
}
