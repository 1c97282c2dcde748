"use client";
import Link from "next/link";
import { useState } from "react";
import type { Address, Client } from "viem";
import { creditEngineAbi, fleetRegistryAbi, gpusdAbi, liquidationAuctionAbi } from "../../../abi";
import { AmountField, Card, EmptyState, ErrorNote, Loading, Preview, Stat, Stats } from "../../components/ui";
import { useActiveAccount } from "../../components/Wallet";
import { useAppConfig } from "../../lib/app-config-context";
import { chainNow, useChainData } from "../../lib/chain";
import { className } from "../../lib/classes";
import type { AppConfig } from "../../lib/config";
import { MAX_ROWS, useSubgraph } from "../../lib/graphql";
import { useSimulation } from "../../lib/hooks";
import { useTx, type ContractCall } from "../../lib/tx";
import { GPUSD, formatAmount, formatDate, formatDuration, formatPct, formatUsd, parseAmount, toInput } from "../../lib/units";
import { getContractEvents, readContract } from "viem/actions";

async function loadAuctions(client: Client, c: AppConfig["contracts"], account: Address | null) {
  const auction = { address: c.auction, abi: liquidationAuctionAbi } as const;
  const [now, last, params, badDebt, kicked, balance] = await Promise.all([
    chainNow(client),
    readContract(client, { ...auction, functionName: "lastAuctionId" }),
    readContract(client, { ...auction, functionName: "params" }),
    readContract(client, { ...auction, functionName: "totalBadDebt" }),
    getContractEvents(client, { ...auction, eventName: "Kicked", fromBlock: 0n }),
    account ? readContract(client, { address: c.gpusd, abi: gpusdAbi, functionName: "balanceOf", args: [account] }) : Promise.resolve(0n),
  ]);
  const vaultOf = new Map(kicked.map((k) => [k.args.auctionId!, k.args.vaultId!]));
  const ids = Array.from({ length: Number(last) }, (_, i) => BigInt(i + 1));
  const live = (
    await Promise.all(
      ids.map(async (id) => {
        const a = await readContract(client, { ...auction, functionName: "auction", args: [id] });
        if (a.tab === 0n) return null;
        const [[needsReset, price, elapsed], fleet] = await Promise.all([
          readContract(client, { ...auction, functionName: "status", args: [id] }),
          readContract(client, { address: c.registry, abi: fleetRegistryAbi, functionName: "fleet", args: [a.fleetId] }),
        ]);
        return { id, ...a, needsReset, price, elapsed: Number(elapsed), vaultId: vaultOf.get(id) ?? 0n, classId: fleet.classId, gpuCount: fleet.gpuCount };
      }),
    )
  ).filter((a) => a !== null);
  // Vaults that can be liquidated now but have no auction yet: anyone may start one (and earns the keeper's tip).
  const lastVault = await readContract(client, { address: c.engine, abi: creditEngineAbi, functionName: "lastVaultId" });
  const kickable = lastVault === 0n ? [] : await readContract(client, { address: c.engine, abi: creditEngineAbi, functionName: "liquidatableVaults", args: [1n, lastVault] });
  return { now, params, badDebt, live, kickable, balance };
}

type AuctionsData = Awaited<ReturnType<typeof loadAuctions>>;
type LiveAuction = AuctionsData["live"][number];

export function Auctions() {
  const account = useActiveAccount();
  const { data, error, isPending } = useChainData(["auctions", account], (client, c) => loadAuctions(client, c, account));
  return (
    <>
      <h1>Auctions</h1>
      <p className="lede">
        A vault whose health falls below 1, or that misses a payment, is seized and its fleet sold in a Dutch auction: the price starts above the oracle value and falls
        to a floor. Buy at any moment with a maximum price; the contract never charges more than the price at that block.
      </p>
      {error ? <ErrorNote>Could not read the chain: {error.message.split("\n")[0]}</ErrorNote> : null}
      <Stats>
        <Stat label="Live auctions" value={data ? String(data.live.length) : undefined} testId="auctions-live-count" />
        <Stat label="Waiting to be kicked" value={data ? String(data.kickable.length) : undefined} testId="auctions-kickable-count" />
        <Stat label="Uncovered bad debt" value={data ? formatUsd(data.badDebt) : undefined} />
        <Stat label="Your GPUSD" value={account ? (data ? formatAmount(data.balance, 18) : undefined) : "—"} />
      </Stats>
      {isPending || !data ? (
        <Loading label="Reading auctions…" />
      ) : (
        <>
          {data.kickable.length > 0 ? <KickCard data={data} account={account} /> : null}
          {data.live.length === 0 ? (
            <Card title="Live auctions">
              <EmptyState title="No auction is running.">When a vault becomes liquidatable, a keeper starts its auction and it appears here.</EmptyState>
            </Card>
          ) : (
            data.live.map((a) => <AuctionCard key={a.id.toString()} a={a} data={data} account={account} />)
          )}
        </>
      )}
      <AuctionHistory />
    </>
  );
}

