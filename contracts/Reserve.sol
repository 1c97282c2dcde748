// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IReserve} from "./interfaces/IReserve.sol";
import {ISavingsVault} from "./interfaces/ISavingsVault.sol";
import {Bounds} from "./libraries/Bounds.sol";
import {MathLib} from "./libraries/MathLib.sol";

/// @title Reserve
contract Reserve is IReserve, AccessManaged {
    using MathLib for uint256;

    /// @inheritdoc IReserve
    IERC20 public immutable gpusd;
    /// @inheritdoc IReserve
    ISavingsVault public immutable savings;

    /// @inheritdoc IReserve
    uint256 public reserveFactor;
    /// @inheritdoc IReserve
    uint256 public buffer; // internal, not the balance: GPUSD that arrives is income until `distribute` splits it
    /// @inheritdoc IReserve
    uint256 public totalCommitted; // [wad] ≤ buffer

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
        uint256 newBuffer = buffer + toBuffer;
        buffer = newBuffer;
        emit Distributed(income, toBuffer, toSavings, newBuffer);

        // After the buffer is booked, so a reentrant distribute sees no income twice.
        if (toSavings != 0) savings.addInterest(toSavings);
    }

    /// @inheritdoc IReserve
    function setReserveFactor(uint256 reserveFactor_) external restricted {
        _setReserveFactor(reserveFactor_);
    }

    /// @inheritdoc IReserve
    function commit(uint256 amount) external restricted returns (uint256 committed) {
        uint256 total = totalCommitted;
        committed = MathLib.min(amount, buffer - total);
        total += committed;
        totalCommitted = total;
        emit Committed(amount, committed, total);
    }

    /// @inheritdoc IReserve
    function release(uint256 amount) external restricted {
        uint256 total = totalCommitted;
        if (amount > total) revert ReleaseExceedsCommitted(amount, total);
        total -= amount;
        totalCommitted = total;
        emit Released(amount, total);
    }

    /// @inheritdoc IReserve
    function coverShortfall(uint256 amount) external restricted returns (uint256 covered) {
        uint256 buf = buffer;
        covered = MathLib.min(amount, buf - totalCommitted);
        buf -= covered;
        buffer = buf;
        emit ShortfallCovered(amount, covered, buf);
        // After the buffer shrinks: the balance and the buffer fall together, so pendingIncome is unchanged.
        if (covered != 0) SafeERC20.safeTransfer(gpusd, msg.sender, covered);
    }

    /// @inheritdoc IReserve
    function uncommittedBuffer() external view returns (uint256) {
        return buffer - totalCommitted;
    }

    /// @inheritdoc IReserve
    function pendingIncome() public view returns (uint256) {
        return gpusd.balanceOf(address(this)).zeroFloorSub(buffer);
    }

    function _setReserveFactor(uint256 reserveFactor_) internal {
        if (reserveFactor_ > Bounds.MAX_RESERVE_FACTOR) {
            revert ParameterOutOfBounds("reserveFactor", reserveFactor_, 0, Bounds.MAX_RESERVE_FACTOR);
        }
        reserveFactor = reserveFactor_;
        emit ReserveFactorSet(reserveFactor_);
    }
}
