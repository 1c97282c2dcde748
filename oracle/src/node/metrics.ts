/** Prometheus metrics of one node. Each node has its own registry, so several nodes can share a process (the demo). */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { REJECTION_CODES } from "./rejections.js";

export function createNodeMetrics(node: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ node });
  const reg = [registry];
  const reportsRejected = new Counter({ name: "oracle_reports_rejected_total", help: "Probe submissions rejected, by reason", labelNames: ["reason"] as const, registers: reg });
  // Every reason appears at 0 from the start, so a dashboard can alert on a rate without waiting for the first one.
  for (const reason of REJECTION_CODES) reportsRejected.inc({ reason }, 0);
  return {
    registry,
    noncesIssued: new Counter({ name: "oracle_nonces_issued_total", help: "Nonce tickets issued", registers: reg }),
    reportsAccepted: new Counter({ name: "oracle_reports_accepted_total", help: "Probe submissions verified and counted", registers: reg }),
    reportsRejected,
    verifySeconds: new Histogram({
      name: "oracle_verify_seconds",
      help: "Time to verify one submission, GEMM recompute included",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers: reg,
    }),
    roundsSigned: new Counter({ name: "oracle_rounds_signed_total", help: "Rounds this node signed", registers: reg }),
    signRefusals: new Counter({ name: "oracle_sign_refusals_total", help: "Round signatures refused, by reason", labelNames: ["reason"] as const, registers: reg }),
    roundsLed: new Counter({ name: "oracle_rounds_led_total", help: "Rounds this node tried to lead, by outcome", labelNames: ["outcome"] as const, registers: reg }),
    roundsSubmitted: new Counter({ name: "oracle_rounds_submitted_total", help: "submitRound transactions this node landed", registers: reg }),
    submissionRetries: new Counter({ name: "oracle_submission_retries_total", help: "submitRound attempts retried after an RPC error", registers: reg }),
    lastRoundId: new Gauge({ name: "oracle_last_round_id", help: "latestRoundId as this node last read it", registers: reg }),
  };
}

export type NodeMetrics = ReturnType<typeof createNodeMetrics>;
