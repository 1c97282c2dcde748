// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICreditEngine} from "./ICreditEngine.sol";

/// @title IVaultLens
/// @notice Read-only batch views over the CreditEngine's vaults, for keepers, the app and analysts: one eth_call
/// answers for a page of vaults instead of one call per vault.
/// @dev Views only. Their loops run off-chain in eth_call and cost no one gas on-chain; no state-changing function of
/// the protocol loops over vaults. Pages are by vault id, so a caller walks `[1, lastVaultId]` in pages of `count`.
interface IVaultLens {
    struct VaultView {
        uint256 vaultId;
        address owner;
        uint256 fleetId; // 0 while the vault holds no fleet
        uint16 classId;
        uint256 debt; // [wad] with interest to now, rounded up
        uint256 health; // [wad] type(uint256).max without debt
        bool unhealthy;
        bool missedPayment;
    }

    function engine() external view returns (ICreditEngine);

    /// @notice Ids of the vaults in `[fromId, fromId + count)` that can be liquidated now, for either cause.
    function liquidatable(uint256 fromId, uint256 count) external view returns (uint256[] memory vaultIds);

    /// @notice Every vault in `[fromId, fromId + count)` that exists, with its debt, health and liquidation causes.
    function vaults(uint256 fromId, uint256 count) external view returns (VaultView[] memory views);
}
