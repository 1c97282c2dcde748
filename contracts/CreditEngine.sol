// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {LiquidatorGated} from "./governance/LiquidatorGated.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ICreditEngine} from "./interfaces/ICreditEngine.sol";
import {IGPUSD} from "./interfaces/IGPUSD.sol";
import {IFleetRegistry} from "./interfaces/IFleetRegistry.sol";
import {IFleetOracle} from "./interfaces/IFleetOracle.sol";
import {MathLib, WAD, RAY} from "./libraries/MathLib.sol";
import {Bounds} from "./libraries/Bounds.sol";
import {Amortization} from "./libraries/Amortization.sol";
import {Health} from "./libraries/Health.sol";

/// @title CreditEngine
/// @notice Vaults of fleet NFTs and the GPUSD debt drawn against them.
/// @dev Warning: the engine trusts GPUSD, the FleetRegistry and the FleetOracle it is deployed with; none of them has
/// transfer hooks, and every external call still comes after the state it depends on is written.
contract CreditEngine is ICreditEngine, LiquidatorGated {
    using MathLib for uint256;
    using SafeCast for uint256;

    /// @dev Packed so that a borrow or repay reads each class in four slots and writes two: the first (debt, clock
    /// and interest owed) and the accumulator.
    struct ClassSlot {
        uint128 normDebt; // [wad/ray]
        uint40 lastAccrual; // [unix s]
        uint88 unminted; // [wad] interest owed to the Reserve; minted once it would overflow, or by accrue()
        uint256 rate; // [ray]
        uint96 stabilityFee; // [ray] per second
        uint64 liquidationLtv; // [wad]
        uint32 term; // [s]
        uint32 period; // [s]
        uint32 grace; // [s]
        uint96 debtCeiling; // [wad]
        uint96 dust; // [wad]
        uint64 maxLtv; // [wad]
    }

    /// @dev The first slot holds everything a seizure and a delivery read and write besides the debt. `fleetId` is 32
    /// bits so that the auction flag fits: the registry numbers fleets from 1, one at a time.
    struct VaultSlot {
        address owner;
        uint16 classId;
        uint32 fleetId;
        uint40 scheduleStart;
        bool inAuction; // seized: the fleet stays here until the auction delivers it to its buyer
        uint128 normDebt;
        uint128 principal;
        uint128 peakPrincipal;
    }

    struct OperatorSlot {
        uint128 principal; // [wad]
        uint128 ceiling; // [wad] 0 = the default ceiling
    }

    IGPUSD public immutable gpusd;
    IFleetRegistry public immutable registry;
    IFleetOracle public immutable oracle;
    address public immutable reserve;

    uint128 internal _totalPrincipal; // [wad]
    uint128 internal _globalDebtCeiling; // [wad]
    // Packed together: a borrow reads the default ceiling and the pause flag in one slot.
    uint128 internal _defaultOperatorCeiling; // [wad]
    uint64 internal _lastVaultId;
    bool internal _paused;

    mapping(uint16 classId => ClassSlot) internal _classes;
    mapping(uint256 vaultId => VaultSlot) internal _vaults;
    mapping(address operator => OperatorSlot) internal _operators;

    constructor(address authority, IGPUSD gpusd_, IFleetRegistry registry_, IFleetOracle oracle_, address reserve_)
        AccessManaged(authority)
    {
        if (address(gpusd_) == address(0) || address(registry_) == address(0)) revert ZeroAddress();
        if (address(oracle_) == address(0) || reserve_ == address(0)) revert ZeroAddress();
        gpusd = gpusd_;
        registry = registry_;
        oracle = oracle_;
        reserve = reserve_;
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc ICreditEngine
    function setClass(uint16 classId, ClassParams calldata p) external restricted {
        if (classId == 0) revert UnknownClass(0);
        _checkBound("stabilityFee", p.stabilityFee, RAY, Bounds.MAX_STABILITY_FEE);
        _checkBound("maxLtv", p.maxLtv, 1, Bounds.MAX_LTV);
        _checkBound("liquidationLtv", p.liquidationLtv, p.maxLtv + 1, Bounds.MAX_LIQUIDATION_LTV);
        _checkBound("term", p.term, Bounds.MIN_TERM, Bounds.MAX_TERM);
        _checkBound("period", p.period, Bounds.MIN_PERIOD, MathLib.min(Bounds.MAX_PERIOD, p.term));
        _checkBound("grace", p.grace, 0, Bounds.MAX_GRACE);
        _checkBound("debtCeiling", p.debtCeiling, 0, type(uint96).max);
        _checkBound("dust", p.dust, 0, p.debtCeiling);

        ClassSlot storage c = _classes[classId];
        if (c.term == 0) {
            c.rate = RAY;
            c.lastAccrual = uint40(block.timestamp);
        } else {
            // The old fee applies up to now; the new one from now on.
            _accrue(classId, c);
        }
        c.stabilityFee = uint96(p.stabilityFee);
        c.maxLtv = uint64(p.maxLtv);
        c.liquidationLtv = uint64(p.liquidationLtv);
        c.term = p.term;
        c.period = p.period;
        c.grace = p.grace;
        c.debtCeiling = uint96(p.debtCeiling);
        c.dust = uint96(p.dust);
        emit ClassSet(
            classId, p.stabilityFee, p.maxLtv, p.liquidationLtv, p.debtCeiling, p.dust, p.term, p.period, p.grace
        );
    }

    /// @inheritdoc ICreditEngine
    function setGlobalDebtCeiling(uint256 ceiling) external restricted {
        _globalDebtCeiling = ceiling.toUint128();
        emit GlobalDebtCeilingSet(ceiling);
    }

    /// @inheritdoc ICreditEngine
    function setDefaultOperatorCeiling(uint256 ceiling) external restricted {
        _defaultOperatorCeiling = ceiling.toUint128();
        emit DefaultOperatorCeilingSet(ceiling);
    }

    /// @inheritdoc ICreditEngine
    function setOperatorCeiling(address operator, uint256 ceiling) external restricted {
        if (operator == address(0)) revert ZeroAddress();
        _operators[operator].ceiling = ceiling.toUint128();
        emit OperatorCeilingSet(operator, ceiling);
    }

    /// @inheritdoc ICreditEngine
    function pause() external restricted {
        if (_paused) revert EnforcedPause();
        _paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc ICreditEngine
    function unpause() external restricted {
        if (!_paused) revert ExpectedPause();
        _paused = false;
        emit Unpaused(msg.sender);
    }

    // ---------------------------------------------------------------- vaults

    /// @inheritdoc ICreditEngine
    function open(uint256 fleetId) external returns (uint256 vaultId) {
        uint16 classId = _classOfFleet(fleetId);
        vaultId = ++_lastVaultId;
        VaultSlot storage v = _vaults[vaultId];
        v.owner = msg.sender;
        v.classId = classId;
        v.fleetId = fleetId.toUint32();
        emit VaultOpened(vaultId, msg.sender, fleetId, classId);
        registry.transferFrom(msg.sender, address(this), fleetId);
    }

    /// @inheritdoc ICreditEngine
    function addCollateral(uint256 vaultId, uint256 fleetId) external {
        VaultSlot storage v = _ownedVault(vaultId);
        if (v.fleetId != 0) revert VaultHasCollateral(vaultId, v.fleetId);
        uint16 classId = _classOfFleet(fleetId);
        v.fleetId = fleetId.toUint32();
        v.classId = classId;
        emit CollateralAdded(vaultId, fleetId, classId);
        registry.transferFrom(msg.sender, address(this), fleetId);
    }

    /// @inheritdoc ICreditEngine
    function removeCollateral(uint256 vaultId, address to) external {
        if (to == address(0)) revert ZeroAddress();
        VaultSlot storage v = _ownedVault(vaultId);
        uint256 fleetId = v.fleetId;
        if (fleetId == 0) revert VaultHasNoCollateral(vaultId);
        if (v.normDebt != 0) revert VaultHasDebt(vaultId, _debt(v));
        if (v.inAuction) revert VaultInAuction(vaultId);
        v.fleetId = 0;
        v.classId = 0;
        emit CollateralRemoved(vaultId, fleetId, to);
        registry.transferFrom(address(this), to, fleetId);
    }

    /// @inheritdoc ICreditEngine
    function close(uint256 vaultId, address to) external {
        if (to == address(0)) revert ZeroAddress();
        VaultSlot storage v = _ownedVault(vaultId);
        if (v.normDebt != 0) revert VaultHasDebt(vaultId, _debt(v));
        if (v.inAuction) revert VaultInAuction(vaultId);
        uint256 fleetId = v.fleetId;
        delete _vaults[vaultId];
        if (fleetId != 0) emit CollateralRemoved(vaultId, fleetId, to);
        emit VaultClosed(vaultId, msg.sender);
        if (fleetId != 0) registry.transferFrom(address(this), to, fleetId);
    }

    /// @inheritdoc ICreditEngine
    function borrow(uint256 vaultId, uint256 amount, address to) external {
        if (_paused) revert EnforcedPause();
        if (amount == 0) revert ZeroAmount();
        if (to == address(0)) revert ZeroAddress();
        VaultSlot storage v = _ownedVault(vaultId);
        uint256 fleetId = v.fleetId;
        if (fleetId == 0) revert VaultHasNoCollateral(vaultId);
        if (v.inAuction) revert VaultInAuction(vaultId);
        ClassSlot storage c = _classes[v.classId];
        (uint256 rate, uint256 mintNow) = _accrue(v.classId, c);

        _extendSchedule(vaultId, v, c, amount);
        uint256 debt = _addDebt(vaultId, v, c, amount, rate);
        _chargeCeilings(v.owner, amount);

        // Borrowable value rounds down; the oracle reverts while stopped or stale, which stops new debt.
        uint256 maxDebt = oracle.borrowValue(fleetId).wMulDown(c.maxLtv);
        if (debt > maxDebt) revert ExceedsMaxLtv(vaultId, debt, maxDebt);

        emit Borrowed(vaultId, to, amount, v.normDebt, v.principal, v.peakPrincipal, v.scheduleStart, rate);
        _mintInterest(v.classId, mintNow);
        gpusd.mint(to, amount);
    }

    /// @dev A fresh loan starts its line now. A running one must be on schedule, and its peak rises so that this
    /// period's allowance grows by exactly `amount` (rounded up, so the borrow never by itself puts it behind).
    function _extendSchedule(uint256 vaultId, VaultSlot storage v, ClassSlot storage c, uint256 amount) internal {
        uint256 principal = v.principal;
        if (principal == 0) {
            v.scheduleStart = uint40(block.timestamp);
            v.peakPrincipal = amount.toUint128();
        } else {
            Amortization.Schedule memory s = _schedule(v, c);
            _requireOnSchedule(vaultId, s, principal);
            uint256 elapsed = Amortization.elapsedPeriodsTime(s, block.timestamp);
            if (elapsed >= s.term) revert LoanMatured(vaultId, uint40(s.start + s.term));
            v.peakPrincipal = (s.peak + amount.mulDivUp(s.term, s.term - elapsed)).toUint128();
        }
        v.principal = (principal + amount).toUint128();
    }

    /// @dev Debt rounds up against the borrower. Returns the vault's new debt after the dust and class-ceiling checks.
    function _addDebt(uint256 vaultId, VaultSlot storage v, ClassSlot storage c, uint256 amount, uint256 rate)
        internal
        returns (uint256 debt)
    {
        uint256 normAdded = amount.rDivUp(rate);
        uint256 normDebt = v.normDebt + normAdded;
        v.normDebt = normDebt.toUint128();
        debt = normDebt.rMulUp(rate);
        if (debt < c.dust) revert DebtBelowDust(vaultId, debt, c.dust);

        uint256 classNormDebt = c.normDebt + normAdded;
        c.normDebt = classNormDebt.toUint128();
        uint256 classDebt = classNormDebt.rMulUp(rate);
        if (classDebt > c.debtCeiling) revert ClassCeilingExceeded(v.classId, classDebt, c.debtCeiling);
    }

    /// @dev Global and per-operator ceilings bind principal, not interest, so accrual alone never breaches one.
    function _chargeCeilings(address owner, uint256 amount) internal {
        uint256 total = _totalPrincipal + amount;
        if (total > _globalDebtCeiling) revert GlobalCeilingExceeded(total, _globalDebtCeiling);
        _totalPrincipal = uint128(total);

        OperatorSlot storage op = _operators[owner];
        uint256 opPrincipal = op.principal + amount;
        uint256 opCeiling = op.ceiling == 0 ? _defaultOperatorCeiling : op.ceiling;
        if (opPrincipal > opCeiling) revert OperatorCeilingExceeded(owner, opPrincipal, opCeiling);
        op.principal = uint128(opPrincipal);
    }

    /// @inheritdoc ICreditEngine
    function repay(uint256 vaultId, uint256 amount) external returns (uint256 paid) {
        if (amount == 0) revert ZeroAmount();
        VaultSlot storage v = _vaults[vaultId];
        if (v.owner == address(0)) revert UnknownVault(vaultId);
        uint256 normDebt = v.normDebt;
        if (normDebt == 0) revert NoDebt(vaultId);
        ClassSlot storage c = _classes[v.classId];
        (uint256 rate, uint256 mintNow) = _accrue(v.classId, c);

        uint256 debt = normDebt.rMulUp(rate);
        uint256 normRepaid;
        if (amount >= debt) {
            paid = debt;
            normRepaid = normDebt;
        } else {
            paid = amount;
            // Credit rounds down: the remaining normalized debt never understates what is owed.
            normRepaid = paid.rDivDown(rate);
            uint256 remaining = (normDebt - normRepaid).rMulUp(rate);
            if (remaining < c.dust) revert DebtBelowDust(vaultId, remaining, c.dust);
        }

        uint256 principal = v.principal;
        uint256 interestOwed = debt - principal;
        uint256 interestPaid = MathLib.min(paid, interestOwed);
        uint256 principalPaid = paid - interestPaid;
        principal -= principalPaid;

        normDebt -= normRepaid;
        v.normDebt = uint128(normDebt);
        v.principal = uint128(principal);
        if (principal == 0) {
            v.scheduleStart = 0;
            v.peakPrincipal = 0;
        }
        c.normDebt -= uint128(normRepaid);
        if (principalPaid != 0) {
            _totalPrincipal -= uint128(principalPaid);
            _operators[v.owner].principal -= uint128(principalPaid);
        }

        emit Repaid(vaultId, msg.sender, paid, interestPaid, principalPaid, normDebt, principal, rate);
        _mintInterest(v.classId, mintNow);
        gpusd.burn(msg.sender, paid);
    }

    /// @inheritdoc ICreditEngine
    function seize(uint256 vaultId)
        external
        onlyLiquidator
        returns (uint256 debt, uint256 value, uint256 fleetId, address owner)
    {
        VaultSlot storage v = _vaults[vaultId];
        (debt, value) = _writeOff(vaultId, v);
        // Both stay: the fleet is held for the auction's buyer, and the owner receives any surplus.
        fleetId = v.fleetId;
        owner = v.owner;
    }

    /// @dev Checks that the vault is liquidatable, then removes its debt from its class and its principal from the
    /// totals, and flags it in auction. Accrues first, so that the check (isLiquidatable's, on the same rate) and the
    /// write-off share one compounding; a refusal reverts the accrual with it.
    function _writeOff(uint256 vaultId, VaultSlot storage v) internal returns (uint256 debt, uint256 value) {
        uint256 normDebt = v.normDebt;
        if (normDebt == 0) revert NotLiquidatable(vaultId);
        uint16 classId = v.classId;
        ClassSlot storage c = _classes[classId];
        (uint256 rate, uint256 mintNow) = _accrue(classId, c);
        // Rounds up: the auction must recover at least what the vault owed.
        debt = normDebt.rMulUp(rate);
        uint256 principal = v.principal;
        bool unhealthy;
        bool missedPayment;
        (value, unhealthy, missedPayment) = _liquidationCause(v, c, debt, principal);
        if (!unhealthy && !missedPayment) revert NotLiquidatable(vaultId);
        emit Seized(vaultId, v.fleetId, v.owner, debt, principal, unhealthy, missedPayment);

        c.normDebt -= uint128(normDebt);
        _totalPrincipal -= uint128(principal);
        _operators[v.owner].principal -= uint128(principal);
        v.scheduleStart = 0;
        v.inAuction = true;
        v.normDebt = 0;
        v.principal = 0;
        v.peakPrincipal = 0;
        _mintInterest(classId, mintNow);
    }

    /// @inheritdoc ICreditEngine
    function deliver(uint256 vaultId, address to) external onlyLiquidator returns (uint256 fleetId, address owner) {
        VaultSlot storage v = _vaults[vaultId];
        if (!v.inAuction) revert NotInAuction(vaultId);
        fleetId = v.fleetId;
        owner = v.owner;
        v.inAuction = false;
        v.fleetId = 0;
        v.classId = 0;
        registry.transferFrom(address(this), to, fleetId);
    }

    /// @dev isLiquidatable's two causes, on a debt the caller has already computed, and the value it judged.
    function _liquidationCause(VaultSlot storage v, ClassSlot storage c, uint256 debt, uint256 principal)
        internal
        view
        returns (uint256 value, bool unhealthy, bool missedPayment)
    {
        (value,) = oracle.liquidationValue(v.fleetId);
        unhealthy = Health.compute(value, c.liquidationLtv, debt) < WAD;
        missedPayment = Amortization.isMissed(_schedule(v, c), principal, block.timestamp);
    }

    /// @inheritdoc ICreditEngine
    function accrue(uint16 classId) external {
        ClassSlot storage c = _classes[classId];
        if (c.term == 0) revert UnknownClass(classId);
        (, uint256 mintNow) = _accrue(classId, c);
        mintNow += c.unminted;
        c.unminted = 0;
        _mintInterest(classId, mintNow);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ICreditEngine
    function classParams(uint16 classId) external view returns (ClassParams memory) {
        ClassSlot storage c = _classes[classId];
        return ClassParams({
            stabilityFee: c.stabilityFee,
            maxLtv: c.maxLtv,
            liquidationLtv: c.liquidationLtv,
            debtCeiling: c.debtCeiling,
            dust: c.dust,
            term: c.term,
            period: c.period,
            grace: c.grace
        });
    }

    /// @inheritdoc ICreditEngine
    function classState(uint16 classId) external view returns (ClassState memory) {
        ClassSlot storage c = _classes[classId];
        uint256 rate = _projectedRate(c);
        uint256 pending = uint256(c.normDebt).rMulDown(rate - c.rate);
        return ClassState({
            rate: rate,
            normDebt: c.normDebt,
            lastAccrual: c.lastAccrual,
            unmintedInterest: c.unminted + pending
        });
    }

    /// @inheritdoc ICreditEngine
    function vault(uint256 vaultId) external view returns (Vault memory) {
        VaultSlot storage v = _vaults[vaultId];
        return Vault({
            owner: v.owner,
            classId: v.classId,
            fleetId: v.fleetId,
            scheduleStart: v.scheduleStart,
            inAuction: v.inAuction,
            normDebt: v.normDebt,
            principal: v.principal,
            peakPrincipal: v.peakPrincipal
        });
    }

    /// @inheritdoc ICreditEngine
    function fleetOf(uint256 vaultId) external view returns (uint256 fleetId, address owner) {
        VaultSlot storage v = _vaults[vaultId];
        return (v.fleetId, v.owner);
    }

    /// @inheritdoc ICreditEngine
    function debtOf(uint256 vaultId) external view returns (uint256) {
        return _debt(_vaults[vaultId]);
    }

    /// @inheritdoc ICreditEngine
    function healthOf(uint256 vaultId) public view returns (uint256) {
        VaultSlot storage v = _vaults[vaultId];
        uint256 debt = _debt(v);
        if (debt == 0) return type(uint256).max;
        (uint256 value,) = oracle.liquidationValue(v.fleetId);
        return Health.compute(value, _classes[v.classId].liquidationLtv, debt);
    }

    /// @inheritdoc ICreditEngine
    function isLiquidatable(uint256 vaultId)
        public
        view
        returns (bool liquidatable, bool unhealthy, bool missedPayment)
    {
        VaultSlot storage v = _vaults[vaultId];
        if (v.normDebt == 0) return (false, false, false);
        unhealthy = healthOf(vaultId) < WAD;
        missedPayment = Amortization.isMissed(_schedule(v, _classes[v.classId]), v.principal, block.timestamp);
        liquidatable = unhealthy || missedPayment;
    }

    /// @inheritdoc ICreditEngine
    /// @dev Written in assembly over the packed slots, because a keeper's eth_call costs time per EVM step: about 245
    /// steps a vault, engine and oracle together, against 625 for the same test in Solidity (docs/BENCHMARKS.md).
    /// Two passes:
    /// 1. `_indebtedRows`: every vault of the page costs one keccak and one load, its debt; a vault with debt also
    ///    loads its first slot, keeps its id and both words as a row, and writes its fleet id straight into the
    ///    calldata of the one `FleetOracle.liquidationValues` call;
    /// 2. `_liquidatableRun`, per run of rows of one class (whose terms are read and rate compounded once):
    ///    isLiquidatable's test on the kept words, loading the schedule's slot only for a healthy vault.
    function liquidatableVaults(uint256 fromId, uint256 count) external view returns (uint256[] memory vaultIds) {
        uint256 end = fromId + count;
        if (end > uint256(_lastVaultId) + 1) end = uint256(_lastVaultId) + 1;
        uint256 cursor = _indebtedRows(fromId, end);
        while (_liquidatableRun(cursor)) {}
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let out := mload(add(cursor, 96))
            vaultIds := mload(add(cursor, 128))
            mstore(vaultIds, shr(5, sub(out, add(vaultIds, 32))))
            mstore(0x40, out)
        }
    }

    /// @inheritdoc ICreditEngine
    function maxBorrow(uint256 vaultId) external view returns (uint256) {
        VaultSlot storage v = _vaults[vaultId];
        if (v.fleetId == 0 || v.inAuction) return 0;
        ClassSlot storage c = _classes[v.classId];
        try oracle.borrowValue(v.fleetId) returns (uint256 value) {
            // Debt rounds up twice (amount → normalized debt → debt), so the headroom is found in normalized units:
            // the largest normalized debt whose debt fits under the cap, converted back rounding down.
            uint256 rate = _projectedRate(c);
            uint256 maxNormDebt = value.wMulDown(c.maxLtv).rDivDown(rate);
            return maxNormDebt.zeroFloorSub(v.normDebt).rMulDown(rate);
        } catch {
            return 0;
        }
    }

    /// @inheritdoc ICreditEngine
    function nextDue(uint256 vaultId) external view returns (uint40 dueAt, uint256 principalDue, uint40 graceEndsAt) {
        VaultSlot storage v = _vaults[vaultId];
        ClassSlot storage c = _classes[v.classId];
        (dueAt, principalDue) = Amortization.nextDue(_schedule(v, c), v.principal);
        if (dueAt != 0) graceEndsAt = dueAt + c.grace;
    }

    /// @inheritdoc ICreditEngine
    function paused() external view returns (bool) {
        return _paused;
    }

    /// @inheritdoc ICreditEngine
    function globalDebtCeiling() external view returns (uint256) {
        return _globalDebtCeiling;
    }

    /// @inheritdoc ICreditEngine
    function defaultOperatorCeiling() external view returns (uint256) {
        return _defaultOperatorCeiling;
    }

    /// @inheritdoc ICreditEngine
    function totalPrincipal() external view returns (uint256) {
        return _totalPrincipal;
    }

    /// @inheritdoc ICreditEngine
    function lastVaultId() external view returns (uint256) {
        return _lastVaultId;
    }

    /// @inheritdoc ICreditEngine
    function operatorPrincipal(address operator) external view returns (uint256) {
        return _operators[operator].principal;
    }

    /// @inheritdoc ICreditEngine
    function operatorCeiling(address operator) external view returns (uint256) {
        uint256 own = _operators[operator].ceiling;
        return own == 0 ? _defaultOperatorCeiling : own;
    }

    // ---------------------------------------------------------------- internals

    function _ownedVault(uint256 vaultId) internal view returns (VaultSlot storage v) {
        v = _vaults[vaultId];
        address owner = v.owner;
        if (owner == address(0)) revert UnknownVault(vaultId);
        if (owner != msg.sender) revert NotVaultOwner(vaultId, msg.sender, owner);
    }

    function _classOfFleet(uint256 fleetId) internal view returns (uint16 classId) {
        (classId,) = registry.classAndCount(fleetId);
        if (_classes[classId].term == 0) revert UnknownClass(classId);
    }

    /// @dev Compounds the accumulator to now. Interest is the class's normalized debt times the rate increase, rounded
    /// down, so minted GPUSD never exceeds the debt it represents. It is recorded as owed; `mintNow` is non-zero only
    /// when the owed amount would overflow its slot, and the caller mints it after its own state changes.
    function _accrue(uint16 classId, ClassSlot storage c) internal returns (uint256 rate, uint256 mintNow) {
        rate = c.rate;
        uint256 elapsed = block.timestamp - c.lastAccrual;
        if (elapsed == 0) return (rate, 0);
        uint256 newRate = rate.rMulDown(MathLib.rPow(c.stabilityFee, elapsed));
        uint256 normDebt = c.normDebt;
        uint256 interest = normDebt.rMulDown(newRate - rate);
        uint256 owed = c.unminted + interest;
        if (owed > type(uint88).max) {
            mintNow = owed;
            owed = 0;
        }
        c.rate = newRate;
        c.lastAccrual = uint40(block.timestamp);
        c.unminted = uint88(owed);
        emit Accrued(classId, newRate, interest, normDebt, uint40(block.timestamp));
        rate = newRate;
    }

    function _mintInterest(uint16 classId, uint256 amount) internal {
        if (amount == 0) return;
        emit InterestMinted(classId, reserve, amount);
        gpusd.mint(reserve, amount);
    }

    /// @dev liquidatableVaults' first pass over `[fromId, end)`. Memory, from the free pointer: the oracle call's
    /// calldata (selector, offset, length, a fleet id per vault with debt), then per such vault a row of three words
    /// (id, first slot, second slot), then the values the oracle returns, then the output array, then the cursor.
    /// @return cursor [memory] five words: the next row, past the last row, the next row's fleet value, where the next
    /// id found goes, and the output array
    function _indebtedRows(uint256 fromId, uint256 end) internal view returns (uint256 cursor) {
        address oracle_ = address(oracle);
        bytes4 selector = IFleetOracle.liquidationValues.selector;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let size := 0
            if gt(end, fromId) { size := sub(end, fromId) }
            let request := mload(0x40)
            let fleetIds := add(request, 96)
            let fleet := fleetIds
            let rows := add(fleetIds, shl(5, size))
            let row := rows
            mstore(32, _vaults.slot)
            for { let id := fromId } lt(id, end) { id := add(id, 1) } {
                mstore(0, id)
                let base := keccak256(0, 64)
                let b := sload(add(base, 1))
                // normDebt, the low half of the second slot
                if and(b, 0xffffffffffffffffffffffffffffffff) {
                    let a := sload(base)
                    mstore(fleet, and(shr(176, a), 0xffffffff)) // fleetId
                    fleet := add(fleet, 32)
                    mstore(row, id)
                    mstore(add(row, 32), a)
                    mstore(add(row, 64), b)
                    row := add(row, 96)
                }
            }
            let n := shr(5, sub(fleet, fleetIds))
            let values := row
            if n {
                mstore(request, shr(224, selector))
                mstore(add(request, 32), 32)
                mstore(add(request, 64), n)
                if iszero(staticcall(gas(), oracle_, add(request, 28), add(68, shl(5, n)), 0, 0)) {
                    returndatacopy(request, 0, returndatasize())
                    revert(request, returndatasize())
                }
                if lt(returndatasize(), add(64, shl(5, n))) { revert(0, 0) }
                returndatacopy(values, 64, shl(5, n))
            }
            let output := add(values, shl(5, n))
            cursor := add(add(output, 32), shl(5, n))
            mstore(cursor, rows)
            mstore(add(cursor, 32), row)
            mstore(add(cursor, 64), values)
            mstore(add(cursor, 96), add(output, 32))
            mstore(add(cursor, 128), output)
            mstore(0x40, add(cursor, 160))
        }
    }

    /// @dev liquidatableVaults' second pass over the rows of one class, from `row` until the class changes; appends
    /// each liquidatable vault's id at `out`. The test is isLiquidatable's, exactly:
    /// - unhealthy: Health.compute(value, ltv, debt) < WAD, i.e. ⌊⌊value·ltv/WAD⌋·WAD/debt⌋ < WAD, holds exactly when
    ///   ⌊value·ltv/WAD⌋ < debt;
    /// - missed: Amortization.isMissed written out on the vault's fields.
    /// Products cannot overflow: value < 2^102 (uint48 cents), ltv < 2^64, term and period < 2^32, principal and peak
    /// < 2^128. Debt = ⌈normDebt·rate/RAY⌉ is checked once the rate passes 2^128, and a division by zero panics, as
    /// MathLib's and Solidity's checked arithmetic do in isLiquidatable.
    function _liquidatableRun(uint256 cursor) internal view returns (bool more) {
        uint256 classId;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let row := mload(cursor)
            more := lt(row, mload(add(cursor, 32)))
            classId := and(shr(160, mload(add(row, 32))), 0xffff)
        }
        if (!more) return false;
        ClassSlot storage c = _classes[uint16(classId)];
        uint256 rate = _projectedRate(c);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Panics as checked arithmetic would: 0x11 overflow (of normDebt·rate + RAY − 1), 0x12 division by zero.
            function panic(code) { mstore(0, shl(224, 0x4e487b71)) mstore(4, code) revert(0, 36) }
            function overflowCheck(p, x, y) { if or(iszero(eq(div(p, x), y)), gt(p, not(sub(RAY, 1)))) { panic(0x11) } }
            let row := mload(cursor)
            let value := mload(add(cursor, 64))
            let out := mload(add(cursor, 96))
            // stabilityFee (96 bits) | liquidationLtv (64) | term (32) | period (32) | grace (32)
            let terms := sload(add(c.slot, 2))
            let ltv := and(shr(96, terms), 0xffffffffffffffff)
            let term := and(shr(160, terms), 0xffffffff)
            let period := and(shr(192, terms), 0xffffffff)
            let grace := shr(224, terms)
            let big := gt(rate, 0xffffffffffffffffffffffffffffffff) // then each product is checked for overflow
            mstore(32, _vaults.slot)
            for { let last := mload(add(cursor, 32)) } lt(row, last) { row := add(row, 96) value := add(value, 32) } {
                let a := mload(add(row, 32))
                if iszero(eq(and(shr(160, a), 0xffff), classId)) { break }
                let b := mload(add(row, 64))
                let x := mul(and(b, 0xffffffffffffffffffffffffffffffff), rate) // normDebt · rate
                if big { overflowCheck(x, and(b, 0xffffffffffffffffffffffffffffffff), rate) }
                x := lt(div(mul(mload(value), ltv), WAD), div(add(x, sub(RAY, 1)), RAY))
                b := shr(128, b) // principal
                if and(iszero(x), gt(b, 0)) {
                    mstore(0, mload(row))
                    let peak := and(sload(add(keccak256(0, 64), 2)), 0xffffffffffffffffffffffffffffffff)
                    let span := mul(period, peak)
                    if iszero(span) { panic(0x12) }
                    // k = ⌊term · headroom / (period · peak)⌋ + 1; due at uint40(start + k · period)
                    let k := add(div(mul(term, mul(sub(peak, b), gt(peak, b))), span), 1)
                    let dueAt := and(add(and(shr(208, a), 0xffffffffff), mul(k, period)), 0xffffffffff)
                    x := gt(timestamp(), add(dueAt, grace))
                }
                if x { mstore(out, mload(row)) out := add(out, 32) }
            }
            mstore(cursor, row) mstore(add(cursor, 64), value) mstore(add(cursor, 96), out)
        }
    }

    function _projectedRate(ClassSlot storage c) internal view returns (uint256) {
        uint256 rate = c.rate;
        uint256 elapsed = block.timestamp - c.lastAccrual;
        if (elapsed == 0 || rate == 0) return rate;
        return rate.rMulDown(MathLib.rPow(c.stabilityFee, elapsed));
    }

    function _debt(VaultSlot storage v) internal view returns (uint256) {
        uint256 normDebt = v.normDebt;
        if (normDebt == 0) return 0;
        return normDebt.rMulUp(_projectedRate(_classes[v.classId]));
    }

    function _schedule(VaultSlot storage v, ClassSlot storage c) internal view returns (Amortization.Schedule memory) {
        return Amortization.Schedule({
            start: v.scheduleStart,
            peak: v.peakPrincipal,
            term: c.term,
            period: c.period,
            grace: c.grace
        });
    }

    function _requireOnSchedule(uint256 vaultId, Amortization.Schedule memory s, uint256 principal) internal view {
        if (Amortization.isMissed(s, principal, block.timestamp)) {
            (uint40 dueAt,) = Amortization.nextDue(s, principal);
            revert PaymentMissed(vaultId, dueAt, principal, Amortization.allowedAt(s, dueAt));
        }
    }

    function _checkBound(bytes32 parameter, uint256 value, uint256 min, uint256 max) internal pure {
        if (value < min || value > max) revert ParameterOutOfBounds(parameter, value, min, max);
    }
}
