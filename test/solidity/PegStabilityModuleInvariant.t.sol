// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {TestBase} from "./utils/Vm.sol";
import {ProtocolAccessManager} from "../../contracts/governance/ProtocolAccessManager.sol";
import {GPUSD} from "../../contracts/GPUSD.sol";
import {TestUSDC} from "../../contracts/mocks/TestUSDC.sol";
import {PegStabilityModule} from "../../contracts/PegStabilityModule.sol";
import {IPegStabilityModule} from "../../contracts/interfaces/IPegStabilityModule.sol";

/// Drives the PSM the way its users can: sales, redemptions (direct and queued), claims, cancellations and time.
/// USDC flows are measured from the actors' balances, never from the PSM's return values, so the invariants check
/// the module against the outside world.
contract PsmHandler is TestBase {
    uint256 internal constant MAX_USDC = 1e12; // a million USDC per call

    PegStabilityModule public immutable psm;
    GPUSD public immutable gpusd;
    TestUSDC public immutable usdc;
    address[] internal actors;

    uint256 public usdcIn; // [usdc] taken from actors by sales
    uint256 public borrowed; // [wad] GPUSD minted outside the PSM, as the CreditEngine would
    uint256 public paidPastTheLine; // [usdc] paid directly to redeemers while the line was not empty
    uint256 public usdcOut; // [usdc] paid to actors by redemptions, claims and cancellations
    mapping(bytes32 => uint256) public calls;

    constructor(PegStabilityModule psm_, GPUSD gpusd_, TestUSDC usdc_) {
        (psm, gpusd, usdc) = (psm_, gpusd_, usdc_);
        for (uint160 i = 1; i <= 4; i++) {
            address actor = address(0xA000 + i);
            actors.push(actor);
            vm.startPrank(actor);
            usdc.approve(address(psm), type(uint256).max);
            gpusd.approve(address(psm), type(uint256).max);
            vm.stopPrank();
        }
    }

    function sell(uint256 actorSeed, uint256 amount) external {
        address actor = actors[actorSeed % actors.length];
        amount = bound(amount, 1, MAX_USDC);
        usdc.mint(actor, amount);
        uint256 before = usdc.balanceOf(actor);
        vm.prank(actor);
        psm.sellUsdc(amount, actor);
        usdcIn += before - usdc.balanceOf(actor);
        calls["sell"]++;
    }

    /// GPUSD that did not come from the PSM, so that redemptions can outrun its USDC and the line forms.
    function borrow(uint256 actorSeed, uint256 amount) external {
        amount = bound(amount, 1, MAX_USDC * 1e12 / 4);
        gpusd.mint(actors[actorSeed % actors.length], amount);
        borrowed += amount;
        calls["borrow"]++;
    }

    /// The risk curator may move fees anywhere within bounds at any time.
    function setFees(uint256 tin, uint256 tout) external {
        psm.setFees(bound(tin, 0, 1e16), bound(tout, 0, 1e16));
    }

    function redeem(uint256 actorSeed, uint256 amount) external {
        address actor = actors[actorSeed % actors.length];
        uint256 balance = gpusd.balanceOf(actor);
        uint256 minimum = 2e12; // pays at least one USDC unit under any fee within bounds
        if (balance < minimum) return;
        amount = bound(amount, minimum, balance);
        uint256 before = usdc.balanceOf(actor);
        bool lineWaiting = psm.queueDepth() != 0;
        vm.prank(actor);
        psm.redeem(amount, actor);
        uint256 paid = usdc.balanceOf(actor) - before;
        usdcOut += paid;
        if (lineWaiting) paidPastTheLine += paid;
        calls["redeem"]++;
    }

    function claim(uint256 idSeed) external {
        // The first claimable request from a random starting point, so that claims happen whenever any can.
        uint256 last = psm.lastRequestId();
        for (uint256 i; i < last; i++) {
            uint256 id = (idSeed % last + i) % last + 1;
            IPegStabilityModule.Request memory r = psm.request(id);
            if (r.cancelled || psm.queueStatus(id).claimable == 0) continue;
            uint256 before = usdc.balanceOf(r.owner);
            psm.claim(id);
            usdcOut += usdc.balanceOf(r.owner) - before;
            calls["claim"]++;
            return;
        }
    }

    function cancel(uint256 idSeed) external {
        uint256 last = psm.lastRequestId();
        if (last == 0) return;
        uint256 id = bound(idSeed, 1, last);
        IPegStabilityModule.Request memory r = psm.request(id);
        if (r.cancelled) return;
        uint256 before = usdc.balanceOf(r.owner);
        vm.prank(r.owner);
        psm.cancel(id);
        usdcOut += usdc.balanceOf(r.owner) - before;
        calls["cancel"]++;
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 3 days));
    }
}

