// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IGPUSD} from "./interfaces/IGPUSD.sol";
import {IPegStabilityModule} from "./interfaces/IPegStabilityModule.sol";
import {Bounds} from "./libraries/Bounds.sol";
import {MathLib, WAD} from "./libraries/MathLib.sol";

/// @title PegStabilityModule
contract PegStabilityModule is IPegStabilityModule, AccessManaged, Pausable {
    using MathLib for uint256;
    using SafeCast for uint256;
    using SafeERC20 for IERC20;

    // The inflow estimate forgets half of what it saw after one day. PSM inflow follows the business day across time
    // zones, so a shorter half-life makes the estimated wait swing with every large sale, and a longer one keeps
    // promising fast fills for days after inflows dry up.
    uint256 internal constant INFLOW_HALF_LIFE = 1 days;
    // ln 2 [wad]: an inflow of `a` adds a × ln2 / halfLife to the rate, so the rate integrates back to `a` over time.
    uint256 internal constant LN2 = 693_147_180_559_945_309;
    // The stored rate carries 6 extra decimals so that a small sale still registers against a one-day half-life.
    uint256 internal constant RATE_SCALE = 1e6;

    /// @inheritdoc IPegStabilityModule
    IGPUSD public immutable gpusd;
    /// @inheritdoc IPegStabilityModule
    IERC20Metadata public immutable usdc;
    /// @inheritdoc IPegStabilityModule
    address public immutable reserve;
    // GPUSD units per USDC unit (1e12 for a 6-decimal USDC).
    uint256 internal immutable SCALE;

    // What a swap reads, in one slot: a sale reads and writes it once.
    struct Swap {
        uint64 tin; // [wad]
        uint64 tout; // [wad]
        uint88 inflowRate; // [usdc per second × RATE_SCALE] as of `inflowUpdatedAt`
        uint40 inflowUpdatedAt; // [s]
    }

    // The line, in one slot. Cumulative [usdc] positions; uint88 holds 3e20 USDC, far beyond any supply.
    struct Line {
        uint88 end; // one past the last unit ever queued
        uint88 filled; // units the line has been assigned by incoming USDC
        uint80 owed; // Σ (amount − claimed) over live requests: USDC the module may not pay to anyone else
    }

    // Two slots per request: queuing a redemption writes 2 fresh slots, claiming rewrites one.
    struct StoredRequest {
        address owner;
        uint88 start; // [usdc]
        bool cancelled;
        uint88 amount; // [usdc]
        uint88 claimed; // [usdc]; at cancellation, everything filled until then
    }

    Swap internal _swap;
    Line internal _line;
    /// @inheritdoc IPegStabilityModule
    uint256 public lastRequestId;
    mapping(uint256 requestId => StoredRequest) internal _requests;

    constructor(address authority, IGPUSD gpusd_, IERC20Metadata usdc_, address reserve_, uint256 tin_, uint256 tout_)
        AccessManaged(authority)
    {
        if (address(gpusd_) == address(0) || address(usdc_) == address(0) || reserve_ == address(0)) revert ZeroAddress();
        gpusd = gpusd_;
        usdc = usdc_;
        reserve = reserve_;
        // Reverts for a token with more than 18 decimals, which a 1:1 dollar swap cannot represent without loss.
        SCALE = 10 ** (18 - usdc_.decimals());
        _setFees(tin_, tout_);
    }

    // ---- swaps ----

    /// @inheritdoc IPegStabilityModule
    function sellUsdc(uint256 usdcAmount, address to) external whenNotPaused returns (uint256 gpusdOut) {
        if (usdcAmount == 0) revert ZeroAmount();
        if (to == address(0)) revert ZeroAddress();

        Swap memory swap = _swap;
        // Every USDC unit backs exactly SCALE GPUSD, split between the seller and the Reserve. The fee rounds up.
        uint256 minted = usdcAmount * SCALE;
        uint256 fee = minted.wMulUp(swap.tin);
        gpusdOut = minted - fee;

        // Incoming USDC belongs to the line first, so waiting redeemers are served in order before anyone else.
        Line memory line = _line;
        uint256 toQueue = MathLib.min(usdcAmount, line.end - line.filled);
        if (toQueue != 0) {
            line.filled += uint88(toQueue); // cannot pass `end`, which fits
            _line = line;
            emit QueueFilled(line.filled, line.end, toQueue);
        }

        uint256 rate = _decay(swap.inflowRate, block.timestamp - swap.inflowUpdatedAt)
            + usdcAmount * RATE_SCALE * LN2 / (INFLOW_HALF_LIFE * WAD);
        swap.inflowRate = rate.toUint88();
        swap.inflowUpdatedAt = uint40(block.timestamp);
        _swap = swap;
        emit InflowRateUpdated(rate / RATE_SCALE, uint40(block.timestamp));
        emit SoldUsdc(msg.sender, to, usdcAmount, gpusdOut, fee, toQueue);

        // Interactions last, and the USDC arrives before any GPUSD is minted against it.
        IERC20(usdc).safeTransferFrom(msg.sender, address(this), usdcAmount);
        gpusd.mint(to, gpusdOut);
        if (fee != 0) gpusd.mint(reserve, fee);
    }

    /// @inheritdoc IPegStabilityModule
    function redeem(uint256 gpusdAmount, address to) external returns (uint256 usdcOut, uint256 requestId) {
        if (gpusdAmount == 0) revert ZeroAmount();
        if (to == address(0)) revert ZeroAddress();

        uint256 fee = _swap.tout;
        // The fee rounds up and the USDC down; the Reserve gets the fee and the sub-unit dust, so every USDC unit
        // paid is matched by exactly SCALE GPUSD burnt.
        uint256 usdcTotal = (gpusdAmount - gpusdAmount.wMulUp(fee)) / SCALE;
        if (usdcTotal == 0) revert AmountTooSmall(gpusdAmount, SCALE.mulDivUp(WAD, WAD - fee));
        uint256 toReserve = gpusdAmount - usdcTotal * SCALE;

        Line memory line = _line;
        // While anyone waits, nobody is paid directly: that USDC belongs to the line.
        if (line.filled == line.end) usdcOut = MathLib.min(usdcTotal, _freeBalance(line.owed));
        uint256 queued = usdcTotal - usdcOut;
        if (queued != 0) {
            requestId = ++lastRequestId;
            _requests[requestId] = StoredRequest({owner: to, start: line.end, cancelled: false, amount: uint88(queued), claimed: 0});
            emit RedemptionQueued(requestId, to, line.end, queued);
            line.end = (line.end + queued).toUint88(); // bounds `queued` and `owed` too: both are at most `end`
            line.owed += uint80(queued);
            _line = line;
        }
        emit Redeemed(msg.sender, to, gpusdAmount, usdcOut, toReserve, queued, requestId);

        // Interactions after the bookkeeping. The queued part's GPUSD stays in escrow here until it is claimed (then
        // burnt) or cancelled (then returned), so backing holds at every step.
        if (usdcOut != 0) gpusd.burn(msg.sender, usdcOut * SCALE);
        if (queued != 0) IERC20(gpusd).safeTransferFrom(msg.sender, address(this), queued * SCALE);
        if (toReserve != 0) IERC20(gpusd).safeTransferFrom(msg.sender, reserve, toReserve);
        if (usdcOut != 0) IERC20(usdc).safeTransfer(to, usdcOut);
    }

    // ---- the line ----

    /// @inheritdoc IPegStabilityModule
    function claim(uint256 requestId) external returns (uint256 usdcOut) {
        StoredRequest storage r = _request(requestId);
        if (r.cancelled) revert RequestCancelled(requestId);
        uint256 filled = _filled(r, _line.filled);
        usdcOut = filled - r.claimed;
        if (usdcOut == 0) revert NothingToClaim(requestId);
        address owner = r.owner;

        r.claimed = uint88(filled);
        _line.owed -= uint80(usdcOut);
        emit RedemptionClaimed(requestId, owner, usdcOut);

        // State is final before the calls, so a reentrant claim finds nothing left to pay.
        gpusd.burn(address(this), usdcOut * SCALE);
        IERC20(usdc).safeTransfer(owner, usdcOut);
    }

    /// @inheritdoc IPegStabilityModule
    function cancel(uint256 requestId) external returns (uint256 usdcOut, uint256 gpusdReturned) {
        StoredRequest storage r = _request(requestId);
        address owner = r.owner;
        if (msg.sender != owner) revert NotRequestOwner(requestId, msg.sender, owner);
        if (r.cancelled) revert RequestCancelled(requestId);
        uint256 filled = _filled(r, _line.filled);
        uint256 claimed = r.claimed;
        uint256 amount = r.amount;
        usdcOut = filled - claimed;
        gpusdReturned = (amount - filled) * SCALE;

        // The unfilled range stays in line (removing it would cost O(n)); the module owes nothing for it any more,
        // so the USDC that later covers it counts as free liquidity.
        r.cancelled = true;
        r.claimed = uint88(filled);
        _line.owed -= uint80(amount - claimed);
        emit RedemptionCancelled(requestId, owner, usdcOut, gpusdReturned);

        if (usdcOut != 0) {
            gpusd.burn(address(this), usdcOut * SCALE);
            IERC20(usdc).safeTransfer(owner, usdcOut);
        }
        if (gpusdReturned != 0) IERC20(gpusd).safeTransfer(owner, gpusdReturned);
    }

    // ---- governance ----

    /// @inheritdoc IPegStabilityModule
    function setFees(uint256 tin_, uint256 tout_) external restricted {
        _setFees(tin_, tout_);
    }

    /// @inheritdoc IPegStabilityModule
    function pause() external restricted {
        _pause();
    }

    /// @inheritdoc IPegStabilityModule
    function unpause() external restricted {
        _unpause();
    }

    // ---- views ----

    /// @inheritdoc IPegStabilityModule
    function request(uint256 requestId) external view returns (Request memory) {
        StoredRequest storage r = _request(requestId);
        return Request({owner: r.owner, start: r.start, amount: r.amount, claimed: r.claimed, cancelled: r.cancelled});
    }

    /// @inheritdoc IPegStabilityModule
    function queueStatus(uint256 requestId) external view returns (QueueStatus memory status) {
        StoredRequest storage r = _request(requestId);
        // A cancelled request left the line: its fill froze at cancellation and it has nothing to wait for.
        if (r.cancelled) return QueueStatus({filled: r.claimed, claimable: 0, amountAhead: 0, remaining: 0, estimatedWait: 0});
        uint256 queueFilled = _line.filled;
        status.filled = _filled(r, queueFilled);
        status.claimable = status.filled - r.claimed;
        status.amountAhead = uint256(r.start).zeroFloorSub(queueFilled);
        status.remaining = r.amount - status.filled;
        uint256 toWaitFor = status.amountAhead + status.remaining;
        if (toWaitFor != 0) {
            uint256 rate = _currentRate();
            // Rounds up: a wait that is promised too short is worse than one that is too long.
            status.estimatedWait = rate == 0 ? type(uint256).max : (toWaitFor * RATE_SCALE).mulDivUp(1, rate);
        }
    }

    /// @inheritdoc IPegStabilityModule
    function queueDepth() external view returns (uint256) {
        Line memory line = _line;
        return line.end - line.filled;
    }

    /// @inheritdoc IPegStabilityModule
    function freeLiquidity() external view returns (uint256) {
        Line memory line = _line;
        return line.filled == line.end ? _freeBalance(line.owed) : 0;
    }

    /// @inheritdoc IPegStabilityModule
    function inflowRate() external view returns (uint256) {
        return _currentRate() / RATE_SCALE;
    }

    /// @inheritdoc IPegStabilityModule
    function tin() external view returns (uint256) {
        return _swap.tin;
    }

    /// @inheritdoc IPegStabilityModule
    function tout() external view returns (uint256) {
        return _swap.tout;
    }

    // ---- internals ----

    function _setFees(uint256 tin_, uint256 tout_) internal {
        if (tin_ > Bounds.MAX_PSM_FEE) revert ParameterOutOfBounds("tin", tin_, 0, Bounds.MAX_PSM_FEE);
        if (tout_ > Bounds.MAX_PSM_FEE) revert ParameterOutOfBounds("tout", tout_, 0, Bounds.MAX_PSM_FEE);
        _swap.tin = uint64(tin_);
        _swap.tout = uint64(tout_);
        emit FeesSet(tin_, tout_);
    }

    function _request(uint256 requestId) internal view returns (StoredRequest storage r) {
        r = _requests[requestId];
        // Redemptions never queue for the zero address, so an empty owner means the id was never issued.
        if (r.owner == address(0)) revert UnknownRequest(requestId);
    }

    // clamp(queueFilled − start, 0, amount): how much of the request's range the line has reached.
    function _filled(StoredRequest storage r, uint256 queueFilled) internal view returns (uint256) {
        uint256 start = r.start;
        return queueFilled <= start ? 0 : MathLib.min(queueFilled - start, r.amount);
    }

    // USDC held beyond what live requests are owed. Donated USDC counts as free, which only helps redeemers.
    function _freeBalance(uint256 owed) internal view returns (uint256) {
        return usdc.balanceOf(address(this)).zeroFloorSub(owed);
    }

    function _currentRate() internal view returns (uint256) {
        Swap memory swap = _swap;
        return _decay(swap.inflowRate, block.timestamp - swap.inflowUpdatedAt);
    }

    // rate × 2^(−elapsed / halfLife): whole half-lives by shifting, the rest as e^(−y) with y = ln2 × fraction < ln2,
    // by its Taylor series to y⁴ (relative error under 0.3 %, and still decreasing in `elapsed`).
    function _decay(uint256 rate, uint256 elapsed) internal pure returns (uint256) {
        uint256 halvings = elapsed / INFLOW_HALF_LIFE;
        if (halvings >= 88) return 0; // the stored rate has 88 bits
        rate >>= halvings;
        uint256 y = (elapsed % INFLOW_HALF_LIFE) * LN2 / INFLOW_HALF_LIFE;
        uint256 y2 = y * y / WAD;
        uint256 y3 = y2 * y / WAD;
        uint256 y4 = y3 * y / WAD;
        return rate * (WAD - y + y2 / 2 - y3 / 6 + y4 / 24) / WAD;
    }
}
