// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MathLib} from "./MathLib.sol";

/// @title Health
/// @notice A vault's health, the one formula the engine and every off-chain reader share.
library Health {
    using MathLib for uint256;

    /// @return health value × liquidationLtv ÷ debt [wad], rounded down so a vault on the edge counts as unhealthy;
    /// type(uint256).max without debt. Below 1e18 the vault can be liquidated.
    function compute(uint256 value, uint256 liquidationLtv, uint256 debt) internal pure returns (uint256 health) {
        if (debt == 0) return type(uint256).max;
        return value.wMulDown(liquidationLtv).wDivDown(debt);
    }
}
