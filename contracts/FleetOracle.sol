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

    /// @dev Wad per stored unit: fleet values are kept in cents so that a fleet's whole state, with its maturity
    /// time, fits one slot. A cent is far below any decision the protocol takes on a fleet worth thousands.
    uint256 private constant CENT = 1e16;

    /// @inheritdoc IFleetOracle
    uint256 public constant MAX_VALUE_PER_GPU = (uint256(type(uint48).max) * CENT) / type(uint16).max;

    bytes32 private constant FLEET_VALUE_TYPEHASH = keccak256(
        "FleetValue(uint256 fleetId,uint256 value,uint16 throughputBps,uint16 utilizationBps,uint16 healthFlags,"
        "uint32 freshGpus)"
    );
    bytes32 private constant CLASS_INDEX_TYPEHASH = keccak256("ClassIndex(uint16 classId,uint256 valuePerGpu)");
    // EIP-712 appends referenced struct types to the primary one, sorted by name.
    bytes32 private constant ROUND_TYPEHASH = keccak256(
        "Round(uint64 roundId,uint40 observedAt,FleetValue[] fleets,ClassIndex[] indices)"
        "ClassIndex(uint16 classId,uint256 valuePerGpu)"
        "FleetValue(uint256 fleetId,uint256 value,uint16 throughputBps,uint16 utilizationBps,uint16 healthFlags,"
        "uint32 freshGpus)"
    );
    bytes32 private constant GPU_REPORT_TYPEHASH = keccak256(
        "GpuReport(uint256 fleetId,bytes32 gpuUuidHash,bytes32 nonce,uint40 observedAt,uint32 tflopsMilli,"
        "uint32 bandwidthGBps,uint16 utilizationBps,uint32 powerMilliwatts,uint16 healthFlags,bytes32 sampleDigest,"
        "bool replay)"
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

    /// @dev A fleet's state, in one slot in this field order, low bits first (the `_SHIFT` constants): a
    /// steady-state valuation costs one cold read and one write. `_valueFleet` packs it by hand because Solidity
    /// copies packed structs field by field.
    struct FleetSlot {
        uint48 value; // [¢] wad / 1e16, rounded down
        uint48 priorValue; // [¢] borrowable until `maturesAt`; never above `value`
        uint40 observedAt; // [unix s] 0 = never valued
        uint40 maturesAt; // [unix s] from then on `value` is borrowable
        uint16 throughputBps;
        uint16 utilizationBps;
        uint16 healthFlags;
        uint16 classId; // cached from the registry, whose records never change
        uint16 gpuCount; // cached from the registry
    }

    /// @dev A FleetSlot packed into one word; a struct so that a round computes the fleet's slot once.
    struct PackedFleet {
        uint256 word;
    }

    uint256 private constant PRIOR_VALUE_SHIFT = 48;
    uint256 private constant OBSERVED_AT_SHIFT = 96;
    uint256 private constant MATURES_AT_SHIFT = 136;
    uint256 private constant THROUGHPUT_SHIFT = 176;
    uint256 private constant UTILIZATION_SHIFT = 192;
    uint256 private constant HEALTH_FLAGS_SHIFT = 208;
    uint256 private constant CLASS_ID_SHIFT = 224;
    uint256 private constant GPU_COUNT_SHIFT = 240;

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
    mapping(uint256 fleetId => PackedFleet) private _fleets;
    /// @dev [wad] exclusive per-GPU bounds, `min | max << 128`: both at most MAX_VALUE_PER_GPU < 2^128, and one slot
    /// keeps a round's bounds check to one read. max = 0: class not configured.
    mapping(uint16 classId => uint256 minAndMax) private _classBounds;
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
        (uint64 roundId, uint40 observedAt) = (round.roundId, round.observedAt);
        _head.latestRoundId = roundId;
        _head.latestObservedAt = observedAt;
        // First, so an indexer knows the round and its observation time before it sees the round's fleets.
        emit RoundSubmitted(roundId, observedAt, round.fleets.length, signers);

        FleetValue[] calldata fleets = round.fleets;
        uint256 previousFleetId;
        BoundsCache memory bounds;
        for (uint256 i; i < fleets.length; ++i) {
            FleetValue calldata report = fleets[i];
            uint256 fleetId = report.fleetId;
            if (fleetId <= previousFleetId) revert FleetsNotAscending(i, previousFleetId, fleetId);
            previousFleetId = fleetId;
            _valueFleet(report, fleetId, observedAt, head, bounds);
        }
        ClassIndex[] calldata indices = round.indices;
        uint16 previousClassId;
        for (uint256 i; i < indices.length; ++i) {
            uint16 classId = indices[i].classId;
            if (classId <= previousClassId) revert ClassesNotAscending(i, previousClassId, classId);
            previousClassId = classId;
            _updateIndex(indices[i], roundId, observedAt);
        }
    }

    /// @inheritdoc IFleetOracle
    function hashRound(Round calldata round) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    ROUND_TYPEHASH,
                    round.roundId,
                    round.observedAt,
                    _hashStructs(FLEET_VALUE_TYPEHASH, _asWords(round.fleets), 6),
                    _hashStructs(CLASS_INDEX_TYPEHASH, _asWords(round.indices), 2)
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
        _classBounds[classId] = minValuePerGpu | (maxValuePerGpu << 128);
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
        FleetSlot memory fleet = _loadFleet(fleetId);
        if (fleet.observedAt == 0) revert NoValuation(fleetId);
        if (_isStale(fleet.observedAt, head.maxAge)) {
            revert ValuationStale(fleetId, fleet.observedAt, block.timestamp, head.maxAge);
        }
        return _borrowable(fleet.value, fleet.priorValue, fleet.maturesAt) * CENT;
    }

    /// @inheritdoc IFleetOracle
    function liquidationValue(uint256 fleetId) external view returns (uint256, uint40) {
        FleetSlot memory fleet = _loadFleet(fleetId);
        if (fleet.observedAt == 0) revert NoValuation(fleetId);
        return (fleet.value * CENT, fleet.observedAt);
    }

    /// @inheritdoc IFleetOracle
    /// @dev In assembly because keepers page through every vault with it and a node's eth_call costs time per EVM
    /// step: a keccak, a load and a check per fleet, and the values are returned in place, without a second copy by
    /// the ABI encoder.
    function liquidationValues(uint256[] calldata fleetIds) external view returns (uint256[] memory) {
        bytes4 noValuation = NoValuation.selector;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // The return data, built where it will be returned from: offset, length, values.
            let result := mload(0x40)
            mstore(result, 32)
            mstore(add(result, 32), fleetIds.length)
            let out := add(result, 64)
            let end := add(fleetIds.offset, shl(5, fleetIds.length))
            for { let p := fleetIds.offset } lt(p, end) { p := add(p, 32) } {
                let fleetId := calldataload(p)
                mstore(0, fleetId)
                mstore(32, _fleets.slot)
                let word := sload(keccak256(0, 64))
                if iszero(and(shr(OBSERVED_AT_SHIFT, word), 0xffffffffff)) {
                    mstore(0, noValuation)
                    mstore(4, fleetId)
                    revert(0, 36)
                }
                mstore(out, mul(and(word, 0xffffffffffff), CENT)) // value [¢] × CENT < 2^102
                out := add(out, 32)
            }
            return(result, sub(out, result))
        }
    }

    /// @inheritdoc IFleetOracle
    function fleetState(uint256 fleetId) external view returns (FleetState memory) {
        FleetSlot memory fleet = _loadFleet(fleetId);
        return FleetState({
            value: fleet.value * CENT,
            priorValue: fleet.priorValue * CENT,
            observedAt: fleet.observedAt,
            maturesAt: fleet.maturesAt,
            throughputBps: fleet.throughputBps,
            utilizationBps: fleet.utilizationBps,
            healthFlags: fleet.healthFlags,
            classId: fleet.classId,
            gpuCount: fleet.gpuCount
        });
    }

    /// @inheritdoc IFleetOracle
    function isFresh(uint256 fleetId) external view returns (bool) {
        uint40 observedAt = _loadFleet(fleetId).observedAt;
        return observedAt != 0 && !_isStale(observedAt, _head.maxAge);
    }

    /// @inheritdoc IFleetOracle
    function classIndex(uint16 classId) external view returns (uint64, uint256, uint40) {
        IndexSlot memory index = _indices[classId];
        return (index.roundId, index.valuePerGpu, index.observedAt);
    }

    /// @inheritdoc IFleetOracle
    function classBounds(uint16 classId) external view returns (uint256, uint256) {
        uint256 bounds = _classBounds[classId];
        return (uint128(bounds), bounds >> 128);
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

    function _valueFleet(
        FleetValue calldata report,
        uint256 fleetId,
        uint40 observedAt,
        Head memory head,
        BoundsCache memory bounds
    ) private {
        uint256 reported = report.value;
        PackedFleet storage packed = _fleets[fleetId];
        uint256 slot = packed.word;
        uint256 lastObservedAt = uint40(slot >> OBSERVED_AT_SHIFT);
        // classId and gpuCount, in their slot position's layout; cached on the first valuation
        uint256 classAndCount = lastObservedAt == 0 ? _classAndCount(fleetId) : slot >> CLASS_ID_SHIFT;
        _checkFleetBounds(fleetId, reported, classAndCount, bounds);

        // Rounds down, so the protocol never lends against more than the nodes reported. Fits 48 bits because
        // value < maxValuePerGpu × gpuCount ≤ MAX_VALUE_PER_GPU × type(uint16).max ≤ type(uint48).max × CENT.
        uint256 value = reported / CENT;
        uint256 priorValue; // a first valuation has nothing borrowable until it matures
        uint256 maturesAt = observedAt + head.increaseDelay;
        if (lastObservedAt != 0) {
            uint256 lastValue = uint48(slot);
            // Checked although rounds never go back in observation time: an underflow would unlock a day's increase.
            uint256 cap = _increaseCap(lastValue, observedAt - lastObservedAt, head.maxIncreasePerDay);
            if (value > cap) {
                value = cap;
                emit IncreaseClamped(fleetId, reported, cap * CENT);
            }
            uint256 lastMaturesAt = uint40(slot >> MATURES_AT_SHIFT);
            // What is borrowable now stays the ceiling until the new value matures, so a chain of increases cannot
            // skip the delay. A value at or below it applies at once.
            priorValue = _borrowable(lastValue, uint48(slot >> PRIOR_VALUE_SHIFT), lastMaturesAt);
            if (value <= priorValue) {
                priorValue = value;
                maturesAt = observedAt;
            } else if (value <= lastValue && lastMaturesAt > block.timestamp) {
                // No higher than the increase already waiting: it keeps its clock, so rounds at any cadence let it
                // mature. Only a further rise starts the delay again.
                maturesAt = lastMaturesAt;
            }
        }
        packed.word = value | (priorValue << PRIOR_VALUE_SHIFT) | (uint256(observedAt) << OBSERVED_AT_SHIFT)
            | (maturesAt << MATURES_AT_SHIFT) | (_parts(report) << THROUGHPUT_SHIFT)
            | (classAndCount << CLASS_ID_SHIFT);
        _emitFleetValued(report, value, priorValue, maturesAt);
    }

    /// @dev `throughputBps | utilizationBps << 16 | healthFlags << 32`, the layout of the parts in a fleet's slot.
    /// Reads the words directly and range-checks all four small fields (freshGpus too) at once, as the ABI decoder
    /// would one by one at several times the gas.
    function _parts(FleetValue calldata report) private pure returns (uint256 parts) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let throughput := calldataload(add(report, 0x40))
            let utilization := calldataload(add(report, 0x60))
            let health := calldataload(add(report, 0x80))
            let fresh := calldataload(add(report, 0xa0))
            if or(shr(16, or(or(throughput, utilization), health)), shr(32, fresh)) { revert(0, 0) }
            parts := or(or(throughput, shl(16, utilization)), shl(32, health))
        }
    }

    /// @dev Emits FleetValued [wad] from the report's calldata words, a few hundred gas cheaper per fleet than `emit`.
    /// `_parts` has range-checked the small fields.
    function _emitFleetValued(FleetValue calldata report, uint256 value, uint256 priorValue, uint256 maturesAt)
        private
    {
        bytes32 topic = FleetValued.selector;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let data := mload(0x40)
            mstore(data, mul(value, CENT))
            mstore(add(data, 0x20), mul(priorValue, CENT))
            mstore(add(data, 0x40), maturesAt)
            // throughputBps, utilizationBps, healthFlags, freshGpus
            calldatacopy(add(data, 0x60), add(report, 0x40), 0x80)
            log2(data, 0xe0, topic, calldataload(report))
        }
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

    /// @dev Read once per fleet: registry records are immutable, so the cache never goes out of date. Returns
    /// `classId | gpuCount << 16`, the layout of the two fields at the top of a fleet's slot.
    function _classAndCount(uint256 fleetId) private view returns (uint256) {
        try registry.classAndCount(fleetId) returns (uint16 classId, uint32 gpuCount) {
            if (gpuCount > type(uint16).max) revert GpuCountTooLarge(fleetId, gpuCount, type(uint16).max);
            return classId | (uint256(gpuCount) << 16);
        } catch {
            revert UnknownFleet(fleetId);
        }
    }

    /// @dev A round's fleets mostly share a few classes; remembering the last class's bounds saves a mapping lookup
    /// per fleet. `classIdPlusOne` is 0 before the first fleet.
    struct BoundsCache {
        uint256 classIdPlusOne;
        uint256 minAndMax;
    }

    function _checkFleetBounds(uint256 fleetId, uint256 value, uint256 classAndCount, BoundsCache memory cache)
        private
        view
    {
        uint16 classId = uint16(classAndCount);
        if (cache.classIdPlusOne != uint256(classId) + 1) {
            (cache.classIdPlusOne, cache.minAndMax) = (uint256(classId) + 1, _classBounds[classId]);
        }
        uint256 bounds = cache.minAndMax;
        uint256 maxPerGpu = bounds >> 128;
        if (maxPerGpu == 0) revert ClassBoundsNotSet(classId);
        uint256 minExclusive;
        uint256 maxExclusive;
        unchecked {
            // below 2^128 × 2^16: no overflow
            minExclusive = uint128(bounds) * (classAndCount >> 16);
            maxExclusive = maxPerGpu * (classAndCount >> 16);
        }
        if (value <= minExclusive || value >= maxExclusive) {
            revert ValueOutOfBounds(fleetId, value, minExclusive, maxExclusive);
        }
    }

    function _requireBounds(uint16 classId) private view returns (uint256 minPerGpu, uint256 maxPerGpu) {
        uint256 bounds = _classBounds[classId];
        maxPerGpu = bounds >> 128;
        if (maxPerGpu == 0) revert ClassBoundsNotSet(classId);
        minPerGpu = uint128(bounds);
    }

    /// @dev EIP-712 hash of an array of static structs of `words` fields each: the keccak of its members' struct
    /// hashes, concatenated. Hashes the calldata words as they are; a field with dirty high bits changes the digest,
    /// so no signature matches it, and the ABI decoder rejects it anyway when the field is read.
    function _hashStructs(bytes32 typehash, bytes32[] calldata items, uint256 words)
        private
        pure
        returns (bytes32 hash)
    {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let count := div(items.length, words)
            let hashes := mload(0x40) // scratch past the free memory pointer: nothing else runs meanwhile
            let buffer := add(hashes, shl(5, count))
            let size := shl(5, words)
            mstore(buffer, typehash)
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                calldatacopy(add(buffer, 0x20), add(items.offset, mul(i, size)), size)
                mstore(add(hashes, shl(5, i)), keccak256(buffer, add(size, 0x20)))
            }
            hash := keccak256(hashes, shl(5, count))
        }
    }

    /// @dev Views an array of static structs as its flat words, so `_hashStructs` can hash any of them.
    function _asWords(FleetValue[] calldata fleets) private pure returns (bytes32[] calldata words) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            words.offset := fleets.offset
            words.length := mul(fleets.length, 6)
        }
    }

    function _asWords(ClassIndex[] calldata indices) private pure returns (bytes32[] calldata words) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            words.offset := indices.offset
            words.length := mul(indices.length, 2)
        }
    }

    /// @dev The most `value` [¢] may become after `elapsed` seconds: +maxIncreasePerDay pro rata, at most one day's
    /// worth. Rounds down, against the increase.
    function _increaseCap(uint256 value, uint256 elapsed, uint256 maxIncreasePerDay) private pure returns (uint256) {
        if (elapsed > 1 days) elapsed = 1 days;
        unchecked {
            // value < 2^48, maxIncreasePerDay ≤ 0.5e18 < 2^59, elapsed ≤ 2^17: the product stays below 2^124.
            return value + (value * maxIncreasePerDay * elapsed) / (WAD * 1 days);
        }
    }

    /// @dev [¢] The latest value once it has matured, the prior value until then.
    function _borrowable(uint256 value, uint256 priorValue, uint256 maturesAt) private view returns (uint256) {
        return maturesAt <= block.timestamp ? value : priorValue;
    }

    function _loadFleet(uint256 fleetId) private view returns (FleetSlot memory fleet) {
        uint256 slot = _fleets[fleetId].word;
        fleet.value = uint48(slot);
        fleet.priorValue = uint48(slot >> PRIOR_VALUE_SHIFT);
        fleet.observedAt = uint40(slot >> OBSERVED_AT_SHIFT);
        fleet.maturesAt = uint40(slot >> MATURES_AT_SHIFT);
        fleet.throughputBps = uint16(slot >> THROUGHPUT_SHIFT);
        fleet.utilizationBps = uint16(slot >> UTILIZATION_SHIFT);
        fleet.healthFlags = uint16(slot >> HEALTH_FLAGS_SHIFT);
        fleet.classId = uint16(slot >> CLASS_ID_SHIFT);
        fleet.gpuCount = uint16(slot >> GPU_COUNT_SHIFT);
    }

    function _isStale(uint40 observedAt, uint256 maxAge) private view returns (bool) {
        unchecked {
            // a uint40 time plus a uint32 age: no overflow
            return observedAt + maxAge < block.timestamp;
        }
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
