// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {LiquidatorGated} from "./governance/LiquidatorGated.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IReserve} from "./interfaces/IReserve.sol";
import {ISavingsVault} from "./interfaces/ISavingsVault.sol";
import {Bounds} from "./libraries/Bounds.sol";
import {MathLib} from "./libraries/MathLib.sol";

/// @title Reserve
contract Reserve is IReserve, LiquidatorGated {
    using MathLib for uint256;
    using SafeCast for uint256;

    /// @inheritdoc IReserve
    IERC20 public immutable gpusd;
    /// @inheritdoc IReserve
    ISavingsVault public immutable savings;

    /// @inheritdoc IReserve
    uint256 public reserveFactor;
    /// @dev One slot: every commitment, release and cover reads both. Each auction's commitment would otherwise take a
    /// slot from zero (20k gas) and back; sharing it with the buffer, which is non-zero while anything is committed,
    /// makes every write a cheap update.
    struct Books {
        uint128 buffer; // [wad] internal, not the balance: GPUSD that arrives is income until `distribute` splits it
        uint128 committed; // [wad] ≤ buffer
    }

    Books internal _books;

    constructor(address authority, IERC20 gpusd_, ISavingsVault savings_, uint256 reserveFactor_)
        AccessManaged(authority)
    {
        gpusd = gpusd_;
        savings = savings_;
        _setReserveFactor(reserveFactor_);
        // The vault pulls each payment with transferFrom; one approval here saves a write per distribution.
        SafeERC20.forceApprove(gpusd_, address(savings_), type(uint256).max);
    }

    /// @inheritdoc IReserve
    function distribute() external returns (uint256 toBuffer, uint256 toSavings) {
        uint256 income = pendingIncome();
        if (income == 0) return (0, 0);
        // The buffer's share rounds up: the first-loss cushion never comes up short by a rounding.
        toBuffer = income.wMulUp(reserveFactor);
        toSavings = income - toBuffer;
        uint256 newBuffer = _books.buffer + toBuffer;
        _books.buffer = newBuffer.toUint128();
        emit Distributed(income, toBuffer, toSavings, newBuffer);

        // After the buffer is booked, so a reentrant distribute sees no income twice.
        if (toSavings != 0) savings.addInterest(toSavings);
    }

    /// @inheritdoc IReserve
    function setReserveFactor(uint256 reserveFactor_) external restricted {
        _setReserveFactor(reserveFactor_);
    }

    /// @inheritdoc IReserve
    function commit(uint256 amount) external onlyLiquidator returns (uint256 committed) {
        Books memory books = _books;
        committed = MathLib.min(amount, books.buffer - books.committed);
        uint256 total = books.committed + committed;
        _books.committed = uint128(total); // ≤ buffer
        emit Committed(amount, committed, total);
    }

    /// @inheritdoc IReserve
    function release(uint256 amount) external onlyLiquidator {
        uint256 total = _books.committed;
        if (amount > total) revert ReleaseExceedsCommitted(amount, total);
        total -= amount;
        _books.committed = uint128(total);
        emit Released(amount, total);
    }

    /// @inheritdoc IReserve
    function coverShortfall(uint256 amount) external onlyLiquidator returns (uint256 covered) {
        Books memory books = _books;
        uint256 buf = books.buffer;
        covered = MathLib.min(amount, buf - books.committed);
        buf -= covered;
        _books.buffer = uint128(buf);
        emit ShortfallCovered(amount, covered, buf);
        // After the buffer shrinks: the balance and the buffer fall together, so pendingIncome is unchanged.
        if (covered != 0) SafeERC20.safeTransfer(gpusd, msg.sender, covered);
    }

    /// @inheritdoc IReserve
    function uncommittedBuffer() external view returns (uint256) {
        Books memory books = _books;
        return books.buffer - books.committed;
    }

    /// @inheritdoc IReserve
    function buffer() external view returns (uint256) {
        return _books.buffer;
    }

    /// @inheritdoc IReserve
    function totalCommitted() external view returns (uint256) {
        return _books.committed;
    }

    /// @inheritdoc IReserve
    function pendingIncome() public view returns (uint256) {
        return gpusd.balanceOf(address(this)).zeroFloorSub(_books.buffer);
    }

    function _setReserveFactor(uint256 reserveFactor_) internal {
        if (reserveFactor_ > Bounds.MAX_RESERVE_FACTOR) {
            revert ParameterOutOfBounds("reserveFactor", reserveFactor_, 0, Bounds.MAX_RESERVE_FACTOR);
        }
        reserveFactor = reserveFactor_;
        emit ReserveFactorSet(reserveFactor_);
    }
}