function KickCard({ data, account }: { data: AuctionsData; account: Address | null }) {
  const config = useAppConfig();
  const { run, busy } = useTx();
  return (
    <Card title="Liquidatable vaults">
      <ul>
        {data.kickable.map((vaultId) => (
          <li key={vaultId.toString()} className="row">
            Vault #{vaultId.toString()}
            {account ? (
              <button
                type="button"
                className="btn btn-small"
                disabled={busy}
                data-testid={`kick-${vaultId}`}
                onClick={() => run({ steps: [{ label: `Start the auction of vault #${vaultId}`, kind: "action", call: { address: config.contracts.auction, abi: liquidationAuctionAbi, functionName: "kick", args: [vaultId, account] } }] })}
              >
                Start auction (earn the keeper tip)
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </Card>
  );
}

function AuctionCard({ a, data, account }: { a: LiveAuction; data: AuctionsData; account: Address | null }) {
  const config = useAppConfig();
  const { run, busy } = useTx();
  const [input, setInput] = useState("");
  const id = a.id.toString();
  const duration = data.params.duration;
  const toFloor = Math.max(0, duration - a.elapsed);
  const toReset = Math.max(0, data.params.tail - a.elapsed);
  const maxPrice = parseAmount(input, GPUSD);
  const balanceShort = maxPrice.value !== null && data.balance < a.price ? `Your balance is too low: the price is ${formatUsd(a.price)} and you have ${formatAmount(data.balance, 18)} GPUSD.` : null;
  const belowPrice = maxPrice.value !== null && maxPrice.value < a.price ? `Your maximum is below the current price of ${formatUsd(a.price)}; the take would fail unless the price falls first.` : null;
  const call: ContractCall | null = account && maxPrice.value !== null ? { address: config.contracts.auction, abi: liquidationAuctionAbi, functionName: "take", args: [a.id, maxPrice.value, account] } : null;
  const sim = useSimulation(call, account, { token: "GPUSD" });
  const canTake = call !== null && !balanceShort && !busy && sim.result?.ok === true && !a.needsReset;
  const recovery = a.price >= a.tab ? "covers the whole tab" : `leaves a ${formatUsd(a.tab - a.price)} shortfall`;
  return (
    <Card title={`Auction #${id} · vault #${a.vaultId} · fleet #${a.fleetId}`} actions={a.needsReset ? <span className="tag tag-warn">needs reset</span> : <span className="tag tag-ok">live</span>} testId={`auction-${id}`}>
      <p className="muted">
        <Link href={`/fleets/${a.fleetId}`}>
          {a.gpuCount} × {className(a.classId)}
        </Link>
      </p>
      <Stats>
        <Stat label="Current price" value={formatUsd(a.price)} testId={`auction-price-${id}`} />
        <Stat label="Time to floor" value={toFloor === 0 ? "at the floor" : formatDuration(toFloor)} hint={`floor ${formatUsd(a.floorPrice)}`} testId={`auction-to-floor-${id}`} />
        <Stat label="Start price" value={formatUsd(a.top)} />
        <Stat label="Tab (debt + tips)" value={formatUsd(a.tab)} hint={`at this price the sale ${recovery}`} />
        <Stat label="Reset after" value={a.needsReset ? "now" : formatDuration(toReset)} />
      </Stats>
      {a.needsReset ? (
        <button
          type="button"
          className="btn"
          disabled={busy || !account}
          onClick={() => account && run({ steps: [{ label: `Reset auction #${id} from a fresh oracle value`, kind: "action", call: { address: config.contracts.auction, abi: liquidationAuctionAbi, functionName: "redo", args: [a.id, account] } }] })}
        >
          Reset auction
        </button>
      ) : account ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (canTake && call) void run({ steps: [{ label: `Take auction #${id} for at most ${formatUsd(maxPrice.value!)}`, kind: "action", call, errorContext: { token: "GPUSD" } }] });
          }}
        >
          <AmountField
            label={`Maximum price for auction #${id}`}
            symbol="GPUSD"
            value={input}
            onChange={setInput}
            error={maxPrice.error ?? balanceShort}
            hint={`The price falls ${formatUsd((a.top - a.floorPrice) / BigInt(Math.max(1, duration)) * 3600n)} an hour; you pay the price at the block, never above your maximum.`}
            onMax={() => setInput(toInput(a.price, 18))}
            disabled={busy}
            testId={`take-max-${id}`}
          />
          {maxPrice.value !== null ? (
            <Preview
              rows={[
                { label: "You pay (now)", after: formatUsd(a.price) },
                { label: "You receive", after: `fleet #${a.fleetId}` },
                { label: "Price ÷ start", after: formatPct((a.price * 10n ** 18n) / a.top) },
              ]}
            />
          ) : null}
          {belowPrice ? <p className="field-error">{belowPrice}</p> : null}
          {sim.result && !sim.result.ok ? (
            <p className="error-note" role="alert" data-testid={`take-refusal-${id}`}>
              The auction would refuse this: {sim.result.error.sentence}
            </p>
          ) : null}
          <button type="submit" className="btn btn-wide" disabled={!canTake} data-testid={`take-submit-${id}`}>
            Take auction #{id}
          </button>
        </form>
      ) : (
        <p className="muted">Connect a wallet to take this auction.</p>
      )}
    </Card>
  );
}

type AuctionRow = {
  auctionId: string;
  status: string;
  cause: string;
  debt: string;
  price: string | null;
  shortfall: string | null;
  recoveryRate: string | null;
  kickedTimestamp: string;
  takenTimestamp: string | null;
  fleet: { fleetId: string };
  vault: { vaultId: string };
};

function AuctionHistory() {
  const { data, error, isPending, disabled } = useSubgraph<{ auctions: AuctionRow[] }>(
    ["auction-history"],
    `query($first: Int!) { auctions(first: $first, orderBy: kickedTimestamp, orderDirection: desc) { auctionId status cause debt price shortfall recoveryRate kickedTimestamp takenTimestamp fleet { fleetId } vault { vaultId } } }`,
    { first: Math.min(100, MAX_ROWS) },
  );
  return (
    <Card title="Auction history" testId="auction-history">
      {disabled ? (
        <EmptyState title="History needs the subgraph." />
      ) : error ? (
        <ErrorNote>The subgraph did not answer: {error.message}</ErrorNote>
      ) : isPending ? (
        <Loading label="Loading auction history…" />
      ) : data.auctions.length === 0 ? (
        <EmptyState title="No auctions yet." />
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Auction</th>
              <th scope="col">Cause</th>
              <th scope="col">Started</th>
              <th scope="col" className="num">Debt</th>
              <th scope="col" className="num">Sold for</th>
              <th scope="col" className="num">Recovery</th>
              <th scope="col" className="num">Shortfall</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {data.auctions.map((r) => (
              <tr key={r.auctionId} data-testid={`history-auction-${r.auctionId}`}>
                <td>
                  #{r.auctionId} · vault #{r.vault.vaultId} · <Link href={`/fleets/${r.fleet.fleetId}`}>fleet #{r.fleet.fleetId}</Link>
                </td>
                <td>{r.cause}</td>
                <td>{formatDate(Number(r.kickedTimestamp))}</td>
                <td className="num">{formatUsd(BigInt(r.debt))}</td>
                <td className="num">{r.price ? formatUsd(BigInt(r.price)) : "—"}</td>
                <td className="num">{r.recoveryRate ? formatPct(BigInt(r.recoveryRate)) : "—"}</td>
                <td className="num">{r.shortfall ? formatUsd(BigInt(r.shortfall)) : "—"}</td>
                <td>{r.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
