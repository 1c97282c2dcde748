// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IFleetOracle} from "./interfaces/IFleetOracle.sol";
import {IFleetRegistry} from "./interfaces/IFleetRegistry.sol";
import {Bounds} from "./libraries/Bounds.sol";
import {MathLib, WAD} from "./libraries/MathLib.sol";

/// @title FleetOracle
/// @notice Quorum-signed fleet valuations, checked against per-class bounds, an increase cap and an increase delay.
contract FleetOracle is IFleetOracle, AccessManaged, EIP712 {
    using MathLib for uint256;

    /// @dev Wad per stored unit: fleet values are kept in micro-dollars so that a fleet's whole state fits one slot.
    uint256 private constant MICRO = 1e12;

    /// @inheritdoc IFleetOracle
    uint256 public constant MAX_VALUE_PER_GPU = (uint256(type(uint64).max) * MICRO) / type(uint24).max;

    bytes32 private constant FLEET_VALUE_TYPEHASH = keccak256(
        "FleetValue(uint256 fleetId,uint256 value,uint16 throughputBps,uint16 utilizationBps,uint16 healthFlags,uint32 freshGpus)"
    );
    bytes32 private constant CLASS_INDEX_TYPEHASH = keccak256("ClassIndex(uint16 classId,uint256 valuePerGpu)");
    // EIP-712 appends referenced struct types to the primary one, sorted by name.
    bytes32 private constant ROUND_TYPEHASH = keccak256(
        "Round(uint64 roundId,uint40 observedAt,FleetValue[] fleets,ClassIndex[] indices)"
        "ClassIndex(uint16 classId,uint256 valuePerGpu)"
        "FleetValue(uint256 fleetId,uint256 value,uint16 throughputBps,uint16 utilizationBps,uint16 healthFlags,uint32 freshGpus)"
    );
    bytes32 private constant GPU_REPORT_TYPEHASH = keccak256(
        "GpuReport(uint256 fleetId,bytes32 gpuUuidHash,bytes32 nonce,uint40 observedAt,uint32 tflopsMilli,uint32 bandwidthGBps,uint16 utilizationBps,uint32 powerMilliwatts,uint16 healthFlags,bytes32 sampleDigest,bool replay)"
    );

    /// @dev Everything a round or a borrow reads besides the fleet itself, so each pays one cold read for it.
    struct Head {
        uint64 latestRoundId;
        uint40 latestObservedAt; // [unix s]
        bool stopped;
        uint16 quorum;
        uint32 maxAge; // [s]
        uint32 increaseDelay; // [s]
        uint64 maxIncreasePerDay; // [wad]
    }

    /// @dev One slot per fleet: a steady-state valuation costs one cold read and one write.
    struct FleetSlot {
        uint64 value; // [µ$] wad / 1e12, rounded down
        uint64 priorValue; // [µ$] borrowable until `value` matures; never above `value`
        uint40 observedAt; // [unix s] 0 = never valued
        uint16 throughputBps;
        uint16 utilizationBps;
        uint16 healthFlags;
        uint16 classId; // cached from the registry, whose records never change
        uint24 gpuCount; // cached from the registry
    }

    /// @dev Both at most MAX_VALUE_PER_GPU < 2^128, so one slot per class.
    struct ClassBounds {
        uint128 minValuePerGpu; // [wad] exclusive
        uint128 maxValuePerGpu; // [wad] exclusive; 0 = class not configured
    }

    struct IndexSlot {
        uint64 roundId;
        uint40 observedAt; // [unix s]
        uint128 valuePerGpu; // [wad] below its class's max, so it fits
    }

    /// @inheritdoc IFleetOracle
    IFleetRegistry public immutable registry;
    /// @inheritdoc IFleetOracle
    uint256 public signerCount;
    /// @inheritdoc IFleetOracle
    mapping(address account => bool) public isSigner;

    Head private _head;
    mapping(uint256 fleetId => FleetSlot) private _fleets;
    mapping(uint16 classId => ClassBounds) private _classBounds;
    mapping(uint16 classId => IndexSlot) private _indices;

    constructor(
        address authority,
        IFleetRegistry registry_,
        address[] memory signers,
        uint256 quorum_,
        Params memory params_
    ) AccessManaged(authority) EIP712("GPU Credit FleetOracle", "1") {
        registry = registry_;
        for (uint256 i; i < signers.length; ++i) {
            _addSigner(signers[i]);
        }
        _setQuorum(quorum_);
        _setParams(params_);
    }

    // ---------------------------------------------------------------- rounds

    /// @inheritdoc IFleetOracle
    function submitRound(Round calldata round, bytes[] calldata signatures) external {
        Head memory head = _head;
        if (head.stopped) revert OracleIsStopped();
        if (round.roundId <= head.latestRoundId) revert RoundNotIncreasing(round.roundId, head.latestRoundId);
        _checkObservedAt(round.observedAt, head);
        address[] memory signers = _recoverSigners(hashRound(round), signatures, head.quorum);

        // Every check that does not depend on a fleet is done; the only call below is a view of the registry
        // (STATICCALL), so nothing can re-enter between these writes.
        _head.latestRoundId = round.roundId;
        _head.latestObservedAt = round.observedAt;

        uint256 previousFleetId;
        for (uint256 i; i < round.fleets.length; ++i) {
            FleetValue calldata report = round.fleets[i];
            if (report.fleetId <= previousFleetId) revert FleetsNotAscending(i, previousFleetId, report.fleetId);
            previousFleetId = report.fleetId;
            _valueFleet(report, round.roundId, round.observedAt, head);
        }
        uint16 previousClassId;
        for (uint256 i; i < round.indices.length; ++i) {
            ClassIndex calldata index = round.indices[i];
            if (index.classId <= previousClassId) revert ClassesNotAscending(i, previousClassId, index.classId);
            previousClassId = index.classId;
            _updateIndex(index, round.roundId, round.observedAt);
        }
        emit RoundSubmitted(round.roundId, round.observedAt, round.fleets.length, signers);
    }

    /// @inheritdoc IFleetOracle
    function hashRound(Round calldata round) public view returns (bytes32) {
        bytes32[] memory fleetHashes = new bytes32[](round.fleets.length);
        for (uint256 i; i < fleetHashes.length; ++i) {
            fleetHashes[i] = keccak256(abi.encode(FLEET_VALUE_TYPEHASH, round.fleets[i]));
        }
        bytes32[] memory indexHashes = new bytes32[](round.indices.length);
        for (uint256 i; i < indexHashes.length; ++i) {
            indexHashes[i] = keccak256(abi.encode(CLASS_INDEX_TYPEHASH, round.indices[i]));
        }
        // EIP-712 hashes an array of structs as the hash of its members' struct hashes, concatenated.
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    ROUND_TYPEHASH,
                    round.roundId,
                    round.observedAt,
                    keccak256(abi.encodePacked(fleetHashes)),
                    keccak256(abi.encodePacked(indexHashes))
                )
            )
        );
    }

    /// @inheritdoc IFleetOracle
    function hashGpuReport(GpuReport calldata report) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(GPU_REPORT_TYPEHASH, report)));
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IFleetOracle
    function addSigner(address signer) external restricted {
        _addSigner(signer);
        _checkQuorum(_head.quorum, signerCount);
    }

    /// @inheritdoc IFleetOracle
    function removeSigner(address signer) external restricted {
        if (!isSigner[signer]) revert NotASigner(signer);
        uint256 count = signerCount - 1;
        _checkQuorum(_head.quorum, count);
        isSigner[signer] = false;
        signerCount = count;
        emit SignerRemoved(signer, count);
    }

    /// @inheritdoc IFleetOracle
    function setQuorum(uint256 quorum_) external restricted {
        _setQuorum(quorum_);
    }

    /// @inheritdoc IFleetOracle
    function setClassBounds(uint16 classId, uint256 minValuePerGpu, uint256 maxValuePerGpu) external restricted {
        if (minValuePerGpu >= MAX_VALUE_PER_GPU) {
            revert ParameterOutOfBounds("minValuePerGpu", minValuePerGpu, 0, MAX_VALUE_PER_GPU - 1);
        }
        if (maxValuePerGpu <= minValuePerGpu || maxValuePerGpu > MAX_VALUE_PER_GPU) {
            revert ParameterOutOfBounds("maxValuePerGpu", maxValuePerGpu, minValuePerGpu + 1, MAX_VALUE_PER_GPU);
        }
        _classBounds[classId] = ClassBounds(uint128(minValuePerGpu), uint128(maxValuePerGpu));
        emit ClassBoundsSet(classId, minValuePerGpu, maxValuePerGpu);
    }

    /// @inheritdoc IFleetOracle
    function setParams(Params calldata params_) external restricted {
        _setParams(params_);
    }

    /// @inheritdoc IFleetOracle
    function stop() external restricted {
        if (_head.stopped) revert OracleIsStopped();
        _head.stopped = true;
        emit Stopped(msg.sender);
    }

    /// @inheritdoc IFleetOracle
    function resume() external restricted {
        if (!_head.stopped) revert OracleIsNotStopped();
        _head.stopped = false;
        emit Resumed(msg.sender);
    }

    // ---------------------------------------------------------------- reads

    /// @inheritdoc IFleetOracle
    function borrowValue(uint256 fleetId) external view returns (uint256) {
        Head memory head = _head;
        if (head.stopped) revert OracleIsStopped();
        FleetSlot memory fleet = _fleets[fleetId];
        if (fleet.observedAt == 0) revert NoValuation(fleetId);
        if (_isStale(fleet.observedAt, head.maxAge)) {
            revert ValuationStale(fleetId, fleet.observedAt, block.timestamp, head.maxAge);
        }
        return _borrowable(fleet, head.increaseDelay) * MICRO;
    }

    /// @inheritdoc IFleetOracle
    function liquidationValue(uint256 fleetId) external view returns (uint256, uint40) {
        FleetSlot memory fleet = _fleets[fleetId];
        if (fleet.observedAt == 0) revert NoValuation(fleetId);
        return (fleet.value * MICRO, fleet.observedAt);
    }

    /// @inheritdoc IFleetOracle
    function fleetState(uint256 fleetId) external view returns (FleetState memory) {
        FleetSlot memory fleet = _fleets[fleetId];
        return FleetState({
            value: fleet.value * MICRO,
            priorValue: fleet.priorValue * MICRO,
            observedAt: fleet.observedAt,
            throughputBps: fleet.throughputBps,
            utilizationBps: fleet.utilizationBps,
            healthFlags: fleet.healthFlags,
            classId: fleet.classId,
            gpuCount: fleet.gpuCount
        });
    }

    /// @inheritdoc IFleetOracle
    function isFresh(uint256 fleetId) external view returns (bool) {
        uint40 observedAt = _fleets[fleetId].observedAt;
        return observedAt != 0 && !_isStale(observedAt, _head.maxAge);
    }

    /// @inheritdoc IFleetOracle
    function classIndex(uint16 classId) external view returns (uint64, uint256, uint40) {
        IndexSlot memory index = _indices[classId];
        return (index.roundId, index.valuePerGpu, index.observedAt);
    }

    /// @inheritdoc IFleetOracle
    function classBounds(uint16 classId) external view returns (uint256, uint256) {
        ClassBounds memory bounds = _classBounds[classId];
        return (bounds.minValuePerGpu, bounds.maxValuePerGpu);
    }

    /// @inheritdoc IFleetOracle
    function params() external view returns (Params memory) {
        Head memory head = _head;
        return Params(head.maxAge, head.increaseDelay, head.maxIncreasePerDay);
    }

    /// @inheritdoc IFleetOracle
    function latestRoundId() external view returns (uint64) {
        return _head.latestRoundId;
    }

    /// @inheritdoc IFleetOracle
    function quorum() external view returns (uint256) {
        return _head.quorum;
    }

    /// @inheritdoc IFleetOracle
    function stopped() external view returns (bool) {
        return _head.stopped;
    }

    // ---------------------------------------------------------------- internals

    function _checkObservedAt(uint40 observedAt, Head memory head) private view {
        if (observedAt > block.timestamp) revert ObservationInFuture(observedAt, block.timestamp);
        if (_isStale(observedAt, head.maxAge)) revert ObservationStale(observedAt, block.timestamp, head.maxAge);
        // A round observed before its predecessor would count the same hours twice towards the daily cap.
        if (observedAt < head.latestObservedAt) revert ObservationOutOfOrder(observedAt, head.latestObservedAt);
    }

    /// @dev Strictly increasing signers prove the signatures come from distinct keys without a set in memory.
    function _recoverSigners(bytes32 digest, bytes[] calldata signatures, uint256 quorum_)
        private
        view
        returns (address[] memory signers)
    {
        if (signatures.length < quorum_) revert TooFewSignatures(signatures.length, quorum_);
        signers = new address[](signatures.length);
        address previous;
        for (uint256 i; i < signatures.length; ++i) {
            (address signer, ECDSA.RecoverError recoverError,) = ECDSA.tryRecoverCalldata(digest, signatures[i]);
            if (recoverError != ECDSA.RecoverError.NoError) revert InvalidSignature(i);
            if (signer <= previous) revert SignersNotAscending(i, previous, signer);
            if (!isSigner[signer]) revert SignerNotAuthorized(i, signer);
            signers[i] = signer;
            previous = signer;
        }
    }

    function _valueFleet(FleetValue calldata report, uint64 roundId, uint40 observedAt, Head memory head) private {
        FleetSlot memory fleet = _fleets[report.fleetId];
        bool firstValuation = fleet.observedAt == 0;
        if (firstValuation) (fleet.classId, fleet.gpuCount) = _classAndCount(report.fleetId);
        _checkFleetBounds(report.fleetId, report.value, fleet.classId, fleet.gpuCount);

        // Rounds down, so the protocol never lends against more than the nodes reported. Fits 64 bits because
        // value < maxValuePerGpu × gpuCount ≤ MAX_VALUE_PER_GPU × type(uint24).max ≤ type(uint64).max × MICRO.
        uint256 value = report.value / MICRO;
        // A first valuation has nothing borrowable (priorValue 0) until it matures.
        uint256 priorValue;
        if (!firstValuation) {
            uint256 elapsed = observedAt - fleet.observedAt; // ≥ 0: rounds never go back in observation time
            value = value.min(_increaseCap(fleet.value, elapsed, head.maxIncreasePerDay));
            // Whatever was borrowable a moment ago stays the ceiling until this value matures, so a chain of small
            // increases cannot skip the delay, and a decrease below it applies at once.
            priorValue = value.min(_borrowable(fleet, head.increaseDelay));
        }
        fleet.value = uint64(value);
        fleet.priorValue = uint64(priorValue);
        fleet.observedAt = observedAt;
        fleet.throughputBps = report.throughputBps;
        fleet.utilizationBps = report.utilizationBps;
        fleet.healthFlags = report.healthFlags;
        _fleets[report.fleetId] = fleet;
        _emitFleetValued(report, roundId, fleet, _borrowable(fleet, head.increaseDelay));
    }

    function _emitFleetValued(FleetValue calldata report, uint64 roundId, FleetSlot memory fleet, uint256 borrowable)
        private
    {
        emit FleetValued(
            report.fleetId,
            roundId,
            report.value,
            fleet.value * MICRO,
            borrowable * MICRO,
            report.throughputBps,
            report.utilizationBps,
            report.healthFlags,
            report.freshGpus,
            fleet.observedAt
        );
    }

    function _updateIndex(ClassIndex calldata index, uint64 roundId, uint40 observedAt) private {
        (uint256 minExclusive, uint256 maxExclusive) = _requireBounds(index.classId);
        if (index.valuePerGpu <= minExclusive || index.valuePerGpu >= maxExclusive) {
            revert IndexOutOfBounds(index.classId, index.valuePerGpu, minExclusive, maxExclusive);
        }
        // Fits: below the class max, itself at most MAX_VALUE_PER_GPU < 2^128.
        _indices[index.classId] = IndexSlot(roundId, observedAt, uint128(index.valuePerGpu));
        emit ClassIndexUpdated(index.classId, roundId, index.valuePerGpu, observedAt);
    }

    /// @dev Read once per fleet: registry records are immutable, so the cache never goes out of date.
    function _classAndCount(uint256 fleetId) private view returns (uint16 classId, uint24 gpuCount) {
        try registry.classAndCount(fleetId) returns (uint16 registeredClass, uint32 registeredCount) {
            if (registeredCount > type(uint24).max) {
                revert GpuCountTooLarge(fleetId, registeredCount, type(uint24).max);
            }
            return (registeredClass, uint24(registeredCount));
        } catch {
            revert UnknownFleet(fleetId);
        }
    }

    function _checkFleetBounds(uint256 fleetId, uint256 value, uint16 classId, uint24 gpuCount) private view {
        (uint256 minPerGpu, uint256 maxPerGpu) = _requireBounds(classId);
        uint256 minExclusive = minPerGpu * gpuCount;
        uint256 maxExclusive = maxPerGpu * gpuCount;
        if (value <= minExclusive || value >= maxExclusive) {
            revert ValueOutOfBounds(fleetId, value, minExclusive, maxExclusive);
        }
    }

    function _requireBounds(uint16 classId) private view returns (uint256 minPerGpu, uint256 maxPerGpu) {
        ClassBounds memory bounds = _classBounds[classId];
        if (bounds.maxValuePerGpu == 0) revert ClassBoundsNotSet(classId);
        return (bounds.minValuePerGpu, bounds.maxValuePerGpu);
    }

    /// @dev The most `value` [µ$] may become after `elapsed` seconds: +maxIncreasePerDay pro rata, at most one day's
    /// worth. Rounds down, against the increase.
    function _increaseCap(uint256 value, uint256 elapsed, uint256 maxIncreasePerDay) private pure returns (uint256) {
        return value + value.mulDivDown(maxIncreasePerDay * elapsed.min(1 days), WAD * 1 days);
    }

    /// @dev [µ$] The latest value once it has been observed `increaseDelay` ago, the prior value until then.
    function _borrowable(FleetSlot memory fleet, uint256 increaseDelay) private view returns (uint256) {
        return fleet.observedAt + increaseDelay <= block.timestamp ? fleet.value : fleet.priorValue;
    }

    function _isStale(uint40 observedAt, uint256 maxAge) private view returns (bool) {
        return observedAt + maxAge < block.timestamp;
    }

    function _addSigner(address signer) private {
        if (signer == address(0)) revert ZeroSigner();
        if (isSigner[signer]) revert SignerAlreadyAdded(signer);
        isSigner[signer] = true;
        emit SignerAdded(signer, ++signerCount);
    }

    function _setQuorum(uint256 quorum_) private {
        _checkQuorum(quorum_, signerCount);
        _head.quorum = uint16(quorum_);
        emit QuorumSet(quorum_);
    }

    /// @dev A strict majority: two disjoint groups of signers can never both reach quorum.
    function _checkQuorum(uint256 quorum_, uint256 count) private pure {
        if (quorum_ == 0 || quorum_ > count || 2 * quorum_ <= count || quorum_ > type(uint16).max) {
            revert QuorumOutOfRange(quorum_, count);
        }
    }

    function _setParams(Params memory params_) private {
        _checkBounds("maxAge", params_.maxAge, Bounds.MIN_ORACLE_MAX_AGE, Bounds.MAX_ORACLE_MAX_AGE);
        // An increase must be able to mature while its value is still fresh, or it would never be borrowable.
        uint256 maxDelay = uint256(Bounds.MAX_INCREASE_DELAY).min(params_.maxAge - 1);
        _checkBounds("increaseDelay", params_.increaseDelay, Bounds.MIN_INCREASE_DELAY, maxDelay);
        _checkBounds(
            "maxIncreasePerDay",
            params_.maxIncreasePerDay,
            Bounds.MIN_MAX_INCREASE_PER_DAY,
            Bounds.MAX_MAX_INCREASE_PER_DAY
        );
        _head.maxAge = params_.maxAge;
        _head.increaseDelay = params_.increaseDelay;
        _head.maxIncreasePerDay = params_.maxIncreasePerDay;
        emit ParamsSet(params_.maxAge, params_.increaseDelay, params_.maxIncreasePerDay);
    }

    function _checkBounds(bytes32 name, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert ParameterOutOfBounds(name, value, min, max);
    }
}
