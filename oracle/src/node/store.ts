/**
 * A node's only mutable verification state: the nonces it has accepted and the newest accepted report per GPU.
 * `accept` is synchronous, so two copies of one submission verified concurrently cannot both get in: the second
 * finds the nonce taken.
 */
import type { Hex } from "viem";
import type { AcceptedReport } from "./verify.js";

export type ReportStore = {
  isNonceUsed(nonce: Hex): boolean;
  /** Records the report and burns its nonce; false (and nothing recorded) if the nonce was taken meanwhile. */
  accept(report: AcceptedReport, ticketIssuedAt: number): boolean;
  /** The newest report per GPU of the fleet observed at or before `asOf`. */
  reportsFor(fleetId: bigint, asOf: number): AcceptedReport[];
  fleetIds(): bigint[];
  /** Forgets nonces whose tickets are past `maxTicketAge` (they would be rejected as stale anyway) and reports past `maxReportAge`. */
  prune(now: number, maxTicketAge: number, maxReportAge: number): void;
  counts(): { usedNonces: number; reports: number };
};

export function createReportStore(): ReportStore {
  const usedNonces = new Map<string, number>(); // nonce → ticket issuedAt
  // Per GPU the newest report and the one before, so a round observed slightly in the past still finds a report.
  const reports = new Map<bigint, Map<string, AcceptedReport[]>>();

  return {
    isNonceUsed: (nonce) => usedNonces.has(nonce.toLowerCase()),
    accept(report, ticketIssuedAt) {
      const key = report.nonce.toLowerCase();
      if (usedNonces.has(key)) return false;
      usedNonces.set(key, ticketIssuedAt);
      let fleet = reports.get(report.fleetId);
      if (!fleet) reports.set(report.fleetId, (fleet = new Map()));
      const gpu = report.gpuUuidHash.toLowerCase();
      const history = [...(fleet.get(gpu) ?? []), report].sort((a, b) => b.observedAt - a.observedAt);
      fleet.set(gpu, history.slice(0, 2));
      return true;
    },
    reportsFor(fleetId, asOf) {
      const out: AcceptedReport[] = [];
      for (const history of reports.get(fleetId)?.values() ?? []) {
        const latest = history.find((r) => r.observedAt <= asOf);
        if (latest) out.push(latest);
      }
      return out;
    },
    fleetIds: () => [...reports.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    prune(now, maxTicketAge, maxReportAge) {
      for (const [nonce, issuedAt] of usedNonces) if (now - issuedAt > maxTicketAge) usedNonces.delete(nonce);
      for (const [fleetId, fleet] of reports) {
        for (const [gpu, history] of fleet) {
          const kept = history.filter((r) => now - r.observedAt <= maxReportAge);
          if (kept.length) fleet.set(gpu, kept);
          else fleet.delete(gpu);
        }
        if (fleet.size === 0) reports.delete(fleetId);
      }
    },
    counts() {
      let n = 0;
      for (const fleet of reports.values()) for (const history of fleet.values()) n += history.length;
      return { usedNonces: usedNonces.size, reports: n };
    },
  };
}
