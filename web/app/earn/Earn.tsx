"use client";
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { maxUint256, type Address, type Client } from "viem";
import { gpusdAbi, pegStabilityModuleAbi, savingsVaultAbi, testUSDCAbi } from "../../../abi";
import { AmountField, Card, EmptyState, ErrorNote, Loading, Preview, Stat, Stats, Tabs } from "../../components/ui";
import { LineChart } from "../../components/LineChart";
import { useActiveAccount } from "../../components/Wallet";
import { useAppConfig } from "../../lib/app-config-context";
import { useReadClient } from "../../lib/read-client";
import { chainNow, useChainData } from "../../lib/chain";
import type { AppConfig } from "../../lib/config";
import { MAX_ROWS, bucketSeconds, useSubgraph } from "../../lib/graphql";
import { previewRedeem, previewSell } from "../../lib/math/psm";
import { useTx, type TxStep } from "../../lib/tx";
import { GPUSD, SGPUSD, USDC, aprToApy, formatAmount, formatDuration, formatPct, formatUsd, formatUsdc, parseAmount, toInput } from "../../lib/units";
import { getContractEvents, readContract } from "viem/actions";

const SHARE = 10n ** 24n; // one sGPUSD (24 decimals: 18 + the vault's 6-decimal virtual-share offset)

async function loadEarn(client: Client, c: AppConfig["contracts"], account: Address | null) {
  const psm = { address: c.psm, abi: pegStabilityModuleAbi } as const;
  const savings = { address: c.savings, abi: savingsVaultAbi } as const;
  const [now, tin, tout, free, depth, inflow, apr, totalAssets, totalSupply, sharePrice, impaired] = await Promise.all([
    chainNow(client),
    readContract(client, { ...psm, functionName: "tin" }),
    readContract(client, { ...psm, functionName: "tout" }),
    readContract(client, { ...psm, functionName: "freeLiquidity" }),
    readContract(client, { ...psm, functionName: "queueDepth" }),
    readContract(client, { ...psm, functionName: "inflowRate" }),
    readContract(client, { ...savings, functionName: "currentApr" }),
    readContract(client, { ...savings, functionName: "totalAssets" }),
    readContract(client, { ...savings, functionName: "totalSupply" }),
    readContract(client, { ...savings, functionName: "convertToAssets", args: [SHARE] }),
    readContract(client, { ...savings, functionName: "totalImpaired" }),
  ]);
  let me = null;
  let requests: Request[] = [];
  if (account) {
    const [usdc, gpusd, shares, maxWithdraw, allowUsdcPsm, allowGpusdPsm, allowGpusdSavings, queued] = await Promise.all([
      readContract(client, { address: c.usdc, abi: testUSDCAbi, functionName: "balanceOf", args: [account] }),
      readContract(client, { address: c.gpusd, abi: gpusdAbi, functionName: "balanceOf", args: [account] }),
      readContract(client, { ...savings, functionName: "balanceOf", args: [account] }),
      readContract(client, { ...savings, functionName: "maxWithdraw", args: [account] }),
      readContract(client, { address: c.usdc, abi: testUSDCAbi, functionName: "allowance", args: [account, c.psm] }),
      readContract(client, { address: c.gpusd, abi: gpusdAbi, functionName: "allowance", args: [account, c.psm] }),
      readContract(client, { address: c.gpusd, abi: gpusdAbi, functionName: "allowance", args: [account, c.savings] }),
      getContractEvents(client, { ...psm, eventName: "RedemptionQueued", args: { owner: account }, fromBlock: 0n }),
    ]);
    me = { usdc, gpusd, shares, maxWithdraw, allowUsdcPsm, allowGpusdPsm, allowGpusdSavings };
    requests = await Promise.all(
      queued.map(async (log) => {
        const id = log.args.requestId!;
        const [r, s] = await Promise.all([
          readContract(client, { ...psm, functionName: "request", args: [id] }),
          readContract(client, { ...psm, functionName: "queueStatus", args: [id] }),
        ]);
        return { id, amount: r.amount, cancelled: r.cancelled, claimed: r.claimed, ...s };
      }),
    );
    requests.reverse();
  }
  return { now, psm: { tin, tout, free, depth, inflow }, savings: { apr, totalAssets, totalSupply, sharePrice, impaired }, me, requests };
}

type Request = { id: bigint; amount: bigint; cancelled: boolean; claimed: bigint; filled: bigint; claimable: bigint; amountAhead: bigint; remaining: bigint; estimatedWait: bigint };
type EarnData = Awaited<ReturnType<typeof loadEarn>>;

