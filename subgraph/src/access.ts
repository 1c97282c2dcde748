import { BigInt, Bytes } from "@graphprotocol/graph-ts";
import {
  OperationCanceled,
  OperationExecuted,
  OperationScheduled,
  RoleAdminChanged,
  RoleGrantDelayChanged,
  RoleGranted,
  RoleGuardianChanged,
  RoleLabel,
  RoleRevoked,
  TargetAdminDelayUpdated,
  TargetClosed,
  TargetFunctionRoleUpdated,
} from "../generated/ProtocolAccessManager/ProtocolAccessManager";
import { RoleMember, ScheduledOperation } from "../generated/schema";
import { json, recordParameter } from "./common";

// The AccessManager is the protocol's timelock: a scheduled operation is a parameter change announced in advance,
// which is what an analyst watches for. Role and target changes are governance parameters in their own right.
const CONTRACT = "ProtocolAccessManager";

function operationKey(operationId: Bytes, nonce: string): string {
  return operationId.toHexString() + "-" + nonce;
}

export function handleOperationScheduled(event: OperationScheduled): void {
  let op = new ScheduledOperation(operationKey(event.params.operationId, event.params.nonce.toString()));
  op.operationId = event.params.operationId;
  op.nonce = event.params.nonce;
  op.schedule = event.params.schedule;
  op.caller = event.params.caller;
  op.target = event.params.target;
  op.data = event.params.data;
  op.selector = event.params.data.length >= 4 ? Bytes.fromUint8Array(event.params.data.subarray(0, 4)) : Bytes.empty();
  op.status = "scheduled";
  op.scheduledTimestamp = event.block.timestamp;
  op.save();
  recordParameter(
    event,
    CONTRACT,
    "OperationScheduled",
    json(
      ["operationId", "nonce", "schedule", "caller", "target", "data"],
      [
        event.params.operationId.toHexString(),
        event.params.nonce.toString(),
        event.params.schedule.toString(),
        event.params.caller.toHexString(),
        event.params.target.toHexString(),
        event.params.data.toHexString(),
      ],
    ),
    -1,
    event.params.target,
  );
}

function resolve(operationId: Bytes, nonce: string, status: string, timestamp: BigInt): void {
  let op = ScheduledOperation.load(operationKey(operationId, nonce));
  // execute() also emits OperationExecuted for operations nobody scheduled (a caller without a delay); only a
  // scheduled one has an entry to resolve.
  if (op == null) return;
  op.status = status;
  op.resolvedTimestamp = timestamp;
  op.save();
}

export function handleOperationExecuted(event: OperationExecuted): void {
  resolve(event.params.operationId, event.params.nonce.toString(), "executed", event.block.timestamp);
  recordParameter(event, CONTRACT, "OperationExecuted", json(["operationId", "nonce"], [event.params.operationId.toHexString(), event.params.nonce.toString()]), -1, null);
}

export function handleOperationCanceled(event: OperationCanceled): void {
  resolve(event.params.operationId, event.params.nonce.toString(), "canceled", event.block.timestamp);
  recordParameter(event, CONTRACT, "OperationCanceled", json(["operationId", "nonce"], [event.params.operationId.toHexString(), event.params.nonce.toString()]), -1, null);
}

export function handleRoleGranted(event: RoleGranted): void {
  let id = event.params.roleId.toString() + "-" + event.params.account.toHexString();
  let m = RoleMember.load(id);
  if (m == null) {
    m = new RoleMember(id);
    m.roleId = event.params.roleId;
    m.account = event.params.account;
  }
  m.active = true;
  m.executionDelay = event.params.delay;
  m.since = event.params.since;
  m.save();
  recordParameter(
    event,
    CONTRACT,
    "RoleGranted",
    json(
      ["roleId", "account", "delay", "since", "newMember"],
      [event.params.roleId.toString(), event.params.account.toHexString(), event.params.delay.toString(), event.params.since.toString(), event.params.newMember ? "true" : "false"],
    ),
    -1,
    event.params.account,
  );
}

export function handleRoleRevoked(event: RoleRevoked): void {
  let m = RoleMember.load(event.params.roleId.toString() + "-" + event.params.account.toHexString());
  if (m != null) {
    m.active = false;
    m.save();
  }
  recordParameter(event, CONTRACT, "RoleRevoked", json(["roleId", "account"], [event.params.roleId.toString(), event.params.account.toHexString()]), -1, event.params.account);
}

export function handleRoleAdminChanged(event: RoleAdminChanged): void {
  recordParameter(event, CONTRACT, "RoleAdminChanged", json(["roleId", "admin"], [event.params.roleId.toString(), event.params.admin.toString()]), -1, null);
}

export function handleRoleGuardianChanged(event: RoleGuardianChanged): void {
  recordParameter(event, CONTRACT, "RoleGuardianChanged", json(["roleId", "guardian"], [event.params.roleId.toString(), event.params.guardian.toString()]), -1, null);
}

export function handleRoleGrantDelayChanged(event: RoleGrantDelayChanged): void {
  recordParameter(
    event,
    CONTRACT,
    "RoleGrantDelayChanged",
    json(["roleId", "delay", "since"], [event.params.roleId.toString(), event.params.delay.toString(), event.params.since.toString()]),
    -1,
    null,
  );
}

export function handleRoleLabel(event: RoleLabel): void {
  recordParameter(event, CONTRACT, "RoleLabel", json(["roleId", "label"], [event.params.roleId.toString(), event.params.label]), -1, null);
}

export function handleTargetClosed(event: TargetClosed): void {
  recordParameter(event, CONTRACT, "TargetClosed", json(["target", "closed"], [event.params.target.toHexString(), event.params.closed ? "true" : "false"]), -1, event.params.target);
}

export function handleTargetFunctionRoleUpdated(event: TargetFunctionRoleUpdated): void {
  recordParameter(
    event,
    CONTRACT,
    "TargetFunctionRoleUpdated",
    json(["target", "selector", "roleId"], [event.params.target.toHexString(), event.params.selector.toHexString(), event.params.roleId.toString()]),
    -1,
    event.params.target,
  );
}

export function handleTargetAdminDelayUpdated(event: TargetAdminDelayUpdated): void {
  recordParameter(
    event,
    CONTRACT,
    "TargetAdminDelayUpdated",
    json(["target", "delay", "since"], [event.params.target.toHexString(), event.params.delay.toString(), event.params.since.toString()]),
    -1,
    event.params.target,
  );
}
