// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ILiquidatorGated} from "./ILiquidatorGated.sol";

/// @title ICreditEngine
/// @notice Vaults that each hold one fleet NFT and carry GPUSD debt. Collateral classes (GPU model groups) each have
/// a stability fee compounded per second into a RAY accumulator, loan-to-value limits, a debt ceiling, a dust floor
/// and an amortization schedule.
/// @dev Units: GPUSD and USD values are [wad]; rates and accumulators are [ray]; times are [unix s].
/// Debt of a vault = normDebt × rate, rounded up. Interest accrued on a class (rounded down) is owed to the Reserve
/// and minted to it by `accrue`, which keepers call; borrow and repay only record it, which keeps them cheap. So
///   GPUSD minted by the engine = Σ debt − Σ unminted interest − rounding, and never exceeds total vault debt.
///
/// Amortization: a loan's principal must stay under a straight line from its peak principal to zero over `term`,
/// checked at each due date `scheduleStart + k·period` (k ≥ 1):
///   allowed(k) = peak × (term − k·period) / term   (0 once k·period ≥ term)
/// A vault misses its schedule when, for the earliest k with principal > allowed(k), `now` is past that due date plus
/// `grace`. A missed schedule makes the vault liquidatable whatever its health. A borrow on a running schedule raises
/// the peak so that the allowance at the current period rises by exactly the amount borrowed (rounded up, so a borrow
/// never by itself puts a vault behind). Repayments pay accrued interest first, then principal.
///
/// Liquidation: the auction (a liquidator) `seize`s a liquidatable vault: its debt leaves the books and becomes the
/// auction's to recover, while its fleet NFT stays here, the vault flagged `inAuction`, until the auction sells it and
/// asks the engine to `deliver` it to the buyer. Meanwhile the owner can neither borrow against that fleet, take it
/// back nor close the vault. Keeping the NFT here spares every kick a transfer into the auction.
interface ICreditEngine is ILiquidatorGated {
    struct ClassParams {
        uint256 stabilityFee; // [ray] per-second compounding factor, RAY = 0 %
        uint256 maxLtv; // [wad] debt ÷ borrowable value allowed when borrowing or removing collateral
        uint256 liquidationLtv; // [wad] debt ÷ value above which a vault is unhealthy; > maxLtv
        uint256 debtCeiling; // [wad] cap on the class's total debt
        uint256 dust; // [wad] smallest non-zero debt a vault may carry
        uint32 term; // [s] amortization term
        uint32 period; // [s] time between due dates
        uint32 grace; // [s] time after a due date before the vault counts as missed
    }

    struct ClassState {
        uint256 rate; // [ray] accumulator, starts at RAY, never decreases
        uint256 normDebt; // [wad/ray] sum of the class's vaults' normalized debt
        uint40 lastAccrual; // [unix s]
        uint256 unmintedInterest; // [wad] accrued, owed to the Reserve, not yet minted
    }

    struct Vault {
        address owner;
        uint16 classId; // class of the fleet it holds (0 while it holds none)
        uint40 fleetId; // 0 while it holds none; a fleet under auction is still held, until it is delivered
        uint40 scheduleStart; // [unix s] start of the amortization line
        bool inAuction; // seized and not yet sold: no debt, and the fleet cannot be borrowed against or taken back
        uint256 normDebt; // [wad/ray]
        uint256 principal; // [wad] borrowed and not yet repaid, interest excluded
        uint256 peakPrincipal; // [wad] start of the amortization line
    }

