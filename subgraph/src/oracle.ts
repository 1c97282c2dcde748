import { BigInt, Bytes } from "@graphprotocol/graph-ts";
import {
  AuthorityUpdated,
  ClassBoundsSet,
  ClassIndexUpdated,
  FleetValued,
  IncreaseClamped,
  ParamsSet,
  QuorumSet,
  Resumed,
  RoundSubmitted,
  SignerAdded,
  SignerRemoved,
  Stopped,
} from "../generated/FleetOracle/FleetOracle";
import { ClassIndexUpdate, CollateralClass, Fleet, FleetValuation, OracleRound, Vault } from "../generated/schema";
import {
  eventId,
  Flows,
  getGpuModel,
  getProtocol,
  json,
  recordParameter,
  refreshVaultHealth,
  RiskFlows,
  touchProtocol,
  writeClassPoint,
  writeProtocolPoint,
  ZERO,
} from "./common";

const CONTRACT = "FleetOracle";

export function handleRoundSubmitted(event: RoundSubmitted): void {
  let round = new OracleRound(event.params.roundId.toString());
  round.roundId = event.params.roundId;
  round.observedAt = event.params.observedAt;
  round.fleetCount = event.params.fleetCount;
  let signers = new Array<Bytes>();
  let given = event.params.signers;
  for (let i = 0; i < given.length; i++) signers.push(given[i]);
  round.signers = signers;
  round.fleetsWithStaleGpus = 0;
  round.freshGpus = ZERO;
  round.gpuCount = ZERO;
  round.totalValue = ZERO;
  round.clampedCount = 0;
  round.valuationsApplied = 0;
  round.submitter = event.transaction.from;
  round.hash = event.transaction.hash;
  round.blockNumber = event.block.number;
  round.timestamp = event.block.timestamp;
  round.save();
  let p = getProtocol();
  // The round's FleetValued and ClassIndexUpdated events follow in the same transaction and belong to it.
  p.latestRound = round.id;
  touchProtocol(p, event);
}

export function handleIncreaseClamped(event: IncreaseClamped): void {
  // Emitted just before the same fleet's FleetValued, which carries the clamped value and consumes this.
  let fleet = Fleet.load(event.params.fleetId.toString());
  if (fleet == null) return;
  fleet.pendingClampReported = event.params.reported;
  fleet.save();
}

export function handleFleetValued(event: FleetValued): void {
  let p = getProtocol();
  let roundKey = p.latestRound;
  if (roundKey === null) throw new Error("FleetValued without a RoundSubmitted before it");
  let round = OracleRound.load(roundKey as string)!;
  let fleet = Fleet.load(event.params.fleetId.toString());
  // The oracle reads the registry for every fleet it values, so an unknown fleet cannot be valued.
  if (fleet == null) throw new Error("FleetValued for unknown fleet " + event.params.fleetId.toString());

  let value = event.params.value;
  let previous = fleet.value;
  let v = new FleetValuation(eventId(event));
  v.fleet = fleet.id;
  v.round = round.id;
  v.gpuModel = fleet.gpuModel;
  v.observedAt = round.observedAt;
  v.value = value;
  v.priorValue = event.params.priorValue;
  v.maturesAt = event.params.maturesAt;
  v.throughputBps = event.params.throughputBps;
  v.utilizationBps = event.params.utilizationBps;
  v.healthFlags = event.params.healthFlags;
  v.freshGpus = event.params.freshGpus.toI32();
  v.gpuCount = fleet.gpuCount;
  v.missingGpus = fleet.gpuCount > v.freshGpus ? fleet.gpuCount - v.freshGpus : 0;
  let clamp = fleet.pendingClampReported;
  v.clamped = clamp !== null;
  if (clamp !== null) v.reportedValue = clamp;
  v.valuePerGpu = value.div(BigInt.fromI32(fleet.gpuCount));
  v.change = value.minus(previous);
  v.blockNumber = event.block.number;
  v.timestamp = event.block.timestamp;
  v.save();

  fleet.value = value;
  fleet.priorValue = event.params.priorValue;
  fleet.maturesAt = event.params.maturesAt;
  fleet.observedAt = round.observedAt;
  fleet.throughputBps = event.params.throughputBps;
  fleet.utilizationBps = event.params.utilizationBps;
  fleet.healthFlags = event.params.healthFlags;
  fleet.freshGpus = v.freshGpus;
  fleet.latestValuation = v.id;
  fleet.pendingClampReported = null;
  fleet.save();

  round.valuationsApplied += 1;
  if (v.freshGpus < fleet.gpuCount) round.fleetsWithStaleGpus += 1;
  round.freshGpus = round.freshGpus.plus(BigInt.fromI32(v.freshGpus));
  round.gpuCount = round.gpuCount.plus(BigInt.fromI32(fleet.gpuCount));
  round.totalValue = round.totalValue.plus(value);
  if (v.clamped) round.clampedCount += 1;
  round.save();

  // A fleet in a vault moves its class's collateral value and the vault's health.
  let vaultKey = fleet.vault;
  if (vaultKey !== null) {
    let vault = Vault.load(vaultKey as string)!;
    let classKey = vault.collateralClass;
    let cls: CollateralClass | null = null;
    if (classKey !== null) {
      cls = CollateralClass.load(classKey as string)!;
      let delta = value.minus(vault.collateralValue);
      cls.totalDepositBalanceUSD = cls.totalDepositBalanceUSD.plus(delta);
      cls.lastUpdatedTimestamp = event.block.timestamp;
      cls.save();
      p.totalDepositBalanceUSD = p.totalDepositBalanceUSD.plus(delta);
    }
    refreshVaultHealth(vault, value, event.block.timestamp, cls);
    vault.lastUpdatedTimestamp = event.block.timestamp;
    vault.lastUpdatedBlockNumber = event.block.number;
    vault.save();
  }

  // One data point per class and one for the protocol per round, written after its last valuation: a round can
  // value thousands of fleets, and the series only needs the state it leaves behind.
  if (BigInt.fromI32(round.valuationsApplied).ge(round.fleetCount)) {
    let ids = p.classIds;
    for (let i = 0; i < ids.length; i++) {
      let cls = CollateralClass.load(ids[i].toString());
      if (cls != null) writeClassPoint(event, cls, new Flows());
    }
    writeProtocolPoint(event, p, new RiskFlows());
  } else {
    p.save();
  }
}

