// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

/// @title IGPUSD
/// @notice The protocol's synthetic dollar (18 decimals). Supply only moves through the protocol contracts that the
/// AccessManager authorizes to mint and burn (the CreditEngine, the PegStabilityModule and, later, the auction).
interface IGPUSD is IERC20, IERC20Permit {
    /// @notice Mints `amount` to `to`. Restricted to protocol minters.
    function mint(address to, uint256 amount) external;

    /// @notice Burns `amount` from `from` without an allowance.
    /// @dev Warning: the burner is trusted to burn only from the account that called it (a repayer or a redeemer).
    function burn(address from, uint256 amount) external;
}
