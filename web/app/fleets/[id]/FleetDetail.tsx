"use client";
import type { Client } from "viem";
import classesJson from "../../../../oracle/config/classes.json";
import { flagNames } from "../../../../oracle/src/health";
import { creditEngineAbi, fleetOracleAbi, fleetRegistryAbi } from "../../../../abi";
import { Card, EmptyState, ErrorNote, Loading, Stat, Stats } from "../../../components/ui";
import { LineChart } from "../../../components/LineChart";
import { chainNow, useChainData } from "../../../lib/chain";
import { className } from "../../../lib/classes";
import type { AppConfig } from "../../../lib/config";
import { MAX_ROWS, useSubgraph } from "../../../lib/graphql";
import { formatDate, formatPct, formatUsd, shortAddress } from "../../../lib/units";
import { readContract } from "viem/actions";

const REFERENCE_TFLOPS = new Map(classesJson.classes.map((c) => [c.classId, c.referenceTflops]));

async function loadFleet(client: Client, c: AppConfig["contracts"], fleetId: bigint) {
  const [now, fleet, holder, state, fresh] = await Promise.all([
    chainNow(client),
    readContract(client, { address: c.registry, abi: fleetRegistryAbi, functionName: "fleet", args: [fleetId] }),
    readContract(client, { address: c.registry, abi: fleetRegistryAbi, functionName: "ownerOf", args: [fleetId] }),
    readContract(client, { address: c.oracle, abi: fleetOracleAbi, functionName: "fleetState", args: [fleetId] }),
    readContract(client, { address: c.oracle, abi: fleetOracleAbi, functionName: "isFresh", args: [fleetId] }),
  ]);
  const params = await readContract(client, { address: c.engine, abi: creditEngineAbi, functionName: "classParams", args: [fleet.classId] });
  const where = holder.toLowerCase() === c.engine.toLowerCase() ? "locked in a vault" : holder.toLowerCase() === c.auction.toLowerCase() ? "in a liquidation auction" : `held by ${shortAddress(holder)}`;
  return { now, fleet, holder, where, state, fresh, params };
}

type ValuationRow = { observedAt: string; value: string; throughputBps: number; utilizationBps: number; healthFlags: number; freshGpus: number; gpuCount: number; valuePerGpu: string; change: string; round: { roundId: string } };

export function FleetDetail({ id }: { id: string }) {
  const valid = /^\d+$/.test(id);
  const fleetId = valid ? BigInt(id) : 0n;
  const { data, error, isPending } = useChainData(["fleet", id], (client, c) => loadFleet(client, c, fleetId), valid);
  const history = useSubgraph<{ fleetValuations: ValuationRow[] }>(
    ["fleet-valuations", id],
    `query($fleet: String!, $first: Int!) { fleetValuations(where: { fleet: $fleet }, first: $first, orderBy: observedAt, orderDirection: desc) { observedAt value throughputBps utilizationBps healthFlags freshGpus gpuCount valuePerGpu change round { roundId } } }`,
    { fleet: id, first: MAX_ROWS },
    valid,
  );
  if (!valid) return <ErrorNote>&quot;{id}&quot; is not a fleet id.</ErrorNote>;
  const rows = history.data ? [...history.data.fleetValuations].reverse() : [];
  const ref = data ? REFERENCE_TFLOPS.get(data.fleet.classId) : undefined;
  return (
    <>
      <h1>Fleet #{id}</h1>
      {error ? <ErrorNote>This fleet could not be read: {error.message.split("\n")[0]}</ErrorNote> : null}
      {isPending && !error ? <Loading label="Reading the fleet…" /> : null}
      {data ? (
        <>
          <p className="lede">
            {data.fleet.gpuCount} × {className(data.fleet.classId)}, acquired {formatDate(data.fleet.acquiredAt)} for {formatUsd(data.fleet.acquisitionCost)}; {data.where}.
          </p>
          <Stats>
            <Stat label="Oracle value" value={formatUsd(data.state.value)} hint={data.fresh ? `observed ${formatDate(data.state.observedAt)}` : "stale: borrowing against it is paused"} testId="fleet-value" />
            <Stat label="Borrowable value" value={formatUsd(data.state.maturesAt > data.now ? data.state.priorValue : data.state.value)} hint={data.state.maturesAt > data.now ? `the latest rise matures ${formatDate(data.state.maturesAt)}` : undefined} />
            <Stat label="Throughput vs reference" value={formatPct(BigInt(data.state.throughputBps) * 10n ** 14n)} hint={ref ? `reference ${ref} TFLOP/s bf16` : undefined} />
            <Stat label="Utilization" value={formatPct(BigInt(data.state.utilizationBps) * 10n ** 14n)} />
            <Stat label="Health flags" value={data.state.healthFlags === 0 ? "none" : flagNames(data.state.healthFlags).join(", ")} />
            <Stat label="Max LTV / liquidation LTV" value={`${formatPct(data.params.maxLtv)} / ${formatPct(data.params.liquidationLtv)}`} />
          </Stats>
          <p className="muted">Per-GPU benchmark reports stay with the oracle nodes; the chain and the subgraph carry the fleet&apos;s averages below, round by round.</p>
        </>
      ) : null}
      <Card title="Valuation history" testId="fleet-history">
        {history.disabled ? (
          <EmptyState title="History needs the subgraph." />
        ) : history.error ? (
          <ErrorNote>The subgraph did not answer: {history.error.message}</ErrorNote>
        ) : history.isPending ? (
          <Loading label="Loading valuations…" />
        ) : rows.length === 0 ? (
          <EmptyState title="Never valued yet." />
        ) : (
          <>
            <div className="grid">
              <div>
                <h3>Value</h3>
                <LineChart label="Fleet value" points={rows.map((r) => ({ t: Number(r.observedAt), y: Number(BigInt(r.value) / 10n ** 16n) / 100 }))} format={(y) => `$${(y / 1e6).toFixed(2)}M`} />
              </div>
              <div>
                <h3>Utilization and throughput</h3>
                <LineChart label="Utilization" points={rows.map((r) => ({ t: Number(r.observedAt), y: r.utilizationBps / 100 }))} format={(y) => `${y.toFixed(0)} %`} />
              </div>
            </div>
            <h3>Valuation parts by round (why the value moved)</h3>
            <table>
              <thead>
                <tr>
                  <th scope="col">Round</th>
                  <th scope="col">Observed</th>
                  <th scope="col" className="num">Value</th>
                  <th scope="col" className="num">Change</th>
                  <th scope="col" className="num">Fresh GPUs</th>
                  <th scope="col" className="num">Throughput</th>
                  <th scope="col" className="num">Utilization</th>
                  <th scope="col">Flags</th>
                </tr>
              </thead>
              <tbody>
                {[...rows].reverse().slice(0, 20).map((r) => (
                  <tr key={r.round.roundId}>
                    <td>#{r.round.roundId}</td>
                    <td>{formatDate(Number(r.observedAt))}</td>
                    <td className="num">{formatUsd(BigInt(r.value))}</td>
                    <td className="num">{formatUsd(BigInt(r.change))}</td>
                    <td className="num">
                      {r.freshGpus} / {r.gpuCount}
                    </td>
                    <td className="num">{(r.throughputBps / 100).toFixed(1)} %</td>
                    <td className="num">{(r.utilizationBps / 100).toFixed(1)} %</td>
                    <td>{r.healthFlags === 0 ? "—" : flagNames(r.healthFlags).join(", ")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Card>
    </>
  );
}