export function Earn() {
  const account = useActiveAccount();
  const { data, error, isPending } = useChainData(["earn", account], (client, c) => loadEarn(client, c, account));
  const apy = data ? aprToApy(data.savings.apr) : undefined;
  return (
    <>
      <h1>Earn</h1>
      <p className="lede">
        Swap USDC for GPUSD at the peg stability module, then stake GPUSD in the savings vault (sGPUSD) to earn the interest GPU operators pay. To leave, unstake
        and redeem: the PSM pays what USDC it holds and queues the rest, first come, first served.
      </p>
      {error ? <ErrorNote>Could not read the chain: {error.message.split("\n")[0]}</ErrorNote> : null}
      <Stats>
        <Stat label="Savings APY" value={apy === undefined ? undefined : formatPct(apy)} hint={data ? `APR ${formatPct(data.savings.apr)}, compounded` : undefined} testId="earn-apy" />
        <Stat label="sGPUSD share price" value={data ? `${formatAmount(data.savings.sharePrice, 18, 6)} GPUSD` : undefined} testId="earn-share-price" />
        <Stat label="Savings deposits" value={data ? formatUsd(data.savings.totalAssets) : undefined} hint={data && data.savings.impaired > 0n ? `${formatUsd(data.savings.impaired)} marked for auction losses` : undefined} />
        <Stat label="PSM free USDC" value={data ? formatUsdc(data.psm.free) : undefined} hint={data ? `${formatUsdc(data.psm.depth)} USDC waiting in the queue` : undefined} testId="earn-psm-free" />
      </Stats>
      {!account ? (
        <EmptyState title="Connect a wallet to swap, stake and see your redemptions.">Rates and history below are public.</EmptyState>
      ) : isPending || !data ? (
        <Loading label="Reading your balances…" />
      ) : (
        <>
          <Balances data={data} />
          <div className="grid">
            <SwapCard data={data} account={account} />
            <StakeCard data={data} account={account} />
          </div>
          <QueueCard data={data} />
        </>
      )}
      <History />
    </>
  );
}

function Balances({ data }: { data: EarnData }) {
  const me = data.me!;
  const value = me.shares === 0n ? 0n : (me.shares * data.savings.sharePrice) / SHARE;
  return (
    <Stats>
      <Stat label="Your USDC" value={formatUsdc(me.usdc)} testId="earn-usdc-balance" />
      <Stat label="Your GPUSD" value={formatAmount(me.gpusd, 18)} testId="earn-gpusd-balance" />
      <Stat label="Your sGPUSD" value={formatAmount(me.shares, 24, 4)} hint={`worth ${formatUsd(value)}`} testId="earn-shares" />
      <Stat label="Withdrawable" value={formatUsd(me.maxWithdraw)} testId="earn-withdrawable" />
    </Stats>
  );
}

function Faucet({ account }: { account: Address }) {
  const config = useAppConfig();
  const { run, busy } = useTx();
  if (!config.faucet) return null;
  const amount = 10_000n * 10n ** 6n;
  return (
    <button
      type="button"
      className="btn btn-ghost btn-small"
      disabled={busy}
      onClick={() => run({ steps: [{ label: "Get 10,000 test USDC", kind: "action", call: { address: config.contracts.usdc, abi: testUSDCAbi, functionName: "mint", args: [account, amount] } }] })}
    >
      Get test USDC
    </button>
  );
}

