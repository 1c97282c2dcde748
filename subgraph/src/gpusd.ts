import { Address, BigInt } from "@graphprotocol/graph-ts";
import { Approval, AuthorityUpdated, MinterSet, Transfer } from "../generated/GPUSD/GPUSD";
import { Allowance, GpusdMinter, Reserve } from "../generated/schema";
import { getAccount, getProtocol, json, recordParameter, touchProtocol, zeroFloorSub, ZERO_ADDRESS } from "./common";

const CONTRACT = "GPUSD";

/** The Reserve's undistributed income is its balance above the buffer, so every transfer touching it moves that. */
function syncReserve(address: Address, balance: BigInt): void {
  let reserve = Reserve.load(address);
  if (reserve == null) return;
  reserve.gpusdBalance = balance;
  reserve.pendingIncome = zeroFloorSub(balance, reserve.buffer);
  reserve.save();
}

export function handleTransfer(event: Transfer): void {
  let from = event.params.from;
  let to = event.params.to;
  let amount = event.params.value;
  if (!from.equals(ZERO_ADDRESS)) {
    let a = getAccount(from, event.block.timestamp);
    a.gpusdBalance = a.gpusdBalance.minus(amount);
    a.save();
    syncReserve(from, a.gpusdBalance);
  }
  if (!to.equals(ZERO_ADDRESS)) {
    let a = getAccount(to, event.block.timestamp);
    a.gpusdBalance = a.gpusdBalance.plus(amount);
    a.save();
    syncReserve(to, a.gpusdBalance);
  }
  // Loaded after the accounts: creating one bumps the protocol's user count, which a copy loaded earlier would undo.
  if (from.equals(ZERO_ADDRESS) || to.equals(ZERO_ADDRESS)) {
    let p = getProtocol();
    if (from.equals(ZERO_ADDRESS)) p.gpusdSupply = p.gpusdSupply.plus(amount);
    else p.gpusdSupply = p.gpusdSupply.minus(amount);
    touchProtocol(p, event);
  }
}

export function handleApproval(event: Approval): void {
  let id = event.address.toHexString() + "-" + event.params.owner.toHexString() + "-" + event.params.spender.toHexString();
  let a = Allowance.load(id);
  if (a == null) {
    a = new Allowance(id);
    a.token = event.address;
    a.owner = event.params.owner;
    a.spender = event.params.spender;
  }
  a.amount = event.params.value;
  a.save();
}

export function handleMinterSet(event: MinterSet): void {
  let m = new GpusdMinter(event.params.minter);
  m.allowed = event.params.allowed;
  m.save();
  recordParameter(
    event,
    CONTRACT,
    "MinterSet",
    json(["minter", "allowed"], [event.params.minter.toHexString(), event.params.allowed ? "true" : "false"]),
    -1,
    event.params.minter,
  );
}

export function handleAuthorityUpdated(event: AuthorityUpdated): void {
  recordParameter(event, CONTRACT, "AuthorityUpdated", json(["authority"], [event.params.authority.toHexString()]), -1, event.params.authority);
}