    event ClassSet(
        uint16 indexed classId,
        uint256 stabilityFee,
        uint256 maxLtv,
        uint256 liquidationLtv,
        uint256 debtCeiling,
        uint256 dust,
        uint32 term,
        uint32 period,
        uint32 grace
    );
    event GlobalDebtCeilingSet(uint256 ceiling);
    event DefaultOperatorCeilingSet(uint256 ceiling);
    event OperatorCeilingSet(address indexed operator, uint256 ceiling);
    /// @param interest GPUSD owed to the Reserve for the period (minted by `accrue`, see InterestMinted).
    event Accrued(uint16 indexed classId, uint256 rate, uint256 interest, uint256 classNormDebt, uint40 timestamp);
    event InterestMinted(uint16 indexed classId, address indexed reserve, uint256 amount);
    event Paused(address account);
    event Unpaused(address account);
    event VaultOpened(uint256 indexed vaultId, address indexed owner, uint256 indexed fleetId, uint16 classId);
    event CollateralAdded(uint256 indexed vaultId, uint256 indexed fleetId, uint16 classId);
    event CollateralRemoved(uint256 indexed vaultId, uint256 indexed fleetId, address to);
    event Borrowed(
        uint256 indexed vaultId,
        address indexed to,
        uint256 amount,
        uint256 normDebt,
        uint256 principal,
        uint256 peakPrincipal,
        uint40 scheduleStart,
        uint256 rate
    );
    event Repaid(
        uint256 indexed vaultId,
        address indexed payer,
        uint256 amount,
        uint256 interestPaid,
        uint256 principalPaid,
        uint256 normDebt,
        uint256 principal,
        uint256 rate
    );
    event VaultClosed(uint256 indexed vaultId, address indexed owner);
    /// @param debt [wad] debt with interest to now, rounded up, handed to the auction as the debt to recover
    /// @param principal [wad] principal removed from the global and operator totals
    event Seized(
        uint256 indexed vaultId,
        uint256 indexed fleetId,
        address indexed owner,
        uint256 debt,
        uint256 principal,
        bool unhealthy,
        bool missedPayment
    );