function SwapCard({ data, account }: { data: EarnData; account: Address }) {
  const config = useAppConfig();
  const { run, busy } = useTx();
  const [mode, setMode] = useState<"buy" | "sell">("buy");
  const [input, setInput] = useState("");
  const me = data.me!;
  const token = mode === "buy" ? USDC : GPUSD;
  const balance = mode === "buy" ? me.usdc : me.gpusd;
  const parsed = parseAmount(input, token, { balance });
  let preview = null;
  let error = parsed.error;
  if (parsed.value !== null && mode === "buy") {
    const p = previewSell(parsed.value, data.psm.tin, data.psm.depth);
    preview = (
      <Preview
        testId="swap-preview"
        rows={[
          { label: "You receive", after: `${formatAmount(p.gpusdOut, 18)} GPUSD`, testId: "swap-receive" },
          { label: "Fee", after: formatUsd(p.fee) },
          ...(p.toQueue > 0n ? [{ label: "Fills waiting redemptions", after: `${formatUsdc(p.toQueue)} USDC` }] : []),
        ]}
      />
    );
  } else if (parsed.value !== null) {
    const p = previewRedeem(parsed.value, data.psm.tout, data.psm.free);
    if (p.tooSmall !== null) error = `Too small to pay out a single USDC cent's fraction: redeem at least ${formatAmount(p.tooSmall, 18, 6)} GPUSD.`;
    else {
      const wait = data.psm.inflow === 0n ? "unknown (no recent USDC inflow)" : formatDuration((data.psm.depth + p.queued + data.psm.inflow - 1n) / data.psm.inflow);
      preview = (
        <Preview
          testId="swap-preview"
          rows={[
            { label: "Paid now", after: `${formatUsdc(p.usdcNow)} USDC`, testId: "swap-paid-now" },
            ...(p.queued > 0n
              ? [
                  { label: "Joins the queue", after: `${formatUsdc(p.queued)} USDC`, testId: "swap-queued" },
                  { label: "Ahead of you", after: `${formatUsdc(data.psm.depth)} USDC` },
                  { label: "Estimated wait", after: wait },
                ]
              : []),
            { label: "Fee", after: formatUsd(p.toReserve) },
          ]}
        />
      );
    }
  }
  const submit = async () => {
    if (parsed.value === null || error) return;
    const amount = parsed.value;
    const steps: TxStep[] = [];
    if (mode === "buy") {
      if (me.allowUsdcPsm < amount)
        steps.push({ label: `Approve ${formatUsdc(amount)} USDC for the PSM`, kind: "approve", call: { address: config.contracts.usdc, abi: testUSDCAbi, functionName: "approve", args: [config.contracts.psm, amount] } });
      steps.push({
        label: `Swap ${formatUsdc(amount)} USDC for GPUSD`,
        kind: "action",
        call: { address: config.contracts.psm, abi: pegStabilityModuleAbi, functionName: "sellUsdc", args: [amount, account] },
        errorContext: { token: "USDC" },
      });
    } else {
      if (me.allowGpusdPsm < amount)
        steps.push({ label: `Approve ${formatAmount(amount, 18)} GPUSD for the PSM`, kind: "approve", call: { address: config.contracts.gpusd, abi: gpusdAbi, functionName: "approve", args: [config.contracts.psm, amount] } });
      steps.push({
        label: `Redeem ${formatAmount(amount, 18)} GPUSD for USDC`,
        kind: "action",
        call: { address: config.contracts.psm, abi: pegStabilityModuleAbi, functionName: "redeem", args: [amount, account] },
        errorContext: { token: "GPUSD" },
      });
    }
    if (await run({ steps })) setInput("");
  };
  const needsApproval = parsed.value !== null && (mode === "buy" ? me.allowUsdcPsm : me.allowGpusdPsm) < parsed.value;
  return (
    <Card title="Swap at the PSM" actions={<Faucet account={account} />} testId="swap-card">
      <Tabs
        label="Swap direction"
        value={mode}
        onChange={(m) => {
          setMode(m);
          setInput("");
        }}
        tabs={[
          { id: "buy", label: "USDC → GPUSD" },
          { id: "sell", label: "GPUSD → USDC" },
        ]}
      />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <AmountField
          label={mode === "buy" ? "USDC to swap" : "GPUSD to redeem"}
          symbol={token.symbol}
          value={input}
          onChange={setInput}
          error={error}
          hint={`Balance ${formatAmount(balance, token.decimals)} ${token.symbol}`}
          onMax={() => setInput(toInput(balance, token.decimals))}
          disabled={busy}
          testId="swap-amount"
        />
        {preview}
        <button type="submit" className="btn btn-wide" disabled={busy || parsed.value === null || error !== null} data-testid="swap-submit">
          {needsApproval ? "Approve and swap" : mode === "buy" ? "Swap for GPUSD" : "Redeem for USDC"}
        </button>
      </form>
    </Card>
  );
}

function useSavingsPreview(kind: "deposit" | "withdraw" | "redeem", amount: bigint | null) {
  const config = useAppConfig();
  const client = useReadClient();
  const fn = kind === "deposit" ? "previewDeposit" : kind === "withdraw" ? "previewWithdraw" : "previewRedeem";
  return useQuery({
    queryKey: ["chain", "savings-preview", kind, amount?.toString()],
    queryFn: () => readContract(client, { address: config.contracts.savings, abi: savingsVaultAbi, functionName: fn, args: [amount!] }),
    enabled: amount !== null,
  });
}

