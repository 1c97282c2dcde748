/**
 * Nonce tickets: a node's signed promise that it issued a challenge. The nonce is a hash of the ticket's own fields,
 * so neither the dimensions nor the issue time can be changed after signing, and the signature is EIP-191 over the 32
 * nonce bytes, so any node can check a ticket another registered node issued without asking it.
 *
 * Issuing keeps no state: a ticket carries everything needed to check it, and its age bounds how long a node has to
 * remember that its nonce was used. A flood of `GET /nonce` therefore costs signatures, not memory.
 */
import { randomBytes } from "node:crypto";
import { bytesToHex, recoverMessageAddress, type Address, type Hex, type LocalAccount } from "viem";
import { ticketNonce, type NonceTicket } from "../report.js";

export type ChallengeDims = { m: number; n: number; k: number };

export async function issueTicket(account: LocalAccount, dims: ChallengeDims, issuedAt: number): Promise<NonceTicket> {
  const fields = { issuer: account.address, issuedAt, salt: bytesToHex(randomBytes(32)), ...dims };
  const nonce = ticketNonce(fields);
  const signature = await account.signMessage({ message: { raw: nonce } });
  return { ...fields, nonce, signature };
}

/** The address that signed the ticket's nonce. */
export function ticketSigner(ticket: Pick<NonceTicket, "nonce" | "signature">): Promise<Address> {
  return recoverMessageAddress({ message: { raw: ticket.nonce as Hex }, signature: ticket.signature });
}
