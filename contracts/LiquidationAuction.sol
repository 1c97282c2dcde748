// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ILiquidationAuction} from "./interfaces/ILiquidationAuction.sol";
import {ICreditEngine} from "./interfaces/ICreditEngine.sol";
import {IGPUSD} from "./interfaces/IGPUSD.sol";
import {IFleetOracle} from "./interfaces/IFleetOracle.sol";
import {IReserve} from "./interfaces/IReserve.sol";
import {ISavingsVault} from "./interfaces/ISavingsVault.sol";
import {MathLib, WAD} from "./libraries/MathLib.sol";
import {Bounds} from "./libraries/Bounds.sol";

/// @title LiquidationAuction
/// @dev Warning: trusts the engine, GPUSD, the oracle, the Reserve and the SavingsVault it is deployed with; none of
/// them calls back. The engine's `seize` and the Reserve's view come before this contract's writes because their
/// answers are what it writes; every other call follows the state it depends on. The engine holds each auctioned
/// fleet and delivers it to the buyer (`take` deletes the auction first), so this contract never touches the registry.
contract LiquidationAuction is ILiquidationAuction, AccessManaged {
    using MathLib for uint256;
    using SafeCast for uint256;

    /// @dev One US cent [wad]: the oracle values fleets in whole cents, and start prices are kept in cents.
    uint256 internal constant CENT = 1e16;

    /// @dev Two slots per auction, each written once by a kick and cleared by a take: the first is everything the
    /// price clock reads, the second what a take settles. The seized vault holds the fleet and names its owner.
    /// Widths: a start price is under 2^49 cents (the oracle's 48-bit cents × a buffer ≤ 2); the tab, penalty and
    /// commitment are checked into 96 bits (79 billion GPUSD, far above any class's debt ceiling).
    struct AuctionSlot {
        uint96 tab; // [wad] 0 = no auction
        uint56 topCents; // [¢] start price, rounded up to a whole cent
        uint40 start; // [s] on the unpaused clock
        uint64 floorRatio; // [wad] fixed at (re)start, so the marked shortfall can be recomputed
        uint64 vaultId;
        uint96 penalty; // [wad]
        uint96 committed; // [wad] ≤ tab
    }

    /// @dev Laid out by who reads what: a kick reads the first two slots (and bumps the counter in the second), the
    /// price clock the third, a reset all three. Bounds.sol keeps every value far inside its width.
    struct ParamSlot {
        uint64 buffer; // [wad]
        uint64 floorRatio; // [wad]
        uint64 penalty; // [wad]
        uint64 chip; // [wad]
        uint96 flatTip; // [wad]
        uint96 maxTip; // [wad]
        uint64 lastAuctionId; // not a parameter: the auction counter, in a slot every kick reads anyway
        uint64 cusp; // [wad]
        uint32 duration; // [s]
        uint32 tail; // [s]
    }

    ICreditEngine public immutable engine;
    IGPUSD public immutable gpusd;
    IFleetOracle public immutable oracle;
    IReserve public immutable reserve;
    ISavingsVault public immutable savings;

    // Share the AccessManaged slot: the clock is read by every kick, redo and take.
    uint40 internal _pausedAt; // [unix s] when the current pause began
    uint40 internal _totalPaused; // [s] sum of all finished pauses
    bool internal _paused;

    /// @inheritdoc ILiquidationAuction
    uint256 public totalBadDebt; // [wad]
    ParamSlot internal _params;
    mapping(uint256 auctionId => AuctionSlot) internal _auctions;
    mapping(address keeper => uint256) internal _tipsOwed; // [wad]

    constructor(
        address authority,
        ICreditEngine engine_,
        IGPUSD gpusd_,
        IFleetOracle oracle_,
        IReserve reserve_,
        ISavingsVault savings_,
        Params memory params_
    ) AccessManaged(authority) {
        if (address(engine_) == address(0) || address(gpusd_) == address(0)) revert ZeroAddress();
        if (address(oracle_) == address(0) || address(reserve_) == address(0)) revert ZeroAddress();
        if (address(savings_) == address(0)) revert ZeroAddress();
        engine = engine_;
        gpusd = gpusd_;
        oracle = oracle_;
        reserve = reserve_;
        savings = savings_;
        _setParams(params_);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc ILiquidationAuction
    function setParams(Params calldata params_) external restricted {
        _setParams(params_);
    }

    /// @inheritdoc ILiquidationAuction
    function pause() external restricted {
        if (_paused) revert EnforcedPause();
        _paused = true;
        _pausedAt = uint40(block.timestamp);
        emit Paused(msg.sender);
    }

    /// @inheritdoc ILiquidationAuction
    function unpause() external restricted {
        if (!_paused) revert ExpectedPause();
        _paused = false;
        _totalPaused += uint40(block.timestamp) - _pausedAt;
        emit Unpaused(msg.sender);
    }

    // ---------------------------------------------------------------- auctions

    /// @inheritdoc ILiquidationAuction
    function kick(uint256 vaultId, address keeper) external returns (uint256 auctionId) {
        if (_paused) revert EnforcedPause();
        if (keeper == address(0)) revert ZeroAddress();
        // The engine checks liquidatability and books the debt off; it holds the NFT until `take` asks it to deliver,
        // and reports the value it judged by, which prices the auction.
        (uint256 debt, uint256 value, uint256 fleetId, address owner) = engine.seize(vaultId);

        ParamSlot storage p = _params;
        uint256 tip = _tip(p, debt);
        Auction memory a = _restart(value, p, debt + tip, 0);
        a.fleetId = fleetId;
        a.owner = owner;
        a.penalty = debt.wMulUp(p.penalty); // rounds up, against the owner

        auctionId = p.lastAuctionId + 1;
        p.lastAuctionId = uint64(auctionId);
        _auctions[auctionId] = AuctionSlot({
            tab: a.tab.toUint96(),
            topCents: uint56(a.top / CENT),
            start: a.start,
            floorRatio: p.floorRatio,
            vaultId: uint64(vaultId), // the engine numbers vaults in 64 bits
            penalty: a.penalty.toUint96(),
            committed: uint96(a.committed)
        });
        if (tip != 0) _tipsOwed[keeper] += tip;
        emit Kicked(auctionId, vaultId, keeper, debt, tip, a);

        if (a.committed != 0) reserve.commit(a.committed);
        if (a.impaired != 0) savings.impair(a.impaired);
    }

    /// @inheritdoc ILiquidationAuction
    function redo(uint256 auctionId, address keeper) external {
        if (_paused) revert EnforcedPause();
        if (keeper == address(0)) revert ZeroAddress();
        AuctionSlot storage slot = _auctions[auctionId];
        AuctionSlot memory old = slot;
        if (old.tab == 0) revert UnknownAuction(auctionId);
        ParamSlot storage p = _params;
        (bool needsReset, uint256 price, uint256 elapsed) = _status(old, p);
        if (!needsReset) revert ResetNotNeeded(auctionId, elapsed, price);

        // The tip's share scales with what is still to recover: the tab, earlier tips included.
        uint256 tip = _tip(p, old.tab);
        (uint256 fleetId, address owner) = engine.fleetOf(old.vaultId);
        (uint256 value,) = oracle.liquidationValue(fleetId);
        // The old commitment is released and taken again, so it counts as available.
        Auction memory a = _restart(value, p, old.tab + tip, old.committed);
        a.fleetId = fleetId;
        a.owner = owner;
        a.penalty = old.penalty;
        uint256 oldImpaired = _impaired(old);

        slot.tab = a.tab.toUint96();
        slot.topCents = uint56(a.top / CENT);
        slot.start = a.start;
        slot.floorRatio = p.floorRatio;
        slot.committed = uint96(a.committed);
        if (tip != 0) _tipsOwed[keeper] += tip;
        emit Redone(auctionId, keeper, tip, a);

        if (a.committed > old.committed) reserve.commit(a.committed - old.committed);
        else if (a.committed < old.committed) reserve.release(old.committed - a.committed);
        if (a.impaired > oldImpaired) savings.impair(a.impaired - oldImpaired);
        else if (a.impaired < oldImpaired) savings.releaseImpairment(oldImpaired - a.impaired);
    }

    /// @inheritdoc ILiquidationAuction
    function take(uint256 auctionId, uint256 maxPrice, address receiver) external returns (uint256 price) {
        if (_paused) revert EnforcedPause();
        if (receiver == address(0)) revert ZeroAddress();
        AuctionSlot memory a = _auctions[auctionId];
        if (a.tab == 0) revert UnknownAuction(auctionId);
        bool needsReset;
        uint256 elapsed;
        (needsReset, price, elapsed) = _status(a, _params);
        if (needsReset) revert NeedsReset(auctionId, elapsed, price);
        if (price > maxPrice) revert PriceAboveMax(price, maxPrice);

        delete _auctions[auctionId];
        // The engine hands the fleet to the receiver and names the vault's owner, who gets the surplus.
        (uint256 fleetId, address owner) = engine.deliver(a.vaultId, receiver);
        _settle(auctionId, a, price, fleetId, owner, receiver);
    }

    /// @inheritdoc ILiquidationAuction
    function claimTips(address to) external returns (uint256 amount) {
        if (to == address(0)) revert ZeroAddress();
        uint256 owed = _tipsOwed[msg.sender];
        if (owed <= 1) return 0;
        amount = owed - 1;
        _tipsOwed[msg.sender] = 1;
        emit TipsClaimed(msg.sender, to, amount, 1);
        gpusd.mint(to, amount);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ILiquidationAuction
    function auction(uint256 auctionId) external view returns (Auction memory) {
        AuctionSlot memory a = _auctions[auctionId];
        Auction memory view_;
        if (a.tab == 0) return view_;
        (uint256 fleetId, address owner) = engine.fleetOf(a.vaultId);
        uint256 top = uint256(a.topCents) * CENT;
        return Auction({
            fleetId: fleetId,
            owner: owner,
            top: top,
            floorPrice: top.wMulUp(a.floorRatio),
            tab: a.tab,
            penalty: a.penalty,
            committed: a.committed,
            impaired: _impaired(a),
            start: a.start
        });
    }

    /// @inheritdoc ILiquidationAuction
    function status(uint256 auctionId) external view returns (bool needsReset, uint256 price, uint256 elapsed) {
        AuctionSlot memory a = _auctions[auctionId];
        if (a.tab == 0) revert UnknownAuction(auctionId);
        return _status(a, _params);
    }

    /// @inheritdoc ILiquidationAuction
    function clock() public view returns (uint40) {
        return (_paused ? _pausedAt : uint40(block.timestamp)) - _totalPaused;
    }

    /// @inheritdoc ILiquidationAuction
    function params() external view returns (Params memory) {
        ParamSlot memory p = _params;
        return Params({
            buffer: p.buffer,
            floorRatio: p.floorRatio,
            cusp: p.cusp,
            penalty: p.penalty,
            duration: p.duration,
            tail: p.tail,
            flatTip: p.flatTip,
            chip: p.chip,
            maxTip: p.maxTip
        });
    }

    /// @inheritdoc ILiquidationAuction
    function paused() external view returns (bool) {
        return _paused;
    }

    /// @inheritdoc ILiquidationAuction
    function tipsOwed(address keeper) external view returns (uint256) {
        return _tipsOwed[keeper];
    }

    /// @inheritdoc ILiquidationAuction
    function lastAuctionId() external view returns (uint256) {
        return _params.lastAuctionId;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Linear from top to floor over `duration`, then flat. The decrease rounds down, so the price rounds up.
    /// Reads the parameters from storage, field by field, so that only the slot it needs is loaded.
    function _status(AuctionSlot memory a, ParamSlot storage p)
        internal
        view
        returns (bool needsReset, uint256 price, uint256 elapsed)
    {
        elapsed = clock() - a.start;
        uint256 top = uint256(a.topCents) * CENT;
        uint256 floorPrice = top.wMulUp(a.floorRatio);
        uint256 duration = p.duration;
        price = elapsed >= duration ? floorPrice : top - (top - floorPrice).mulDivDown(elapsed, duration);
        needsReset = elapsed > p.tail || price * WAD < top * p.cusp;
    }

    /// @dev Prices an auction from the oracle's last good value (which answers while stale or stopped) and splits its
    /// expected shortfall at the floor. Start (to a whole cent) and floor round up, in favour of recovering the tab.
    function _restart(uint256 value, ParamSlot storage p, uint256 tab, uint256 ownCommitted)
        internal
        view
        returns (Auction memory a)
    {
        a.top = value.mulDivUp(p.buffer, WAD * CENT) * CENT;
        a.floorPrice = a.top.wMulUp(p.floorRatio);
        a.tab = tab;
        a.start = clock();
        (a.committed, a.impaired) = _splitExpectedLoss(tab.zeroFloorSub(a.floorPrice), ownCommitted);
    }

    function _tip(ParamSlot storage p, uint256 base) internal view returns (uint256) {
        return MathLib.min(p.flatTip + base.wMulDown(p.chip), p.maxTip);
    }

    /// @dev The Reserve holds what its uncommitted buffer (plus `ownCommitted`, about to be released) can; savers are
    /// marked for the rest.
    function _splitExpectedLoss(uint256 expected, uint256 ownCommitted)
        internal
        view
        returns (uint256 committed, uint256 impaired)
    {
        if (expected == 0) return (0, 0);
        committed = MathLib.min(expected, reserve.uncommittedBuffer() + ownCommitted);
        impaired = expected - committed;
    }

    /// @dev The mark on savers is whatever of the expected shortfall at the floor the Reserve did not commit.
    function _impaired(AuctionSlot memory a) internal pure returns (uint256) {
        uint256 expected = uint256(a.tab).zeroFloorSub((uint256(a.topCents) * CENT).wMulUp(a.floorRatio));
        return expected - a.committed;
    }

    /// @dev Pays out a sale whose auction is already deleted. Waterfall: the tab, then the penalty, then the owner's
    /// surplus. Supply falls by exactly what reaches the tab: the whole price is burnt, and only the penalty and
    /// surplus come back.
    function _settle(
        uint256 auctionId,
        AuctionSlot memory a,
        uint256 price,
        uint256 fleetId,
        address owner,
        address receiver
    ) internal {
        uint256 rest = price.zeroFloorSub(a.tab);
        uint256 penaltyPaid = MathLib.min(rest, a.penalty);
        uint256 surplus = rest - penaltyPaid;
        uint256 shortfall = uint256(a.tab).zeroFloorSub(price);
        emit Taken(auctionId, fleetId, msg.sender, receiver, price, a.tab, penaltyPaid, surplus, shortfall);

        gpusd.burn(msg.sender, price);
        if (penaltyPaid != 0) gpusd.mint(address(reserve), penaltyPaid);
        if (surplus != 0) gpusd.mint(owner, surplus);

        // The expected loss set aside at the start gives way to the realized one.
        uint256 impaired = _impaired(a);
        if (a.committed != 0) reserve.release(a.committed);
        if (impaired != 0) savings.releaseImpairment(impaired);
        if (shortfall != 0) _settleLoss(auctionId, shortfall);
    }

    /// @dev Loss order: the Reserve's buffer, then savers; what neither can pay stays in circulation as bad debt. Both
    /// send what they pay here and it is burnt, so supply falls by the whole tab. `totalBadDebt` is written after their
    /// calls because it is what they could not pay; the auction is already deleted, so nothing here can run twice.
    function _settleLoss(uint256 auctionId, uint256 shortfall) internal {
        uint256 covered = reserve.coverShortfall(shortfall);
        uint256 absorbed = covered < shortfall ? savings.absorbLoss(shortfall - covered) : 0;
        uint256 uncovered = shortfall - covered - absorbed;
        if (covered + absorbed != 0) gpusd.burn(address(this), covered + absorbed);
        emit LossSettled(auctionId, shortfall, covered, absorbed, uncovered);
        if (uncovered != 0) {
            uint256 total = totalBadDebt + uncovered;
            totalBadDebt = total;
            emit BadDebt(auctionId, uncovered, total);
        }
    }

    function _setParams(Params memory p) internal {
        _checkBound("buffer", p.buffer, Bounds.MIN_AUCTION_BUFFER, Bounds.MAX_AUCTION_BUFFER);
        _checkBound("floorRatio", p.floorRatio, Bounds.MIN_FLOOR_RATIO, Bounds.MAX_FLOOR_RATIO);
        _checkBound("cusp", p.cusp, 0, Bounds.MAX_CUSP);
        _checkBound("penalty", p.penalty, 0, Bounds.MAX_LIQUIDATION_PENALTY);
        _checkBound("duration", p.duration, Bounds.MIN_AUCTION_DURATION, Bounds.MAX_AUCTION_DURATION);
        _checkBound("tail", p.tail, p.duration, Bounds.MAX_AUCTION_TAIL);
        _checkBound("flatTip", p.flatTip, 0, Bounds.MAX_FLAT_TIP);
        _checkBound("chip", p.chip, 0, Bounds.MAX_TIP_CHIP);
        _checkBound("maxTip", p.maxTip, 0, Bounds.MAX_KEEPER_TIP);
        _params = ParamSlot({
            buffer: uint64(p.buffer),
            floorRatio: uint64(p.floorRatio),
            penalty: uint64(p.penalty),
            chip: uint64(p.chip),
            flatTip: uint96(p.flatTip),
            maxTip: uint96(p.maxTip),
            lastAuctionId: _params.lastAuctionId,
            cusp: uint64(p.cusp),
            duration: p.duration,
            tail: p.tail
        });
        emit ParamsSet(p);
    }

    function _checkBound(bytes32 parameter, uint256 value, uint256 min, uint256 max) internal pure {
        if (value < min || value > max) revert ParameterOutOfBounds(parameter, value, min, max);
    }
}
