// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ProtocolFixture} from "./utils/ProtocolFixture.sol";
import {MathLib, RAY} from "../../contracts/libraries/MathLib.sol";
import {Bounds} from "../../contracts/libraries/Bounds.sol";
import {ICreditEngine} from "../../contracts/interfaces/ICreditEngine.sol";
import {IFleetRegistry} from "../../contracts/interfaces/IFleetRegistry.sol";

/// @notice Borrow / repay / accrue sequences against the real engine, oracle and GPUSD.
contract CreditEngineFuzzTest is ProtocolFixture {
    address internal constant OPERATOR = address(0x0BE2A702);
    uint256 internal vaultId;
    uint256 internal fleetId;
    uint256 internal constant FLEET_VALUE = 64 * 22_000e18;

    function setUp() public {
        _deployProtocol();
        (fleetId, vaultId) = _openValuedVault(OPERATOR, 64, FLEET_VALUE);
    }

    /// Minted GPUSD never exceeds what vaults owe, debt never falls below principal, ceilings track principal exactly,
    /// and a full repayment leaves no normalized debt behind in the vault or its class.
    function testFuzzSequencesRoundInFavourOfTheProtocol(uint256 seed) public {
        for (uint256 step; step < 24; ++step) {
            seed = uint256(keccak256(abi.encode(seed, step)));
            uint256 action = seed % 4;
            uint256 debt = engine.debtOf(vaultId);
            if (action == 0) {
                uint256 room = engine.maxBorrow(vaultId);
                uint256 amount = bound(seed >> 8, 1_000e18, 200_000e18);
                (,, bool missed) = engine.isLiquidatable(vaultId);
                if (amount <= room && !missed) {
                    vm.prank(OPERATOR);
                    engine.borrow(vaultId, amount, OPERATOR);
                }
            } else if (action == 1 && debt > 0) {
                uint256 amount = bound(seed >> 8, 1, debt);
                if (debt - amount < 1_000e18 && amount != debt) amount = debt;
                _fund(OPERATOR, amount);
                vm.prank(OPERATOR);
                engine.repay(vaultId, amount);
            } else if (action == 2) {
                vm.warp(block.timestamp + bound(seed >> 8, 1, 5 hours));
                _publish(fleetId, FLEET_VALUE);
            } else {
                engine.accrue(1);
            }
            _checkAccounting();
        }
        uint256 owed = engine.debtOf(vaultId);
        if (owed > 0) {
            _fund(OPERATOR, owed);
            vm.prank(OPERATOR);
            assertEq(engine.repay(vaultId, type(uint256).max), owed, "full repayment burns exactly the debt");
        }
        assertEq(engine.vault(vaultId).normDebt, 0, "vault keeps normalized debt after full repayment");
        assertEq(engine.classState(1).normDebt, 0, "class keeps normalized debt after every vault repaid");
        assertEq(engine.totalPrincipal(), 0, "principal left after full repayment");
    }

    /// A loan left alone for a year grows by the configured 10 % a year within 1e-9, however the year is sliced.
    function testFuzzYearOfInterestMatchesAnnualRate(uint256 amount, uint256 seed) public {
        amount = bound(amount, 1_000e18, 900_000e18);
        vm.prank(OPERATOR);
        engine.borrow(vaultId, amount, OPERATOR);
        uint256 end = block.timestamp + 365 days;
        while (block.timestamp < end) {
            seed = uint256(keccak256(abi.encode(seed)));
            vm.warp(MathLib.min(block.timestamp + bound(seed, 1, 20 days), end));
            engine.accrue(1);
        }
        assertApproxEqRel(engine.debtOf(vaultId), amount * 110 / 100, 1e9, "debt after a year");
        uint256 interest = engine.debtOf(vaultId) - amount;
        uint256 minted = gpusd.balanceOf(address(reserve));
        assertLe(minted, interest, "reserve received more interest than the vault owes");
        assertApproxEqRel(minted, interest, 1e9, "interest minted to the reserve");
    }

    /// Interest owed to the Reserve is minted at once when it would overflow its 88-bit slot, so no borrow or repay
    /// can ever revert on the accounting of interest, and nothing owed is lost.
    function testOwedInterestBeyondItsSlotIsMintedAtOnce() public {
        // Five billion GPUSD at 50 % a year owes more than 2^88 wei (3.1e8 GPUSD) within a quarter.
        engine.setClass(
            1,
            ICreditEngine.ClassParams({
                stabilityFee: Bounds.MAX_STABILITY_FEE,
                maxLtv: 0.9e18,
                liquidationLtv: 0.95e18,
                debtCeiling: type(uint96).max,
                dust: 1_000e18,
                term: 3650 days,
                period: 365 days,
                grace: 30 days
            })
        );
        address whale = address(0x3A1E);
        (, uint256 whaleVault) = _openValuedVault(whale, 60_000, 60_000 * 99_000e18);
        vm.startPrank(whale);
        engine.borrow(whaleVault, 5_000_000_000e18, whale);
        vm.warp(block.timestamp + 90 days);
        engine.repay(whaleVault, 1_000e18);
        vm.stopPrank();
        uint256 minted = gpusd.balanceOf(address(reserve));
        assertGe(minted, uint256(type(uint88).max), "owed interest was not minted when it outgrew its slot");
        assertEq(engine.classState(1).unmintedInterest, 0, "interest left owed after the overflow mint");
        assertLe(gpusd.totalSupply(), engine.debtOf(whaleVault) + engine.debtOf(vaultId), "supply exceeds debt");
    }

    /// Only a seized vault's fleet can be delivered, and only once: a liquidator cannot take a pledged fleet, nor
    /// deliver an auctioned one twice.
    function testDeliverNeedsAVaultInAuction() public {
        engine.setLiquidator(address(this), true);
        vm.expectRevert(abi.encodeWithSelector(ICreditEngine.NotInAuction.selector, vaultId));
        engine.deliver(vaultId, address(this));

        vm.prank(OPERATOR);
        engine.borrow(vaultId, 900_000e18, OPERATOR);
        _publish(fleetId, 1_000_000e18);
        (, uint256 value,,) = engine.seize(vaultId);
        assertEq(value, 1_000_000e18, "seize reports the value it judged");
        (uint256 delivered, address owner) = engine.deliver(vaultId, address(this));
        assertEq(delivered, fleetId, "the vault's fleet is delivered");
        assertTrue(owner == OPERATOR, "the owner is named for the surplus");
        assertTrue(registry.ownerOf(fleetId) == address(this), "the fleet reaches the receiver");
        vm.expectRevert(abi.encodeWithSelector(ICreditEngine.NotInAuction.selector, vaultId));
        engine.deliver(vaultId, address(this));
    }

    /// The keepers' batched scan answers exactly as isLiquidatable, vault by vault, on any page: across runs of two
    /// classes with their own rates and schedules, vaults without debt, repaid, in auction, unhealthy or behind on
    /// their schedule, however much time has passed.
    function testFuzzLiquidatableVaultsMatchesIsLiquidatable(uint256 seed) public {
        engine.setClass(
            2,
            ICreditEngine.ClassParams({
                stabilityFee: Bounds.MAX_STABILITY_FEE,
                maxLtv: 0.6e18,
                liquidationLtv: 0.72e18,
                debtCeiling: 1e27,
                dust: 1_000e18,
                term: 360 days,
                period: 7 days,
                grace: 2 days
            })
        );
        oracle.setClassBounds(2, 100e18, 100_000e18);
        uint16[8] memory classes = [uint16(1), 2, 2, 1, 1, 2, 1, 2];
        uint256[] memory fleets = new uint256[](10);
        fleets[1] = fleetId;
        for (uint256 i; i < classes.length; ++i) {
            (fleets[i + 2],) = _openClassVault(classes[i], uint32(8 + i));
        }
        engine.setLiquidator(address(this), true);
        for (uint256 id = 1; id <= 9; ++id) {
            uint256 r = uint256(keccak256(abi.encode(seed, id)));
            uint256 room = engine.maxBorrow(id);
            if (r % 5 == 0 || room < 2_000e18) continue; // some vaults never borrow
            address owner = engine.vault(id).owner;
            vm.prank(owner);
            engine.borrow(id, bound(r >> 8, 1_000e18, room), owner);
        }
        vm.warp(block.timestamp + bound(seed, 0, 400 days));
        for (uint256 id = 1; id <= 9; ++id) {
            uint256 r = uint256(keccak256(abi.encode(seed, id, "value")));
            if (r % 3 == 0) _publish(fleets[id], oracle.fleetState(fleets[id]).value * bound(r >> 8, 30, 100) / 100);
        }
        // One liquidatable vault goes to auction; one vault with debt repays in full.
        for (uint256 id = 1; id <= 9; ++id) {
            (bool liquidatable,,) = engine.isLiquidatable(id);
            if (liquidatable && seed % 2 == 0) {
                engine.seize(id);
                break;
            }
        }
        uint256 payer = (seed >> 16) % 9 + 1;
        if (engine.debtOf(payer) != 0) {
            address owner = engine.vault(payer).owner;
            _fund(owner, engine.debtOf(payer));
            vm.prank(owner);
            engine.repay(payer, type(uint256).max);
        }
        for (uint256 from; from <= 10; from += 1 + (seed >> 32) % 4) {
            uint256 count = 1 + (seed >> (40 + from)) % 10;
            uint256[] memory page = engine.liquidatableVaults(from, count);
            uint256 found;
            for (uint256 id = from; id < from + count && id <= 9; ++id) {
                (bool liquidatable,,) = engine.isLiquidatable(id);
                if (!liquidatable) continue;
                assertTrue(found < page.length && page[found] == id, "a liquidatable vault missing from the page");
                ++found;
            }
            assertEq(page.length, found, "the page lists a vault isLiquidatable refuses");
        }
    }

    /// @dev A vault of `classId` on a fleet of `gpus` GPUs worth 20,000 each, owned by its own operator.
    function _openClassVault(uint16 classId, uint32 gpus) internal returns (uint256 fleet, uint256 id) {
        address owner = address(uint160(0x0BE2A800 + gpus));
        address[] memory hosts = new address[](0);
        fleet = registry.onboard(
            IFleetRegistry.Fleet({
                operator: owner,
                classId: classId,
                gpuCount: gpus,
                acquiredAt: uint40(block.timestamp - 30 days),
                acquisitionCost: uint128(gpus) * 20_000e18,
                gpuRoot: keccak256(abi.encode("gpus", gpus)),
                legalDocsHash: keccak256("docs")
            }),
            hosts
        );
        _publish(fleet, uint256(gpus) * 20_000e18);
        vm.warp(block.timestamp + oracle.params().increaseDelay);
        _publish(fleet, uint256(gpus) * 20_000e18);
        vm.startPrank(owner);
        registry.approve(address(engine), fleet);
        id = engine.open(fleet);
        vm.stopPrank();
    }

    function _checkAccounting() internal view {
        uint256 debt = engine.debtOf(vaultId);
        uint256 principal = engine.vault(vaultId).principal;
        assertLe(gpusd.totalSupply(), debt + funded, "GPUSD minted by the engine exceeds vault debt");
        assertGe(debt, principal, "debt below principal");
        assertEq(engine.totalPrincipal(), principal, "global principal drifted");
        assertEq(engine.operatorPrincipal(OPERATOR), principal, "operator principal drifted");
        assertLe(engine.classState(1).normDebt * engine.classState(1).rate / RAY, debt, "class debt exceeds vault debt");
    }

    /// @dev Test-only top-up for interest, minted to the operator and tracked so the supply check excludes it.
    uint256 internal funded;

    function _fund(address to, uint256 amount) internal {
        gpusd.mint(to, amount);
        funded += amount;
    }
}
