// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ILiquidatorGated
/// @notice The liquidator set of a contract the LiquidationAuction calls on every kick, reset and take: the engine
/// (seize), the Reserve (commitments and cover) and the SavingsVault (marks and losses).
/// @dev Like GPUSD's minter set: a plain mapping that only `setLiquidator` changes, and `setLiquidator` is restricted
/// by the AccessManager to the admin role under its 2-day delay. Asking the AccessManager on each of the auction's
/// calls cost a cold call per contract (6–11k gas each); the mapping keeps the same authority for one storage read.
interface ILiquidatorGated {
    event LiquidatorSet(address indexed liquidator, bool allowed);

    error NotLiquidator(address caller);

    /// @notice Adds or removes a liquidator (the auction). Restricted to the admin role.
    function setLiquidator(address liquidator, bool allowed) external;

    function isLiquidator(address account) external view returns (bool);
}
