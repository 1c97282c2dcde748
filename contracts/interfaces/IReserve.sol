// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ISavingsVault} from "./ISavingsVault.sol";

/// @title IReserve
/// @notice Receives the interest the CreditEngine mints and the PSM's fees. Keeps `reserveFactor` of each new income
/// as a first-loss buffer and forwards the rest to the SavingsVault.
interface IReserve {
    event Distributed(uint256 income, uint256 toBuffer, uint256 toSavings, uint256 buffer);
    event ReserveFactorSet(uint256 reserveFactor);

    error ParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 min, uint256 max);

    /// @notice Splits GPUSD received since the last call between the buffer and the savings vault. Permissionless.
    /// The buffer's share rounds up; the vault is not called when the savers' share is zero.
    function distribute() external returns (uint256 toBuffer, uint256 toSavings);

    /// @param reserveFactor [wad] share of income kept as buffer
    function setReserveFactor(uint256 reserveFactor) external; // risk curator

    /// @notice GPUSD held as the first-loss buffer [wad].
    function buffer() external view returns (uint256);
    /// @notice GPUSD received and not yet distributed [wad].
    function pendingIncome() external view returns (uint256);
    function reserveFactor() external view returns (uint256);
    /// @notice The token the Reserve holds and distributes.
    function gpusd() external view returns (IERC20);
    /// @notice The vault that receives the savers' share of income.
    function savings() external view returns (ISavingsVault);
}