    error EnforcedPause();
    error ExpectedPause();
    error ZeroAmount();
    error ZeroAddress();
    error UnknownVault(uint256 vaultId);
    error UnknownClass(uint16 classId);
    error NotVaultOwner(uint256 vaultId, address caller, address owner);
    error VaultHasCollateral(uint256 vaultId, uint256 fleetId);
    error VaultHasNoCollateral(uint256 vaultId);
    error VaultHasDebt(uint256 vaultId, uint256 debt);
    error NoDebt(uint256 vaultId);
    error ExceedsMaxLtv(uint256 vaultId, uint256 debt, uint256 maxDebt);
    error ClassCeilingExceeded(uint16 classId, uint256 classDebt, uint256 ceiling);
    error GlobalCeilingExceeded(uint256 totalPrincipal, uint256 ceiling);
    error OperatorCeilingExceeded(address operator, uint256 operatorPrincipal, uint256 ceiling);
    error DebtBelowDust(uint256 vaultId, uint256 debt, uint256 dust);
    error PaymentMissed(uint256 vaultId, uint40 dueAt, uint256 principal, uint256 allowedPrincipal);
    error LoanMatured(uint256 vaultId, uint40 maturity);
    error ParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 min, uint256 max);
    error NotLiquidatable(uint256 vaultId);
    /// @notice The vault's fleet is being auctioned: it stays locked until the auction delivers it to its buyer.
    error VaultInAuction(uint256 vaultId);
    /// @notice `deliver` on a vault that was not seized, or whose fleet was already delivered.
    error NotInAuction(uint256 vaultId);

    /// @notice Adds a class or changes its parameters, within the hard-coded bounds. Accrues the class first so the
    /// old fee applies up to now. Restricted to the risk curator.
    function setClass(uint16 classId, ClassParams calldata params) external;

    /// @notice Ceiling on the sum of all vaults' principal. Restricted to the risk curator.
    function setGlobalDebtCeiling(uint256 ceiling) external;

    /// @notice Ceiling on one operator's principal across their vaults, for operators without their own. Restricted
    /// to the risk curator.
    function setDefaultOperatorCeiling(uint256 ceiling) external;

    /// @notice Sets an operator's own principal ceiling; 0 restores the default. Restricted to the risk curator.
    function setOperatorCeiling(address operator, uint256 ceiling) external;

    function pause() external; // guardian
    function unpause() external; // guardian

    /// @notice Locks a fleet NFT (approved to the engine) in a new vault owned by the caller.
    function open(uint256 fleetId) external returns (uint256 vaultId);

    /// @notice Mints `amount` GPUSD to `to` as new debt of the caller's vault. Needs a fresh, unstopped oracle, a
    /// vault on schedule and not in auction, and every ceiling, LTV and dust check to hold. Blocked while paused.
    function borrow(uint256 vaultId, uint256 amount, address to) external;

    /// @notice Burns GPUSD from the caller to pay down any vault's debt. `type(uint256).max` repays it all.
    /// Never blocked: not by a pause, a stale oracle or a stopped oracle.
    /// @return paid The GPUSD burnt.
    function repay(uint256 vaultId, uint256 amount) external returns (uint256 paid);

    /// @notice Locks a fleet NFT in the caller's empty vault.
    function addCollateral(uint256 vaultId, uint256 fleetId) external;

    /// @notice Returns the fleet NFT of a debt-free vault to `to`; not while it is being auctioned.
    function removeCollateral(uint256 vaultId, address to) external;

    /// @notice Deletes a debt-free vault, returning its fleet NFT (if any) to `to`; not while it is being auctioned.
    function close(uint256 vaultId, address to) external;

    /// @notice Takes a liquidatable vault's debt off the books for the caller (the liquidation auction), which must
    /// recover `debt`, and holds its fleet NFT for the auction's buyer: the vault keeps the fleet, flagged `inAuction`,
    /// until `deliver`. Liquidators only (`setLiquidator`). Reverts NotLiquidatable unless `isLiquidatable`.
    /// @dev The vault's normalized debt leaves its class, its principal leaves the global and operator totals. Interest
    /// accrued up to now stays owed to the Reserve (it is part of `debt`, which the auction recovers or books as loss).
    /// @return debt [wad] debt with interest to now, rounded up
    /// @return value [wad] the fleet's liquidation value the check used (the oracle's last good value), so that the
    /// auction prices the fleet without reading the oracle again
    function seize(uint256 vaultId) external returns (uint256 debt, uint256 value, uint256 fleetId, address owner);

    /// @notice Sends a seized vault's fleet NFT to `to` (the auction's buyer) and leaves the vault open and empty: its
    /// owner may lock a new fleet in it. Liquidators only. Reverts NotInAuction unless the vault is `inAuction`.
    /// @dev Emits no event of its own: the auction's `Taken` in the same transaction records the sale, and the
    /// registry's `Transfer` the NFT's move.
    /// @return fleetId the fleet delivered
    /// @return owner the vault's owner, who receives the auction's surplus
    function deliver(uint256 vaultId, address to) external returns (uint256 fleetId, address owner);

    /// @notice Compounds a class's accumulator up to now and mints all interest owed to the Reserve. Permissionless.
    function accrue(uint16 classId) external;

    function paused() external view returns (bool);

    function classParams(uint16 classId) external view returns (ClassParams memory);

    /// @notice The class state with the accumulator projected to now.
    function classState(uint16 classId) external view returns (ClassState memory);

    function vault(uint256 vaultId) external view returns (Vault memory);

    /// @notice A vault's fleet (0 while it holds none) and owner, from one storage read: what the auction needs to
    /// restart the auction of a seized vault, whose fleet the engine still holds.
    function fleetOf(uint256 vaultId) external view returns (uint256 fleetId, address owner);

    /// @notice Current debt with interest to now, rounded up.
    function debtOf(uint256 vaultId) external view returns (uint256);

    /// @notice value × liquidationLtv ÷ debt [wad]; type(uint256).max without debt. Uses the oracle's last good
    /// value, so it keeps answering while the oracle is stale or stopped.
    function healthOf(uint256 vaultId) external view returns (uint256);

    /// @return liquidatable unhealthy || missedPayment
    /// @return unhealthy health below 1
    /// @return missedPayment a due date passed its grace with principal above the schedule
    function isLiquidatable(uint256 vaultId)
        external
        view
        returns (bool liquidatable, bool unhealthy, bool missedPayment);

    /// @notice Ids of the vaults in `[fromId, fromId + count)` that can be liquidated now, for either cause: the same
    /// answer as `isLiquidatable`, a page at a time, compounding each class's rate once per page.
    /// @dev A view for keepers: its loop runs in eth_call and costs no one gas on-chain. Nothing that changes state
    /// loops over vaults. A local node's eth_call costs time per EVM step, so the page reads every fleet value in one
    /// `FleetOracle.liquidationValues` call and skips vaults without debt before reading anything else.
    function liquidatableVaults(uint256 fromId, uint256 count) external view returns (uint256[] memory vaultIds);

    /// @notice Largest additional borrow that would pass the LTV check now (ceilings not included); 0 in auction.
    function maxBorrow(uint256 vaultId) external view returns (uint256);

    /// @notice The earliest due date whose payment is still owed.
    /// @return dueAt 0 without principal
    /// @return principalDue principal to repay by `dueAt` (accrued interest comes first, see `debtOf`)
    /// @return graceEndsAt after this the vault is liquidatable for a missed payment
    function nextDue(uint256 vaultId) external view returns (uint40 dueAt, uint256 principalDue, uint40 graceEndsAt);

    function globalDebtCeiling() external view returns (uint256);
    function defaultOperatorCeiling() external view returns (uint256);
    function totalPrincipal() external view returns (uint256);
    function operatorPrincipal(address operator) external view returns (uint256);
    function operatorCeiling(address operator) external view returns (uint256);
    function lastVaultId() external view returns (uint256);
}
