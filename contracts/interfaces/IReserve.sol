// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ISavingsVault} from "./ISavingsVault.sol";
import {ILiquidatorGated} from "./ILiquidatorGated.sol";

/// @title IReserve
/// @notice Receives the interest the CreditEngine mints and the PSM's fees. Keeps `reserveFactor` of each new income
/// as a first-loss buffer and forwards the rest to the SavingsVault.
interface IReserve is ILiquidatorGated {
    event Distributed(uint256 income, uint256 toBuffer, uint256 toSavings, uint256 buffer);
    event ReserveFactorSet(uint256 reserveFactor);
    /// @param requested [wad] expected loss the auction asked to set aside
    /// @param committed [wad] the part the uncommitted buffer could hold
    event Committed(uint256 requested, uint256 committed, uint256 totalCommitted);
    event Released(uint256 amount, uint256 totalCommitted);
    /// @param covered [wad] sent to the auction, which burns it
    event ShortfallCovered(uint256 shortfall, uint256 covered, uint256 buffer);

    error ParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 min, uint256 max);
    error ReleaseExceedsCommitted(uint256 amount, uint256 committed);

    /// @notice Splits GPUSD received since the last call between the buffer and the savings vault. Permissionless.
    /// The buffer's share rounds up; the vault is not called when the savers' share is zero.
    function distribute() external returns (uint256 toBuffer, uint256 toSavings);

    /// @param reserveFactor [wad] share of income kept as buffer
    function setReserveFactor(uint256 reserveFactor) external; // risk curator

    /// @notice Sets aside up to `amount` of the uncommitted buffer for an auction's expected shortfall. Liquidators
    /// only (the auction; `setLiquidator`).
    /// @return committed the part set aside (≤ buffer − totalCommitted); the auction marks the rest on savers.
    function commit(uint256 amount) external returns (uint256 committed);

    /// @notice Frees `amount` committed earlier. Liquidators only.
    function release(uint256 amount) external;

    /// @notice Pays up to `amount` of a realized auction shortfall from the uncommitted buffer: the buffer shrinks and
    /// the GPUSD goes to the caller, which burns it. Liquidators only.
    /// @dev The auction releases its own commitment first, so only buffer set aside for other auctions is held back.
    /// @return covered the part paid; the auction takes the rest to the savings vault.
    function coverShortfall(uint256 amount) external returns (uint256 covered);

    /// @notice Buffer set aside for running auctions' expected shortfalls [wad].
    function totalCommitted() external view returns (uint256);
    /// @notice buffer − totalCommitted [wad]: what a new commitment or a shortfall can draw on.
    function uncommittedBuffer() external view returns (uint256);

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
