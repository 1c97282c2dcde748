/**
 * `npm run bench:oracle`: the three oracle targets of issue #4, measured with the oracle's own benchmark functions.
 *
 *   roundGasPerFleetAt100  marginal execution gas per fleet in a round at 100 fleets, quorum 3     target ≤ 10,000
 *   value10kReportsMs      median time for one node to value 10,000 GPU reports (100 × 100)       target ≤ 1,000 ms
 *   verifyReportMedianMs   median time to verify one 8192³ GpuReport, recompute included          target ≤ 5 ms
 *
 * Timings run first, while the process does nothing else; the gas figure (an in-process Hardhat network) last. Each
 * timing has a warm-up that is not counted: a node verifies and values reports all day, so the steady state is the
 * figure that matters, and the valuation's cold first run is reported beside it. Writes bench/oracle.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { benchmarkVerify } from "../../oracle/src/node/bench.js";
import { benchValuation } from "../../oracle/src/valuation/bench.js";
import { loadClassParams } from "../../oracle/src/valuation/index.js";
import { roundGasPerFleet } from "./oracleGas.js";

const VERIFY_REPORTS = 200;
const VERIFY_WARMUP = 50;
const VALUATION_RUNS = 15;
const FLEETS = 100;

const TARGETS = { roundGasPerFleetAt100: 10_000, value10kReportsMs: 1_000, verifyReportMedianMs: 5 } as const;

const load = () => loadavg().map((x) => Number(x.toFixed(2)));
const round2 = (x: number) => Math.round(x * 100) / 100;

async function main() {
  const loadBefore = load();
  console.log(`load average ${loadBefore.join(", ")} on ${availableParallelism()} × ${cpus()[0]?.model ?? "unknown CPU"}`);

  await benchmarkVerify({ reports: VERIFY_WARMUP });
  const verify = await benchmarkVerify({ reports: VERIFY_REPORTS });
  console.log(`verify one 8192³ report: median ${verify.medianMs.toFixed(2)} ms, p90 ${verify.p90Ms.toFixed(2)}, min ${verify.minMs.toFixed(2)}; CPU time median ${verify.cpuMedianMs.toFixed(2)}, mean ${verify.cpuMeanMs.toFixed(2)} (${verify.reports} reports)`);

  const params = (await loadClassParams()).get(1);
  if (!params) throw new Error("oracle/config/classes.json has no class 1 (H100 SXM); the valuation bench values H100 fleets");
  const valuation = benchValuation(params, { fleets: FLEETS, gpusPerFleet: 100, runs: VALUATION_RUNS });
  console.log(`value ${valuation.reports} reports: median ${valuation.medianMs.toFixed(1)} ms, best ${valuation.bestMs.toFixed(1)}, first (cold) ${valuation.firstMs.toFixed(1)} (${valuation.runs} runs)`);

  const gas = await roundGasPerFleet(FLEETS);
  console.log(`round gas per fleet at ${FLEETS} fleets: ${gas.execution} execution, ${gas.total} with calldata; fixed part ${gas.base}`);

  const results = {
    roundGasPerFleetAt100: gas.execution,
    value10kReportsMs: round2(valuation.medianMs),
    verifyReportMedianMs: round2(verify.medianMs),
    context: {
      date: new Date().toISOString().slice(0, 10),
      machine: `${availableParallelism()} × ${cpus()[0]?.model ?? "unknown CPU"}`,
      node: process.version,
      loadAverage: { before: loadBefore, after: load() },
      roundGasPerFleetAt100WithCalldata: gas.total,
      roundGasBase: gas.base,
      value10kReports: { runs: valuation.runs, bestMs: round2(valuation.bestMs), firstColdMs: round2(valuation.firstMs) },
      verifyReport: { reports: verify.reports, warmup: VERIFY_WARMUP, size: verify.size, p90Ms: round2(verify.p90Ms), minMs: round2(verify.minMs), cpuMedianMs: round2(verify.cpuMedianMs), cpuMeanMs: round2(verify.cpuMeanMs) },
    },
  };

  console.log("");
  console.log("| figure | target | measured | |");
  console.log("|---|---:|---:|---|");
  for (const key of Object.keys(TARGETS) as (keyof typeof TARGETS)[]) {
    console.log(`| \`${key}\` | ≤ ${TARGETS[key].toLocaleString("en-US")} | ${results[key].toLocaleString("en-US")} | ${results[key] <= TARGETS[key] ? "ok" : "**over**"} |`);
  }
  mkdirSync(fileURLToPath(new URL("../../bench", import.meta.url)), { recursive: true });
  writeFileSync(fileURLToPath(new URL("../../bench/oracle.json", import.meta.url)), JSON.stringify(results, null, 2) + "\n");
  console.log("wrote bench/oracle.json");
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
