/**
 * A Hardhat node for the protocol-level runner tests, with a clock the test owns. The node runs in-process (as
 * `npm start` does); every transaction reaches it through a small JSON-RPC proxy that stamps the next block with the
 * test's clock, so a seeded scenario produces the same chain, to the wei of interest, whenever and however slowly it
 * runs. Block hashes still differ between runs (the genesis block carries the wall-clock time); nothing indexed does.
 */
import { createServer, type Server } from "node:http";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { deployProtocol, type Protocol } from "../../../scripts/lib/protocol.js";

/** 2030-03-17: after any date this test will run on, so the first stamped block never goes back in time. */
export const GENESIS_CLOCK = 1_900_000_000;

/** Deterministic, test-only oracle signer keys; the same derivation as the contract tests use. */
export const ORACLE_SIGNER_KEYS = [0, 1, 2, 3].map((i) => keccak256(toHex(`gpu-credit test oracle signer ${i}`)));

type RpcRequest = { jsonrpc: "2.0"; id: number | string | null; method: string; params?: unknown[] };

/** Methods whose result depends on the next block's time, and those that mine it. */
const MINES = new Set(["eth_sendTransaction", "eth_sendRawTransaction", "evm_mine"]);

export class TestChain {
  /** The node itself, for the runner and for reads. */
  readonly url: string;
  /** Where transactions go, so that each block gets the test's clock. */
  readonly proxyUrl: string;
  /** Timestamp the next block will carry. */
  private clock: number;
  private nextId = 1;
  /** Blocks mined through the proxy (every transaction, reverted ones included). */
  blocksMined = 0;

  private constructor(
    private readonly server: Awaited<ReturnType<typeof network.createServer>>,
    private readonly proxy: Server,
    url: string,
    proxyUrl: string,
    clock: number,
  ) {
    this.url = url;
    this.proxyUrl = proxyUrl;
    this.clock = clock;
  }

  static async start(): Promise<TestChain> {
    const server = await network.createServer("node", "127.0.0.1", 0);
    const { address, port } = await server.listen();
    const url = `http://${address}:${port}`;
    let chain: TestChain | null = null;
    const proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        chain!
          .handle(Buffer.concat(chunks).toString())
          .then((body) => res.writeHead(200, { "content-type": "application/json" }).end(body))
          .catch((error: unknown) => res.writeHead(502).end(String(error)));
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    chain = new TestChain(server, proxy, url, proxyUrl, GENESIS_CLOCK);
    await chain.stamp();
    return chain;
  }

  /** A raw call to the node, bypassing the proxy. */
  async rpc<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const body = await this.forward(JSON.stringify({ jsonrpc: "2.0", id: this.nextId++, method, params }));
    const reply = JSON.parse(body) as { result?: T; error?: { message: string } };
    if (reply.error) throw new Error(`${method}: ${reply.error.message}`);
    return reply.result as T;
  }

  private async forward(body: string): Promise<string> {
    const res = await fetch(this.url, { method: "POST", headers: { "content-type": "application/json" }, body });
    return res.text();
  }

  private async handle(body: string): Promise<string> {
    const parsed = JSON.parse(body) as RpcRequest | RpcRequest[];
    if (Array.isArray(parsed)) {
      const out: unknown[] = [];
      for (const r of parsed) out.push(JSON.parse(await this.handleOne(r)));
      return JSON.stringify(out);
    }
    return this.handleOne(parsed);
  }

  private async handleOne(request: RpcRequest): Promise<string> {
    const reply = await this.forward(JSON.stringify(request));
    if (MINES.has(request.method)) {
      this.blocksMined++;
      await this.stamp();
    }
    return reply;
  }

  /** Moves the clock past the latest block and tells the node what the next block's time is. */
  private async stamp(): Promise<void> {
    const latest = await this.rpc<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false]);
    this.clock = Math.max(this.clock, Number(latest.timestamp) + 1);
    await this.rpc("evm_setNextBlockTimestamp", [this.clock]);
  }

  /** The timestamp the next block will carry. */
  now(): number {
    return this.clock;
  }

  /** Lets `seconds` pass before the next block (which also counts as one second later than the last). */
  async advance(seconds: number): Promise<void> {
    if (seconds <= 0) return;
    this.clock += seconds;
    await this.rpc("evm_setNextBlockTimestamp", [this.clock]);
  }

  /** `evm_snapshot`: the id to revert to. */
  async snapshot(): Promise<string> {
    return this.rpc<string>("evm_snapshot");
  }

  /**
   * `evm_revert`: the chain goes back to the snapshot and its later blocks are gone, so the next blocks are a new
   * branch at the same heights. The clock does not go back: the new branch's blocks are stamped later than the old.
   */
  async revert(id: string): Promise<void> {
    if (!(await this.rpc<boolean>("evm_revert", [id]))) throw new Error(`evm_revert(${id}) failed`);
    await this.stamp();
  }

  async blockNumber(): Promise<number> {
    return Number(await this.rpc<string>("eth_blockNumber"));
  }

  async close(): Promise<void> {
    this.proxy.closeAllConnections();
    await new Promise<void>((resolve) => this.proxy.close(() => resolve()));
    await this.server.close();
  }
}

/** The production Ignition module on the node, through the stamping proxy: addresses equal networks.json "localhost". */
export async function deployOn(chain: TestChain): Promise<Protocol & { connection: NetworkConnection }> {
  const connection = await network.create({ network: "localhost", override: { url: chain.proxyUrl } });
  const signers = ORACLE_SIGNER_KEYS.map((key) => privateKeyToAccount(key));
  return deployProtocol(connection, signers, 3n);
}
