"use client";
import { useId, useMemo, useState } from "react";
import classesJson from "../../../oracle/config/classes.json";
import { parseClassParams } from "../../../oracle/src/valuation/params";
import { Card, EmptyState, ErrorNote, Loading, Stat, Stats } from "../../components/ui";
import { useChainData } from "../../lib/chain";
import { className } from "../../lib/classes";
import { MAX_ROWS, useSubgraph } from "../../lib/graphql";
import { BUCKETS, histogram } from "../../lib/math/buckets";
import { stressBook } from "../../lib/math/stress";
import { formatDate, formatPct, formatUsd, formatUsdc, shortAddress } from "../../lib/units";
import { loadRisk, type RiskData } from "./load";

const VALUATION_PARAMS = parseClassParams(classesJson, "oracle/config/classes.json");
const WAD = 10n ** 18n;
const pctOf = (part: bigint, whole: bigint) => (whole === 0n ? 0n : (part * WAD) / whole);

export function Risk() {
  const { data, error, isPending } = useChainData(["risk"], loadRisk);
  return (
    <>
      <h1>Risk</h1>
      <p className="lede">The whole book, live from the chain: collateral and debt by GPU class, how close vaults are to liquidation, the loss buffers, the PSM&apos;s liquidity, and the oracle. History comes from the subgraph.</p>
      {error ? <ErrorNote>Could not read the chain: {error.message.split("\n")[0]}</ErrorNote> : null}
      {isPending || !data ? (
        <Loading label="Reading every vault…" />
      ) : (
        <>
          <Overview data={data} />
          <div className="grid">
            <ClassTable data={data} />
            <HealthHistogram data={data} />
          </div>
          <StressTest data={data} />
        </>
      )}
      <OracleRounds />
    </>
  );
}

function Overview({ data }: { data: RiskData }) {
  const debt = data.vaults.reduce((s, v) => s + v.debt, 0n);
  const collateral = data.vaults.reduce((s, v) => s + v.collateral, 0n);
  return (
    <Stats>
      <Stat label="Total debt" value={formatUsd(debt)} hint={`${data.vaults.filter((v) => v.debt > 0n).length} vaults with debt`} testId="risk-total-debt" />
      <Stat label="Collateral (oracle)" value={formatUsd(collateral)} hint={collateral > 0n ? `debt is ${formatPct(pctOf(debt, collateral))} of it` : undefined} />
      <Stat label="Reserve buffer" value={formatUsd(data.reserve.buffer)} hint={`${formatUsd(data.reserve.committed)} committed to running auctions`} testId="risk-reserve" />
      <Stat label="Savers' impairment" value={formatUsd(data.impaired)} hint="expected auction losses marked on sGPUSD" />
      <Stat label="Bad debt" value={formatUsd(data.badDebt)} hint="losses nothing covered" testId="risk-bad-debt" />
      <Stat label="PSM USDC" value={formatUsdc(data.psm.usdc)} hint={`${formatUsdc(data.psm.free)} free · ${formatUsdc(data.psm.queueDepth)} queued`} testId="risk-psm" />
      <Stat label="Oracle" value={data.oracle.stopped ? "stopped" : `round ${data.oracle.latestRound}`} hint={`quorum ${data.oracle.quorum} of ${data.oracle.signerCount} signers`} />
    </Stats>
  );
}

