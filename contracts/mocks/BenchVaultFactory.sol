// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IFleetRegistry} from "../interfaces/IFleetRegistry.sol";
import {ICreditEngine} from "../interfaces/ICreditEngine.sol";

/// @title BenchVaultFactory
/// @notice Benchmark scaffolding, never deployed by the protocol's module: creates many funded vaults in a few
/// transactions so the keeper's scan can be measured at 10,000 vaults. It must hold the underwriter role to onboard,
/// and it owns every fleet and vault it creates.
contract BenchVaultFactory {
    IFleetRegistry public immutable registry;
    ICreditEngine public immutable engine;

    constructor(IFleetRegistry registry_, ICreditEngine engine_) {
        registry = registry_;
        engine = engine_;
    }

    /// @notice Onboards `count` fleets to this contract and locks each in a new vault.
    function build(uint16 classId, uint32 gpuCount, uint128 cost, uint256 count)
        external
        returns (uint256 firstFleetId)
    {
        registry.setApprovalForAll(address(engine), true);
        address[] memory hosts = new address[](0);
        for (uint256 i; i < count; ++i) {
            uint256 fleetId = registry.onboard(
                IFleetRegistry.Fleet({
                    operator: address(this),
                    classId: classId,
                    gpuCount: gpuCount,
                    acquiredAt: uint40(block.timestamp),
                    acquisitionCost: cost,
                    gpuRoot: keccak256(abi.encode(address(this), i, block.number)),
                    legalDocsHash: bytes32(0)
                }),
                hosts
            );
            if (i == 0) firstFleetId = fleetId;
            engine.open(fleetId);
        }
    }

    /// @notice Borrows `amount` against each vault in `[fromVault, fromVault + count)`.
    function borrowAll(uint256 fromVault, uint256 count, uint256 amount) external {
        for (uint256 id = fromVault; id < fromVault + count; ++id) {
            engine.borrow(id, amount, address(this));
        }
    }
}
