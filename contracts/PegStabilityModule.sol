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

    /// @inheritdoc IPegStabilityModule
    IGPUSD public immutable gpusd;
    /// @inheritdoc IPegStabilityModule
    IERC20Metadata public immutable usdc;
    /// @inheritdoc IPegStabilityModule
    address public immutable reserve;
    // GPUSD units per USDC unit (1e12 for a 6-decimal USDC).
    uint256 internal immutable SCALE;

    // Storage is laid out for the two hot paths. A sale reads slot 0 (the pause flag, which it must read anyway) and
    // the pool slot, and writes slot 0 (plus the pool slot only when it fills the line); a direct redemption reads
    // the pool slot and the `owed` slot and writes nothing.

    // Slot 0, after AccessManaged's authority and Pausable's flag. A uint48 rate caps at 2.8e8 USDC per second, and a
    // uint32 time lasts until 2106.
    uint48 internal _inflowRate; // [usdc per second] as of `_inflowUpdatedAt`, saturating
    uint32 internal _inflowUpdatedAt; // [s]

    // Cumulative [usdc] positions of the line: uint72 holds 4.7e15 USDC, more than will ever queue.
    struct Pool {
        uint56 tin; // [wad], at most Bounds.MAX_PSM_FEE
        uint56 tout; // [wad]
        uint72 queueEnd; // one past the last unit ever queued
        uint72 queueFilled; // units the line has been assigned by incoming USDC
    }

    // Two slots per request: queuing a redemption writes 2 fresh slots, a claim rewrites one.
    struct StoredRequest {
        address owner;
        uint72 start; // [usdc]
        bool cancelled;
        uint72 amount; // [usdc]
        uint72 claimed; // [usdc]; at cancellation, everything filled until then
    }

    Pool internal _pool;
    // [usdc] Σ (amount − claimed) over live requests: USDC the module may pay to nobody else.
    uint128 internal _owed;
    uint128 internal _lastRequestId;
    mapping(uint256 requestId => StoredRequest) internal _requests;

    constructor(address authority, IGPUSD gpusd_, IERC20Metadata usdc_, address reserve_, uint256 tin_, uint256 tout_)
        AccessManaged(authority)
    {
        if (address(gpusd_) == address(0) || address(usdc_) == address(0) || reserve_ == address(0)) {
            revert ZeroAddress();
        }
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

        Pool memory pool = _pool;
        // Every USDC unit backs exactly SCALE GPUSD, split between the seller and the Reserve. The fee rounds up.
        uint256 minted = usdcAmount * SCALE;
        uint256 fee = minted.wMulUp(pool.tin);
        gpusdOut = minted - fee;

        // Incoming USDC goes to the line first, so waiting redeemers are served before anyone else is paid.
        uint256 toQueue = MathLib.min(usdcAmount, pool.queueEnd - pool.queueFilled);
        if (toQueue != 0) {
            pool.queueFilled += uint72(toQueue); // stays within queueEnd, which fits
            _pool = pool;
            emit QueueFilled(pool.queueFilled, pool.queueEnd, toQueue);
        }

        uint256 rate = MathLib.min(_currentRate() + usdcAmount * LN2 / (INFLOW_HALF_LIFE * WAD), type(uint48).max);
        (_inflowRate, _inflowUpdatedAt) = (uint48(rate), uint32(block.timestamp));
        emit InflowRateUpdated(rate, uint40(block.timestamp));
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

        Pool memory pool = _pool;
        // The fee rounds up and the USDC down; the Reserve gets the fee and the sub-unit dust, so every USDC unit
        // paid is matched by exactly SCALE GPUSD burnt.
        uint256 usdcTotal = (gpusdAmount - gpusdAmount.wMulUp(pool.tout)) / SCALE;
        if (usdcTotal == 0) revert AmountTooSmall(gpusdAmount, SCALE.mulDivUp(WAD, WAD - pool.tout));
        uint256 toReserve = gpusdAmount - usdcTotal * SCALE;

        // While anyone waits, nobody is paid directly: the USDC here belongs to the line.
        if (pool.queueFilled == pool.queueEnd) usdcOut = MathLib.min(usdcTotal, _freeBalance(_owed));
        uint256 queued = usdcTotal - usdcOut;
        if (queued != 0) requestId = _enqueue(pool, to, queued);
        emit Redeemed(msg.sender, to, gpusdAmount, usdcOut, toReserve, queued, requestId);

        // Interactions after the bookkeeping. The queued part's GPUSD waits here in escrow until it is claimed (then
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
        uint256 filled = _filled(r, _pool.queueFilled);
        usdcOut = filled - r.claimed;
        if (usdcOut == 0) revert NothingToClaim(requestId);
        address owner = r.owner;

        r.claimed = uint72(filled);
        _owed -= uint128(usdcOut);
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
        uint256 filled = _filled(r, _pool.queueFilled);
        uint256 claimed = r.claimed;
        uint256 amount = r.amount;
        usdcOut = filled - claimed;
        gpusdReturned = (amount - filled) * SCALE;

        // The unfilled range stays in line, because removing it from the middle would cost O(n). The module owes
        // nothing for it any more, so the USDC that later covers it becomes free liquidity.
        (r.cancelled, r.claimed) = (true, uint72(filled));
        _owed -= uint128(amount - claimed);
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
        // A cancelled request left the line: its fill froze at cancellation and it waits for nothing.
        if (r.cancelled) {
            return QueueStatus({filled: r.claimed, claimable: 0, amountAhead: 0, remaining: 0, estimatedWait: 0});
        }
        uint256 queueFilled = _pool.queueFilled;
        status.filled = _filled(r, queueFilled);
        status.claimable = status.filled - r.claimed;
        status.amountAhead = uint256(r.start).zeroFloorSub(queueFilled);
        status.remaining = r.amount - status.filled;
        uint256 toWaitFor = status.amountAhead + status.remaining;
        if (toWaitFor != 0) {
            uint256 rate = _currentRate();
            // Rounds up: a wait promised too short is worse than one promised too long.
            status.estimatedWait = rate == 0 ? type(uint256).max : toWaitFor.mulDivUp(1, rate);
        }
    }

    /// @inheritdoc IPegStabilityModule
    function queueDepth() external view returns (uint256) {
        Pool memory pool = _pool;
        return pool.queueEnd - pool.queueFilled;
    }

    /// @inheritdoc IPegStabilityModule
    function freeLiquidity() external view returns (uint256) {
        Pool memory pool = _pool;
        return pool.queueFilled == pool.queueEnd ? _freeBalance(_owed) : 0;
    }

    /// @inheritdoc IPegStabilityModule
    function inflowRate() external view returns (uint256) {
        return _currentRate();
    }

    /// @inheritdoc IPegStabilityModule
    function tin() external view returns (uint256) {
        return _pool.tin;
    }

    /// @inheritdoc IPegStabilityModule
    function tout() external view returns (uint256) {
        return _pool.tout;
    }

    /// @inheritdoc IPegStabilityModule
    function lastRequestId() external view returns (uint256) {
        return _lastRequestId;
    }

    // ---- internals ----

    function _setFees(uint256 tin_, uint256 tout_) internal {
        if (tin_ > Bounds.MAX_PSM_FEE) revert ParameterOutOfBounds("tin", tin_, 0, Bounds.MAX_PSM_FEE);
        if (tout_ > Bounds.MAX_PSM_FEE) revert ParameterOutOfBounds("tout", tout_, 0, Bounds.MAX_PSM_FEE);
        (_pool.tin, _pool.tout) = (uint56(tin_), uint56(tout_));
        emit FeesSet(tin_, tout_);
    }

    // Appends [queueEnd, queueEnd + amount) to the line for `owner`.
    function _enqueue(Pool memory pool, address owner, uint256 amount) internal returns (uint256 requestId) {
        uint72 start = pool.queueEnd;
        // The cast bounds `amount` as well, and `_owed` never exceeds queueEnd.
        pool.queueEnd = (start + amount).toUint72();
        _pool = pool;
        _owed += uint128(amount);
        requestId = ++_lastRequestId;
        _requests[requestId] =
            StoredRequest({owner: owner, start: start, cancelled: false, amount: uint72(amount), claimed: 0});
        emit RedemptionQueued(requestId, owner, start, amount);
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

    // rate × 2^(−elapsed / halfLife): whole half-lives by shifting, the rest as e^(−y) with y = ln2 × fraction < ln2,
    // by its Taylor series to y⁴ (relative error under 0.3 %, and still decreasing in elapsed time).
    function _currentRate() internal view returns (uint256) {
        uint256 elapsed = block.timestamp - _inflowUpdatedAt;
        uint256 halvings = elapsed / INFLOW_HALF_LIFE;
        if (halvings >= 48) return 0; // the stored rate has 48 bits
        uint256 rate = uint256(_inflowRate) >> halvings;
        uint256 y = (elapsed % INFLOW_HALF_LIFE) * LN2 / INFLOW_HALF_LIFE;
        uint256 y2 = y * y / WAD;
        uint256 y3 = y2 * y / WAD;
        return rate * (WAD - y + y2 / 2 - y3 / 6 + y3 * y / WAD / 24) / WAD;
    }
}
