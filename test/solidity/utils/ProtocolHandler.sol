// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./Vm.sol";
import {GPUSD} from "../../../contracts/GPUSD.sol";
import {FleetRegistry} from "../../../contracts/FleetRegistry.sol";
import {FleetOracle} from "../../../contracts/FleetOracle.sol";
import {CreditEngine} from "../../../contracts/CreditEngine.sol";
import {SavingsVault} from "../../../contracts/SavingsVault.sol";
import {Reserve} from "../../../contracts/Reserve.sol";
import {PegStabilityModule} from "../../../contracts/PegStabilityModule.sol";
import {LiquidationAuction} from "../../../contracts/LiquidationAuction.sol";
import {TestUSDC} from "../../../contracts/mocks/TestUSDC.sol";
import {IFleetOracle} from "../../../contracts/interfaces/IFleetOracle.sol";
import {ICreditEngine} from "../../../contracts/interfaces/ICreditEngine.sol";
import {ILiquidationAuction} from "../../../contracts/interfaces/ILiquidationAuction.sol";
import {IPegStabilityModule} from "../../../contracts/interfaces/IPegStabilityModule.sol";

struct Deployment {
    GPUSD gpusd;
    FleetRegistry registry;
    FleetOracle oracle;
    CreditEngine engine;
    SavingsVault savings;
    Reserve reserve;
    PegStabilityModule psm;
    LiquidationAuction auction;
    TestUSDC usdc;
}

