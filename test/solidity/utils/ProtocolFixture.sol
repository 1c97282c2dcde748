// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./Vm.sol";
import {ProtocolAccessManager} from "../../../contracts/governance/ProtocolAccessManager.sol";
import {GPUSD} from "../../../contracts/GPUSD.sol";
import {FleetRegistry} from "../../../contracts/FleetRegistry.sol";
import {FleetOracle} from "../../../contracts/FleetOracle.sol";
import {CreditEngine} from "../../../contracts/CreditEngine.sol";
import {SavingsVault} from "../../../contracts/SavingsVault.sol";
import {Reserve} from "../../../contracts/Reserve.sol";
import {PegStabilityModule} from "../../../contracts/PegStabilityModule.sol";
import {LiquidationAuction} from "../../../contracts/LiquidationAuction.sol";
import {ILiquidationAuction} from "../../../contracts/interfaces/ILiquidationAuction.sol";
import {TestUSDC} from "../../../contracts/mocks/TestUSDC.sol";
import {IFleetRegistry} from "../../../contracts/interfaces/IFleetRegistry.sol";
import {IFleetOracle} from "../../../contracts/interfaces/IFleetOracle.sol";
import {ICreditEngine} from "../../../contracts/interfaces/ICreditEngine.sol";

/// @notice The whole protocol deployed in Solidity, for fuzz and invariant tests. The human roles are mapped as in
/// scripts/lib/governance.ts and each is also held by its own address below (`RISK_CURATOR`, `GUARDIAN`, ...), so a
/// test can act as exactly one role. This contract holds every role with no delay, so tests can move parameters
/// freely; the delays (the timelock) and the role map's completeness are tested in TypeScript.
abstract contract ProtocolFixture is TestBase {
    uint64 internal constant RISK_CURATOR_ROLE = 1;
    uint64 internal constant UNDERWRITER_ROLE = 2;
    uint64 internal constant ORACLE_ADMIN_ROLE = 3;
    uint64 internal constant GUARDIAN_ROLE = 4;
    uint64 internal constant RESERVE_ROLE = 11;

    address internal constant RISK_CURATOR = address(0xC0A701);
    address internal constant UNDERWRITER = address(0xC0A702);
    address internal constant ORACLE_ADMIN = address(0xC0A703);
    address internal constant GUARDIAN = address(0xC0A704);

    ProtocolAccessManager internal authority;
    GPUSD internal gpusd;
    FleetRegistry internal registry;
    FleetOracle internal oracle;
    CreditEngine internal engine;
    SavingsVault internal savings;
    Reserve internal reserve;
    PegStabilityModule internal psm;
    LiquidationAuction internal auction;
    TestUSDC internal usdc;

    uint256[3] internal signerKeys = [uint256(0xA11CE), 0xB0B, 0xC0FFEE];
    uint256 internal constant FEE_10_PCT = 1_000_000_003_022_265_980_097_387_650;

    function _deployProtocol() internal {
        vm.warp(1_800_000_000);
        authority = new ProtocolAccessManager(address(this));
        gpusd = new GPUSD(address(authority));
        registry = new FleetRegistry(address(authority));
        address[] memory signers = new address[](3);
        for (uint256 i; i < 3; ++i) signers[i] = vm.addr(signerKeys[i]);
        oracle = new FleetOracle(
            address(authority),
            IFleetRegistry(address(registry)),
            signers,
            3,
            IFleetOracle.Params({maxAge: 6 hours, increaseDelay: 1 hours, maxIncreasePerDay: 0.1e18})
        );
        savings = new SavingsVault(address(authority), gpusd, 7 days);
        reserve = new Reserve(address(authority), gpusd, savings, 0.2e18);
        engine = new CreditEngine(address(authority), gpusd, registry, oracle, address(reserve));
        usdc = new TestUSDC();
        psm = new PegStabilityModule(address(authority), gpusd, usdc, address(reserve), 0, 0.001e18);

        auction = new LiquidationAuction(
            address(authority),
            engine,
            gpusd,
            oracle,
            reserve,
            savings,
            ILiquidationAuction.Params({
                buffer: 1.2e18,
                floorRatio: 0.5e18,
                cusp: 0.45e18,
                penalty: 0.05e18,
                duration: 3 days,
                tail: 5 days,
                flatTip: 100e18,
                chip: 0.001e18,
                maxTip: 2_000e18
            })
        );

        gpusd.setMinter(address(auction), true);
        gpusd.setMinter(address(engine), true);
        gpusd.setMinter(address(psm), true);
        gpusd.setMinter(address(this), true);
        bytes4[] memory reserveFns = new bytes4[](1);
        reserveFns[0] = savings.addInterest.selector;
        authority.setTargetFunctionRole(address(savings), reserveFns, RESERVE_ROLE);
        authority.grantRole(RESERVE_ROLE, address(reserve), 0);
        _restrictToLiquidator();
        _mapHumanRoles();
        // GPUSD.setMinter stays under the AccessManager's ADMIN_ROLE, which this contract holds.

        engine.setGlobalDebtCeiling(1e30);
        engine.setDefaultOperatorCeiling(1e30);
        engine.setClass(
            1,
            ICreditEngine.ClassParams({
                stabilityFee: FEE_10_PCT,
                maxLtv: 0.7e18,
                liquidationLtv: 0.8e18,
                debtCeiling: 1e27,
                dust: 1_000e18,
                term: 1080 days,
                period: 30 days,
                grace: 7 days
            })
        );
        oracle.setClassBounds(1, 100e18, 100_000e18);
    }

    /// @dev The auction's calls into the engine, the Reserve and the savings vault check their liquidator sets, as
    /// scripts/lib/governance.ts (LIQUIDATOR_GATED) describes them.
    function _restrictToLiquidator() internal {
        engine.setLiquidator(address(auction), true);
        reserve.setLiquidator(address(auction), true);
        savings.setLiquidator(address(auction), true);
    }

    /// @dev The human roles' functions, as scripts/lib/governance.ts maps them (FUNCTION_ROLES), granted with no delay
    /// to this contract and to one address per role.
    function _mapHumanRoles() internal {
        bytes4[] memory fns = new bytes4[](3);
        (fns[0], fns[1], fns[2]) = (registry.onboard.selector, registry.setHostSigner.selector, registry.retire.selector);
        authority.setTargetFunctionRole(address(registry), fns, UNDERWRITER_ROLE);

        fns = new bytes4[](4);
        (fns[0], fns[1], fns[2], fns[3]) =
            (oracle.addSigner.selector, oracle.removeSigner.selector, oracle.setQuorum.selector, oracle.resume.selector);
        authority.setTargetFunctionRole(address(oracle), fns, ORACLE_ADMIN_ROLE);
        fns = new bytes4[](2);
        (fns[0], fns[1]) = (oracle.setClassBounds.selector, oracle.setParams.selector);
        authority.setTargetFunctionRole(address(oracle), fns, RISK_CURATOR_ROLE);
        fns = new bytes4[](1);
        fns[0] = oracle.stop.selector;
        authority.setTargetFunctionRole(address(oracle), fns, GUARDIAN_ROLE);

        fns = new bytes4[](4);
        (fns[0], fns[1], fns[2], fns[3]) = (
            engine.setClass.selector,
            engine.setGlobalDebtCeiling.selector,
            engine.setDefaultOperatorCeiling.selector,
            engine.setOperatorCeiling.selector
        );
        authority.setTargetFunctionRole(address(engine), fns, RISK_CURATOR_ROLE);
        fns = new bytes4[](1);
        fns[0] = psm.setFees.selector;
        authority.setTargetFunctionRole(address(psm), fns, RISK_CURATOR_ROLE);
        fns = new bytes4[](2);
        (fns[0], fns[1]) = (savings.setSmearWindow.selector, savings.setWithdrawalCooldown.selector);
        authority.setTargetFunctionRole(address(savings), fns, RISK_CURATOR_ROLE);
        fns = new bytes4[](1);
        fns[0] = reserve.setReserveFactor.selector;
        authority.setTargetFunctionRole(address(reserve), fns, RISK_CURATOR_ROLE);
        fns[0] = auction.setParams.selector;
        authority.setTargetFunctionRole(address(auction), fns, RISK_CURATOR_ROLE);

        fns = new bytes4[](2);
        (fns[0], fns[1]) = (engine.pause.selector, engine.unpause.selector);
        authority.setTargetFunctionRole(address(engine), fns, GUARDIAN_ROLE);
        (fns[0], fns[1]) = (psm.pause.selector, psm.unpause.selector);
        authority.setTargetFunctionRole(address(psm), fns, GUARDIAN_ROLE);
        (fns[0], fns[1]) = (auction.pause.selector, auction.unpause.selector);
        authority.setTargetFunctionRole(address(auction), fns, GUARDIAN_ROLE);

        uint64[4] memory roles = [RISK_CURATOR_ROLE, UNDERWRITER_ROLE, ORACLE_ADMIN_ROLE, GUARDIAN_ROLE];
        address[4] memory holders = [RISK_CURATOR, UNDERWRITER, ORACLE_ADMIN, GUARDIAN];
        for (uint256 i; i < 4; ++i) {
            authority.grantRole(roles[i], address(this), 0);
            authority.grantRole(roles[i], holders[i], 0);
        }
    }

    function _onboard(address operator, uint32 gpuCount) internal returns (uint256 fleetId) {
        address[] memory hosts = new address[](1);
        hosts[0] = vm.addr(0x5157);
        fleetId = registry.onboard(
            IFleetRegistry.Fleet({
                operator: operator,
                classId: 1,
                gpuCount: gpuCount,
                acquiredAt: uint40(block.timestamp - 30 days),
                acquisitionCost: uint128(gpuCount) * 20_000e18,
                gpuRoot: keccak256(abi.encode("gpus", gpuCount)),
                legalDocsHash: keccak256("docs")
            }),
            hosts
        );
    }

    /// @dev Onboards a fleet for `operator`, values it past the oracle's increase delay so it is borrowable, and locks
    /// it in a new vault.
    function _openValuedVault(address operator, uint32 gpuCount, uint256 value)
        internal
        returns (uint256 fleetId, uint256 vaultId)
    {
        fleetId = _onboard(operator, gpuCount);
        _publish(fleetId, value);
        vm.warp(block.timestamp + oracle.params().increaseDelay);
        _publish(fleetId, value);
        vm.startPrank(operator);
        registry.approve(address(engine), fleetId);
        vaultId = engine.open(fleetId);
        vm.stopPrank();
    }

    /// @dev Signs and submits a round valuing one fleet, signatures sorted by signer address.
    function _publish(uint256 fleetId, uint256 value) internal {
        IFleetOracle.FleetValue[] memory fleets = new IFleetOracle.FleetValue[](1);
        fleets[0] = IFleetOracle.FleetValue({
            fleetId: fleetId,
            value: value,
            throughputBps: 9_800,
            utilizationBps: 8_500,
            healthFlags: 0,
            freshGpus: 1
        });
        IFleetOracle.Round memory round = IFleetOracle.Round({
            roundId: oracle.latestRoundId() + 1,
            observedAt: uint40(block.timestamp),
            fleets: fleets,
            indices: new IFleetOracle.ClassIndex[](0)
        });
        bytes32 digest = oracle.hashRound(round);
        address[3] memory addrs;
        bytes[] memory sigs = new bytes[](3);
        for (uint256 i; i < 3; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKeys[i], digest);
            sigs[i] = abi.encodePacked(r, s, v);
            addrs[i] = vm.addr(signerKeys[i]);
        }
        for (uint256 i; i < 3; ++i) {
            for (uint256 j = i + 1; j < 3; ++j) {
                if (addrs[j] < addrs[i]) {
                    (addrs[i], addrs[j]) = (addrs[j], addrs[i]);
                    (sigs[i], sigs[j]) = (sigs[j], sigs[i]);
                }
            }
        }
        oracle.submitRound(round, sigs);
    }
}
