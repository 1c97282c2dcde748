/**
 * A node on HTTP (node:http, no framework):
 *   GET  /nonce?m=&n=&k=      → 200 NonceTicket                 (dimensions optional; 400 when out of range)
 *   GET  /domain              → 200 { chainId, verifyingContract }  the EIP-712 domain a probe signs its report under
 *   POST /reports             ← ProbeSubmission  → 200 { accepted: true, fleetId, gpuUuidHash, nonce }
 *                                                → 422 { accepted: false, reason, field, value, message }
 *   GET  /observation?at=T    → 200 Observation at unix time T  (400 when T is too old or ahead)
 *   POST /sign                ← { round }        → 200 { signer, signature } | 409 { reason, message }
 *   GET  /metrics             → Prometheus text
 *   GET  /health              → 200 { ok, node, latestRoundId, reports, usedNonces }  (503 when the chain is unreachable)
 * Bigints travel as decimal strings. Anyone may call any route: a signature is only ever given for a round that
 * matches the node's own observation, so asking for one grants nothing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { stringify } from "../report.js";
import { parseRound } from "./codec.js";
import type { NodeCore } from "./node.js";

const MAX_BODY = 1 << 20; // a submission is a few kB; a MiB leaves room and bounds memory per request

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, `body is over ${MAX_BODY} bytes; post one submission at a time`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, type = "application/json") {
  const text = type === "application/json" ? stringify(body) : String(body);
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function dim(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw)) throw new HttpError(400, `${name} ${raw} is not a positive integer; omit it for the default size`);
  return Number(raw);
}

export type NodeServer = { url: string; server: Server; close(): Promise<void> };

export async function serveNode(core: NodeCore, opts: { host?: string; port?: number } = {}): Promise<NodeServer> {
  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://node");
    const at = `${req.method} ${url.pathname}`;
    if (at === "GET /nonce") {
      const dims = Object.fromEntries((["m", "n", "k"] as const).map((d) => [d, dim(url, d)]).filter(([, v]) => v !== undefined));
      try {
        return send(res, 200, await core.issue(dims));
      } catch (error) {
        if (error instanceof RangeError) throw new HttpError(400, error.message);
        throw error;
      }
    }
    if (at === "GET /domain") return send(res, 200, { chainId: core.domain.chainId, verifyingContract: core.domain.verifyingContract });
    if (at === "POST /reports") {
      const result = await core.accept(await readBody(req));
      if (result.accepted) return send(res, 200, { accepted: true, fleetId: result.report.fleetId, gpuUuidHash: result.report.gpuUuidHash, nonce: result.report.nonce });
      const { code, field, value, message } = result.rejection;
      return send(res, 422, { accepted: false, reason: code, field, value, message });
    }
    if (at === "GET /observation") {
      const raw = url.searchParams.get("at");
      const now = await core.clock();
      const asOf = raw === null ? now : Number(raw);
      if (!Number.isSafeInteger(asOf) || asOf > now + core.limits.maxFutureSkewSeconds || now - asOf > core.limits.maxReportAgeSeconds) {
        throw new HttpError(400, `at ${raw} is not a unix time within the report age limit of node time ${now}; ask for a recent time`);
      }
      return send(res, 200, await core.observe(asOf));
    }
    if (at === "POST /sign") {
      let round;
      try {
        round = parseRound((JSON.parse(await readBody(req)) as { round?: unknown }).round);
      } catch (error) {
        throw new HttpError(400, `${(error as Error).message}; post { "round": … } with bigints as decimal strings`);
      }
      const result = await core.sign(round);
      if (result.signed) return send(res, 200, result.signature);
      return send(res, 409, result.refusal);
    }
    if (at === "GET /metrics") return send(res, 200, await core.metrics.registry.metrics(), core.metrics.registry.contentType);
    if (at === "GET /health") {
      try {
        const latestRoundId = await core.chain.latestRoundId();
        return send(res, 200, { ok: true, node: core.address, latestRoundId, ...core.store.counts() });
      } catch (error) {
        return send(res, 503, { ok: false, node: core.address, error: (error as Error).message });
      }
    }
    throw new HttpError(404, `${at} is not a route; see GET /nonce, GET /domain, POST /reports, GET /observation, POST /sign, GET /metrics, GET /health`);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) core.log.error("http-error", { method: req.method, url: req.url, error: (error as Error).message });
      if (!res.headersSent) send(res, status, { error: (error as Error).message });
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", resolve));
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
