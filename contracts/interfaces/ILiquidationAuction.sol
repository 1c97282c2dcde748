// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ILiquidationAuction
/// @notice Dutch auctions of seized fleet NFTs, paid in GPUSD: one auction per seized vault, the whole fleet at once.
/// @dev Units: GPUSD and prices are [wad]; ratios are [wad] (1e18 = 100 %); times are [s].
///
/// Kick: anyone may start an auction on a liquidatable vault. The engine books the vault's debt over to the auction
/// and keeps the fleet NFT, the vault flagged in auction, until a take asks it to deliver the NFT to the buyer. The
/// auction starts at `top = liquidationValue × buffer` (the oracle's last good value, so a stale or stopped oracle
/// does not stop liquidations), rounded up to a whole cent, and must recover its tab = debt + keeper tips. The
/// keeper's tip, min(flatTip + chip × debt, maxTip), is credited at once to the address the kicker names, which mints
/// it whenever it likes with `claimTips`: as Maker's Clipper credits its tip inside the Vat, a kick then updates one
/// balance instead of minting GPUSD (a third of the kick's gas before this change).
///
/// Price: falls linearly from `top` to `floor = top × floorRatio` over `duration`, then stays at the floor:
///   price(t) = top − (top − floor) × min(t, duration) ÷ duration   (rounded up: buyers pay the rounding)
/// t counts only seconds during which this contract was not paused. An auction needs a reset once t > tail or
/// price < cusp × top; then it cannot be taken until `redo` restarts it from a fresh oracle value (another tip).
///
/// Take: the buyer pays the current price in GPUSD, which is burnt, and the engine delivers the NFT. Proceeds go first
/// to the tab, then to the penalty (a fraction of the debt, re-minted to the Reserve out of what the buyer paid), then
/// to the vault's former owner as surplus. A price under the tab leaves a shortfall, which the loss order covers: the
/// Reserve's buffer, then savers (the SavingsVault's share price falls), and the rest is recorded as uncovered bad
/// debt. GPUSD supply falls by exactly what is extinguished, so the engine's debt and supply stay matched.
///
/// Impairment: at kick and on redo, the expected shortfall at the floor, max(0, tab − floor), is set aside: the
/// Reserve commits what its uncommitted buffer can hold and the rest is marked on the SavingsVault at once, so
/// savers who leave while the auction runs still bear their share. At settlement the commitment and mark are released
/// and the realized loss takes their place; whatever the sale recovered above the floor reverses the mark.
interface ILiquidationAuction {
    struct Params {
        uint256 buffer; // [wad] start price ÷ oracle value, ≥ 1
        uint256 floorRatio; // [wad] floor price ÷ start price
        uint256 cusp; // [wad] a reset is needed when price ÷ start price falls below this
        uint256 penalty; // [wad] fraction of the debt charged to the owner after the tab, paid to the Reserve
        uint32 duration; // [s] time for the price to decay from top to floor
        uint32 tail; // [s] time after which a reset is needed, ≥ duration
        uint256 flatTip; // [wad] GPUSD per kick or redo
        uint256 chip; // [wad] fraction of the debt added to the flat tip
        uint256 maxTip; // [wad] cap on one tip
    }

    struct Auction {
        uint256 fleetId;
        address owner; // the vault's owner at seizure: receives the surplus
        uint256 top; // [wad] start price
        uint256 floorPrice; // [wad] price once the decay ends
        uint256 tab; // [wad] debt + tips, to be recovered
        uint256 penalty; // [wad] charged after the tab
        uint256 committed; // [wad] Reserve buffer set aside for the expected shortfall
        uint256 impaired; // [wad] expected shortfall marked on the SavingsVault
        uint40 start; // [s] on the unpaused clock (see `clock`)
    }

