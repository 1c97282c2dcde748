"use client";
import { decodeEventLog, type Abi, type Hex, type Client } from "viem";
import { Card, ErrorNote, Loading, Stat, Stats } from "../../../components/ui";
import { useChainData } from "../../../lib/chain";
import { formatDate, shortAddress } from "../../../lib/units";
import { getBlock, getTransaction, getTransactionReceipt } from "viem/actions";

/**
 * Every event of every protocol contract, to name a receipt's logs. Loaded on demand: a static namespace import would
 * keep every ABI in the bundle that all routes share.
 */
async function allEvents(): Promise<Abi> {
  const abis = (await import("../../../../abi")) as Record<string, unknown>;
  return Object.values(abis)
    .filter((x): x is Abi => Array.isArray(x) && typeof x[0] === "object")
    .flatMap((abi) => abi.filter((item) => item.type === "event")) as Abi;
}

async function loadTx(client: Client, hash: Hex) {
  const EVENTS = await allEvents();
  const [receipt, tx] = await Promise.all([getTransactionReceipt(client, { hash }), getTransaction(client, { hash })]);
  const block = await getBlock(client, { blockNumber: receipt.blockNumber });
  const events = receipt.logs.map((log) => {
    try {
      const d = decodeEventLog({ abi: EVENTS, data: log.data, topics: log.topics });
      return { address: log.address, name: String(d.eventName), args: JSON.stringify(d.args, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) };
    } catch {
      return { address: log.address, name: "unknown event", args: log.topics[0] ?? "" };
    }
  });
  return { receipt, tx, timestamp: block.timestamp, events };
}

export function TxDetail({ hash }: { hash: string }) {
  const valid = /^0x[0-9a-fA-F]{64}$/.test(hash);
  const { data, error, isPending } = useChainData(["tx", hash], (client) => loadTx(client, hash as Hex), valid);
  if (!valid) return <ErrorNote>&quot;{hash}&quot; is not a transaction hash.</ErrorNote>;
  return (
    <>
      <h1>Transaction</h1>
      <p className="mono lede">{hash}</p>
      {error ? <ErrorNote>Not found on this chain: {error.message.split("\n")[0]}</ErrorNote> : isPending || !data ? <Loading label="Reading the receipt…" /> : (
        <>
          <Stats>
            <Stat label="Status" value={data.receipt.status === "success" ? "confirmed" : "reverted"} testId="tx-status" />
            <Stat label="Block" value={`${data.receipt.blockNumber} · ${formatDate(data.timestamp)}`} />
            <Stat label="From → to" value={`${shortAddress(data.tx.from)} → ${data.tx.to ? shortAddress(data.tx.to) : "contract creation"}`} />
            <Stat label="Gas used" value={data.receipt.gasUsed.toString()} />
          </Stats>
          <Card title="Events">
            <table>
              <tbody>
                {data.events.map((e, i) => (
                  <tr key={i}>
                    <th scope="row">{e.name}</th>
                    <td className="mono">{shortAddress(e.address)}</td>
                    <td className="mono" style={{ wordBreak: "break-all" }}>
                      {e.args}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
        </>
      )}
    </>
  );
}
