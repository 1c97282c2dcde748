/**
 * The probe's side of a node's HTTP API:
 *   GET  {node}/nonce?m=&n=&k=  → NonceTicket (JSON)
 *   GET  {node}/domain          → { chainId, verifyingContract } of the FleetOracle the node serves
 *   POST {node}/reports         ← ProbeSubmission (JSON, bigints as decimal strings); 2xx accepts, 4xx body { reason, message }
 * oracle/src/node/server.ts serves all three; against a node that serves no /domain, pass --chain-id and --oracle.
 */
import { getAddress, type Address } from "viem";
import { oracleDomain, type OracleDomain } from "../eip712.js";
import { stringify, type NonceTicket, type ProbeSubmission } from "../report.js";

async function call(url: string, init?: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    throw new Error(`${init?.method ?? "GET"} ${url} failed: ${(error as Error).message}; check that the node is running and reachable`);
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Non-JSON bodies are reported as text below.
  }
  if (!response.ok) {
    // The node answers { reason, message } (and field, value for a rejected report); show both when present.
    const { reason, message } = (typeof body === "object" && body !== null ? body : {}) as { reason?: unknown; message?: unknown };
    const said = [reason, message].filter((part) => part !== undefined).map(String).join(": ") || text.slice(0, 300);
    throw new Error(`${init?.method ?? "GET"} ${url} answered ${response.status}: ${said}`);
  }
  return body;
}

export async function fetchTicket(node: string, shape: { m: number; n: number; k: number }): Promise<NonceTicket> {
  const ticket = (await call(`${node.replace(/\/$/, "")}/nonce?m=${shape.m}&n=${shape.n}&k=${shape.k}`)) as NonceTicket;
  if (typeof ticket?.nonce !== "string") throw new Error(`GET ${node}/nonce returned no ticket.nonce; is ${node} an oracle node?`);
  return ticket;
}

export async function fetchDomain(node: string): Promise<OracleDomain> {
  const body = (await call(`${node.replace(/\/$/, "")}/domain`)) as { chainId?: unknown; verifyingContract?: unknown };
  if (typeof body?.chainId !== "number" || typeof body.verifyingContract !== "string") {
    throw new Error(`GET ${node}/domain returned ${JSON.stringify(body)}; expected { chainId, verifyingContract }, or pass --chain-id and --oracle`);
  }
  return oracleDomain(body.chainId, getAddress(body.verifyingContract as Address));
}

export async function postSubmission(node: string, submission: ProbeSubmission): Promise<unknown> {
  return call(`${node.replace(/\/$/, "")}/reports`, { method: "POST", headers: { "content-type": "application/json" }, body: stringify(submission) });
}
