"use client";
import Link from "next/link";
import { useState } from "react";
import { maxUint256, type Address } from "viem";
import { creditEngineAbi, fleetRegistryAbi } from "../../../abi";
import { AmountField, Card, EmptyState, ErrorNote, HealthBadge, Loading, Preview, Stat, Stats, Tabs } from "../../components/ui";
import { useActiveAccount } from "../../components/Wallet";
import { useAppConfig } from "../../lib/app-config-context";
import { useChainData } from "../../lib/chain";
import { className } from "../../lib/classes";
import { useSimulation } from "../../lib/hooks";
import { previewBorrow, previewRepay, scheduleRows, vaultFigures, type BorrowProblem, type NextDue, type RepayProblem } from "../../lib/math/vault";
import { useTx, type ContractCall } from "../../lib/tx";
import { GPUSD, formatAmount, formatDate, formatDuration, formatPct, formatUsd, parseAmount, toInput } from "../../lib/units";
import { loadBorrow, type BorrowData, type LoadedVault } from "./load";
import { wMulDown } from "../../lib/math/fixed";

export function Borrow() {
  const account = useActiveAccount();
  const { data, error, isPending } = useChainData(["borrow", account], (client, c) => loadBorrow(client, c, account!), account !== null);
  return (
    <>
      <h1>Borrow</h1>
      <p className="lede">
        Lock a GPU fleet in a vault and mint GPUSD against its oracle value. Keep health above 1 and pay the straight-line schedule on time: a vault below 1, or one
        past a due date&apos;s grace window, is auctioned.
      </p>
      {!account ? (
        <EmptyState title="Connect a wallet to see your fleets and vaults." />
      ) : error ? (
        <ErrorNote>Could not read the chain: {error.message.split("\n")[0]}</ErrorNote>
      ) : isPending || !data ? (
        <Loading label="Reading your vaults and fleets…" />
      ) : (
        <>
          {data.vaults.length === 0 ? (
            <EmptyState title="No open vaults.">Open one with a fleet below: the fleet NFT stays in the vault until you close it.</EmptyState>
          ) : (
            data.vaults.map((v) =>
              v.fleetId === 0n && v.chain.debt === 0n ? (
                <EmptyVaultCard key={v.vaultId.toString()} v={v} data={data} account={account} />
              ) : (
                <VaultCard key={v.vaultId.toString()} v={v} data={data} account={account} />
              ),
            )
          )}
          <FleetsCard data={data} />
        </>
      )}
    </>
  );
}

/** A vault without a fleet or debt (its fleet was auctioned, or taken back): lock another fleet in it, or close it. */
function EmptyVaultCard({ v, data, account }: { v: LoadedVault; data: BorrowData; account: Address }) {
  const config = useAppConfig();
  const { run, busy } = useTx();
  const [choice, setChoice] = useState("");
  const id = v.vaultId.toString();
  const fleet = data.fleets.find((f) => f.fleetId.toString() === choice) ?? data.fleets[0];
  return (
    <Card title={`Vault #${id} · empty`} testId={`vault-${id}`}>
      <p className="muted">This vault holds no fleet and owes nothing: its fleet was auctioned or returned. Lock another fleet in it, or close it.</p>
      <div className="row">
        {fleet ? (
          <>
            <label>
              Fleet to lock in vault #{id}{" "}
              <select value={fleet.fleetId.toString()} onChange={(e) => setChoice(e.target.value)} disabled={busy}>
                {data.fleets.map((f) => (
                  <option key={f.fleetId.toString()} value={f.fleetId.toString()}>
                    #{f.fleetId.toString()} · {f.gpuCount} × {className(f.classId)}
                  </option>
                ))}
              </select>
            </label>
            <button
              type="button"
              className="btn"
              disabled={busy}
              onClick={() => {
                const steps = [];
                if (fleet.approved.toLowerCase() !== config.contracts.engine.toLowerCase())
                  steps.push({ label: `Approve fleet #${fleet.fleetId} for the credit engine`, kind: "approve" as const, call: { address: config.contracts.registry, abi: fleetRegistryAbi, functionName: "approve", args: [config.contracts.engine, fleet.fleetId] } });
                steps.push({ label: `Lock fleet #${fleet.fleetId} in vault #${id}`, kind: "action" as const, call: { address: config.contracts.engine, abi: creditEngineAbi, functionName: "addCollateral", args: [v.vaultId, fleet.fleetId] } });
                void run({ steps });
              }}
            >
              Lock fleet
            </button>
          </>
        ) : null}
        <button
          type="button"
          className="btn btn-ghost"
          disabled={busy}
          data-testid={`close-${id}`}
          onClick={() => run({ steps: [{ label: `Close vault #${id}`, kind: "action", call: { address: config.contracts.engine, abi: creditEngineAbi, functionName: "close", args: [v.vaultId, account] } }] })}
        >
          Close vault
        </button>
      </div>
    </Card>
  );
}

