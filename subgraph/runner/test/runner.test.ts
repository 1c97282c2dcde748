/**
 * The runner against a real Hardhat node and the fixture subgraph (TestUSDC transfers): indexed state
 * equals the chain, the GraphQL conventions, reorg rollback, restart, and a mapping abort. The cases
 * share one chain and run in order; the abort case is last because it stops indexing for good.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { network } from "hardhat";
import { createPublicClient, createWalletClient, getAddress, http, parseAbiItem, type Hex } from "viem";
import { startRunner, type Runner } from "../src/runner.js";
import { buildFixture, FIXTURE_ADDRESS, FIXTURE_DIR } from "./fixture.js";

const artifact = JSON.parse(readFileSync(new URL("../../../artifacts/contracts/mocks/TestUSDC.sol/TestUSDC.json", import.meta.url), "utf8"));
const abi = artifact.abi;
const TRANSFER = parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 value)");

describe("local subgraph runner on a Hardhat node", function () {
  this.timeout(300_000);
  let server: Awaited<ReturnType<typeof network.createServer>>;
  let rpcUrl: string;
  let dbDir: string;
  let runner: Runner;
  let accounts: Hex[];
  let pub: ReturnType<typeof createPublicClient>;
  let wallet: ReturnType<typeof createWalletClient>;

  const gql = async (query: string, variables?: Record<string, unknown>) => {
    const res = await fetch(runner.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
    return (await res.json()) as { data?: any; errors?: { message: string; locations?: unknown[] }[] };
  };
  const data = async (query: string, variables?: Record<string, unknown>) => {
    const r = await gql(query, variables);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    return r.data;
  };
  const send = async (functionName: string, args: unknown[], from = accounts[0]!) => {
    const hash = await wallet.writeContract({ address: FIXTURE_ADDRESS as Hex, abi, functionName, args, account: from, chain: null });
    return pub.waitForTransactionReceipt({ hash });
  };
  const rpc = (method: string, params: unknown[] = []) => pub.request({ method: method as never, params: params as never });
  const balanceOf = async (a: Hex) => (await pub.readContract({ address: FIXTURE_ADDRESS as Hex, abi, functionName: "balanceOf", args: [a] })) as bigint;

  /** Every indexed account's balance equals balanceOf, and the Transfer entities equal the Transfer logs. */
  async function assertMatchesChain() {
    const { accounts: rows, transfers } = await data(`{ accounts(first: 1000) { id balance } transfers(first: 1000) { id } }`);
    assert.ok(rows.length > 0);
    for (const row of rows) assert.equal(BigInt(row.balance), await balanceOf(getAddress(row.id)), `balance of ${row.id}`);
    const logs = await pub.getLogs({ address: FIXTURE_ADDRESS as Hex, event: TRANSFER, fromBlock: 0n });
    assert.equal(transfers.length, logs.length);
    const ids = new Set(transfers.map((t: { id: string }) => t.id));
    // graph-ts concatI32 appends the log index as 4 little-endian bytes.
    const le = (n: number) => Buffer.from(Uint32Array.of(n).buffer).toString("hex");
    for (const l of logs) assert.ok(ids.has(`${l.transactionHash}${le(l.logIndex!)}`), `transfer of log ${l.transactionHash}:${l.logIndex}`);
    const supply = (await pub.readContract({ address: FIXTURE_ADDRESS as Hex, abi, functionName: "totalSupply" })) as bigint;
    const { token } = await data(`{ token(id: "${FIXTURE_ADDRESS}") { supply } }`);
    assert.equal(BigInt(token.supply), supply);
  }

  before(async function () {
    buildFixture();
    server = await network.createServer("node", "127.0.0.1", 0);
    const { address, port } = await server.listen();
    rpcUrl = `http://${address}:${port}`;
    pub = createPublicClient({ transport: http(rpcUrl) });
    wallet = createWalletClient({ transport: http(rpcUrl) });
    accounts = (await wallet.getAddresses()).slice(0, 6);
    const hash = await wallet.deployContract({ abi, bytecode: artifact.bytecode, account: accounts[0]!, chain: null });
    const receipt = await pub.waitForTransactionReceipt({ hash });
    assert.equal(receipt.contractAddress?.toLowerCase(), FIXTURE_ADDRESS, "the fixture manifest expects TestUSDC at the first deployment address");
    dbDir = mkdtempSync(join(tmpdir(), "runner-test-"));
    runner = await startRunner({ rpcUrl, subgraphDir: FIXTURE_DIR, dbDir, port: 0, name: "fixture/usdc", pollMs: 600_000 });
  });

  after(async function () {
    await runner?.stop();
    await server?.close();
    if (dbDir) rmSync(dbDir, { recursive: true, force: true });
  });

  it("indexes mints and transfers so every account's balance, every Transfer and the supply equal the chain", async function () {
    for (let i = 0; i < 4; i++) await send("mint", [accounts[i + 1], BigInt((i + 1) * 1_000_000)]);
    await send("transfer", [accounts[3], 250_000n], accounts[1]);
    await send("transfer", [accounts[4], 1_500_000n], accounts[2]);
    await send("transfer", [accounts[1], 10n], accounts[4]);
    await runner.sync();
    await assertMatchesChain();
    const { account } = await data(`{ account(id: "${accounts[1]!.toLowerCase()}") { balanceDecimal transferCount volume isHolder counterparties recentAmounts tags label lastSeen } }`);
    assert.equal(account.balanceDecimal, "0.75001");
    assert.equal(account.transferCount, 3);
    assert.equal(account.volume, "1250010");
    assert.deepEqual(account.recentAmounts, ["1000000", "250000", "10"]);
    assert.deepEqual(account.tags, ["receiver", "sender"]);
    assert.equal(account.counterparties.length, 3);
  });

  it("answers graph-node filters, ordering and pagination", async function () {
    const a = accounts.map((x) => x.toLowerCase());
    const rich = await data(`{ accounts(where: { balance_gt: "1000000" }, orderBy: balance, orderDirection: desc) { id balance } }`);
    const richBalances = rich.accounts.map((r: { balance: string }) => BigInt(r.balance));
    assert.deepEqual(richBalances, [5_499_990n, 3_250_000n]);
    const byIn = await data(`{ accounts(where: { id_in: ["${a[1]}", "${a[2]}"] }) { id } }`);
    assert.deepEqual(byIn.accounts.map((r: { id: string }) => r.id).sort(), [a[1], a[2]].sort());
    const tagged = await data(`{ accounts(where: { tags_contains: ["sender"] }) { id } }`);
    assert.equal(tagged.accounts.length, 3);
    const or = await data(`{ accounts(where: { or: [{ transferCount_gte: 3 }, { balance_lt: "1000000" }] }) { id } }`);
    assert.ok(or.accounts.length >= 1);
    const label = await data(`{ accounts(where: { label_starts_with: "acct-${a[1]!.slice(2, 8)}" }) { id } }`);
    assert.deepEqual(label.accounts.map((r: { id: string }) => r.id), [a[1]]);
    const nested = await data(`{ transfers(where: { to_: { transferCount_gt: 1 } }, first: 1000) { to { transferCount } } }`);
    assert.ok(nested.transfers.length > 0);
    for (const t of nested.transfers) assert.ok(t.to.transferCount > 1);
    const all = await data(`{ accounts(orderBy: id) { id } }`);
    const page = await data(`{ accounts(orderBy: id, first: 2, skip: 1) { id } }`);
    assert.deepEqual(page.accounts, all.accounts.slice(1, 3));
    const tooMany = await gql(`{ accounts(first: 5000) { id } }`);
    assert.match(tooMany.errors?.[0]?.message ?? "", /first.*between 0 and 1000/);
  });

  it("resolves @derivedFrom both ways and references to immutable entities", async function () {
    const a1 = accounts[1]!.toLowerCase();
    const { account } = await data(`{ account(id: "${a1}") { sent { id value to { id } } received { id from { id } } lastTransfer { value } } }`);
    assert.equal(account.sent.length, 1);
    assert.equal(account.sent[0].to.id, accounts[3]!.toLowerCase());
    assert.equal(account.received.length, 2);
    assert.equal(account.lastTransfer.value, "10");
  });

  it("travels back in time with block: { number } and reports _meta", async function () {
    const head = await pub.getBlock();
    const meta = await data(`{ _meta { block { number hash } deployment hasIndexingErrors } }`);
    assert.equal(meta._meta.block.number, Number(head.number));
    assert.equal(meta._meta.block.hash, head.hash);
    assert.equal(meta._meta.hasIndexingErrors, false);
    assert.match(meta._meta.deployment, /^local-/);
    const a1 = accounts[1]!.toLowerCase();
    const mintBlock = 2; // deploy is block 1, the first mint block 2
    const past = await data(`{ account(id: "${a1}", block: { number: ${mintBlock} }) { balance } accounts(block: { number: ${mintBlock} }) { id } }`);
    assert.equal(past.account.balance, "1000000");
    assert.equal(past.accounts.length, 2, "the minter (zero address) and the first receiver");
    const before = await data(`{ account(id: "${a1}", block: { number: 1 }) { balance } }`);
    assert.equal(before.account, null);
    const future = await gql(`{ accounts(block: { number: ${Number(head.number) + 100} }) { id } }`);
    assert.match(future.errors?.[0]?.message ?? "", /has only indexed up to block number/);
  });

  it("aggregates the timeseries into completed hourly and daily buckets", async function () {
    // Move past the current hour and day so the buckets holding the transfers so far are complete.
    await rpc("evm_increaseTime", [90_000]);
    await send("mint", [accounts[5], 7_000_000n]);
    await runner.sync();
    assert.equal(runner.status().error, null, JSON.stringify(runner.status().error));
    const logs = await pub.getLogs({ address: FIXTURE_ADDRESS as Hex, event: TRANSFER, fromBlock: 0n });
    const earlier = logs.slice(0, -1);
    const byTo = new Map<string, bigint[]>();
    for (const l of earlier) byTo.set(l.args.to!.toLowerCase(), [...(byTo.get(l.args.to!.toLowerCase()) ?? []), l.args.value!]);
    const { daily } = await data(`{ daily: transferStats_collection(interval: day, first: 1000) { timestamp account { id } total rawTotal count largest smallest firstAmount lastAmount allTimeCount } }`);
    const dayRows = daily.filter((r: { account: { id: string } }) => byTo.has(r.account.id));
    let count = 0;
    for (const row of dayRows) {
      const values = byTo.get(row.account.id)!;
      count += Number(row.count);
      assert.equal(BigInt(row.rawTotal), values.reduce((s, v) => s + v, 0n));
      assert.equal(row.largest, (Number(values.reduce((m, v) => (v > m ? v : m), 0n)) / 1e6).toString());
      assert.equal(row.firstAmount, (Number(values[0]) / 1e6).toString());
      assert.equal(row.lastAmount, (Number(values.at(-1)) / 1e6).toString());
      assert.equal(row.allTimeCount, row.count);
    }
    // Every transfer before the time jump is in a completed day bucket; the last one's bucket is still open.
    assert.equal(count, earlier.length, JSON.stringify({ daily, to: [...byTo.keys()] }));
    assert.equal(daily.some((r: { account: { id: string } }) => r.account.id === accounts[5]!.toLowerCase()), false);
    const hourly = await data(`{ transferStats_collection(interval: hour, where: { account: "${accounts[1]!.toLowerCase()}" }) { count } }`);
    assert.equal(hourly.transferStats_collection.reduce((s: number, r: { count: string }) => s + Number(r.count), 0), byTo.get(accounts[1]!.toLowerCase())!.length);
  });

  it("rolls back a reorg to the common ancestor and re-indexes the new branch", async function () {
    const snapshot = await rpc("evm_snapshot");
    await send("transfer", [accounts[5], 400_000n], accounts[1]);
    await send("mint", [accounts[2], 9_999n]);
    await runner.sync();
    assert.equal(BigInt((await data(`{ account(id: "${accounts[5]!.toLowerCase()}") { balance } }`)).account.balance), 7_400_000n);
    await rpc("evm_revert", [snapshot]);
    // A different branch from the same parent, one block longer.
    await send("mint", [accounts[3], 1n]);
    await send("mint", [accounts[3], 2n]);
    await send("mint", [accounts[3], 3n]);
    const rollbacksBefore = runner.status().rollbacks;
    await runner.sync();
    assert.equal(runner.status().rollbacks, rollbacksBefore + 1);
    assert.equal(BigInt((await data(`{ account(id: "${accounts[5]!.toLowerCase()}") { balance } }`)).account.balance), 7_000_000n);
    await assertMatchesChain();
    const meta = await data(`{ _meta { block { hash } } }`);
    assert.equal(meta._meta.block.hash, (await pub.getBlock()).hash);
  });

  it("survives a restart and resumes after the last indexed block", async function () {
    const headBefore = runner.status().head!.number;
    await runner.stop();
    await send("transfer", [accounts[2], 5n], accounts[3]);
    runner = await startRunner({ rpcUrl, subgraphDir: FIXTURE_DIR, dbDir, port: 0, name: "fixture/usdc", pollMs: 600_000 });
    // Nothing is lost across the restart, before any new block is indexed.
    assert.equal(runner.status().head!.number, headBefore);
    await runner.sync();
    const newLogs = await pub.getLogs({ address: FIXTURE_ADDRESS as Hex, fromBlock: BigInt(headBefore + 1) });
    assert.equal(runner.status().eventsProcessed, 1, `only the one new transfer is indexed after the restart: ${JSON.stringify(newLogs.map((l) => [l.blockNumber?.toString(), l.topics[0]]))} head ${headBefore} status ${JSON.stringify(runner.status(), (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`);
    await assertMatchesChain();
  });

  it("treats a failed block read at the head as a failed request, never as a reorg", async function () {
    // A proxy in front of the node answers 503 to the first block reads, as a node does when it is busy.
    // Were a failed read taken for a missing block, the restarted runner would roll back its head block.
    let failures = 2;
    const proxy: Server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks).toString();
      if ((JSON.parse(body) as { method: string }).method === "eth_getBlockByNumber" && failures > 0) {
        failures--;
        res.writeHead(503).end("busy");
        return;
      }
      const upstream = await fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body });
      res.writeHead(upstream.status, { "content-type": "application/json" }).end(await upstream.text());
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      await runner.stop();
      await send("transfer", [accounts[2], 6n], accounts[3]);
      const { port } = proxy.address() as { port: number };
      runner = await startRunner({ rpcUrl: `http://127.0.0.1:${port}`, subgraphDir: FIXTURE_DIR, dbDir, port: 0, name: "fixture/usdc", pollMs: 600_000 });
      await runner.sync();
      assert.equal(failures, 0, "the proxy failed the head check");
      assert.equal(runner.status().rollbacks, 0);
      assert.equal(runner.status().eventsProcessed, 1);
      await assertMatchesChain();
    } finally {
      await runner.stop();
      proxy.closeAllConnections();
      proxy.close();
      runner = await startRunner({ rpcUrl, subgraphDir: FIXTURE_DIR, dbDir, port: 0, name: "fixture/usdc", pollMs: 600_000 });
    }
  });

  it("rejects malformed queries with graph-node's error shape", async function () {
    const syntax = await gql(`{ accounts(first: 1) { id }`);
    assert.ok(syntax.errors?.[0]?.message.includes("Syntax Error"));
    assert.ok(Array.isArray(syntax.errors?.[0]?.locations));
    const unknown = await gql(`{ accounts { nope } }`);
    assert.match(unknown.errors?.[0]?.message ?? "", /nope/);
    const badFilter = await gql(`{ accounts(where: { balance_starts_with: "1" }) { id } }`);
    assert.match(badFilter.errors?.[0]?.message ?? "", /balance_starts_with/);
    const res = await fetch(runner.url.replace("fixture/usdc", "other"), { method: "POST", body: "{}" });
    assert.equal(res.status, 404);
    // The server keeps parsed and validated texts: a text seen before answers with its error again, and a valid
    // text answers for each request's own variables.
    assert.deepEqual(await gql(`{ accounts { nope } }`), unknown);
    const byFirst = `query($n: Int) { accounts(first: $n, orderBy: id) { id } }`;
    const [one, two] = [await data(byFirst, { n: 1 }), await data(byFirst, { n: 2 })];
    assert.equal(one.accounts.length, 1);
    assert.equal(two.accounts.length, 2);
    assert.equal(two.accounts[0].id, one.accounts[0].id);
  });

  it("stops at a block whose handler aborts, names the handler and keeps everything before it", async function () {
    await send("transfer", [accounts[4], 77n], accounts[1]);
    const good = await pub.getBlockNumber();
    await send("approve", [accounts[2], 666n], accounts[1]);
    await send("transfer", [accounts[4], 88n], accounts[1]);
    await runner.sync();
    const { error, head } = runner.status();
    assert.ok(error, "indexing error recorded");
    assert.equal(error.handler, "TestUSDC.handleApproval");
    assert.match(error.message, /approval of 666 is forbidden/);
    assert.equal(error.block, Number(good) + 1);
    assert.equal(head!.number, Number(good));
    const meta = await data(`{ _meta { block { number } hasIndexingErrors } }`);
    assert.equal(meta._meta.hasIndexingErrors, true);
    assert.equal(meta._meta.block.number, Number(good));
    // The transfer of 77 (before the abort) is kept; the one of 88 (after it) is not indexed.
    const { transfers } = await data(`{ transfers(where: { value_in: ["77", "88"] }) { value } }`);
    assert.deepEqual(transfers.map((t: { value: string }) => t.value), ["77"]);
  });
});