function StakeCard({ data, account }: { data: EarnData; account: Address }) {
  const config = useAppConfig();
  const { run, busy } = useTx();
  const [mode, setMode] = useState<"stake" | "unstake">("stake");
  const [input, setInput] = useState("");
  const [all, setAll] = useState(false);
  const me = data.me!;
  const parsed =
    mode === "stake"
      ? parseAmount(input, GPUSD, { balance: me.gpusd })
      : parseAmount(input, GPUSD, { max: { value: me.maxWithdraw, message: (m) => `You can unstake at most ${m} GPUSD.` } });
  // Unstaking everything redeems the shares themselves, so no dust of shares is left behind.
  const exitAll = mode === "unstake" && all && parsed.value === me.maxWithdraw;
  const preview = useSavingsPreview(mode === "stake" ? "deposit" : exitAll ? "redeem" : "withdraw", exitAll ? me.shares : parsed.value);
  const submit = async () => {
    if (parsed.value === null) return;
    const amount = parsed.value;
    const s = config.contracts.savings;
    const steps: TxStep[] = [];
    if (mode === "stake") {
      if (me.allowGpusdSavings < amount)
        steps.push({ label: `Approve ${formatAmount(amount, 18)} GPUSD for the savings vault`, kind: "approve", call: { address: config.contracts.gpusd, abi: gpusdAbi, functionName: "approve", args: [s, amount] } });
      steps.push({ label: `Stake ${formatAmount(amount, 18)} GPUSD`, kind: "action", call: { address: s, abi: savingsVaultAbi, functionName: "deposit", args: [amount, account] }, errorContext: { token: "GPUSD" } });
    } else if (exitAll) {
      steps.push({ label: `Unstake all (${formatAmount(amount, 18)} GPUSD)`, kind: "action", call: { address: s, abi: savingsVaultAbi, functionName: "redeem", args: [me.shares, account, account] }, errorContext: { token: "sGPUSD" } });
    } else {
      steps.push({ label: `Unstake ${formatAmount(amount, 18)} GPUSD`, kind: "action", call: { address: s, abi: savingsVaultAbi, functionName: "withdraw", args: [amount, account, account] }, errorContext: { token: "GPUSD" } });
    }
    if (await run({ steps })) {
      setInput("");
      setAll(false);
    }
  };
  const balance = mode === "stake" ? me.gpusd : me.maxWithdraw;
  return (
    <Card title="Savings vault (sGPUSD)" testId="stake-card">
      <Tabs
        label="Stake or unstake"
        value={mode}
        onChange={(m) => {
          setMode(m);
          setInput("");
          setAll(false);
        }}
        tabs={[
          { id: "stake", label: "Stake" },
          { id: "unstake", label: "Unstake" },
        ]}
      />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <AmountField
          label={mode === "stake" ? "GPUSD to stake" : "GPUSD to unstake"}
          symbol="GPUSD"
          value={input}
          onChange={(v) => {
            setInput(v);
            setAll(false);
          }}
          error={parsed.error}
          hint={mode === "stake" ? `Balance ${formatAmount(balance, 18)} GPUSD` : `Withdrawable ${formatAmount(balance, 18)} GPUSD`}
          onMax={() => {
            setInput(toInput(balance, 18));
            setAll(mode === "unstake");
          }}
          disabled={busy}
          testId="stake-amount"
        />
        {parsed.value !== null ? (
          <Preview
            testId="stake-preview"
            rows={[
              mode === "stake"
                ? { label: "You receive", after: preview.data === undefined ? "…" : `${formatAmount(preview.data, 24, 4)} sGPUSD`, testId: "stake-shares-out" }
                : exitAll
                  ? { label: "You receive", after: preview.data === undefined ? "…" : `${formatAmount(preview.data, 18)} GPUSD`, testId: "stake-assets-out" }
                  : { label: "Shares burnt", after: preview.data === undefined ? "…" : `${formatAmount(preview.data, 24, 4)} sGPUSD`, testId: "stake-shares-in" },
              { label: "Current APY", after: formatPct(aprToApy(data.savings.apr)) },
            ]}
          />
        ) : null}
        <button type="submit" className="btn btn-wide" disabled={busy || parsed.value === null} data-testid="stake-submit">
          {mode === "stake" ? (parsed.value !== null && me.allowGpusdSavings < parsed.value ? "Approve and stake" : "Stake") : "Unstake"}
        </button>
      </form>
    </Card>
  );
}

