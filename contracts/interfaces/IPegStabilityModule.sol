// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IGPUSD} from "./IGPUSD.sol";

/// @title IPegStabilityModule
/// @notice Swaps USDC (6 decimals) and GPUSD (18 decimals) 1:1, less bounded fees that go to the Reserve. When the
/// module's free USDC cannot pay a redemption in full, the rest joins a FIFO queue, escrowing its GPUSD.
/// @dev The queue is a line of cumulative USDC ranges. Request i covers [start_i, start_i + amount_i) and
/// `queueFilled` counts the USDC that incoming swaps have assigned to the line. A request is filled up to
/// clamp(queueFilled − start_i, 0, amount_i), so every request, fill, claim and cancel costs O(1) and the amount ahead
/// of a request is exactly start_i − queueFilled. Cancelling pays out what was filled, returns the unfilled GPUSD, and
/// leaves the unfilled range in line; USDC that later covers such a range becomes free liquidity of the module.
/// While anyone waits in line, every incoming USDC goes to the line first and no redemption is paid directly.
/// @dev Warning: an abandoned range still stands in line until incoming USDC covers it, so cancellations near the head
/// delay later requests; removing a range from the middle of the line would not be O(1).
/// @dev Warning: queue positions are stored in 72 bits (4.7e15 USDC ever queued) and the inflow rate in 48 bits
/// (saturating at 2.8e8 USDC per second).
interface IPegStabilityModule {
    struct Request {
        address owner;
        uint128 start; // [usdc] position of the range's first unit in the line
        uint128 amount; // [usdc] requested
        uint128 claimed; // [usdc] already paid out
        bool cancelled;
    }

    struct QueueStatus {
        uint256 filled; // [usdc] filled so far (claimed included)
        uint256 claimable; // [usdc] filled and not yet claimed
        uint256 amountAhead; // [usdc] USDC that must arrive before this request starts to fill
        uint256 remaining; // [usdc] still unfilled
        uint256 estimatedWait; // [s] (amountAhead + remaining) ÷ recent inflow rate; type(uint256).max with no inflow
    }

    /// @param fee [wad] minted to the Reserve; gpusdOut + fee = usdcIn × 1e12
    /// @param toQueue [usdc] part of usdcIn assigned to the line
    event SoldUsdc(
        address indexed sender, address indexed to, uint256 usdcIn, uint256 gpusdOut, uint256 fee, uint256 toQueue
    );
    /// @param fee [wad] GPUSD sent to the Reserve: the fee plus the sub-unit dust that no USDC unit matches
    /// @param queued [usdc] part that joined the line as `requestId` (0 when nothing was queued)
    event Redeemed(
        address indexed sender,
        address indexed to,
        uint256 gpusdIn,
        uint256 usdcOut,
        uint256 fee,
        uint256 queued,
        uint256 requestId
    );
    event RedemptionQueued(uint256 indexed requestId, address indexed owner, uint256 start, uint256 amount);
    event QueueFilled(uint256 queueFilled, uint256 queueEnd, uint256 amount);
    event RedemptionClaimed(uint256 indexed requestId, address indexed to, uint256 usdcOut);
    event RedemptionCancelled(uint256 indexed requestId, address indexed owner, uint256 usdcOut, uint256 gpusdReturned);
    event FeesSet(uint256 tin, uint256 tout);
    event InflowRateUpdated(uint256 ratePerSecond, uint40 timestamp);

    error ZeroAmount();
    error ZeroAddress();
    error UnknownRequest(uint256 requestId);
    error NotRequestOwner(uint256 requestId, address caller, address owner);
    error RequestCancelled(uint256 requestId);
    error NothingToClaim(uint256 requestId);
    error AmountTooSmall(uint256 gpusdAmount, uint256 minimum);
    error ParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 min, uint256 max);

    /// @notice Takes `usdcAmount` USDC from the caller and mints GPUSD 1:1 to `to`, less the `tin` fee (rounded up,
    /// minted to the Reserve). Incoming USDC fills the redemption queue first; the seller gets GPUSD all the same.
    /// Blocked while paused.
    function sellUsdc(uint256 usdcAmount, address to) external returns (uint256 gpusdOut);

    /// @notice Takes `gpusdAmount` GPUSD from the caller and pays USDC 1:1 to `to`, less the `tout` fee. What free
    /// USDC cannot pay joins the queue as a request owned by `to`; while anyone waits, all of it joins. Never blocked
    /// by a pause.
    /// @dev The fee rounds up and the USDC down; the fee and the sub-unit dust go to the Reserve by transferFrom, and
    /// the queued part's GPUSD is escrowed by transferFrom, so the caller approves the module for GPUSD. The part paid
    /// now is burnt without an allowance. Reverts with AmountTooSmall when not even one USDC unit would be paid.
    /// @return usdcOut paid now
    /// @return requestId 0 if nothing was queued
    function redeem(uint256 gpusdAmount, address to) external returns (uint256 usdcOut, uint256 requestId);

    /// @notice Pays the filled, unclaimed part of a request to its owner, burning as much escrowed GPUSD. Anyone may
    /// call it; the USDC always goes to the owner. Never blocked by a pause.
    function claim(uint256 requestId) external returns (uint256 usdcOut);

    /// @notice Pays the filled, unclaimed part and returns the unfilled part's GPUSD to the owner, the only caller
    /// allowed. The unfilled range stays in line. Never blocked by a pause.
    function cancel(uint256 requestId) external returns (uint256 usdcOut, uint256 gpusdReturned);

    /// @param tin [wad] fee on USDC → GPUSD
    /// @param tout [wad] fee on GPUSD → USDC
    function setFees(uint256 tin, uint256 tout) external; // risk curator
    function pause() external; // guardian
    function unpause() external; // guardian

    /// @notice Reverts with UnknownRequest for an id never issued. A cancelled request keeps `claimed` = what was
    /// filled when it was cancelled.
    function request(uint256 requestId) external view returns (Request memory);
    /// @notice Where a request stands. A cancelled one shows its frozen fill and zeros elsewhere.
    function queueStatus(uint256 requestId) external view returns (QueueStatus memory);
    /// @notice USDC the line has not been assigned yet [usdc], abandoned ranges included.
    function queueDepth() external view returns (uint256);
    /// @notice USDC the module could pay directly right now [usdc]: zero while anyone waits, otherwise what it holds
    /// beyond the USDC owed to live requests.
    function freeLiquidity() external view returns (uint256);
    /// @notice Exponential moving average of USDC inflow [usdc per second], updated by each sale and decaying with a
    /// one-day half-life in between.
    function inflowRate() external view returns (uint256);
    function tin() external view returns (uint256);
    function tout() external view returns (uint256);
    function lastRequestId() external view returns (uint256);

    /// @notice The synthetic dollar the module mints and burns.
    function gpusd() external view returns (IGPUSD);
    /// @notice The USDC the module holds; approve it before `sellUsdc`.
    function usdc() external view returns (IERC20Metadata);
    /// @notice Where fees go.
    function reserve() external view returns (address);
}
