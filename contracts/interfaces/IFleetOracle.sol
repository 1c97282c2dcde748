// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IFleetRegistry} from "./IFleetRegistry.sol";

/// @title IFleetOracle
/// @notice Stores the USD value of each fleet as published by a quorum of independent oracle nodes, with the parts a
/// risk analyst needs to recompute it. A round is an EIP-712 message (domain `GPU Credit FleetOracle`, version `1`)
/// signed by at least `quorum` distinct registered signers.
/// @dev Safety rules, each enforced on submission or on read:
/// - the round id strictly increases, and `observedAt` never goes back from one round to the next;
/// - `observedAt` is neither in the future nor older than `maxAge`;
/// - within a round, fleets come by strictly increasing id and indices by strictly increasing class, so each appears
///   at most once;
/// - each fleet value lies strictly inside its class's per-GPU bounds times its GPU count, each class index strictly
///   inside the per-GPU bounds (a value at a bound is invalid);
/// - an increase is clamped to `maxIncreasePerDay`, pro rata to the observation time since the fleet's last value and
///   at most one day's worth;
/// - borrowing uses `value` from `maturesAt` on, and `priorValue` (what was borrowable when the round landed) until
///   then. A value at or below the borrowable one applies at once with nothing pending. A higher value matures
///   `increaseDelay` after it was observed; later rounds no higher than it keep that clock, so rounds at any cadence
///   let it mature, and only a further rise restarts it. A first valuation lends nothing until it matures;
/// - the guardian can stop the oracle; while stopped or stale, `borrowValue` reverts and `liquidationValue` keeps
///   returning the last good value.
///
/// Rounding: values are stored in cents (wad ÷ 1e16, rounded down), so the stored value never exceeds the reported
/// one: the protocol lends against at most what the nodes measured.
///
/// @dev Warning: maturity and the daily cap both count observation time, not submission time. A round relayed late
/// becomes borrowable sooner after it lands on-chain, but never for more than an on-time round observed at the same
/// moment could have made borrowable.
/// @dev Warning: the bounds also bind decreases: a fleet whose honest value falls to `min × gpuCount` or below
/// cannot be reported; it goes stale, which stops new borrowing while liquidations keep its last value. Curators set
/// `min` below any honest distressed value.
interface IFleetOracle {
    /// @notice One fleet's valuation inside a round. Parts are published so analysts can recompute the value.
    struct FleetValue {
        uint256 fleetId;
        uint256 value; // [wad] USD, the fleet's value under the valuation model
        uint16 throughputBps; // measured ÷ reference throughput, fleet average [bps], may exceed 10_000
        uint16 utilizationBps; // sampled utilization, fleet average [bps]
        uint16 healthFlags; // OR of the fleet's GPU health flags (see HealthFlags in the oracle's docs)
        uint32 freshGpus; // GPUs with a fresh report that count towards `value`
    }

    /// @notice Value index per GPU class, served through one AggregatorV3 feed per class.
    struct ClassIndex {
        uint16 classId;
        uint256 valuePerGpu; // [wad] USD per GPU, the median over the class's fresh GPUs
    }

    struct Round {
        uint64 roundId;
        uint40 observedAt; // [unix s] when the nodes observed the values
        FleetValue[] fleets;
        ClassIndex[] indices;
    }

    /// @notice A probe's signed measurement of one GPU. Defined here so every signer and verifier shares one EIP-712
    /// type; oracle nodes verify it off-chain and it never needs to be submitted.
    struct GpuReport {
        uint256 fleetId;
        bytes32 gpuUuidHash; // keccak256 of the GPU UUID string, a leaf of the fleet's gpuRoot
        bytes32 nonce; // issued by an oracle node; seeds the GEMM challenge
        uint40 observedAt; // [unix s]
        uint32 tflopsMilli; // bf16 GEMM throughput [TFLOP/s × 1000]
        uint32 bandwidthGBps; // device-to-device copy bandwidth [GB/s]
        uint16 utilizationBps; // SM activity, or utilization rate where SM activity is unsupported [bps]
        uint32 powerMilliwatts; // mean power draw over the sampling window
        uint16 healthFlags; // ECC, retired rows, throttling, PCIe degradation bits
        bytes32 sampleDigest; // keccak256 of the GEMM output elements sampled at nonce-chosen positions
        bool replay; // true when the report replays a recorded profile instead of measuring hardware
    }