export function handleClassIndexUpdated(event: ClassIndexUpdated): void {
  let model = getGpuModel(event.params.classId);
  model.valuePerGpu = event.params.valuePerGpu;
  model.indexRoundId = event.params.roundId;
  model.indexObservedAt = event.params.observedAt;
  model.save();
  let u = new ClassIndexUpdate(eventId(event));
  u.gpuModel = model.id;
  u.round = event.params.roundId.toString();
  u.valuePerGpu = event.params.valuePerGpu;
  u.observedAt = event.params.observedAt;
  u.blockNumber = event.block.number;
  u.timestamp = event.block.timestamp;
  u.save();
}

export function handleSignerAdded(event: SignerAdded): void {
  let p = getProtocol();
  p.signerCount = event.params.signerCount;
  touchProtocol(p, event);
  recordParameter(event, CONTRACT, "SignerAdded", json(["signer", "signerCount"], [event.params.signer.toHexString(), event.params.signerCount.toString()]), -1, event.params.signer);
}

export function handleSignerRemoved(event: SignerRemoved): void {
  let p = getProtocol();
  p.signerCount = event.params.signerCount;
  touchProtocol(p, event);
  recordParameter(event, CONTRACT, "SignerRemoved", json(["signer", "signerCount"], [event.params.signer.toHexString(), event.params.signerCount.toString()]), -1, event.params.signer);
}

export function handleQuorumSet(event: QuorumSet): void {
  let p = getProtocol();
  p.quorum = event.params.quorum;
  touchProtocol(p, event);
  recordParameter(event, CONTRACT, "QuorumSet", json(["quorum"], [event.params.quorum.toString()]), -1, null);
}

export function handleClassBoundsSet(event: ClassBoundsSet): void {
  let model = getGpuModel(event.params.classId);
  model.minValuePerGpu = event.params.minValuePerGpu;
  model.maxValuePerGpu = event.params.maxValuePerGpu;
  model.save();
  recordParameter(
    event,
    CONTRACT,
    "ClassBoundsSet",
    json(["minValuePerGpu", "maxValuePerGpu"], [event.params.minValuePerGpu.toString(), event.params.maxValuePerGpu.toString()]),
    event.params.classId,
    null,
  );
}

export function handleParamsSet(event: ParamsSet): void {
  let p = getProtocol();
  p.oracleMaxAge = event.params.maxAge;
  p.oracleIncreaseDelay = event.params.increaseDelay;
  p.oracleMaxIncreasePerDay = event.params.maxIncreasePerDay;
  touchProtocol(p, event);
  recordParameter(
    event,
    CONTRACT,
    "ParamsSet",
    json(
      ["maxAge", "increaseDelay", "maxIncreasePerDay"],
      [event.params.maxAge.toString(), event.params.increaseDelay.toString(), event.params.maxIncreasePerDay.toString()],
    ),
    -1,
    null,
  );
}

export function handleStopped(event: Stopped): void {
  let p = getProtocol();
  p.oracleStopped = true;
  touchProtocol(p, event);
  recordParameter(event, CONTRACT, "Stopped", json(["by"], [event.params.by.toHexString()]), -1, event.params.by);
}

export function handleResumed(event: Resumed): void {
  let p = getProtocol();
  p.oracleStopped = false;
  touchProtocol(p, event);
  recordParameter(event, CONTRACT, "Resumed", json(["by"], [event.params.by.toHexString()]), -1, event.params.by);
}

export function handleAuthorityUpdated(event: AuthorityUpdated): void {
  recordParameter(event, CONTRACT, "AuthorityUpdated", json(["authority"], [event.params.authority.toHexString()]), -1, event.params.authority);
}
