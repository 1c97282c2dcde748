// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

uint256 constant WAD = 1e18;
uint256 constant RAY = 1e27;

/// @title MathLib
/// @notice Fixed-point helpers. Every function names its rounding direction; callers pick the one that favours the
/// protocol (debt up, credit down).
library MathLib {
    function mulDivDown(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        return (x * y) / d;
    }

    function mulDivUp(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        return (x * y + (d - 1)) / d;
    }

    function wMulDown(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivDown(x, y, WAD);
    }

    function wMulUp(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivUp(x, y, WAD);
    }

    function wDivDown(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivDown(x, WAD, y);
    }

    function wDivUp(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivUp(x, WAD, y);
    }

    function rMulDown(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivDown(x, y, RAY);
    }

    function rMulUp(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivUp(x, y, RAY);
    }

    function rDivDown(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivDown(x, RAY, y);
    }

    function rDivUp(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivUp(x, RAY, y);
    }

    /// @dev x^n in RAY by binary exponentiation. Each step rounds down, an error below 1e-25 relative over a year of
    /// seconds. Backing does not rest on this rounding: minted interest rounds down and each vault's debt rounds up.
    function rPow(uint256 x, uint256 n) internal pure returns (uint256 z) {
        z = n % 2 != 0 ? x : RAY;
        for (n /= 2; n != 0; n /= 2) {
            x = rMulDown(x, x);
            if (n % 2 != 0) z = rMulDown(z, x);
        }
    }

    function min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }

    function zeroFloorSub(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a - b : 0;
    }
}