function FleetsCard({ data }: { data: BorrowData }) {
  const config = useAppConfig();
  const { run, busy } = useTx();
  return (
    <Card title="Fleets in your wallet" testId="fleets-card">
      {data.fleets.length === 0 ? (
        <EmptyState title="No fleets outside vaults.">Fleets are onboarded by the underwriter after legal and technical checks; they arrive in your wallet as NFTs.</EmptyState>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Fleet</th>
              <th scope="col">GPUs</th>
              <th scope="col" className="num">Oracle value</th>
              <th scope="col" className="num">Borrowable at max LTV</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.fleets.map((f) => (
              <tr key={f.fleetId.toString()} data-testid={`fleet-${f.fleetId}`}>
                <td>
                  <Link href={`/fleets/${f.fleetId}`}>#{f.fleetId.toString()}</Link>
                </td>
                <td>
                  {f.gpuCount} × {className(f.classId)}
                </td>
                <td className="num">{f.observedAt === 0 ? "not valued yet" : formatUsd(f.value)}</td>
                <td className="num">{f.observedAt === 0 ? "—" : formatUsd(wMulDown(f.value, f.maxLtv))}</td>
                <td>
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={busy}
                    data-testid={`open-vault-${f.fleetId}`}
                    onClick={() => {
                      const steps = [];
                      if (f.approved.toLowerCase() !== config.contracts.engine.toLowerCase())
                        steps.push({ label: `Approve fleet #${f.fleetId} for the credit engine`, kind: "approve" as const, call: { address: config.contracts.registry, abi: fleetRegistryAbi, functionName: "approve", args: [config.contracts.engine, f.fleetId] } });
                      steps.push({ label: `Open a vault with fleet #${f.fleetId}`, kind: "action" as const, call: { address: config.contracts.engine, abi: creditEngineAbi, functionName: "open", args: [f.fleetId] } });
                      void run({ steps });
                    }}
                  >
                    Open vault
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

const dueText = (d: NextDue) => (d.dueAt === 0 ? "nothing due" : `${formatUsd(d.principalDue)} by ${formatDate(d.dueAt)}`);

function VaultCard({ v, data, account }: { v: LoadedVault; data: BorrowData; account: Address }) {
  const config = useAppConfig();
  const { run, busy } = useTx();
  const [mode, setMode] = useState<"borrow" | "repay">("borrow");
  const [input, setInput] = useState("");
  const [repayAll, setRepayAll] = useState(false);
  const s = v.snapshot;
  const f = vaultFigures(s);
  const ch = v.chain;
  const id = v.vaultId.toString();
  const interestDue = f.interest;
  const hasFleet = v.fleetId !== 0n;

  const parsed =
    mode === "borrow"
      ? parseAmount(input, GPUSD, { max: { value: ch.maxBorrow, message: (m) => `Above your max borrow of ${m} GPUSD.` } })
      : repayAll
        ? { value: ch.debt, error: data.gpusd < ch.debt ? `Your balance is too low: repaying everything takes ${formatAmount(ch.debt, 18)} GPUSD and you have ${formatAmount(data.gpusd, 18)}.` : null }
        : parseAmount(input, GPUSD, { balance: data.gpusd });
  // The syntactically valid amount, even above the max: the engine's own answer is shown for it before signing.
  const typed = mode === "borrow" && parsed.value === null && parsed.error?.startsWith("Above") ? parseAmount(input, GPUSD).value : parsed.value;

  const call: ContractCall | null =
    typed === null
      ? null
      : mode === "borrow"
        ? { address: config.contracts.engine, abi: creditEngineAbi, functionName: "borrow", args: [v.vaultId, typed, account] }
        : { address: config.contracts.engine, abi: creditEngineAbi, functionName: "repay", args: [v.vaultId, repayAll ? maxUint256 : typed] };
  const sim = useSimulation(call, account, { token: "GPUSD" });

  let preview = null;
  let localProblem: string | null = null;
  if (typed !== null && mode === "borrow") {
    const p = previewBorrow(s, typed);
    localProblem = borrowProblemText(p.problem);
    preview = (
      <Preview
        testId={`borrow-preview-${id}`}
        rows={[
          { label: "Debt", before: formatUsd(f.debt), after: formatUsd(p.debt), testId: `preview-debt-${id}` },
          { label: "Health", before: <HealthBadge health={f.health} />, after: <HealthBadge health={p.health} testId={`preview-health-${id}`} /> },
          { label: "Liquidatable below", before: formatUsd(f.liquidationThreshold), after: formatUsd(p.liquidationThreshold), testId: `preview-threshold-${id}` },
          { label: "Next payment", after: dueText(p.nextDue) },
        ]}
      />
    );
  } else if (typed !== null) {
    const p = previewRepay(s, repayAll ? maxUint256 : typed);
    localProblem = repayProblemText(p.problem);
    preview = (
      <Preview
        testId={`repay-preview-${id}`}
        rows={[
          { label: "Pays interest", after: formatUsd(p.interestPaid) },
          { label: "Pays principal", after: formatUsd(p.principalPaid) },
          { label: "Debt", before: formatUsd(f.debt), after: formatUsd(p.debt), testId: `preview-debt-${id}` },
          { label: "Health", before: <HealthBadge health={f.health} />, after: <HealthBadge health={p.health} testId={`preview-health-${id}`} /> },
          { label: "Next payment", after: dueText(p.nextDue) },
        ]}
      />
    );
  }
  const refusal = sim.result && !sim.result.ok ? sim.result.error.sentence : null;
  const canSubmit = parsed.value !== null && parsed.error === null && localProblem === null && sim.result?.ok === true && !busy;

  const submit = async () => {
    if (!canSubmit || !call) return;
    const label = mode === "borrow" ? `Borrow ${formatAmount(parsed.value!, 18)} GPUSD from vault #${id}` : repayAll ? `Repay all of vault #${id}'s debt` : `Repay ${formatAmount(parsed.value!, 18)} GPUSD to vault #${id}`;
    if (await run({ steps: [{ label, kind: "action", call, errorContext: { token: "GPUSD" } }] })) {
      setInput("");
      setRepayAll(false);
    }
  };

  const rows = scheduleRows(f.schedule, f.principal, 4);
  const status = ch.liquidatable ? (ch.missedPayment ? "liquidatable: payment missed" : "liquidatable: health below 1") : null;
  return (
    <Card
      title={
        <>
          Vault #{id}{" "}
          {hasFleet ? (
            <span className="muted">
              · <Link href={`/fleets/${v.fleetId}`}>fleet #{v.fleetId.toString()}</Link>, {v.gpuCount} × {className(v.classId)}
            </span>
          ) : (
            <span className="muted">· empty</span>
          )}
        </>
      }
      actions={status ? <span className="tag tag-danger">{status}</span> : null}
      testId={`vault-${id}`}
    >
      <Stats>
        <Stat label="Health" value={<HealthBadge health={ch.health} testId={`vault-health-${id}`} />} hint="liquidatable below 1.00" />
        <Stat label="Debt" value={formatUsd(ch.debt)} hint={`${formatUsd(interestDue)} interest accrued`} testId={`vault-debt-${id}`} />
        <Stat label="Fleet value (oracle)" value={hasFleet ? formatUsd(s.liquidationValue) : "—"} hint={v.observedAt ? `observed ${formatDate(v.observedAt)}` : undefined} testId={`vault-value-${id}`} />
        <Stat label="Liquidatable if value falls below" value={ch.debt === 0n ? "—" : formatUsd(f.liquidationThreshold)} hint={hasFleet ? `at ${formatPct(s.params.liquidationLtv)} liquidation LTV` : undefined} testId={`vault-threshold-${id}`} />
        <Stat label="Max borrow" value={formatUsd(ch.maxBorrow)} hint={!hasFleet ? "no fleet locked" : s.borrowValue === null ? "oracle unavailable: borrowing paused" : `at ${formatPct(s.params.maxLtv)} max LTV`} testId={`vault-max-borrow-${id}`} />
        <Stat
          label="Next payment"
          value={ch.dueAt === 0 ? "nothing due" : formatDate(ch.dueAt)}
          hint={ch.dueAt === 0 ? undefined : `${formatUsd(ch.principalDue + interestDue)} (${formatUsd(ch.principalDue)} principal + interest); grace to ${formatDate(ch.graceEndsAt)}`}
          testId={`vault-next-due-${id}`}
        />
      </Stats>
      {rows.length > 0 ? (
        <details>
          <summary>Amortization schedule</summary>
          <table>
            <thead>
              <tr>
                <th scope="col">Due</th>
                <th scope="col" className="num">Principal due</th>
                <th scope="col" className="num">Principal allowed after</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.dueAt}>
                  <td>
                    {formatDate(r.dueAt)} {r.dueAt < data.now ? <span className="tag tag-warn">in grace</span> : <span className="muted">in {formatDuration(r.dueAt - data.now)}</span>}
                  </td>
                  <td className="num">{formatUsd(r.due)}</td>
                  <td className="num">{formatUsd(r.allowed)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : null}
      {hasFleet || ch.debt > 0n ? (
        <>
          <Tabs
            label={`Borrow or repay, vault #${id}`}
            value={mode}
            onChange={(m) => {
              setMode(m);
              setInput("");
              setRepayAll(false);
            }}
            tabs={[
              { id: "borrow", label: "Borrow" },
              { id: "repay", label: "Repay" },
            ]}
          />
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void submit();
            }}
          >
            <AmountField
              label={mode === "borrow" ? `GPUSD to borrow from vault #${id}` : `GPUSD to repay to vault #${id}`}
              symbol="GPUSD"
              value={repayAll ? toInput(ch.debt, 18) : input}
              onChange={(x) => {
                setInput(x);
                setRepayAll(false);
              }}
              error={parsed.error}
              hint={mode === "borrow" ? `Max borrow ${formatAmount(ch.maxBorrow, 18)} GPUSD` : `Balance ${formatAmount(data.gpusd, 18)} GPUSD`}
              onMax={mode === "borrow" ? () => setInput(toInput(ch.maxBorrow, 18)) : () => setRepayAll(true)}
              disabled={busy}
              testId={`${mode}-amount-${id}`}
            />
            {preview}
            {localProblem ? <p className="field-error">{localProblem}</p> : null}
            {sim.checking && typed !== null ? <p className="muted">Checking with the contract…</p> : null}
            {refusal ? (
              <p className="error-note" role="alert" data-testid={`refusal-${id}`}>
                The engine would refuse this: {refusal}
              </p>
            ) : null}
            <button type="submit" className="btn btn-wide" disabled={!canSubmit} data-testid={`${mode}-submit-${id}`}>
              {mode === "borrow" ? "Borrow" : repayAll ? "Repay all" : "Repay"}
            </button>
          </form>
        </>
      ) : null}
      {ch.debt === 0n ? (
        <button
          type="button"
          className="btn btn-ghost btn-wide"
          disabled={busy}
          data-testid={`close-${id}`}
          onClick={() => run({ steps: [{ label: `Close vault #${id}${hasFleet ? ` and take back fleet #${v.fleetId}` : ""}`, kind: "action", call: { address: config.contracts.engine, abi: creditEngineAbi, functionName: "close", args: [v.vaultId, account] } }] })}
        >
          Close vault{hasFleet ? ` and return fleet #${v.fleetId}` : ""}
        </button>
      ) : null}
    </Card>
  );
}

function borrowProblemText(p: BorrowProblem | null): string | null {
  if (!p) return null;
  switch (p.kind) {
    case "zero":
      return "Enter an amount above zero.";
    case "noCollateral":
      return "This vault holds no fleet.";
    case "oracleUnavailable":
      return "The oracle has no fresh borrowable value for this fleet, so borrowing waits for the next round.";
    case "belowDust":
      return `The debt would be ${formatUsd(p.debt)}, below the ${formatUsd(p.dust)} minimum loan.`;
    case "exceedsMaxLtv":
      return null; // the field message and the engine's refusal say it
  }
}

function repayProblemText(p: RepayProblem | null): string | null {
  if (!p) return null;
  switch (p.kind) {
    case "zero":
      return "Enter an amount above zero.";
    case "noDebt":
      return "This vault has no debt.";
    case "belowDust":
      return `That would leave ${formatUsd(p.remaining)}, below the ${formatUsd(p.dust)} minimum loan: repay less, or repay everything.`;
  }
}