/// Drives the whole protocol the way its users, keepers, oracle signers, governance and time can, with bounded
/// random inputs. Every flow the invariants need is measured here as a ghost; USDC flows come from balances, never
/// from return values. The handler holds ADMIN_ROLE (pauses) and is a GPUSD minter (it funds repayers, redeemers,
/// savers and buyers, and counts every unit in `minted`).
contract ProtocolHandler is TestBase {
    uint256 internal constant WAD = 1e18;
    uint16 internal constant CLASS = 1;
    uint256 internal constant GPUS = 64;
    uint256 internal constant MIN_VALUE = 100e18 * GPUS; // class bound, exclusive
    uint256 internal constant MAX_VALUE = 100_000e18 * GPUS; // class bound, exclusive
    uint256 internal constant CENT = 1e16;
    address internal constant KEEPER = address(0x4EE9E2);
    address internal constant BUYER = address(0xB0E2);

    GPUSD public immutable gpusd;
    FleetRegistry public immutable registry;
    FleetOracle public immutable oracle;
    CreditEngine public immutable engine;
    SavingsVault public immutable savings;
    Reserve public immutable reserve;
    PegStabilityModule public immutable psm;
    LiquidationAuction public immutable auction;
    TestUSDC public immutable usdc;

    uint256[3] internal keys;
    address[] internal actors;
    uint256[] internal fleets;

    // ---- ghosts
    uint256 public minted; // [wad] GPUSD minted by this handler (it never burns any)
    uint256 public usdcIn; // [usdc] into the PSM from sales
    uint256 public usdcOut; // [usdc] out of the PSM to redeemers, claimers, cancellers
    uint256 public paidPastTheLine; // [usdc] paid directly while the line waited
    uint256 public shortfalls; // [wad] Σ (tab − price)⁺ over takes
    bool public badDebtAboveShortfall; // a take booked more bad debt than its own shortfall
    bool public badDebtBeforeBuffersSpent; // bad debt while the Reserve or savers could still pay
    uint256 public lossEvents; // impairments marked or losses absorbed by the savings vault
    bool public sharePriceFellWithoutLoss;
    bool public healthyVaultBroken; // a healthy vault turned unhealthy through another vault's action
    bool public rateDecreased;
    bool public clockDecreased;
    bool public maxBorrowRefused; // a borrow within maxBorrow reverted with ExceedsMaxLtv
    uint256 public lastRate;
    uint40 public lastClock;
    uint256 public calls;
    mapping(bytes32 => uint256) public count;

    bool internal _loss; // set by the action that marked or absorbed a loss

    constructor(Deployment memory d, uint256[3] memory keys_, address[] memory actors_, uint256[] memory fleets_) {
        (gpusd, registry, oracle, engine, savings) = (d.gpusd, d.registry, d.oracle, d.engine, d.savings);
        (reserve, psm, auction, usdc) = (d.reserve, d.psm, d.auction, d.usdc);
        keys = keys_;
        actors = actors_;
        fleets = fleets_;
        for (uint256 i; i < actors_.length; ++i) {
            vm.startPrank(actors_[i]);
            registry.setApprovalForAll(address(engine), true);
            usdc.approve(address(psm), type(uint256).max);
            gpusd.approve(address(psm), type(uint256).max);
            gpusd.approve(address(savings), type(uint256).max);
            vm.stopPrank();
        }
        // First valuations mature after the increase delay; a second round makes them borrowable.
        uint256[] memory values = new uint256[](fleets_.length);
        for (uint256 i; i < values.length; ++i) values[i] = 22_000e18 * GPUS;
        _publish(values);
        vm.warp(block.timestamp + 1 hours);
        _publish(values);
        // Every fleet starts pledged with debt between 40 % and 65 % of its value, so that crashes, missed payments
        // and auctions are reachable within a shallow run; the vaults' lifecycle actions still open and close others.
        for (uint256 i; i < fleets_.length; ++i) {
            address owner = registry.ownerOf(fleets_[i]);
            vm.startPrank(owner);
            uint256 id = engine.open(fleets_[i]);
            engine.borrow(id, 22_000e18 * GPUS * (40 + 5 * i) / 100, owner);
            vm.stopPrank();
        }
        lastRate = engine.classState(CLASS).rate;
        lastClock = auction.clock();
    }

    /// The actions the fuzzer calls (not the ghost getters).
    function selectors() external pure returns (bytes4[] memory s) {
        s = new bytes4[](22);
        s[0] = this.open.selector;
        s[1] = this.addCollateral.selector;
        s[2] = this.removeCollateral.selector;
        s[3] = this.close.selector;
        s[4] = this.borrow.selector;
        s[5] = this.borrow.selector; // twice as likely: debt drives everything else
        s[6] = this.repay.selector;
        s[7] = this.accrue.selector;
        s[8] = this.psmSell.selector;
        s[9] = this.psmRedeem.selector;
        s[10] = this.psmClaim.selector;
        s[11] = this.psmCancel.selector;
        s[12] = this.savingsDeposit.selector;
        s[13] = this.savingsRedeem.selector;
        s[14] = this.distribute.selector;
        s[15] = this.oracleMove.selector;
        s[16] = this.oracleMove.selector;
        s[17] = this.warp.selector;
        s[18] = this.kick.selector;
        s[19] = this.redo.selector;
        s[20] = this.take.selector;
        s[21] = this.togglePause.selector;
    }

    // ---------------------------------------------------------------- bookkeeping

    modifier tracked() {
        uint256 priceBefore = _sharePrice();
        bool liveBefore = savings.totalSupply() != 0;
        _loss = false;
        _;
        calls++;
        if (_loss) lossEvents++;
        if (liveBefore && savings.totalSupply() != 0 && _sharePrice() < priceBefore && !_loss) {
            sharePriceFellWithoutLoss = true;
        }
        uint256 rate = engine.classState(CLASS).rate;
        if (rate < lastRate) rateDecreased = true;
        lastRate = rate;
        uint40 clk = auction.clock();
        if (clk < lastClock) clockDecreased = true;
        lastClock = clk;
    }

    /// Actions that move neither a price nor time may not make any vault but `own` unhealthy.
    modifier othersStayHealthy(uint256 own) {
        uint256 last = engine.lastVaultId();
        bool[] memory healthy = new bool[](last + 1);
        for (uint256 id = 1; id <= last; ++id) {
            healthy[id] = id != own && engine.vault(id).normDebt != 0 && engine.healthOf(id) >= WAD;
        }
        _;
        for (uint256 id = 1; id <= last; ++id) {
            if (healthy[id] && engine.vault(id).normDebt != 0 && engine.healthOf(id) < WAD) healthyVaultBroken = true;
        }
    }

    function _sharePrice() internal view returns (uint256) {
        return savings.convertToAssets(1e30);
    }

    function _mint(address to, uint256 amount) internal {
        gpusd.mint(to, amount);
        minted += amount;
    }

    function _vault(uint256 seed) internal view returns (uint256 id, ICreditEngine.Vault memory v) {
        uint256 last = engine.lastVaultId();
        if (last == 0) return (0, v);
        id = bound(seed, 1, last);
        v = engine.vault(id);
    }

    function _isActor(address who) internal view returns (bool) {
        for (uint256 i; i < actors.length; ++i) if (actors[i] == who) return true;
        return false;
    }

    function _publish(uint256[] memory values) internal {
        IFleetOracle.FleetValue[] memory fv = new IFleetOracle.FleetValue[](fleets.length);
        for (uint256 i; i < fleets.length; ++i) {
            fv[i] = IFleetOracle.FleetValue({
                fleetId: fleets[i],
                value: values[i],
                throughputBps: 9_800,
                utilizationBps: 8_500,
                healthFlags: 0,
                freshGpus: 1
            });
        }
        IFleetOracle.Round memory round = IFleetOracle.Round({
            roundId: oracle.latestRoundId() + 1,
            observedAt: uint40(block.timestamp),
            fleets: fv,
            indices: new IFleetOracle.ClassIndex[](0)
        });
        bytes32 digest = oracle.hashRound(round);
        address[3] memory addrs;
        bytes[] memory sigs = new bytes[](3);
        for (uint256 i; i < 3; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], digest);
            sigs[i] = abi.encodePacked(r, s, v);
            addrs[i] = vm.addr(keys[i]);
        }
        for (uint256 i; i < 3; ++i) {
            for (uint256 j = i + 1; j < 3; ++j) {
                if (addrs[j] < addrs[i]) {
                    (addrs[i], addrs[j]) = (addrs[j], addrs[i]);
                    (sigs[i], sigs[j]) = (sigs[j], sigs[i]);
                }
            }
        }
        oracle.submitRound(round, sigs);
    }

    function _currentValues() internal view returns (uint256[] memory values) {
        values = new uint256[](fleets.length);
        for (uint256 i; i < fleets.length; ++i) values[i] = oracle.fleetState(fleets[i]).value;
    }

    // ---------------------------------------------------------------- vaults

    function open(uint256 fleetSeed) external tracked othersStayHealthy(0) {
        uint256 fleetId = fleets[fleetSeed % fleets.length];
        address holder = registry.ownerOf(fleetId);
        if (!_isActor(holder)) return;
        vm.prank(holder);
        engine.open(fleetId);
        count["open"]++;
    }

    function addCollateral(uint256 vaultSeed, uint256 fleetSeed) external tracked othersStayHealthy(0) {
        (uint256 id, ICreditEngine.Vault memory v) = _vault(vaultSeed);
        if (v.owner == address(0) || v.fleetId != 0) return;
        for (uint256 i; i < fleets.length; ++i) {
            uint256 fleetId = fleets[(fleetSeed + i) % fleets.length];
            if (registry.ownerOf(fleetId) != v.owner) continue;
            vm.prank(v.owner);
            engine.addCollateral(id, fleetId);
            count["addCollateral"]++;
            return;
        }
    }

    /// Also tried on vaults with debt, where the engine must refuse it.
    function removeCollateral(uint256 vaultSeed) external tracked {
        (uint256 id, ICreditEngine.Vault memory v) = _vaultWhere(vaultSeed, true);
        _removeCollateral(id, v);
    }

    function _removeCollateral(uint256 id, ICreditEngine.Vault memory v) internal othersStayHealthy(id) {
        if (v.owner == address(0) || v.fleetId == 0) return;
        vm.prank(v.owner);
        try engine.removeCollateral(id, v.owner) {
            count["removeCollateral"]++;
        } catch {
            count["removeCollateralRefused"]++;
        }
    }

    function close(uint256 vaultSeed) external tracked othersStayHealthy(0) {
        (uint256 id, ICreditEngine.Vault memory v) = _vault(vaultSeed);
        if (v.owner == address(0) || v.normDebt != 0) return;
        vm.prank(v.owner);
        engine.close(id, v.owner);
        count["close"]++;
    }

    function borrow(uint256 vaultSeed, uint256 amount) external tracked {
        (uint256 id, ICreditEngine.Vault memory v) = _vaultWhere(vaultSeed, true);
        _borrow(id, v, amount);
    }

    /// The first vault from a random starting point holding a fleet (`pledged`) or with debt (otherwise).
    function _vaultWhere(uint256 seed, bool pledged) internal view returns (uint256, ICreditEngine.Vault memory v) {
        uint256 last = engine.lastVaultId();
        for (uint256 i; i < last; ++i) {
            uint256 id = (seed % last + i) % last + 1;
            v = engine.vault(id);
            if (pledged ? v.fleetId != 0 : v.normDebt != 0) return (id, v);
        }
        return (0, v);
    }

    function _borrow(uint256 id, ICreditEngine.Vault memory v, uint256 amount) internal othersStayHealthy(id) {
        if (v.owner == address(0) || v.fleetId == 0 || engine.paused()) return;
        uint256 max = engine.maxBorrow(id);
        uint256 lo = v.normDebt == 0 ? engine.classParams(CLASS).dust : 1;
        if (max < lo) return;
        amount = bound(amount, lo, max);
        vm.prank(v.owner);
        try engine.borrow(id, amount, v.owner) {
            count["borrow"]++;
        } catch (bytes memory reason) {
            // Schedules (PaymentMissed, LoanMatured) may refuse it; the LTV must not.
            if (bytes4(reason) == ICreditEngine.ExceedsMaxLtv.selector) maxBorrowRefused = true;
            count["borrowRefused"]++;
        }
    }

    /// Anyone may repay; the payer is funded by minting, counted in `minted`.
    function repay(uint256 vaultSeed, uint256 payerSeed, uint256 amount, bool full) external tracked {
        (uint256 id, ICreditEngine.Vault memory v) = _vaultWhere(vaultSeed, false);
        _repay(id, v, payerSeed, amount, full);
    }

    function _repay(uint256 id, ICreditEngine.Vault memory v, uint256 payerSeed, uint256 amount, bool full)
        internal
        othersStayHealthy(id)
    {
        if (v.normDebt == 0) return;
        uint256 debt = engine.debtOf(id);
        uint256 dust = engine.classParams(CLASS).dust;
        if (full || debt <= dust + 2) amount = debt;
        else amount = bound(amount, 1, debt - dust - 2);
        address payer = actors[payerSeed % actors.length];
        _mint(payer, amount);
        vm.prank(payer);
        engine.repay(id, amount);
        count[full ? bytes32("repayFull") : bytes32("repayPart")]++;
    }

    function accrue() external tracked othersStayHealthy(0) {
        engine.accrue(CLASS);
        count["accrue"]++;
    }

    // ---------------------------------------------------------------- PSM

    function psmSell(uint256 actorSeed, uint256 amount) external tracked othersStayHealthy(0) {
        if (psm.paused()) return;
        address actor = actors[actorSeed % actors.length];
        amount = bound(amount, 1, 1e12);
        usdc.mint(actor, amount);
        uint256 before = usdc.balanceOf(actor);
        vm.prank(actor);
        psm.sellUsdc(amount, actor);
        usdcIn += before - usdc.balanceOf(actor);
        count["psmSell"]++;
    }

    /// GPUSD is minted to the redeemer first, so redemptions outrun the PSM's USDC and the line forms.
    function psmRedeem(uint256 actorSeed, uint256 amount) external tracked othersStayHealthy(0) {
        address actor = actors[actorSeed % actors.length];
        amount = bound(amount, 2e12, 1e24);
        _mint(actor, amount);
        uint256 before = usdc.balanceOf(actor);
        bool lineWaiting = psm.queueDepth() != 0;
        vm.prank(actor);
        psm.redeem(amount, actor);
        uint256 paid = usdc.balanceOf(actor) - before;
        usdcOut += paid;
        if (lineWaiting) paidPastTheLine += paid;
        count["psmRedeem"]++;
    }

    function psmClaim(uint256 idSeed) external tracked othersStayHealthy(0) {
        uint256 last = psm.lastRequestId();
        for (uint256 i; i < last; i++) {
            uint256 id = (idSeed % last + i) % last + 1;
            IPegStabilityModule.Request memory r = psm.request(id);
            if (r.cancelled || psm.queueStatus(id).claimable == 0) continue;
            uint256 before = usdc.balanceOf(r.owner);
            psm.claim(id);
            usdcOut += usdc.balanceOf(r.owner) - before;
            count["psmClaim"]++;
            return;
        }
    }

    function psmCancel(uint256 idSeed) external tracked othersStayHealthy(0) {
        uint256 last = psm.lastRequestId();
        if (last == 0) return;
        uint256 id = bound(idSeed, 1, last);
        IPegStabilityModule.Request memory r = psm.request(id);
        if (r.cancelled) return;
        uint256 before = usdc.balanceOf(r.owner);
        vm.prank(r.owner);
        psm.cancel(id);
        usdcOut += usdc.balanceOf(r.owner) - before;
        count["psmCancel"]++;
    }

    // ---------------------------------------------------------------- savings and Reserve

    function savingsDeposit(uint256 actorSeed, uint256 amount) external tracked othersStayHealthy(0) {
        address actor = actors[actorSeed % actors.length];
        amount = bound(amount, 1e18, 2e24);
        _mint(actor, amount);
        vm.prank(actor);
        try savings.deposit(amount, actor) {
            count["savingsDeposit"]++;
        } catch {
            count["savingsDepositRefused"]++; // DepositsSuspended while marks exceed assets
        }
    }

    function savingsRedeem(uint256 actorSeed, uint256 shares) external tracked othersStayHealthy(0) {
        address actor = actors[actorSeed % actors.length];
        uint256 max = savings.maxRedeem(actor);
        if (max == 0) return;
        shares = bound(shares, 1, max);
        if (savings.previewRedeem(shares) == 0) return;
        vm.prank(actor);
        savings.redeem(shares, actor, actor);
        count["savingsRedeem"]++;
    }

    function distribute() external tracked othersStayHealthy(0) {
        reserve.distribute();
        count["distribute"]++;
    }

    // ---------------------------------------------------------------- oracle and time

    /// A signed round moving one fleet by ×0.1–×1.1 (the oracle clamps rises), the others re-observed as they are.
    function oracleMove(uint256 fleetSeed, uint256 factor) external tracked {
        uint256 i = fleetSeed % fleets.length;
        uint256[] memory values = _currentValues();
        uint256 v = values[i] * bound(factor, 0.1e18, 1.1e18) / WAD;
        if (v <= MIN_VALUE + CENT) v = MIN_VALUE + 2 * CENT;
        if (v >= MAX_VALUE - CENT) v = MAX_VALUE - 2 * CENT;
        values[i] = v;
        _publish(values);
        count["oracleMove"]++;
    }

    /// Time passes, then every fleet is re-observed so that borrowing stays possible.
    function warp(uint256 seconds_) external tracked {
        vm.warp(block.timestamp + bound(seconds_, 1, 5 days));
        _publish(_currentValues());
        count["warp"]++;
    }

    // ---------------------------------------------------------------- liquidation

    /// Kicks the first liquidatable vault from a random starting point, so that kicks happen whenever any can.
    function kick(uint256 vaultSeed) external tracked {
        uint256 last = engine.lastVaultId();
        for (uint256 i; i < last; ++i) {
            uint256 id = (vaultSeed % last + i) % last + 1;
            (bool liquidatable,,) = engine.isLiquidatable(id);
            if (liquidatable) return _kick(id);
        }
    }

    function _kick(uint256 id) internal othersStayHealthy(id) {
        if (id == 0 || auction.paused()) return;
        (bool liquidatable,,) = engine.isLiquidatable(id);
        if (!liquidatable) return;
        uint256 impaired = savings.totalImpaired();
        auction.kick(id, KEEPER);
        if (savings.totalImpaired() > impaired) _loss = true;
        count["kick"]++;
    }

    function redo(uint256 auctionSeed) external tracked othersStayHealthy(0) {
        uint256 id = _liveAuction(auctionSeed, true);
        if (id == 0) return;
        uint256 impaired = savings.totalImpaired();
        auction.redo(id, KEEPER);
        if (savings.totalImpaired() > impaired) _loss = true;
        count["redo"]++;
    }

    /// The buyer is funded by minting exactly the price; the fleet goes to a random actor, who may pledge it again.
    function take(uint256 auctionSeed, uint256 receiverSeed) external tracked othersStayHealthy(0) {
        uint256 id = _liveAuction(auctionSeed, false);
        if (id != 0) _take(id, actors[receiverSeed % actors.length]);
    }

    /// The first live auction from a random starting point that needs (or does not need) a reset.
    function _liveAuction(uint256 seed, bool needingReset) internal view returns (uint256) {
        uint256 last = auction.lastAuctionId();
        if (auction.paused()) return 0;
        for (uint256 i; i < last; ++i) {
            uint256 id = (seed % last + i) % last + 1;
            if (auction.auction(id).tab == 0) continue;
            (bool needsReset,,) = auction.status(id);
            if (needsReset == needingReset) return id;
        }
        return 0;
    }

    function _take(uint256 id, address receiver) internal {
        uint256 tab = auction.auction(id).tab;
        (bool needsReset, uint256 price,) = auction.status(id);
        if (needsReset) return;
        _mint(BUYER, price);
        uint256 badDebt = auction.totalBadDebt();
        uint256 saved = gpusd.balanceOf(address(savings));
        vm.prank(BUYER);
        auction.take(id, price, receiver);
        uint256 shortfall = tab > price ? tab - price : 0;
        shortfalls += shortfall;
        uint256 uncovered = auction.totalBadDebt() - badDebt;
        if (uncovered > shortfall) badDebtAboveShortfall = true;
        if (uncovered != 0 && (reserve.uncommittedBuffer() != 0 || savings.totalAssets() != 0)) {
            badDebtBeforeBuffersSpent = true;
        }
        if (gpusd.balanceOf(address(savings)) < saved) _loss = true;
        count["take"]++;
    }

    // ---------------------------------------------------------------- governance

    function togglePause(uint256 which) external tracked othersStayHealthy(0) {
        which %= 3;
        if (which == 0) {
            if (engine.paused()) engine.unpause();
            else engine.pause();
        } else if (which == 1) {
            if (psm.paused()) psm.unpause();
            else psm.pause();
        } else {
            if (auction.paused()) auction.unpause();
            else auction.pause();
        }
        count["togglePause"]++;
    }
}