    /// @notice What a fleet's storage slot holds, widened for reading.
    struct FleetState {
        uint256 value; // [wad] latest accepted value (after the increase clamp); used for liquidation
        uint256 priorValue; // [wad] borrowable until `maturesAt`
        uint40 observedAt; // [unix s]
        uint40 maturesAt; // [unix s] from then on `value` is borrowable
        uint16 throughputBps;
        uint16 utilizationBps;
        uint16 healthFlags;
        uint16 classId; // cached from the registry on the fleet's first valuation
        uint32 gpuCount; // cached from the registry on the fleet's first valuation
    }

    struct Params {
        uint32 maxAge; // [s] a valuation older than this is stale
        uint32 increaseDelay; // [s] an increase becomes borrowable this long after it was observed
        uint64 maxIncreasePerDay; // [wad] largest relative increase accepted per day, e.g. 0.1e18 = +10 %
    }

    /// @notice Emitted before the round's FleetValued events, which belong to it (same transaction, earlier log).
    event RoundSubmitted(uint64 indexed roundId, uint40 observedAt, uint256 fleetCount, address[] signers);
    /// @param value What was stored: the reported value rounded down to the cent, after the increase clamp (see
    /// IncreaseClamped). Borrowing may use `value` from `maturesAt` on and `priorValue` until then.
    event FleetValued(
        uint256 indexed fleetId,
        uint256 value,
        uint256 priorValue,
        uint40 maturesAt,
        uint16 throughputBps,
        uint16 utilizationBps,
        uint16 healthFlags,
        uint32 freshGpus
    );
    /// @notice A round reported more than the daily cap allows; FleetValued carries the clamped value. Emitted only
    /// then, so steady-state rounds do not pay for a field that rarely differs from `value`.
    event IncreaseClamped(uint256 indexed fleetId, uint256 reported, uint256 value);
    event ClassIndexUpdated(uint16 indexed classId, uint64 indexed roundId, uint256 valuePerGpu, uint40 observedAt);
    event SignerAdded(address indexed signer, uint256 signerCount);
    event SignerRemoved(address indexed signer, uint256 signerCount);
    event QuorumSet(uint256 quorum);
    event ClassBoundsSet(uint16 indexed classId, uint256 minValuePerGpu, uint256 maxValuePerGpu);
    event ParamsSet(uint32 maxAge, uint32 increaseDelay, uint64 maxIncreasePerDay);
    event Stopped(address indexed by);
    event Resumed(address indexed by);

