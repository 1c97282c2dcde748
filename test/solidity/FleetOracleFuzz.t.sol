// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./utils/Vm.sol";
import {ProtocolAccessManager} from "../../contracts/governance/ProtocolAccessManager.sol";
import {FleetRegistry} from "../../contracts/FleetRegistry.sol";
import {FleetOracle} from "../../contracts/FleetOracle.sol";
import {IFleetRegistry} from "../../contracts/interfaces/IFleetRegistry.sol";
import {IFleetOracle} from "../../contracts/interfaces/IFleetOracle.sol";

/// @notice Properties of the oracle's valuation rules under random values and timings, on rounds signed here with
/// `vm.sign` exactly as the nodes sign them.
contract FleetOracleFuzzTest is TestBase {
    uint256 internal constant CENT = 1e16;
    uint32 internal constant MAX_AGE = 6 hours;
    uint32 internal constant DELAY = 1 hours;
    uint64 internal constant RATE = 0.1e18; // +10 % a day
    uint32 internal constant GPUS = 100;
    uint256 internal constant MIN_FLEET = 1_000e18 * uint256(GPUS); // exclusive
    uint256 internal constant MAX_FLEET = 100_000e18 * uint256(GPUS); // exclusive

    FleetRegistry internal registry;
    FleetOracle internal oracle;
    uint256 internal fleetId;
    uint256[3] internal keys; // sorted by address, the order submitRound requires

    function setUp() public {
        vm.warp(1_750_000_000);
        ProtocolAccessManager manager = new ProtocolAccessManager(address(this));
        registry = new FleetRegistry(address(manager));
        address[] memory signers = new address[](3);
        for (uint256 i; i < 3; ++i) {
            keys[i] = uint256(keccak256(abi.encodePacked("gpu-credit oracle signer ", bytes1(uint8(49 + i)))));
        }
        _sortKeys();
        for (uint256 i; i < 3; ++i) {
            signers[i] = vm.addr(keys[i]);
        }
        oracle = new FleetOracle(
            address(manager), IFleetRegistry(address(registry)), signers, 2, IFleetOracle.Params(MAX_AGE, DELAY, RATE)
        );
        // This contract is the manager's admin, which every function without another role defaults to.
        oracle.setClassBounds(1, MIN_FLEET / GPUS, MAX_FLEET / GPUS);
        fleetId = registry.onboard(
            IFleetRegistry.Fleet({
                operator: address(0xB0B),
                classId: 1,
                gpuCount: GPUS,
                acquiredAt: uint40(block.timestamp),
                acquisitionCost: 2_000_000e18,
                gpuRoot: keccak256("gpus"),
                legalDocsHash: keccak256("docs")
            }),
            new address[](0)
        );
    }

    /// The stored value never exceeds the reported one, and loses less than a cent to rounding.
    function testFuzzStoredValueRoundsDown(uint256 reported) public {
        reported = bound(reported, MIN_FLEET + 1, MAX_FLEET - 1);
        _value(reported, block.timestamp);
        (uint256 stored,) = oracle.liquidationValue(fleetId);
        assertLe(stored, reported, "stored more than reported");
        assertEq(stored, reported - (reported % CENT), "not rounded down to a cent");
    }

    /// An increase never exceeds maxIncreasePerDay pro rata to the time since the last value, capped at one day.
    function testFuzzIncreaseNeverExceedsDailyCap(uint256 first, uint256 second, uint256 elapsed) public {
        first = bound(first, MIN_FLEET + 1, MAX_FLEET - 1);
        second = bound(second, MIN_FLEET + 1, MAX_FLEET - 1);
        elapsed = bound(elapsed, 0, 3 days);
        _value(first, block.timestamp);
        (uint256 before,) = oracle.liquidationValue(fleetId);

        vm.warp(block.timestamp + elapsed);
        _value(second, block.timestamp);
        (uint256 afterwards,) = oracle.liquidationValue(fleetId);

        uint256 counted = elapsed < 1 days ? elapsed : 1 days;
        assertLe(afterwards, second, "stored more than reported");
        if (afterwards > before) {
            // (after − before) / before ≤ RATE × counted / 1 day, in integers
            assertLe((afterwards - before) * 1e18 * 1 days, before * RATE * counted, "rose faster than the daily cap");
        }
        if (second <= before) assertEq(afterwards, second - (second % CENT), "a decrease was not applied in full");
    }

    /// Borrowing never uses more than liquidation would, nor more than the largest value stored by a round observed at
    /// least `increaseDelay` ago; and once the latest round is that old, its value is borrowable. Whatever the values,
    /// the gaps between rounds (shorter or longer than the delay) and the read times.
    function testFuzzBorrowableNeverAheadOfTheDelay(uint256 seed) public {
        uint256[8] memory stored;
        uint256[8] memory observed;
        for (uint256 round; round < 8; ++round) {
            seed = uint256(keccak256(abi.encode(seed)));
            vm.warp(block.timestamp + bound(seed >> 128, 0, 4 hours));
            _value(bound(seed, MIN_FLEET + 1, MAX_FLEET - 1), block.timestamp);
            (uint256 value, uint40 observedAt) = oracle.liquidationValue(fleetId);
            (stored[round], observed[round]) = (value, observedAt);
            IFleetOracle.FleetState memory state = oracle.fleetState(fleetId);
            assertLe(state.priorValue, state.value, "prior above value");

            vm.warp(observedAt + bound(seed >> 64, 0, DELAY - 1));
            uint256 matured;
            for (uint256 j; j <= round; ++j) {
                if (observed[j] + DELAY <= block.timestamp && stored[j] > matured) matured = stored[j];
            }
            uint256 borrowable = oracle.borrowValue(fleetId);
            assertLe(borrowable, value, "borrowable above liquidation value");
            assertLe(borrowable, matured, "increase borrowable before the delay");
            if ((seed >> 200) % 2 == 0) {
                vm.warp(observedAt + DELAY);
                assertEq(oracle.borrowValue(fleetId), value, "matured value not borrowable");
            }
        }
    }

    /// Any value at or beyond a bound is refused, and the stored state is left exactly as it was.
    function testFuzzOutOfBoundsNeverCorruptsState(uint256 good, uint256 bad) public {
        good = bound(good, MIN_FLEET + 1, MAX_FLEET - 1);
        _value(good, block.timestamp);
        IFleetOracle.FleetState memory before = oracle.fleetState(fleetId);
        uint64 roundBefore = oracle.latestRoundId();

        bad = bad % 2 == 0 ? bound(bad, 0, MIN_FLEET) : bound(bad, MAX_FLEET, type(uint256).max);
        vm.warp(block.timestamp + 1 hours);
        IFleetOracle.Round memory round = _round(bad, block.timestamp);
        bytes[] memory signatures = _sign(round);
        vm.expectRevert(
            abi.encodeWithSelector(IFleetOracle.ValueOutOfBounds.selector, fleetId, bad, MIN_FLEET, MAX_FLEET)
        );
        oracle.submitRound(round, signatures);

        IFleetOracle.FleetState memory afterwards = oracle.fleetState(fleetId);
        assertEq(afterwards.value, before.value, "value changed");
        assertEq(afterwards.priorValue, before.priorValue, "prior changed");
        assertEq(afterwards.observedAt, before.observedAt, "observedAt changed");
        assertEq(oracle.latestRoundId(), roundBefore, "round id advanced");
    }

    /// A round signed by any key outside the signer set is refused.
    function testFuzzStrangerSignatureRejected(uint256 strangerKey) public {
        strangerKey = bound(strangerKey, 1, 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140);
        address stranger = vm.addr(strangerKey);
        vm.assume(stranger != vm.addr(keys[0]) && stranger != vm.addr(keys[1]) && stranger != vm.addr(keys[2]));
        IFleetOracle.Round memory round = _round(MIN_FLEET + 1e18, block.timestamp);
        bytes32 digest = oracle.hashRound(round);
        bytes[] memory signatures = new bytes[](2);
        (address low, uint256 lowKey, uint256 highKey) = stranger < vm.addr(keys[0])
            ? (stranger, strangerKey, keys[0])
            : (vm.addr(keys[0]), keys[0], strangerKey);
        signatures[0] = _signature(lowKey, digest);
        signatures[1] = _signature(highKey, digest);
        uint256 index = low == stranger ? 0 : 1;
        vm.expectRevert(abi.encodeWithSelector(IFleetOracle.SignerNotAuthorized.selector, index, stranger));
        oracle.submitRound(round, signatures);
    }

    function _value(uint256 reported, uint256 observedAt) internal {
        IFleetOracle.Round memory round = _round(reported, observedAt);
        oracle.submitRound(round, _sign(round));
    }

    function _round(uint256 reported, uint256 observedAt) internal view returns (IFleetOracle.Round memory round) {
        IFleetOracle.FleetValue[] memory fleets = new IFleetOracle.FleetValue[](1);
        fleets[0] = IFleetOracle.FleetValue(fleetId, reported, 9_800, 8_500, 0, GPUS);
        round = IFleetOracle.Round(oracle.latestRoundId() + 1, uint40(observedAt), fleets, new IFleetOracle.ClassIndex[](0));
    }

    function _sign(IFleetOracle.Round memory round) internal view returns (bytes[] memory signatures) {
        bytes32 digest = oracle.hashRound(round);
        signatures = new bytes[](3);
        for (uint256 i; i < 3; ++i) {
            signatures[i] = _signature(keys[i], digest);
        }
    }

    function _signature(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _sortKeys() internal {
        for (uint256 i; i < 3; ++i) {
            for (uint256 j = i + 1; j < 3; ++j) {
                if (vm.addr(keys[j]) < vm.addr(keys[i])) (keys[i], keys[j]) = (keys[j], keys[i]);
            }
        }
    }
}
