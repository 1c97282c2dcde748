/**
 * The valuation model as the node sees it: an injected dependency, so the node never embeds a model of its own and
 * tests can give one node a lying model (the 10× node of the multi-node test).
 */
import type { ClassIndex, FleetValue } from "../eip712.js";
import { classIndex, valueFleet, type ClassParams, type FleetValuation } from "../valuation/index.js";
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

/**
 * The node's valuation backed by the model in oracle/src/valuation: per-class parameters from classes.json and a
 * rental rate per class (from the quote sources, refreshed by the caller; the model itself does no I/O).
 */
export function modelValuation(opts: {
  params: ReadonlyMap<number, ClassParams>;
  /** [USD per GPU-hour] the rate to value a class at, e.g. `rentalRate(quotes, params.rentalIndexKey)`. */
  rentalRatePerHour: (params: ClassParams) => number;
  maxReportAgeSeconds: number;
  /** Production nodes set it: a replayed profile measures no hardware. */
  excludeReplays?: boolean;
}): NodeValuation {
  return {
    classPeak(classId) {
      const p = opts.params.get(classId);
      return p && { peakTflops: p.peakTflops, peakBandwidthGBps: p.peakBandwidthGBps };
    },
    value(fleets, now) {
      const valuations: FleetValuation[] = [];
      for (const { fleet, reports } of fleets) {
        const params = opts.params.get(fleet.classId);
        if (!params) continue; // the verifier already refused reports for classes without parameters
        valuations.push(
          valueFleet({ fleet, observations: reports, rentalRatePerHour: opts.rentalRatePerHour(params), params, now, maxReportAge: opts.maxReportAgeSeconds, excludeReplays: opts.excludeReplays }),
        );
      }
      const classes = [...new Set(valuations.map((v) => v.classId))].sort((a, b) => a - b);
      return {
        fleets: valuations.map((v) => v.value),
        indices: classes.map((c) => classIndex(c, valuations)).filter((i): i is ClassIndex => i !== undefined),
      };
    },
  };
}