function ClassTable({ data }: { data: RiskData }) {
  return (
    <Card title="Collateral and debt by GPU class" testId="risk-classes">
      <table>
        <thead>
          <tr>
            <th scope="col">Class</th>
            <th scope="col" className="num">Vaults</th>
            <th scope="col" className="num">Collateral</th>
            <th scope="col" className="num">Debt</th>
            <th scope="col">Ceiling use</th>
          </tr>
        </thead>
        <tbody>
          {data.classes.map((k) => {
            const vaults = data.vaults.filter((v) => v.classId === k.classId && v.fleet);
            const collateral = vaults.reduce((s, v) => s + v.collateral, 0n);
            const use = pctOf(k.debt, k.params.debtCeiling);
            return (
              <tr key={k.classId}>
                <th scope="row">{className(k.classId)}</th>
                <td className="num">{vaults.length}</td>
                <td className="num">{formatUsd(collateral)}</td>
                <td className="num">{formatUsd(k.debt)}</td>
                <td>
                  <div className="meter" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Number(use / 10n ** 14n) / 100} aria-label={`${className(k.classId)} ceiling use`}>
                    <span style={{ width: `${Math.min(100, Number(use / 10n ** 14n) / 100)}%` }} />
                  </div>
                  <span className="muted">
                    {formatPct(use)} of {formatUsd(k.params.debtCeiling)}
                  </span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Card>
  );
}

function HealthHistogram({ data }: { data: RiskData }) {
  const counts = histogram(data.vaults);
  const max = Math.max(1, ...Object.values(counts));
  return (
    <Card title="Health of vaults with debt" testId="risk-histogram">
      <div className="bars" role="img" aria-label={`Health histogram: ${BUCKETS.map((b) => `${counts[b.id]} vaults ${b.label}`).join(", ")}`}>
        {BUCKETS.map((b) => (
          <div className="bar" key={b.id} data-testid={`bucket-${b.id}`} data-count={counts[b.id]}>
            <span>{counts[b.id]}</span>
            <span className={`bar-fill health-${b.tone}`} style={{ height: `${(counts[b.id] / max) * 100}%` }} />
            <span>{b.label}</span>
          </div>
        ))}
      </div>
    </Card>
  );
}

function Slider({ label, value, onChange, testId }: { label: string; value: number; onChange: (v: number) => void; testId: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}: <strong>−{value} %</strong>
      </label>
      <input id={id} className="slider" type="range" min={0} max={90} step={5} value={value} onChange={(e) => onChange(Number(e.target.value))} aria-valuetext={`minus ${value} percent`} data-testid={testId} />
    </div>
  );
}

function StressTest({ data }: { data: RiskData }) {
  const [rental, setRental] = useState(0);
  const [utilization, setUtilization] = useState(0);
  const base = useMemo(() => stressBook(data.vaults, VALUATION_PARAMS, data.now, { rental: 0, utilization: 0 }, data.reserve.uncommitted), [data]);
  const r = useMemo(() => stressBook(data.vaults, VALUATION_PARAMS, data.now, { rental: rental / 100, utilization: utilization / 100 }, data.reserve.uncommitted), [data, rental, utilization]);
  const coverage = r.shortfall === 0n ? "nothing to cover" : `${formatUsd(r.reserveCovers)} (${formatPct(pctOf(r.reserveCovers, r.shortfall))})`;
  return (
    <Card title="Stress test" testId="stress">
      <p className="muted">
        Re-prices every fleet with the oracle&apos;s valuation model under a fall in the GPU rental index and in utilization, then recomputes each vault&apos;s health
        with the contracts&apos; formula. Vaults already behind on their schedule stay liquidatable.
      </p>
      <div className="grid">
        <Slider label="Rental index shock" value={rental} onChange={setRental} testId="stress-rental" />
        <Slider label="Utilization shock" value={utilization} onChange={setUtilization} testId="stress-utilization" />
      </div>
      <Stats>
        <Stat label="Liquidatable vaults" value={<span data-testid="stress-count" data-shock={`${rental},${utilization}`}>{r.liquidatable}</span>} hint={`${base.liquidatable} without the shock`} />
        <Stat label="Their debt" value={formatUsd(r.debtLiquidatable)} testId="stress-debt" />
        <Stat label="Shortfall at shocked value" value={formatUsd(r.shortfall)} testId="stress-shortfall" />
        <Stat label="Reserve covers" value={coverage} hint={`uncommitted buffer ${formatUsd(data.reserve.uncommitted)}`} testId="stress-coverage" />
      </Stats>
      {r.vaults.length === 0 ? <EmptyState title="No vault has debt." /> : null}
    </Card>
  );
}

type RoundRow = { roundId: string; observedAt: string; signers: string[]; fleetCount: string; freshGpus: string; gpuCount: string; totalValue: string };

function OracleRounds() {
  const { data, error, isPending, disabled } = useSubgraph<{ oracleRounds: RoundRow[] }>(
    ["oracle-rounds"],
    `query($first: Int!) { oracleRounds(first: $first, orderBy: roundId, orderDirection: desc) { roundId observedAt signers fleetCount freshGpus gpuCount totalValue } }`,
    { first: Math.min(50, MAX_ROWS) },
  );
  const participation = new Map<string, number>();
  for (const r of data?.oracleRounds ?? []) for (const s of r.signers) participation.set(s, (participation.get(s) ?? 0) + 1);
  const rounds = data?.oracleRounds ?? [];
  return (
    <Card title="Oracle rounds" testId="oracle-rounds">
      {disabled ? (
        <EmptyState title="Round history needs the subgraph." />
      ) : error ? (
        <ErrorNote>The subgraph did not answer: {error.message}</ErrorNote>
      ) : isPending ? (
        <Loading label="Loading rounds…" />
      ) : rounds.length === 0 ? (
        <EmptyState title="No rounds yet." />
      ) : (
        <div className="grid">
          <table>
            <caption className="sr-only">Latest rounds</caption>
            <thead>
              <tr>
                <th scope="col">Round</th>
                <th scope="col">Observed</th>
                <th scope="col" className="num">Signers</th>
                <th scope="col" className="num">Fresh GPUs</th>
                <th scope="col" className="num">Value</th>
              </tr>
            </thead>
            <tbody>
              {rounds.slice(0, 10).map((r) => (
                <tr key={r.roundId}>
                  <td>#{r.roundId}</td>
                  <td>{formatDate(Number(r.observedAt))}</td>
                  <td className="num">{r.signers.length}</td>
                  <td className="num">
                    {r.freshGpus} / {r.gpuCount}
                  </td>
                  <td className="num">{formatUsd(BigInt(r.totalValue))}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table>
            <caption className="sr-only">Signer participation</caption>
            <thead>
              <tr>
                <th scope="col">Signer</th>
                <th scope="col" className="num">Rounds signed (last {rounds.length})</th>
              </tr>
            </thead>
            <tbody>
              {[...participation.entries()].map(([signer, n]) => (
                <tr key={signer}>
                  <td className="mono">{shortAddress(signer)}</td>
                  <td className="num">
                    {n} ({Math.round((n / rounds.length) * 100)} %)
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
