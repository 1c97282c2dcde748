// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

/// @title IGPUSD
/// @notice The protocol's synthetic dollar (18 decimals). Supply moves only through minters: the CreditEngine, the
/// PegStabilityModule and, later, the auction.
/// @dev The minter set is a plain mapping that only `setMinter` changes, and `setMinter` is restricted by the
/// AccessManager to the admin role under its 2-day delay. Asking the AccessManager on every mint and burn would cost
/// each borrow, repay and swap an extra cold call; the mapping keeps the same authority for one storage read.
interface IGPUSD is IERC20, IERC20Permit {
    event MinterSet(address indexed minter, bool allowed);

    error NotMinter(address caller);
    error ZeroMinter();

    /// @notice Mints `amount` to `to`. Minters only.
    function mint(address to, uint256 amount) external;

    /// @notice Burns `amount` from `from` without an allowance. Minters only.
    /// @dev Warning: a minter is trusted to burn only from the account that called it (a repayer or a redeemer).
    function burn(address from, uint256 amount) external;

    /// @notice Adds or removes a minter. Restricted to the admin role.
    function setMinter(address minter, bool allowed) external;

    function isMinter(address account) external view returns (bool);
}