function QueueCard({ data }: { data: EarnData }) {
  const config = useAppConfig();
  const { run, busy } = useTx();
  const psm = config.contracts.psm;
  return (
    <Card title="Your redemption requests" testId="queue-card">
      <p className="muted">
        Queue depth {formatUsdc(data.psm.depth)} USDC · inflow {data.psm.inflow === 0n ? "none recently" : `${formatUsdc(data.psm.inflow * 86_400n)} USDC/day`}
      </p>
      {data.requests.length === 0 ? (
        <EmptyState title="No queued redemptions.">When the PSM runs short of USDC, the unpaid part of a redemption waits here; you can cancel it at any time.</EmptyState>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Request</th>
              <th scope="col" className="num">Amount</th>
              <th scope="col" className="num">Filled</th>
              <th scope="col" className="num">Ahead of you</th>
              <th scope="col">Estimated wait</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.requests.map((r) => {
              const done = r.cancelled || r.remaining === 0n;
              const status = r.cancelled ? "cancelled" : r.remaining === 0n ? (r.claimable > 0n ? "filled: claim it" : "paid out") : r.filled > 0n ? "partly filled" : "waiting";
              return (
                <tr key={r.id.toString()} data-testid={`request-${r.id}`} data-status={r.cancelled ? "cancelled" : r.remaining === 0n ? (r.claimable > 0n ? "claimable" : "done") : "open"}>
                  <td>#{r.id.toString()}</td>
                  <td className="num">{formatUsdc(r.amount)}</td>
                  <td className="num">{formatUsdc(r.filled)}</td>
                  <td className="num">{done ? "—" : formatUsdc(r.amountAhead)}</td>
                  <td>{done ? "—" : r.estimatedWait === maxUint256 ? "unknown (no inflow)" : formatDuration(r.estimatedWait)}</td>
                  <td>{status}</td>
                  <td className="row">
                    {r.claimable > 0n && !r.cancelled ? (
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={busy}
                        onClick={() => run({ steps: [{ label: `Claim ${formatUsdc(r.claimable)} USDC of request #${r.id}`, kind: "action", call: { address: psm, abi: pegStabilityModuleAbi, functionName: "claim", args: [r.id] } }] })}
                      >
                        Claim
                      </button>
                    ) : null}
                    {!done ? (
                      <button
                        type="button"
                        className="btn btn-small btn-ghost"
                        disabled={busy}
                        aria-label={`Cancel request #${r.id}`}
                        onClick={() => run({ steps: [{ label: `Cancel redemption request #${r.id}`, kind: "action", call: { address: psm, abi: pegStabilityModuleAbi, functionName: "cancel", args: [r.id] } }] })}
                      >
                        Cancel
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Card>
  );
}

type SavingsStatsRow = { timestamp: string; apy: string; apr: string; sharePrice: string };

function History() {
  const [interval, setInterval] = useState<"day" | "hour">("day");
  const { data, error, isPending, disabled } = useSubgraph<{ savingsStats_collection: SavingsStatsRow[] }>(
    ["savings-history", interval],
    `query($interval: Aggregation_interval!, $first: Int!) { savingsStats_collection(interval: $interval, first: $first, orderBy: timestamp, orderDirection: desc) { timestamp apy apr sharePrice } }`,
    { interval, first: MAX_ROWS },
  );
  const rows = data ? [...data.savingsStats_collection].reverse() : [];
  return (
    <Card
      title="Savings history"
      testId="savings-history"
      actions={
        <Tabs
          label="History interval"
          value={interval}
          onChange={setInterval}
          tabs={[
            { id: "day", label: "Daily" },
            { id: "hour", label: "Hourly" },
          ]}
        />
      }
    >
      {disabled ? (
        <EmptyState title="History needs the subgraph.">This deployment has no GraphQL endpoint configured.</EmptyState>
      ) : error ? (
        <ErrorNote>The subgraph did not answer: {error.message}</ErrorNote>
      ) : isPending ? (
        <Loading label="Loading history from the subgraph…" />
      ) : rows.length === 0 ? (
        <EmptyState title="No completed periods yet.">A period shows once it has ended; come back after the first {interval}.</EmptyState>
      ) : (
        <div className="grid">
          <div>
            <h3>APY</h3>
            <LineChart label="Savings APY" points={rows.map((r) => ({ t: bucketSeconds(r.timestamp), y: Number(r.apy) * 100 }))} format={(y) => `${y.toFixed(2)} %`} />
          </div>
          <div>
            <h3>Share price (GPUSD per sGPUSD)</h3>
            <LineChart label="Share price" points={rows.map((r) => ({ t: bucketSeconds(r.timestamp), y: Number(BigInt(r.sharePrice) / 10n ** 10n) / 1e8 }))} format={(y) => y.toFixed(4)} />
          </div>
        </div>
      )}
    </Card>
  );
}
