import { BigInt } from "@graphprotocol/graph-ts";
import {
  Approval,
  ApprovalForAll,
  AuthorityUpdated,
  FleetOnboarded,
  FleetRetired,
  HostSignerSet,
  Transfer,
} from "../generated/FleetRegistry/FleetRegistry";
import { Fleet, FleetTransfer, HostSigner, OperatorApproval } from "../generated/schema";
import { eventId, getAccount, getGpuModel, getProtocol, json, recordParameter, touchProtocol, ZERO, ZERO_ADDRESS } from "./common";

const CONTRACT = "FleetRegistry";

export function handleFleetOnboarded(event: FleetOnboarded): void {
  let classId = event.params.classId;
  let model = getGpuModel(classId);
  model.fleetCount += 1;
  model.gpuCount = model.gpuCount.plus(event.params.gpuCount);
  model.save();

  let fleet = new Fleet(event.params.fleetId.toString());
  fleet.fleetId = event.params.fleetId;
  fleet.operator = getAccount(event.params.operator, event.block.timestamp).id;
  // The mint's Transfer comes after this event in the same call.
  fleet.holder = event.params.operator;
  fleet.gpuModel = model.id;
  fleet.classId = classId;
  fleet.gpuCount = event.params.gpuCount.toI32();
  fleet.acquiredAt = event.params.acquiredAt;
  fleet.acquisitionCost = event.params.acquisitionCost;
  fleet.gpuRoot = event.params.gpuRoot;
  fleet.legalDocsHash = event.params.legalDocsHash;
  fleet.retired = false;
  fleet.value = ZERO;
  fleet.priorValue = ZERO;
  fleet.maturesAt = ZERO;
  fleet.observedAt = ZERO;
  fleet.throughputBps = 0;
  fleet.utilizationBps = 0;
  fleet.healthFlags = 0;
  fleet.freshGpus = 0;
  fleet.onboardedTimestamp = event.block.timestamp;
  fleet.save();

  let p = getProtocol();
  p.fleetCount += 1;
  touchProtocol(p, event);
}

export function handleHostSignerSet(event: HostSignerSet): void {
  let id = event.params.fleetId.toString() + "-" + event.params.signer.toHexString();
  let s = HostSigner.load(id);
  if (s == null) {
    s = new HostSigner(id);
    s.fleet = event.params.fleetId.toString();
    s.signer = event.params.signer;
  }
  s.allowed = event.params.allowed;
  s.updatedTimestamp = event.block.timestamp;
  s.save();
  recordParameter(
    event,
    CONTRACT,
    "HostSignerSet",
    json(["fleetId", "signer", "allowed"], [event.params.fleetId.toString(), event.params.signer.toHexString(), event.params.allowed ? "true" : "false"]),
    -1,
    event.params.signer,
  );
}

export function handleFleetRetired(event: FleetRetired): void {
  let fleet = Fleet.load(event.params.fleetId.toString());
  if (fleet != null) {
    fleet.retired = true;
    fleet.save();
    let model = getGpuModel(fleet.classId);
    model.fleetCount -= 1;
    model.gpuCount = model.gpuCount.minus(BigInt.fromI32(fleet.gpuCount));
    model.save();
  }
  let p = getProtocol();
  p.fleetCount -= 1;
  touchProtocol(p, event);
  recordParameter(event, CONTRACT, "FleetRetired", json(["fleetId", "operator"], [event.params.fleetId.toString(), event.params.operator.toHexString()]), -1, event.params.operator);
}

export function handleTransfer(event: Transfer): void {
  let fleetKey = event.params.tokenId.toString();
  let fleet = Fleet.load(fleetKey);
  if (fleet != null) {
    fleet.holder = event.params.to;
    // ERC-721 clears a token's approval on every transfer, without an Approval event.
    fleet.approved = null;
    fleet.save();
  }
  let t = new FleetTransfer(eventId(event));
  t.hash = event.transaction.hash;
  t.blockNumber = event.block.number;
  t.timestamp = event.block.timestamp;
  t.fleet = fleetKey;
  t.from = event.params.from;
  t.to = event.params.to;
  t.save();
}

export function handleApproval(event: Approval): void {
  let fleet = Fleet.load(event.params.tokenId.toString());
  if (fleet == null) return;
  if (event.params.approved.equals(ZERO_ADDRESS)) fleet.approved = null;
  else fleet.approved = event.params.approved;
  fleet.save();
}

export function handleApprovalForAll(event: ApprovalForAll): void {
  let id = event.params.owner.toHexString() + "-" + event.params.operator.toHexString();
  let a = OperatorApproval.load(id);
  if (a == null) {
    a = new OperatorApproval(id);
    a.owner = event.params.owner;
    a.operator = event.params.operator;
  }
  a.approved = event.params.approved;
  a.save();
}

export function handleAuthorityUpdated(event: AuthorityUpdated): void {
  recordParameter(event, CONTRACT, "AuthorityUpdated", json(["authority"], [event.params.authority.toHexString()]), -1, event.params.authority);
}
