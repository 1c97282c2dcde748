// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

/// @title ISavingsVault
/// @notice sGPUSD: an ERC-4626 vault on GPUSD that earns the interest operators pay. Interest arrives from the
/// Reserve and is released linearly over a smear window, so nobody can deposit just before a payment and take it.
/// @dev `totalAssets` is internal accounting (deposits, withdrawals and released interest), never `balanceOf`, so a
/// donation cannot move the share price. Virtual shares (a decimals offset) defeat the first-depositor inflation
/// attack. Conversions round in the vault's favour, as ERC-4626 requires. Deposits, mints, withdrawals and redemptions
/// that would move zero assets or zero shares revert with ZeroAmount. Withdrawals are never blocked.
/// @dev While no shares exist, `totalAssets` is zero: whatever the books still hold (interest released after the last
/// saver left) belongs to no one, and the next deposit restarts it as interest smeared over a new window.
interface ISavingsVault is IERC4626 {
    /// @param amount [wad] new interest pulled from the caller; 0 when a deposit into an empty vault restarts orphaned
    /// assets as interest
    /// @param interestLeft [wad] unreleased interest, new included, released linearly until `smearEnd`
    event InterestAdded(uint256 amount, uint256 interestLeft, uint40 smearEnd, uint256 totalAssets);
    event SmearWindowSet(uint32 window);

    error ZeroAmount();
    error ParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 min, uint256 max);

    /// @notice Pulls `amount` GPUSD from the caller and releases it to savers linearly over the smear window, along
    /// with whatever interest is still unreleased. Restricted to the Reserve.
    function addInterest(uint256 amount) external;

    /// @notice Applies from the next interest payment; the current smear keeps its end.
    function setSmearWindow(uint32 window) external; // risk curator

    /// @notice Interest received and not yet released into `totalAssets`.
    function interestLeft() external view returns (uint256);
    function smearEnd() external view returns (uint40);
    function smearWindow() external view returns (uint32);

    /// @notice Annualized current release rate ÷ totalAssets [wad], a simple (not compounded) APR.
    function currentApr() external view returns (uint256);
}
