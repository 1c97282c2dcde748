// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ProtocolFixture} from "./utils/ProtocolFixture.sol";
import {ProtocolHandler, Deployment} from "./utils/ProtocolHandler.sol";
import {ICreditEngine} from "../../contracts/interfaces/ICreditEngine.sol";
import {ILiquidationAuction} from "../../contracts/interfaces/ILiquidationAuction.sol";
import {IPegStabilityModule} from "../../contracts/interfaces/IPegStabilityModule.sol";

/// The whole protocol under one handler (vaults, PSM, savings, Reserve, oracle crashes, time, auctions, pauses), and
/// the system-wide invariants, each with the reason it must hold. Runs: 256 × depth 50 by default; the `long` test
/// profile (`npm run test:long`) runs 5,000.
contract ProtocolInvariantTest is ProtocolFixture {
    uint16 internal constant CLASS = 1;
    uint256 internal constant WAD = 1e18;
    uint64 internal constant ADMIN_ROLE = 0;

    ProtocolHandler internal handler;

    error ProbeSucceeded();
    error ProbeFailed(bytes reason);

    function setUp() public {
        _deployProtocol();
        address[] memory actors = new address[](4);
        actors[0] = address(0x0BE2A701);
        actors[1] = address(0x0BE2A702);
        actors[2] = address(0x0BE2A703);
        actors[3] = address(0x5A7E2);
        uint256[] memory fleets = new uint256[](6);
        for (uint256 i; i < 6; ++i) fleets[i] = _onboard(actors[i % 3], 64);
        handler = new ProtocolHandler(
            Deployment(gpusd, registry, oracle, engine, savings, reserve, psm, auction, usdc), signerKeys, actors, fleets
        );
        gpusd.setMinter(address(handler), true);
        authority.grantRole(ADMIN_ROLE, address(handler), 0);
    }

    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// Only the handler's actions, not its ghost getters, so that depth 50 reaches auctions and settlements.
    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), handler.selectors());
    }

    /// Every GPUSD is backed. Supply moves only by: borrow (+a, vault debt +a), repay (−p, debt −p), interest (owed
    /// to the Reserve as unminted, then minted 1:1), PSM (±USDC × 1e12), handler mints (buyers, repayers, savers,
    /// redeemers; the handler never burns), keeper tips (+tip, tab +tip), kick (debt moves from the vault to the tab),
    /// take (supply −tab + uncovered; the uncovered part becomes totalBadDebt). Hence, exactly up to rounding:
    ///   totalSupply + Σ unmintedInterest == Σ vault debt + Σ live tab + psmUsdc × 1e12 + minted + totalBadDebt.
    /// Rounding sources: each vault's debt rounds up (< 1 wei per vault); each accrual floors the interest (< 1 wei
    /// per call, plus the view's pending floor); a borrow's normalized debt rounds up and a partial repay's credit
    /// rounds down (≤ rate/RAY + 1 wei each, ≤ 2 wei at realistic rates). Tolerance: 4 wei per handler call + 2 per
    /// vault + 10.
    /// hardhat-config: default.invariant.runs = 256
    /// hardhat-config: long.invariant.runs = 5000
    /// hardhat-config: invariant.depth = 50
    function invariant_EveryGpusdIsBacked() public view {
        uint256 lhs = gpusd.totalSupply() + engine.classState(CLASS).unmintedInterest;
        uint256 last = engine.lastVaultId();
        uint256 rhs = usdc.balanceOf(address(psm)) * 1e12 + handler.minted() + auction.totalBadDebt();
        for (uint256 id = 1; id <= last; ++id) rhs += engine.debtOf(id);
        uint256 auctions = auction.lastAuctionId();
        for (uint256 id = 1; id <= auctions; ++id) rhs += auction.auction(id).tab;
        uint256 tolerance = 4 * handler.calls() + 2 * last + 10;
        uint256 diff = lhs > rhs ? lhs - rhs : rhs - lhs;
        if (diff > tolerance) assertEq(lhs, rhs, "supply + unminted != debt + tabs + psm + minted + bad debt");
    }

    /// Collateral is never lost: an open vault's fleet sits in the engine, a live auction's in the auction.
    /// hardhat-config: default.invariant.runs = 256
    /// hardhat-config: long.invariant.runs = 5000
    /// hardhat-config: invariant.depth = 50
    function invariant_FleetNftHeldByEngineOrLiveAuction() public view {
        uint256 last = engine.lastVaultId();
        for (uint256 id = 1; id <= last; ++id) {
            ICreditEngine.Vault memory v = engine.vault(id);
            if (v.owner != address(0) && v.fleetId != 0) {
                assertTrue(registry.ownerOf(v.fleetId) == address(engine), "vault fleet not in the engine");
            }
        }
        uint256 auctions = auction.lastAuctionId();
        for (uint256 id = 1; id <= auctions; ++id) {
            ILiquidationAuction.Auction memory a = auction.auction(id);
            if (a.tab != 0) assertTrue(registry.ownerOf(a.fleetId) == address(auction), "auction fleet not held");
        }
    }

    /// Debt is only ever drawn against a pledged fleet, and collateral leaves only once the debt is gone; principal
    /// never exceeds the debt (interest only adds).
    /// hardhat-config: default.invariant.runs = 256
    /// hardhat-config: long.invariant.runs = 5000
    /// hardhat-config: invariant.depth = 50
    function invariant_NoDebtWithoutCollateral() public view {
        uint256 last = engine.lastVaultId();
        for (uint256 id = 1; id <= last; ++id) {
            ICreditEngine.Vault memory v = engine.vault(id);
            if (v.normDebt != 0) {
                assertTrue(v.fleetId != 0, "debt without collateral");
                assertTrue(v.owner != address(0), "debt on a closed vault");
            }
            assertLe(v.principal, engine.debtOf(id), "principal above debt");
        }
    }

    /// The savings vault holds at least what its books say it has: assets net of marks plus interest not yet
    /// released (`totalAssets() + interestLeft()`), so every share can be paid and the smear can finish.
    /// hardhat-config: default.invariant.runs = 256
    /// hardhat-config: long.invariant.runs = 5000
    /// hardhat-config: invariant.depth = 50
    function invariant_SavingsHoldsItsAssets() public view {
        assertGe(
            gpusd.balanceOf(address(savings)),
            savings.totalAssets() + savings.interestLeft(),
            "savings balance below its assets + unreleased interest"
        );
    }

    /// Deposits and withdrawals round for the vault and time only releases interest, so the share price can fall
    /// only when an auction marks an impairment or a loss is absorbed (the handler compares the price around every
    /// action and flags a fall in an action that recorded neither).
    /// hardhat-config: default.invariant.runs = 256
    /// hardhat-config: long.invariant.runs = 5000
    /// hardhat-config: invariant.depth = 50
    function invariant_SharePriceFallsOnlyThroughRecordedLoss() public view {
        assertTrue(!handler.sharePriceFellWithoutLoss(), "share price fell without a recorded loss");
    }

    /// An owner whose vault is not in auction can always get the fleet back: with the GPUSD in hand, a full repay and
    /// removeCollateral succeed, whatever the pauses, the oracle (stale or crashed) or the schedule. Tried on every
    /// open vault inside a call that always reverts, so nothing persists.
    /// hardhat-config: default.invariant.runs = 256
    /// hardhat-config: long.invariant.runs = 5000
    /// hardhat-config: invariant.depth = 50
    function invariant_OwnerCanAlwaysRepayAndReclaim() public {
        uint256 last = engine.lastVaultId();
        for (uint256 id = 1; id <= last; ++id) {
            ICreditEngine.Vault memory v = engine.vault(id);
            if (v.owner == address(0) || v.fleetId == 0) continue;
            try this.probeRepayAndReclaim(id) {
                assertTrue(false, "probe did not revert");
            } catch (bytes memory reason) {
                assertTrue(bytes4(reason) == ProbeSucceeded.selector, "owner could not repay and reclaim");
            }
        }
    }

    /// Repays a vault in full as its owner, takes the fleet back, and reverts so that nothing persists.
    function probeRepayAndReclaim(uint256 id) external {
        assertTrue(msg.sender == address(this), "probe is internal");
        ICreditEngine.Vault memory v = engine.vault(id);
        uint256 debt = engine.debtOf(id);
        if (debt != 0) {
            gpusd.mint(v.owner, debt);
            vm.prank(v.owner);
            try engine.repay(id, debt) {}
            catch (bytes memory reason) {
                revert ProbeFailed(reason);
            }
        }
        vm.prank(v.owner);
        try engine.removeCollateral(id, v.owner) {}
        catch (bytes memory reason) {
            revert ProbeFailed(reason);
        }
        if (registry.ownerOf(v.fleetId) != v.owner) revert ProbeFailed("");
        revert ProbeSucceeded();
    }

    /// The PSM's line is first in, first out, its ranges tile without gaps, nobody is paid directly while it waits,
    /// and USDC is conserved: in = out + held.
    /// hardhat-config: default.invariant.runs = 256
    /// hardhat-config: long.invariant.runs = 5000
    /// hardhat-config: invariant.depth = 50
    function invariant_PsmQueueIsFifoAndUsdcConserved() public view {
        assertEq(handler.usdcIn(), handler.usdcOut() + usdc.balanceOf(address(psm)), "USDC in != out + held");
        assertEq(handler.paidPastTheLine(), 0, "paid directly while the line waited");
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
        }
    }

    /// Health depends only on the vault's own debt and its fleet's value; with no price move and no time passing,
    /// nothing another vault, the PSM, savers, keepers or governance do can make a healthy vault unhealthy.
    /// hardhat-config: default.invariant.runs = 256
    /// hardhat-config: long.invariant.runs = 5000
    /// hardhat-config: invariant.depth = 50
    function invariant_HealthyVaultStaysHealthyWithoutPriceOrTime() public view {
        assertTrue(!handler.healthyVaultBroken(), "a healthy vault became unhealthy through another's action");
    }

    /// Loss order: a take books as bad debt at most its own shortfall (tab − price), and only once the Reserve's
    /// uncommitted buffer and the savers' assets are both spent; total bad debt ≤ Σ shortfalls.
    /// hardhat-config: default.invariant.runs = 256
    /// hardhat-config: long.invariant.runs = 5000
    /// hardhat-config: invariant.depth = 50
    function invariant_LiquidationBadDebtBoundedByShortfall() public view {
        assertLe(auction.totalBadDebt(), handler.shortfalls(), "bad debt above the sum of shortfalls");
        assertTrue(!handler.badDebtAboveShortfall(), "a take booked more bad debt than its shortfall");
        assertTrue(!handler.badDebtBeforeBuffersSpent(), "bad debt while the Reserve or savers could pay");
    }

    /// The interest accumulator only compounds upwards (fee ≥ RAY, rounding down never below the old rate), and the
    /// auction's paused-aware clock never runs backwards, so prices never jump back up by themselves.
    /// hardhat-config: default.invariant.runs = 256
    /// hardhat-config: long.invariant.runs = 5000
    /// hardhat-config: invariant.depth = 50
    function invariant_RateAccumulatorsNeverDecrease() public view {
        assertTrue(!handler.rateDecreased(), "rate accumulator decreased");
        assertTrue(!handler.clockDecreased(), "auction clock ran backwards");
        assertGe(engine.classState(CLASS).rate, 1e27, "rate below RAY");
    }

    /// The engine's aggregates are the sums of its vaults: class normalized debt, total principal, and per-operator
    /// principal; ceilings are charged against exactly what is outstanding.
    /// hardhat-config: default.invariant.runs = 256
    /// hardhat-config: long.invariant.runs = 5000
    /// hardhat-config: invariant.depth = 50
    function invariant_EngineBooksAddUp() public view {
        uint256 last = engine.lastVaultId();
        uint256 normDebt;
        uint256 principal;
        for (uint256 id = 1; id <= last; ++id) {
            ICreditEngine.Vault memory v = engine.vault(id);
            normDebt += v.normDebt;
            principal += v.principal;
        }
        assertEq(engine.classState(CLASS).normDebt, normDebt, "class normDebt != sum of vaults");
        assertEq(engine.totalPrincipal(), principal, "total principal != sum of vaults");
        uint256 operators = engine.operatorPrincipal(address(0x0BE2A701)) + engine.operatorPrincipal(address(0x0BE2A702))
            + engine.operatorPrincipal(address(0x0BE2A703)) + engine.operatorPrincipal(address(0x5A7E2));
        assertEq(operators, principal, "operator principal != sum of vaults");
    }

    /// What the Reserve has set aside and what savers are marked for is exactly what live auctions expect to lose,
    /// and the Reserve never commits more than its buffer, so every release and cover is payable.
    /// hardhat-config: default.invariant.runs = 256
    /// hardhat-config: long.invariant.runs = 5000
    /// hardhat-config: invariant.depth = 50
    function invariant_CommitmentsMatchLiveAuctions() public view {
        uint256 auctions = auction.lastAuctionId();
        uint256 committed;
        uint256 impaired;
        for (uint256 id = 1; id <= auctions; ++id) {
            ILiquidationAuction.Auction memory a = auction.auction(id);
            committed += a.committed;
            impaired += a.impaired;
        }
        assertEq(reserve.totalCommitted(), committed, "Reserve commitment != live auctions'");
        assertEq(savings.totalImpaired(), impaired, "savings mark != live auctions'");
        assertLe(reserve.totalCommitted(), reserve.buffer(), "committed above the buffer");
        assertGe(gpusd.balanceOf(address(reserve)), reserve.buffer(), "Reserve holds less than its buffer");
    }

    /// maxBorrow is a promise: a borrow of any amount up to it never fails the LTV check.
    /// hardhat-config: default.invariant.runs = 256
    /// hardhat-config: long.invariant.runs = 5000
    /// hardhat-config: invariant.depth = 50
    function invariant_MaxBorrowIsBorrowable() public view {
        assertTrue(!handler.maxBorrowRefused(), "a borrow within maxBorrow exceeded the LTV");
    }
}
