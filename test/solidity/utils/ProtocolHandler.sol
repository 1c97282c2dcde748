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
import {Bounds} from "../../../contracts/libraries/Bounds.sol";

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

/// The addresses holding one human role each (ProtocolFixture), which the handler pranks as.
struct Roles {
    address riskCurator;
    address guardian;
    address oracleAdmin;
}

/// Drives the whole protocol the way its users, keepers, oracle signers, governance and time can, with bounded
/// random inputs. Every governance action pranks as the address that holds exactly that role (`Roles`), so a wrong
/// role map makes it fail. Every flow the invariants need is measured here as a ghost; USDC flows come from balances,
/// never from return values. The handler is a GPUSD minter (it funds repayers, redeemers, savers and buyers, and
/// counts every unit in `minted`) and holds no role.
///
/// A call the protocol must accept (a repay, a withdrawal of unlocked shares, a claim...) is made in try/catch and a
/// refusal raises a flag, because the invariant runner discards a handler call that reverts. A call the protocol must
/// refuse (a borrow while paused, stopped or stale...) is attempted anyway and a success raises a flag. Each action
/// counts what it did in `ok` and `refused` under its name (see `actionNames`), so a test can show the handler is not
/// just returning early or reverting.
contract ProtocolHandler is TestBase {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    uint16 internal constant CLASS = 1;
    uint256 internal constant GPUS = 64;
    uint256 internal constant MIN_VALUE = 100e18 * GPUS; // class bound, exclusive
    uint256 internal constant MAX_VALUE = 100_000e18 * GPUS; // class bound, exclusive
    uint256 internal constant CENT = 1e16;
    address public constant KEEPER = address(0x4EE9E2);
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
    address public immutable riskCurator;
    address public immutable guardian;
    address public immutable oracleAdmin;

    uint256[3] internal keys;
    address[] internal actors;
    uint256[] internal fleets;

    // ---- ghosts: flows
    uint256 public minted; // [wad] GPUSD minted by this handler (it never burns any)
    uint256 public usdcIn; // [usdc] into the PSM from sales
    uint256 public usdcOut; // [usdc] out of the PSM to redeemers, claimers, cancellers
    uint256 public paidPastTheLine; // [usdc] paid directly while the line waited
    uint256 public shortfalls; // [wad] Σ (tab − price)⁺ over takes
    uint256 public recordedLosses; // [wad] Σ impairments marked + losses absorbed, as savings' books recorded them
    uint256 public lastRate; // [ray]
    uint40 public lastClock; // [s] the auction's paused-aware clock
    uint256 public calls;

    // ---- ghosts: flags, each read by one invariant
    bool public badDebtAboveShortfall; // a take booked more bad debt than its own shortfall
    bool public badDebtBeforeBuffersSpent; // bad debt while the Reserve or savers could still pay
    bool public badDebtOutsideTake; // totalBadDebt moved in an action that settled no auction
    bool public sharePriceFellWithoutLoss; // the share price fell in an action that recorded no loss
    bool public savingsLostMoreThanRecorded; // savers' assets fell by more than the loss the action recorded
    bool public healthyVaultBroken; // a healthy vault turned unhealthy through another vault's action
    bool public rateDecreased;
    bool public clockDecreased;
    bool public clockMovedWhilePaused; // the auction clock advanced while the auction was paused throughout
    bool public maxBorrowRefused; // a borrow within maxBorrow reverted with ExceedsMaxLtv
    bool public newDebtWhileBlocked; // a borrow succeeded while the engine was paused or the oracle stopped or stale
    bool public psmMintedWhilePaused; // sellUsdc succeeded while the PSM was paused
    bool public auctionActedWhilePaused; // kick, redo or take succeeded while the auction was paused
    bool public lockedSharesLeft; // a withdrawal moved shares still locked by the cooldown
    bool public collateralLeftWithDebt; // removeCollateral succeeded on a vault with debt
    bool public auctionedFleetEscaped; // a borrow, removeCollateral or close succeeded on a vault in auction
    bool public tipClaimInexact; // a claim minted other than the tips owed less the wei kept
    bytes32 public blockedExit; // the first exit the protocol refused: repay, redeem, claim, cancel, withdraw...
    bytes32 public stuckLiquidation; // a liquidatable vault (or an auction due a reset) the unpaused auction refused

    // ---- call counters: per action name, what it did and what the protocol refused
    mapping(bytes32 => uint256) public ok;
    mapping(bytes32 => uint256) public refused;

    uint256 internal _loss; // [wad] set by the action that marked or absorbed a loss

    constructor(
        Deployment memory d,
        Roles memory roles,
        uint256[3] memory keys_,
        address[] memory actors_,
        uint256[] memory fleets_
    ) {
        (gpusd, registry, oracle, engine, savings) = (d.gpusd, d.registry, d.oracle, d.engine, d.savings);
        (reserve, psm, auction, usdc) = (d.reserve, d.psm, d.auction, d.usdc);
        (riskCurator, guardian, oracleAdmin) = (roles.riskCurator, roles.guardian, roles.oracleAdmin);
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

    /// The actions the fuzzer calls (not the ghost getters). Weights by repetition.
    function selectors() external pure returns (bytes4[] memory s) {
        s = new bytes4[](44);
        // Vaults; borrows and repays twice as likely: debt drives everything else.
        (s[0], s[1], s[2], s[3]) = (this.open.selector, this.addCollateral.selector, this.removeCollateral.selector, this.close.selector);
        (s[4], s[5], s[6], s[7], s[8]) = (this.borrow.selector, this.borrow.selector, this.repay.selector, this.repay.selector, this.accrue.selector);
        // PSM.
        (s[9], s[10], s[11], s[12]) = (this.psmSell.selector, this.psmSell.selector, this.psmRedeem.selector, this.psmRedeem.selector);
        (s[13], s[14], s[15]) = (this.psmClaim.selector, this.psmCancel.selector, this.setPsmFees.selector);
        // Savings and the Reserve.
        (s[16], s[17], s[18], s[19]) = (this.savingsDeposit.selector, this.savingsDeposit.selector, this.savingsRedeem.selector, this.savingsRedeem.selector);
        (s[20], s[21], s[22], s[23]) = (this.setWithdrawalCooldown.selector, this.setSmearWindow.selector, this.distribute.selector, this.setReserveFactor.selector);
        // Oracle and time; moves three times as likely, so crashes and auctions come within depth 50.
        (s[24], s[25], s[26]) = (this.oracleMove.selector, this.oracleMove.selector, this.oracleMove.selector);
        (s[27], s[28], s[29], s[30]) = (this.warp.selector, this.warp.selector, this.toggleOracleStop.selector, this.toggleOracleStop.selector);
        // Liquidation.
        (s[31], s[32], s[33], s[34]) = (this.kick.selector, this.kick.selector, this.kick.selector, this.redo.selector);
        (s[35], s[36], s[37], s[38]) = (this.redo.selector, this.take.selector, this.take.selector, this.take.selector);
        // Governance.
        (s[39], s[40], s[41], s[42]) = (this.togglePause.selector, this.togglePause.selector, this.togglePause.selector, this.setClass.selector);
        s[43] = this.claimTips.selector;
    }

    /// Every name an action counts under in `ok` / `refused`. The `…Blocked` names count attempts the protocol must
    /// refuse (a borrow while paused, stopped or stale; a sale while the PSM is paused; auctions while paused; a
    /// withdrawal of locked shares): `ok` there means the protocol refused as it must.
    function actionNames() external pure returns (bytes32[] memory n) {
        n = new bytes32[](39);
        (n[0], n[1], n[2], n[3]) = ("open", "addCollateral", "removeCollateral", "close");
        (n[4], n[5], n[6], n[7]) = ("borrow", "borrowBlocked", "repayPart", "repayFull");
        (n[8], n[9], n[10], n[11]) = ("accrue", "psmSell", "psmSellBlocked", "psmRedeem");
        (n[12], n[13], n[14], n[15]) = ("psmRedeemQueued", "psmClaim", "psmCancel", "setPsmFees");
        (n[16], n[17], n[18], n[19]) = ("savingsDeposit", "savingsRedeem", "savingsRedeemLocked", "setWithdrawalCooldown");
        (n[20], n[21], n[22], n[23]) = ("setSmearWindow", "distribute", "setReserveFactor", "oracleMove");
        (n[24], n[25], n[26], n[27]) = ("warp", "warpStale", "oracleStop", "oracleResume");
        (n[28], n[29], n[30], n[31]) = ("kick", "kickBlocked", "redo", "redoBlocked");
        (n[32], n[33], n[34], n[35]) = ("take", "takeBlocked", "pause", "unpause");
        (n[36], n[37], n[38]) = ("setClass", "takeBelowPrice", "claimTips");
    }

    // ---------------------------------------------------------------- bookkeeping

    modifier tracked() {
        uint256 priceBefore = _sharePrice();
        bool liveBefore = savings.totalSupply() != 0;
        uint256 badDebt = auction.totalBadDebt();
        bool auctionPaused = auction.paused();
        uint40 clockBefore = auction.clock();
        _loss = 0;
        _;
        calls++;
        recordedLosses += _loss;
        if (liveBefore && savings.totalSupply() != 0 && _sharePrice() < priceBefore && _loss == 0) {
            sharePriceFellWithoutLoss = true;
        }
        if (auction.totalBadDebt() != badDebt && msg.sig != this.take.selector) badDebtOutsideTake = true;
        uint256 rate = engine.classState(CLASS).rate;
        if (rate < lastRate) rateDecreased = true;
        lastRate = rate;
        uint40 clk = auction.clock();
        if (clk < lastClock) clockDecreased = true;
        if (auctionPaused && auction.paused() && clk != clockBefore) clockMovedWhilePaused = true;
        lastClock = clk;
    }

    /// Actions that move neither a price nor time may not make any vault but `own` unhealthy.
    modifier othersStayHealthy(uint256 own) {
        bool[] memory healthy = _healthyVaults(own);
        _;
        _requireStillHealthy(healthy);
    }

    function _healthyVaults(uint256 own) internal view returns (bool[] memory healthy) {
        uint256 last = engine.lastVaultId();
        healthy = new bool[](last + 1);
        for (uint256 id = 1; id <= last; ++id) {
            healthy[id] = id != own && engine.vault(id).normDebt != 0 && engine.healthOf(id) >= WAD;
        }
    }

    function _requireStillHealthy(bool[] memory healthy) internal {
        for (uint256 id = 1; id < healthy.length; ++id) {
            if (healthy[id] && engine.vault(id).normDebt != 0 && engine.healthOf(id) < WAD) healthyVaultBroken = true;
        }
    }

    function _count(bytes32 name, bool success) internal {
        if (success) ok[name]++;
        else refused[name]++;
    }

    function _exitRefused(bytes32 name) internal {
        if (blockedExit == bytes32(0)) blockedExit = name;
        refused[name]++;
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

    /// Opens a vault with the first fleet an actor holds, from a random starting point: fleets come back to actors
    /// only through removals and closes, so a fleet picked blindly would almost never be free.
    function open(uint256 fleetSeed) external tracked othersStayHealthy(0) {
        uint256 fleetId;
        address holder;
        for (uint256 i; i < fleets.length && !_isActor(holder); ++i) {
            fleetId = fleets[(fleetSeed + i) % fleets.length];
            holder = registry.ownerOf(fleetId);
        }
        if (!_isActor(holder)) return;
        vm.prank(holder);
        try engine.open(fleetId) {
            _count("open", true);
        } catch {
            _count("open", false);
        }
    }

    /// Pledges a fleet its owner holds into the first empty vault (from a random starting point) whose owner holds one:
    /// empty vaults and free fleets are both rare, so the first empty vault alone would seldom have a fleet to take.
    function addCollateral(uint256 vaultSeed, uint256 fleetSeed) external tracked othersStayHealthy(0) {
        uint256 last = engine.lastVaultId();
        for (uint256 i; i < last; ++i) {
            uint256 id = (vaultSeed % last + i) % last + 1;
            ICreditEngine.Vault memory v = engine.vault(id);
            if (v.owner == address(0) || v.fleetId != 0) continue;
            uint256 fleetId = _fleetHeldBy(v.owner, fleetSeed);
            if (fleetId == 0) continue;
            vm.prank(v.owner);
            try engine.addCollateral(id, fleetId) {
                _count("addCollateral", true);
            } catch {
                _count("addCollateral", false);
            }
            return;
        }
    }

    /// The first fleet `holder` holds, from a random starting point; 0 if none.
    function _fleetHeldBy(address holder, uint256 seed) internal view returns (uint256) {
        for (uint256 j; j < fleets.length; ++j) {
            uint256 fleetId = fleets[(seed + j) % fleets.length];
            if (registry.ownerOf(fleetId) == holder) return fleetId;
        }
        return 0;
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
            if (v.normDebt != 0) collateralLeftWithDebt = true;
            if (v.inAuction) auctionedFleetEscaped = true;
            _count("removeCollateral", true);
        } catch {
            // Refused exactly when the vault has debt or its fleet is being auctioned; otherwise a debt-free vault's
            // owner always gets the fleet back.
            if (v.normDebt == 0 && !v.inAuction) _exitRefused("removeCollateral");
            else _count("removeCollateral", false);
        }
    }

    /// Also tried on vaults in auction, which must stay open until their fleet is sold.
    function close(uint256 vaultSeed) external tracked othersStayHealthy(0) {
        (uint256 id, ICreditEngine.Vault memory v) = _vault(vaultSeed);
        if (v.owner == address(0) || v.normDebt != 0) return;
        vm.prank(v.owner);
        try engine.close(id, v.owner) {
            if (v.inAuction) auctionedFleetEscaped = true;
            _count("close", true);
        } catch {
            if (v.inAuction) _count("close", false);
            else _exitRefused("close");
        }
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

    /// While the engine is paused, the oracle stopped or the fleet's valuation stale, a borrow of any size (here: at
    /// least the dust, so the guard is what refuses it) must fail.
    function _borrow(uint256 id, ICreditEngine.Vault memory v, uint256 amount) internal othersStayHealthy(id) {
        if (v.owner == address(0) || v.fleetId == 0) return;
        uint256 dust = engine.classParams(CLASS).dust;
        if (v.inAuction) {
            // A fleet being sold backs nothing: any borrow against it must fail.
            vm.prank(v.owner);
            try engine.borrow(id, bound(amount, dust + 1, dust + 100_000e18), v.owner) {
                auctionedFleetEscaped = true;
            } catch {}
            return;
        }
        if (engine.paused() || oracle.stopped() || !oracle.isFresh(v.fleetId)) {
            amount = bound(amount, dust + 1, dust + 100_000e18);
            vm.prank(v.owner);
            try engine.borrow(id, amount, v.owner) {
                newDebtWhileBlocked = true;
                _count("borrowBlocked", false);
            } catch {
                _count("borrowBlocked", true);
            }
            return;
        }
        uint256 max = engine.maxBorrow(id);
        uint256 lo = v.normDebt == 0 ? dust : 1;
        if (max < lo) return;
        amount = bound(amount, lo, max);
        vm.prank(v.owner);
        try engine.borrow(id, amount, v.owner) {
            _count("borrow", true);
        } catch (bytes memory reason) {
            // Schedules (PaymentMissed, LoanMatured) may refuse it; the LTV must not.
            if (bytes4(reason) == ICreditEngine.ExceedsMaxLtv.selector) maxBorrowRefused = true;
            _count("borrow", false);
        }
    }

    /// Anyone may repay, whatever the pauses, the oracle or the schedule; the payer is funded by minting, counted in
    /// `minted`. A refusal is an exit blocked.
    function repay(uint256 vaultSeed, uint256 payerSeed, uint256 amount, uint256 mode) external tracked {
        (uint256 id, ICreditEngine.Vault memory v) = _vaultWhere(vaultSeed, false);
        _repay(id, v, payerSeed, amount, mode % 3 == 0);
    }

    function _repay(uint256 id, ICreditEngine.Vault memory v, uint256 payerSeed, uint256 amount, bool full)
        internal
        othersStayHealthy(id)
    {
        if (v.normDebt == 0) return;
        uint256 debt = engine.debtOf(id);
        uint256 dust = engine.classParams(CLASS).dust;
        if (full || debt <= dust + 2) (amount, full) = (debt, true);
        else amount = bound(amount, 1, debt - dust - 2);
        address payer = actors[payerSeed % actors.length];
        _mint(payer, amount);
        vm.prank(payer);
        bytes32 name = full ? bytes32("repayFull") : bytes32("repayPart");
        try engine.repay(id, amount) {
            _count(name, true);
        } catch {
            _exitRefused(name);
        }
    }

    function accrue() external tracked othersStayHealthy(0) {
        try engine.accrue(CLASS) {
            _count("accrue", true);
        } catch {
            _count("accrue", false);
        }
    }

    // ---------------------------------------------------------------- PSM

    /// While the PSM is paused the sale must be refused (no new GPUSD against USDC).
    function psmSell(uint256 actorSeed, uint256 amount) external tracked othersStayHealthy(0) {
        address actor = actors[actorSeed % actors.length];
        amount = bound(amount, 1, 3e12); // up to 3M USDC: sales outpace redemptions, so the line clears now and then
        usdc.mint(actor, amount);
        uint256 before = usdc.balanceOf(actor);
        bool paused = psm.paused();
        vm.prank(actor);
        try psm.sellUsdc(amount, actor) {
            if (paused) psmMintedWhilePaused = true;
            _count(paused ? bytes32("psmSellBlocked") : bytes32("psmSell"), !paused);
        } catch {
            _count(paused ? bytes32("psmSellBlocked") : bytes32("psmSell"), paused);
        }
        usdcIn += before - usdc.balanceOf(actor);
    }

    /// GPUSD is minted to the redeemer first, so redemptions outrun the PSM's USDC and the line forms. Never blocked.
    function psmRedeem(uint256 actorSeed, uint256 amount) external tracked othersStayHealthy(0) {
        address actor = actors[actorSeed % actors.length];
        amount = bound(amount, 2e12, 3e24);
        _mint(actor, amount);
        uint256 before = usdc.balanceOf(actor);
        bool lineWaiting = psm.queueDepth() != 0;
        vm.prank(actor);
        try psm.redeem(amount, actor) returns (uint256, uint256 requestId) {
            _count(requestId == 0 ? bytes32("psmRedeem") : bytes32("psmRedeemQueued"), true);
        } catch {
            _exitRefused("psmRedeem");
        }
        uint256 paid = usdc.balanceOf(actor) - before;
        usdcOut += paid;
        if (lineWaiting) paidPastTheLine += paid;
    }

    function psmClaim(uint256 idSeed) external tracked othersStayHealthy(0) {
        uint256 last = psm.lastRequestId();
        for (uint256 i; i < last; i++) {
            uint256 id = (idSeed % last + i) % last + 1;
            IPegStabilityModule.Request memory r = psm.request(id);
            if (r.cancelled || psm.queueStatus(id).claimable == 0) continue;
            uint256 before = usdc.balanceOf(r.owner);
            try psm.claim(id) {
                _count("psmClaim", true);
            } catch {
                _exitRefused("psmClaim");
            }
            usdcOut += usdc.balanceOf(r.owner) - before;
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
        try psm.cancel(id) {
            _count("psmCancel", true);
        } catch {
            _exitRefused("psmCancel");
        }
        usdcOut += usdc.balanceOf(r.owner) - before;
    }

    /// The risk curator moves the fees anywhere within their bounds, zero included.
    function setPsmFees(uint256 tin, uint256 tout) external tracked othersStayHealthy(0) {
        tin = tin % 4 == 0 ? 0 : bound(tin, 0, Bounds.MAX_PSM_FEE);
        tout = tout % 4 == 0 ? 0 : bound(tout, 0, Bounds.MAX_PSM_FEE);
        vm.prank(riskCurator);
        try psm.setFees(tin, tout) {
            _count("setPsmFees", true);
        } catch {
            _count("setPsmFees", false);
        }
    }

    // ---------------------------------------------------------------- savings and Reserve

    function savingsDeposit(uint256 actorSeed, uint256 amount) external tracked othersStayHealthy(0) {
        address actor = actors[actorSeed % actors.length];
        amount = bound(amount, 1e18, 2e24);
        _mint(actor, amount);
        vm.prank(actor);
        try savings.deposit(amount, actor) {
            _count("savingsDeposit", true);
        } catch {
            _count("savingsDeposit", false); // DepositsSuspended while marks exceed assets
        }
    }

    /// Redeems shares the cooldown has released (must succeed: withdrawals are never blocked) or, half the time, up to
    /// the whole balance (must fail if that reaches into shares still locked).
    function savingsRedeem(uint256 actorSeed, uint256 shares, uint256 mode) external tracked othersStayHealthy(0) {
        address actor = actors[actorSeed % actors.length];
        uint256 balance = savings.balanceOf(actor);
        if (balance == 0) return;
        (uint256 locked,) = savings.lockedShares(actor);
        uint256 unlocked = balance > locked ? balance - locked : 0;
        shares = mode % 2 == 0 && unlocked != 0 ? bound(shares, 1, unlocked) : bound(shares, 1, balance);
        if (savings.previewRedeem(shares) == 0) return; // refused as ZeroAmount: it would pay nothing
        // A running lock holds whatever the cooldown is now: switching the cooldown off must not free it early.
        bool mustRefuse = shares > unlocked;
        vm.prank(actor);
        try savings.redeem(shares, actor, actor) {
            if (mustRefuse) lockedSharesLeft = true;
            _count(mustRefuse ? bytes32("savingsRedeemLocked") : bytes32("savingsRedeem"), !mustRefuse);
        } catch {
            if (mustRefuse) _count("savingsRedeemLocked", true);
            else _exitRefused("savingsRedeem");
        }
    }

    /// The risk curator sets the cooldown anywhere in its bounds; a third of the time it is switched off.
    function setWithdrawalCooldown(uint256 cooldown) external tracked othersStayHealthy(0) {
        cooldown = cooldown % 3 == 0 ? 0 : bound(cooldown, 1, Bounds.MAX_WITHDRAWAL_COOLDOWN);
        vm.prank(riskCurator);
        try savings.setWithdrawalCooldown(uint32(cooldown)) {
            _count("setWithdrawalCooldown", true);
        } catch {
            _count("setWithdrawalCooldown", false);
        }
    }

    function setSmearWindow(uint256 window) external tracked othersStayHealthy(0) {
        window = bound(window, Bounds.MIN_SMEAR_WINDOW, Bounds.MAX_SMEAR_WINDOW);
        vm.prank(riskCurator);
        try savings.setSmearWindow(uint32(window)) {
            _count("setSmearWindow", true);
        } catch {
            _count("setSmearWindow", false);
        }
    }

    function distribute() external tracked othersStayHealthy(0) {
        try reserve.distribute() returns (uint256 toBuffer, uint256 toSavings) {
            if (toBuffer + toSavings != 0) _count("distribute", true);
        } catch {
            _exitRefused("distribute");
        }
    }

    function setReserveFactor(uint256 factor) external tracked othersStayHealthy(0) {
        factor = bound(factor, 0, Bounds.MAX_RESERVE_FACTOR);
        vm.prank(riskCurator);
        try reserve.setReserveFactor(factor) {
            _count("setReserveFactor", true);
        } catch {
            _count("setReserveFactor", false);
        }
    }

    // ---------------------------------------------------------------- oracle and time

    /// A signed round moving one fleet by ×0.1–×1.1 (the oracle clamps rises), the others re-observed as they are.
    /// Two times in three the fleet is one that carries debt, so that crashes matter. A stopped oracle takes no rounds.
    function oracleMove(uint256 fleetSeed, uint256 factor) external tracked {
        if (oracle.stopped()) return _count("oracleMove", false);
        uint256 i = fleetSeed % fleets.length;
        (, ICreditEngine.Vault memory indebted) = _vaultWhere(fleetSeed >> 8, false);
        if (indebted.fleetId != 0 && fleetSeed % 3 != 0) {
            for (uint256 j; j < fleets.length; ++j) if (fleets[j] == indebted.fleetId) i = j;
        }
        uint256[] memory values = _currentValues();
        uint256 v = values[i] * bound(factor, 0.1e18, 1.1e18) / WAD;
        if (v <= MIN_VALUE + CENT) v = MIN_VALUE + 2 * CENT;
        if (v >= MAX_VALUE - CENT) v = MAX_VALUE - 2 * CENT;
        values[i] = v;
        _publish(values);
        _count("oracleMove", true);
    }

    /// Time passes. Usually every fleet is then re-observed, so borrowing stays possible; a third of the time no round
    /// comes (the nodes are down), so that past `maxAge` every valuation goes stale.
    function warp(uint256 seconds_, uint256 mode) external tracked {
        vm.warp(block.timestamp + bound(seconds_, 1, 5 days));
        if (mode % 3 == 0 || oracle.stopped()) return _count("warpStale", true);
        _publish(_currentValues());
        _count("warp", true);
    }

    /// The guardian stops the oracle (a third of the times it is asked); the oracle admin resumes it.
    function toggleOracleStop(uint256 mode) external tracked othersStayHealthy(0) {
        bool stopped = oracle.stopped();
        if (!stopped && mode % 3 != 0) return;
        vm.prank(stopped ? oracleAdmin : guardian);
        if (stopped) {
            try oracle.resume() {
                _count("oracleResume", true);
            } catch {
                _count("oracleResume", false);
            }
        } else {
            try oracle.stop() {
                _count("oracleStop", true);
            } catch {
                _count("oracleStop", false);
            }
        }
    }

    // ---------------------------------------------------------------- liquidation

    /// Kicks the first liquidatable vault from a random starting point, so that kicks happen whenever any can. While
    /// the auction is paused the kick must be refused; otherwise it must succeed.
    function kick(uint256 vaultSeed) external tracked {
        uint256 last = engine.lastVaultId();
        for (uint256 i; i < last; ++i) {
            uint256 id = (vaultSeed % last + i) % last + 1;
            (bool liquidatable,,) = engine.isLiquidatable(id);
            if (liquidatable) return _kick(id);
        }
    }

    function _kick(uint256 id) internal othersStayHealthy(id) {
        bool paused = auction.paused();
        uint256 impaired = savings.totalImpaired();
        uint256 assets = savings.totalAssets();
        try auction.kick(id, KEEPER) {
            if (paused) auctionActedWhilePaused = true;
            _count(paused ? bytes32("kickBlocked") : bytes32("kick"), !paused);
        } catch {
            if (paused) _count("kickBlocked", true);
            else if (stuckLiquidation == bytes32(0)) stuckLiquidation = "kick";
        }
        _recordMark(impaired, assets);
    }

    /// The keeper mints its credited tips to a random actor, whatever the pauses: all but the wei it keeps owed, and
    /// exactly that much new GPUSD. A refusal is an exit blocked.
    function claimTips(uint256 toSeed) external tracked othersStayHealthy(0) {
        uint256 owed = auction.tipsOwed(KEEPER);
        if (owed <= 1) return;
        uint256 supply = gpusd.totalSupply();
        vm.prank(KEEPER);
        try auction.claimTips(actors[toSeed % actors.length]) returns (uint256 amount) {
            if (amount != owed - 1 || auction.tipsOwed(KEEPER) != 1 || gpusd.totalSupply() != supply + amount) {
                tipClaimInexact = true;
            }
            _count("claimTips", true);
        } catch {
            _exitRefused("claimTips");
        }
    }

    /// Restarts an auction that needs a reset; refused while paused.
    function redo(uint256 auctionSeed) external tracked othersStayHealthy(0) {
        bool paused = auction.paused();
        uint256 id = _liveAuction(auctionSeed, true);
        if (id == 0) return;
        uint256 impaired = savings.totalImpaired();
        uint256 assets = savings.totalAssets();
        try auction.redo(id, KEEPER) {
            if (paused) auctionActedWhilePaused = true;
            _count(paused ? bytes32("redoBlocked") : bytes32("redo"), !paused);
        } catch {
            if (paused) _count("redoBlocked", true);
            else if (stuckLiquidation == bytes32(0)) stuckLiquidation = "redo";
        }
        _recordMark(impaired, assets);
    }

    /// A kick or redo may mark a loss on savers (an impairment): the share price may fall by that much and no more.
    function _recordMark(uint256 impairedBefore, uint256 assetsBefore) internal {
        uint256 impaired = savings.totalImpaired();
        if (impaired > impairedBefore) _loss = impaired - impairedBefore;
        uint256 assets = savings.totalAssets();
        if (assets + _loss < assetsBefore) savingsLostMoreThanRecorded = true;
    }

    /// The buyer is funded by minting exactly the price; the fleet goes to a random actor, who may pledge it again.
    /// Refused while paused. Half the buyers bid below the price (down to 40 % of the start), which the auction
    /// must refuse (PriceAboveMax), so auctions also linger into their tail and need a reset.
    function take(uint256 auctionSeed, uint256 receiverSeed, uint256 bidSeed) external tracked othersStayHealthy(0) {
        uint256 id = _liveAuction(auctionSeed, false);
        if (id == 0) return;
        (, uint256 price,) = auction.status(id);
        uint256 bid = auction.auction(id).top * bound(bidSeed, 0.4e18, 1e18) / WAD;
        if (bidSeed % 2 == 0 && bid < price && !auction.paused()) {
            _mint(BUYER, bid);
            vm.prank(BUYER);
            try auction.take(id, bid, BUYER) {
                if (stuckLiquidation == bytes32(0)) stuckLiquidation = "take above the bid";
            } catch {
                _count("takeBelowPrice", true);
            }
            return;
        }
        _take(id, actors[receiverSeed % actors.length]);
    }

    /// The first live auction from a random starting point that needs (or does not need) a reset.
    function _liveAuction(uint256 seed, bool needingReset) internal view returns (uint256) {
        uint256 last = auction.lastAuctionId();
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
        (, uint256 price,) = auction.status(id);
        _mint(BUYER, price);
        uint256 badDebt = auction.totalBadDebt();
        uint256 saved = gpusd.balanceOf(address(savings));
        uint256 assets = savings.totalAssets();
        bool paused = auction.paused();
        vm.prank(BUYER);
        try auction.take(id, price, receiver) {
            if (paused) auctionActedWhilePaused = true;
        } catch {
            if (paused) _count("takeBlocked", true);
            else if (stuckLiquidation == bytes32(0)) stuckLiquidation = "take";
            return;
        }
        if (paused) return _count("takeBlocked", false);
        uint256 shortfall = tab > price ? tab - price : 0;
        shortfalls += shortfall;
        uint256 uncovered = auction.totalBadDebt() - badDebt;
        if (uncovered > shortfall) badDebtAboveShortfall = true;
        if (uncovered != 0 && (reserve.uncommittedBuffer() != 0 || savings.totalAssets() != 0)) {
            badDebtBeforeBuffersSpent = true;
        }
        // Savers pay only through absorbLoss, which sends their GPUSD to the auction to burn.
        uint256 balance = gpusd.balanceOf(address(savings));
        if (balance < saved) _loss = saved - balance;
        // The settlement releases the auction's mark (assets rise) and absorbs the realized loss (assets fall by it).
        if (savings.totalAssets() + _loss < assets) savingsLostMoreThanRecorded = true;
        _count("take", true);
    }

    // ---------------------------------------------------------------- governance

    /// The guardian pauses the engine, the PSM or the auction (a third of the times it is asked) or unpauses it, so
    /// each is paused about a quarter of the time, in episodes of a few actions.
    function togglePause(uint256 which, uint256 mode) external tracked othersStayHealthy(0) {
        which %= 3;
        bool wasPaused = which == 0 ? engine.paused() : which == 1 ? psm.paused() : auction.paused();
        if (!wasPaused && mode % 3 != 0) return;
        vm.startPrank(guardian);
        if (which == 0) {
            if (wasPaused) engine.unpause();
            else engine.pause();
        } else if (which == 1) {
            if (wasPaused) psm.unpause();
            else psm.pause();
        } else {
            if (wasPaused) auction.unpause();
            else auction.pause();
        }
        vm.stopPrank();
        _count(wasPaused ? bytes32("unpause") : bytes32("pause"), true);
    }

    /// The risk curator re-sets the class anywhere within the hard bounds (fee, LTVs, dust, term, period, grace). Health
    /// is value × liquidationLtv ÷ debt, so only a lower liquidation LTV may turn a healthy vault unhealthy: that is a
    /// timelocked re-pricing of risk, like a price move, and is the one change exempt from the health check. A shorter
    /// schedule may make a vault miss a payment, which is not a health change.
    function setClass(uint256 feeSeed, uint256 ltvSeed, uint256 dustSeed, uint256 scheduleSeed) external tracked {
        ICreditEngine.ClassParams memory p;
        p.stabilityFee = bound(feeSeed, RAY, Bounds.MAX_STABILITY_FEE);
        p.maxLtv = bound(ltvSeed, 0.5e18, 0.85e18);
        p.liquidationLtv = bound(ltvSeed >> 128, p.maxLtv + 0.01e18, Bounds.MAX_LIQUIDATION_LTV);
        p.debtCeiling = 1e27;
        p.dust = bound(dustSeed, 0, 5_000e18);
        p.term = uint32(bound(scheduleSeed, 180 days, 1800 days));
        p.period = uint32(bound(scheduleSeed >> 64, Bounds.MIN_PERIOD, 60 days));
        p.grace = uint32(bound(scheduleSeed >> 128, 0, Bounds.MAX_GRACE));
        bool repricing = p.liquidationLtv < engine.classParams(CLASS).liquidationLtv;
        bool[] memory healthy = _healthyVaults(0);
        vm.prank(riskCurator);
        try engine.setClass(CLASS, p) {
            _count("setClass", true);
        } catch {
            _count("setClass", false);
        }
        if (!repricing) _requireStillHealthy(healthy);
    }
}