    event ParamsSet(Params params);
    event Paused(address account);
    event Unpaused(address account);
    /// @param debt [wad] the vault's debt at seizure
    /// @param tip [wad] credited to `keeper` (see `claimTips`); part of `auction.tab`
    /// @param auction the new auction: start and floor prices, tab, penalty, and its expected shortfall at the floor
    /// split into `committed` (held by the Reserve's buffer) and `impaired` (marked on savers)
    event Kicked(
        uint256 indexed auctionId,
        uint256 indexed vaultId,
        address indexed keeper,
        uint256 debt,
        uint256 tip,
        Auction auction
    );
    /// @param tip [wad] credited to `keeper` (see `claimTips`) and added to the tab
    /// @param auction the restarted auction, with its new start price, tab and expected-shortfall split
    event Redone(uint256 indexed auctionId, address indexed keeper, uint256 tip, Auction auction);
    /// @param amount [wad] minted to `to` out of `keeper`'s credited tips
    /// @param tipsOwed [wad] what `keeper` is still owed
    event TipsClaimed(address indexed keeper, address indexed to, uint256 amount, uint256 tipsOwed);
    /// @param price [wad] paid by the buyer and burnt
    /// @param penaltyPaid [wad] re-minted to the Reserve out of the price
    /// @param surplus [wad] re-minted to the vault's former owner out of the price
    /// @param shortfall [wad] tab − price when positive, settled in `LossSettled`
    event Taken(
        uint256 indexed auctionId,
        uint256 indexed fleetId,
        address indexed buyer,
        address receiver,
        uint256 price,
        uint256 tab,
        uint256 penaltyPaid,
        uint256 surplus,
        uint256 shortfall
    );
    /// @param coveredByReserve [wad] burnt from the Reserve's buffer
    /// @param absorbedBySavers [wad] burnt from the SavingsVault's assets
    /// @param uncovered [wad] left as bad debt: GPUSD in circulation that nothing backs
    event LossSettled(
        uint256 indexed auctionId,
        uint256 shortfall,
        uint256 coveredByReserve,
        uint256 absorbedBySavers,
        uint256 uncovered
    );
    event BadDebt(uint256 indexed auctionId, uint256 amount, uint256 totalBadDebt);

    error EnforcedPause();
    error ExpectedPause();
    error ZeroAddress();
    error UnknownAuction(uint256 auctionId);
    error NeedsReset(uint256 auctionId, uint256 elapsed, uint256 price);
    error ResetNotNeeded(uint256 auctionId, uint256 elapsed, uint256 price);
    error PriceAboveMax(uint256 price, uint256 maxPrice);
    error ParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 min, uint256 max);

    /// @notice Starts the auction of a liquidatable vault's fleet and credits the keeper's tip to `keeper`.
    /// Permissionless; blocked while paused. Reverts with the engine's NotLiquidatable otherwise.
    function kick(uint256 vaultId, address keeper) external returns (uint256 auctionId);

    /// @notice Restarts an auction that needs a reset from a fresh `liquidationValue × buffer`, re-marks its expected
    /// shortfall and credits another tip to `keeper` (added to the tab). Permissionless; blocked while paused.
    function redo(uint256 auctionId, address keeper) external;

    /// @notice Buys the fleet at the current price, at most `maxPrice`, burning that much GPUSD from the caller and
    /// having the engine deliver the NFT to `receiver`; then settles proceeds and any loss. Blocked while paused and
    /// while a reset is needed.
    /// @return price [wad] paid
    function take(uint256 auctionId, uint256 maxPrice, address receiver) external returns (uint256 price);

    /// @notice Mints the caller's credited tips to `to`, all but 1 wei: the wei keeps the caller's balance slot
    /// non-zero, so that its next tip costs a kick an update (5k gas) rather than a new slot (22k). Never blocked.
    /// @return amount [wad] minted; 0 when nothing beyond the wei is owed
    function claimTips(address to) external returns (uint256 amount);

    function setParams(Params calldata params) external; // risk curator
    function pause() external; // guardian: stops kick, redo, take and the auction clock
    function unpause() external; // guardian

    /// @notice A running auction; all zero once taken or if it never existed.
    function auction(uint256 auctionId) external view returns (Auction memory);

    /// @return needsReset elapsed > tail or price < cusp × top
    /// @return price [wad] what `take` would charge now
    /// @return elapsed [s] unpaused seconds since the (re)start
    function status(uint256 auctionId) external view returns (bool needsReset, uint256 price, uint256 elapsed);

    /// @notice Seconds since deployment during which the contract was not paused, offset by deployment time; auction
    /// start times and elapsed times are read on this clock. Frozen while paused.
    function clock() external view returns (uint40);

    function params() external view returns (Params memory);
    function paused() external view returns (bool);
    function lastAuctionId() external view returns (uint256);
    /// @notice Tips credited to `keeper` and not yet claimed [wad].
    function tipsOwed(address keeper) external view returns (uint256);
    /// @notice Sum of shortfalls neither the Reserve nor savers could cover [wad].
    function totalBadDebt() external view returns (uint256);
}