    error RoundNotIncreasing(uint64 roundId, uint64 latestRoundId);
    error TooFewSignatures(uint256 count, uint256 quorum);
    error InvalidSignature(uint256 index);
    error SignerNotAuthorized(uint256 index, address signer);
    /// @notice Signatures must be ordered by strictly increasing signer address; this also proves they are distinct.
    error SignersNotAscending(uint256 index, address previous, address signer);
    error ObservationInFuture(uint40 observedAt, uint256 nowTimestamp);
    error ObservationStale(uint40 observedAt, uint256 nowTimestamp, uint256 maxAge);
    error ClassBoundsNotSet(uint16 classId);
    error ValueOutOfBounds(uint256 fleetId, uint256 value, uint256 minExclusive, uint256 maxExclusive);
    error UnknownFleet(uint256 fleetId);
    /// @notice The oracle caches a fleet's GPU count in 24 bits so each fleet's state fits one storage slot.
    error GpuCountTooLarge(uint256 fleetId, uint256 gpuCount, uint256 max);
    /// @notice A round's observation time may not precede the previous round's, or the daily cap could be replayed.
    error ObservationOutOfOrder(uint40 observedAt, uint40 latestObservedAt);
    error FleetsNotAscending(uint256 index, uint256 previousFleetId, uint256 fleetId);
    error ClassesNotAscending(uint256 index, uint16 previousClassId, uint16 classId);
    error IndexOutOfBounds(uint16 classId, uint256 valuePerGpu, uint256 minExclusive, uint256 maxExclusive);
    error OracleIsStopped();
    error OracleIsNotStopped();
    error ValuationStale(uint256 fleetId, uint40 observedAt, uint256 nowTimestamp, uint256 maxAge);
    error NoValuation(uint256 fleetId);
    error SignerAlreadyAdded(address signer);
    error NotASigner(address signer);
    error ZeroSigner();
    /// @notice Quorum must be a strict majority of the signer set, so two disjoint groups can never both sign.
    error QuorumOutOfRange(uint256 quorum, uint256 signerCount);
    error ParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 min, uint256 max);

    /// @notice Verifies and applies a round. Permissionless: anyone may relay a quorum-signed round.
    /// @param signatures 65-byte ECDSA signatures over `hashRound(round)`, ordered by strictly increasing signer.
    function submitRound(Round calldata round, bytes[] calldata signatures) external;

    /// @notice Adds an oracle signer. The quorum must stay a strict majority of the larger set, so raise it first
    /// where needed. Restricted to the oracle admin.
    function addSigner(address signer) external;

    /// @notice Removes an oracle signer; reverts if the quorum would exceed the smaller set. Restricted to the oracle
    /// admin.
    function removeSigner(address signer) external;

    /// @notice Sets how many signatures a round needs: at least 1, at most the signer count, more than half of it.
    /// Restricted to the oracle admin.
    function setQuorum(uint256 quorum) external;

    /// @notice Sets a class's exclusive per-GPU value bounds: `min < max ≤ MAX_VALUE_PER_GPU`, the largest per-GPU
    /// value whose fleet total still fits the oracle's storage. Restricted to the risk curator.
    function setClassBounds(uint16 classId, uint256 minValuePerGpu, uint256 maxValuePerGpu) external;

    /// @notice Sets staleness, increase delay and daily increase cap, each within `Bounds`, with
    /// `increaseDelay < maxAge`. Restricted to the risk curator.
    function setParams(Params calldata params) external;

    /// @notice Stops new rounds and borrowing against oracle values; reverts `OracleIsStopped` if already stopped.
    /// Restricted to the guardian.
    function stop() external;

    /// @notice Lifts a stop; reverts `OracleIsNotStopped` if not stopped. Restricted to the oracle admin, so the
    /// guardian's fast stop cannot be undone by the same key.
    function resume() external;

    /// @notice Value that new borrowing may use: the latest value, or the value before an increase that has not
    /// matured yet, whichever is lower. Reverts while stopped, stale, or never valued.
    function borrowValue(uint256 fleetId) external view returns (uint256 value);

    /// @notice The last accepted value, whatever its age or the stop flag: liquidations must keep working when the
    /// oracle does not. Reverts only if the fleet was never valued.
    function liquidationValue(uint256 fleetId) external view returns (uint256 value, uint40 observedAt);

    /// @notice `liquidationValue` of many fleets in one call, in the order given, without the observation times.
    /// Reverts `NoValuation` for the first fleet never valued, as `liquidationValue` would.
    /// @dev For the engine's page-at-a-time scan: one external call per page instead of one per vault, which is what
    /// dominated a keeper's eth_call over 10,000 vaults.
    function liquidationValues(uint256[] calldata fleetIds) external view returns (uint256[] memory values);

    /// @notice The stored state of a fleet, all zero if never valued.
    function fleetState(uint256 fleetId) external view returns (FleetState memory);

    /// @notice Whether the fleet has a value no older than `maxAge`. Ignores the stop flag.
    function isFresh(uint256 fleetId) external view returns (bool);

    /// @notice The latest value index of a class; all zero if never published.
    function classIndex(uint16 classId)
        external
        view
        returns (uint64 roundId, uint256 valuePerGpu, uint40 observedAt);
    function classBounds(uint16 classId) external view returns (uint256 minValuePerGpu, uint256 maxValuePerGpu);
    function params() external view returns (Params memory);
    function latestRoundId() external view returns (uint64);
    function quorum() external view returns (uint256);
    function signerCount() external view returns (uint256);
    function isSigner(address account) external view returns (bool);
    function stopped() external view returns (bool);

    /// @notice The largest per-GPU bound a class may have: the value of a fleet of 2^24 − 1 GPUs at this price still
    /// fits the 64-bit micro-dollar field of a fleet's storage slot (about 1.1 million USD per GPU).
    // solhint-disable-next-line func-name-mixedcase
    function MAX_VALUE_PER_GPU() external view returns (uint256);

    /// @notice Source of each fleet's class and GPU count, read once, on the fleet's first valuation.
    function registry() external view returns (IFleetRegistry);

    /// @notice EIP-712 digest of a round, the message each signer signs.
    function hashRound(Round calldata round) external view returns (bytes32);

    /// @notice EIP-712 digest of a GpuReport under this contract's domain, the message a host key signs.
    function hashGpuReport(GpuReport calldata report) external view returns (bytes32);
}