/// The PSM's accounting invariants, each with the reason it must hold.
contract PegStabilityModuleInvariantTest is TestBase {
    uint256 internal constant SCALE = 1e12;
    uint64 internal constant RISK_CURATOR = 1;

    PegStabilityModule internal psm;
    GPUSD internal gpusd;
    TestUSDC internal usdc;
    PsmHandler internal handler;
    address internal constant RESERVE = address(0xFEE);

    function setUp() public {
        vm.warp(1_700_000_000);
        ProtocolAccessManager manager = new ProtocolAccessManager(address(this));
        gpusd = new GPUSD(address(manager));
        usdc = new TestUSDC();
        // Non-zero fees, and odd ones, so that rounding and sub-unit dust are exercised on every swap.
        psm = new PegStabilityModule(address(manager), gpusd, IERC20Metadata(address(usdc)), RESERVE, 1e15 + 7, 2e15 + 3);
        gpusd.setMinter(address(psm), true);
        handler = new PsmHandler(psm, gpusd, usdc);
        gpusd.setMinter(address(handler), true);
        bytes4[] memory setFees = new bytes4[](1);
        setFees[0] = PegStabilityModule.setFees.selector;
        manager.setTargetFunctionRole(address(psm), setFees, RISK_CURATOR);
        manager.grantRole(RISK_CURATOR, address(handler), 0);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// Every GPUSD the PSM minted and has not burnt is backed by a USDC unit it holds, fees included: what the PSM
    /// minted less what it burnt (supply less GPUSD borrowed elsewhere) equals net USDC × 1e12 exactly.
    /// hardhat-config: invariant.runs = 128
    /// hardhat-config: invariant.depth = 128
    function invariant_PsmBacking() public view {
        uint256 psmNet = gpusd.totalSupply() - handler.borrowed();
        assertEq(psmNet, (handler.usdcIn() - handler.usdcOut()) * SCALE, "PSM minted - burnt != net USDC x 1e12");
    }

    /// USDC is neither created nor lost inside the module: what came in is what went out plus what it holds.
    /// hardhat-config: invariant.runs = 128
    /// hardhat-config: invariant.depth = 128
    function invariant_UsdcConservation() public view {
        assertEq(handler.usdcIn(), handler.usdcOut() + usdc.balanceOf(address(psm)), "USDC in != out + held");
    }

    /// First in, first out: no live request gets a unit before every older live request is full, and the ranges tile
    /// the line without gaps or overlaps, so `amountAhead` is exact.
    /// hardhat-config: invariant.runs = 128
    /// hardhat-config: invariant.depth = 128
    function invariant_QueueFifo() public view {
        uint256 last = psm.lastRequestId();
        bool olderIncomplete;
        uint256 end;
        for (uint256 id = 1; id <= last; id++) {
            IPegStabilityModule.Request memory r = psm.request(id);
            assertEq(r.start, end, "ranges do not tile the line");
            end = r.start + r.amount;
            if (r.cancelled) continue;
            IPegStabilityModule.QueueStatus memory s = psm.queueStatus(id);
            if (olderIncomplete) assertEq(s.filled, 0, "a request filled before an older one");
            if (s.filled < r.amount) olderIncomplete = true;
            assertEq(s.filled, r.amount - s.remaining, "filled + remaining != amount");
        }
    }

    /// Nobody jumps the line: while any range is unfilled, a redemption is queued in full, even when the module holds
    /// USDC nobody is owed (USDC that covered an abandoned range).
    /// hardhat-config: invariant.runs = 128
    /// hardhat-config: invariant.depth = 128
    function invariant_NoDirectPaymentWhileTheLineWaits() public view {
        assertEq(handler.paidPastTheLine(), 0, "paid directly while the line waited");
    }

    /// The module always holds the USDC it owes for filled, unclaimed requests, so claims can never fail for lack of
    /// funds; and once the line is drained, free liquidity is exactly what nobody is owed.
    /// hardhat-config: invariant.runs = 128
    /// hardhat-config: invariant.depth = 128
    function invariant_FreeLiquidityNeverNegative() public view {
        uint256 last = psm.lastRequestId();
        uint256 claimable;
        uint256 owed;
        for (uint256 id = 1; id <= last; id++) {
            IPegStabilityModule.Request memory r = psm.request(id);
            if (r.cancelled) continue;
            claimable += psm.queueStatus(id).claimable;
            owed += r.amount - r.claimed;
        }
        uint256 held = usdc.balanceOf(address(psm));
        assertLe(claimable, held, "claimable USDC exceeds what the module holds");
        if (psm.queueDepth() == 0) {
            assertLe(owed, held, "owed exceeds holdings with the line drained");
            assertEq(psm.freeLiquidity(), held - owed, "free liquidity != held - owed");
        } else {
            assertEq(psm.freeLiquidity(), 0, "free liquidity while someone waits");
        }
    }

    /// Queued GPUSD sits in escrow until claimed (burnt) or cancelled (returned): the module's GPUSD is exactly the
    /// unclaimed part of live requests, so a cancellation can always return what was not filled.
    /// hardhat-config: invariant.runs = 128
    /// hardhat-config: invariant.depth = 128
    function invariant_EscrowMatchesLiveRequests() public view {
        uint256 last = psm.lastRequestId();
        uint256 escrow;
        for (uint256 id = 1; id <= last; id++) {
            IPegStabilityModule.Request memory r = psm.request(id);
            if (!r.cancelled) escrow += (r.amount - r.claimed) * SCALE;
        }
        assertEq(gpusd.balanceOf(address(psm)), escrow, "escrow != unclaimed live requests");
    }
}
