// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {LiquidatorGated} from "./governance/LiquidatorGated.sol";
import {ISavingsVault} from "./interfaces/ISavingsVault.sol";
import {Bounds} from "./libraries/Bounds.sol";
import {MathLib, WAD} from "./libraries/MathLib.sol";

/// @title SavingsVault
/// @dev Modelled on Euler's EulerSavingsRate: internal `totalAssets`, interest smeared over a window. Unlike it, the
/// release is a pure function of the current smear, so ordinary deposits and withdrawals never write the smear slot.
contract SavingsVault is ISavingsVault, ERC4626, LiquidatorGated {
    using MathLib for uint256;
    using SafeCast for uint256;

    // Virtual shares: while the vault is empty one wei of GPUSD mints 1e6 sGPUSD units. Donations cannot move the
    // price (internal accounting), so the only lever an attacker has is interest routed through the Reserve, smeared
    // over at least an hour. A depositor loses at most one share's worth to rounding (a deposit that would mint no
    // share reverts), and making one share worth `v` takes about 2e6 × v of interest, half of which the virtual
    // shares keep for good: griefing a saver out of `v` costs the attacker a million times as much. 24 decimals keep
    // share amounts far below 2^256 for any realistic supply.
    uint8 internal constant DECIMALS_OFFSET = 6;

    // The interest being released: `amount` goes out linearly over [start, end). addInterest, the last withdrawals
    // and a deposit into an empty vault write it; ordinary deposits and withdrawals only read it.
    struct Smear {
        uint176 amount; // [wad] interest left at `start`
        uint40 start; // [s]
        uint40 end; // [s]
    }

    /// @inheritdoc ISavingsVault
    uint32 public smearWindow; // [s]; shares the AccessManaged slot, which addInterest reads anyway
    /// @inheritdoc ISavingsVault
    uint32 public withdrawalCooldown; // [s]; same slot, 0 = off
    Smear internal _smear;
    // [wad] deposits − withdrawals − absorbed losses + interest released before `_smear.start`. totalAssets adds what
    // the current smear has released since then and subtracts marked impairments. Both share one slot, read once.
    uint128 internal _assets;
    uint128 internal _impaired; // [wad] expected auction losses marked now

    struct Lock {
        uint128 shares; // shares deposited within the cooldown
        uint40 until; // [s] when they unlock
    }

    mapping(address owner => Lock) internal _locks;

    constructor(address authority, IERC20 gpusd, uint32 smearWindow_)
        ERC20("Savings GPU Credit Dollar", "sGPUSD")
        ERC4626(gpusd)
        AccessManaged(authority)
    {
        _setSmearWindow(smearWindow_);
    }

    /// @inheritdoc ISavingsVault
    function addInterest(uint256 amount) external restricted {
        if (amount == 0) revert ZeroAmount();
        Smear memory smear = _smear;
        uint256 released = _released(smear);
        _assets = (_assets + released).toUint128();
        // What is still unreleased restarts with the new interest, so nobody can time a deposit to a payment.
        uint256 left = smear.amount - released + amount;
        uint40 end = uint40(block.timestamp + smearWindow);
        _smear = Smear({amount: left.toUint176(), start: uint40(block.timestamp), end: end});
        emit InterestAdded(amount, left, end, totalAssets());

        // The pull comes last: the accounting above already holds whatever the token does on transfer.
        SafeERC20.safeTransferFrom(IERC20(asset()), msg.sender, address(this), amount);
    }

    /// @inheritdoc ISavingsVault
    function setSmearWindow(uint32 window) external restricted {
        _setSmearWindow(window);
    }

    /// @inheritdoc ISavingsVault
    function setWithdrawalCooldown(uint32 cooldown) external restricted {
        if (cooldown > Bounds.MAX_WITHDRAWAL_COOLDOWN) {
            revert ParameterOutOfBounds("withdrawalCooldown", cooldown, 0, Bounds.MAX_WITHDRAWAL_COOLDOWN);
        }
        withdrawalCooldown = cooldown;
        emit WithdrawalCooldownSet(cooldown);
    }

    /// @inheritdoc ISavingsVault
    function impair(uint256 amount) external onlyLiquidator {
        uint256 impaired = _impaired + amount;
        _impaired = impaired.toUint128();
        emit Impaired(amount, impaired);
    }

    /// @inheritdoc ISavingsVault
    function releaseImpairment(uint256 amount) external onlyLiquidator {
        uint256 impaired = _impaired;
        if (amount > impaired) revert ReleaseExceedsImpairment(amount, impaired);
        impaired -= amount;
        _impaired = uint128(impaired);
        emit ImpairmentReleased(amount, impaired);
    }

    /// @inheritdoc ISavingsVault
    function absorbLoss(uint256 amount) external onlyLiquidator returns (uint256 absorbed) {
        uint256 base = _assets;
        if (amount > base) base += _foldReleased();
        absorbed = MathLib.min(amount, base);
        _assets = uint128(base - absorbed);
        emit LossAbsorbed(amount, absorbed, totalAssets());
        // After the books: the vault's balance falls with its assets.
        if (absorbed != 0) SafeERC20.safeTransfer(IERC20(asset()), msg.sender, absorbed);
    }

    /// @inheritdoc ISavingsVault
    function totalImpaired() external view returns (uint256) {
        return _impaired;
    }

    /// @inheritdoc ISavingsVault
    function lockedShares(address owner) external view returns (uint256 shares, uint40 unlocksAt) {
        Lock memory lock = _locks[owner];
        if (lock.until <= block.timestamp) return (0, 0);
        return (lock.shares, lock.until);
    }

    /// @inheritdoc IERC4626
    function totalAssets() public view override(ERC4626, IERC4626) returns (uint256) {
        // With no shares outstanding nothing here belongs to anyone yet; the first deposit re-smears it (_deposit).
        if (totalSupply() == 0) return 0;
        // Marked losses come off at once: the share price falls when an auction starts, not when it settles.
        return (uint256(_assets) + _released(_smear)).zeroFloorSub(_impaired);
    }

    /// @inheritdoc ISavingsVault
    function interestLeft() external view returns (uint256) {
        Smear memory smear = _smear;
        return smear.amount - _released(smear);
    }

    /// @inheritdoc ISavingsVault
    function smearEnd() external view returns (uint40) {
        return _smear.end;
    }

    /// @inheritdoc ISavingsVault
    function currentApr() external view returns (uint256) {
        Smear memory smear = _smear;
        uint256 assets = totalAssets();
        if (block.timestamp >= smear.end || assets == 0) return 0;
        // The release rate is constant over the smear: amount ÷ (end − start) per second.
        return uint256(smear.amount).mulDivDown(365 days * WAD, uint256(smear.end - smear.start) * assets);
    }

    // Bookkeeping precedes OpenZeppelin's transfer and mint, so the state is complete before any external call.
    // Operations that would move nothing are refused: a deposit too small to mint a share would be a gift to the vault.
    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        if (assets == 0 || shares == 0) revert ZeroAmount();
        if (totalSupply() == 0) _resmearOrphans();
        else if (_impaired != 0 && totalAssets() == 0) revert DepositsSuspended(_impaired);
        _assets = (_assets + assets).toUint128();
        uint32 cooldown = withdrawalCooldown;
        if (cooldown != 0) {
            Lock memory lock = _locks[receiver];
            uint256 locked = lock.until > block.timestamp ? lock.shares + shares : shares;
            _locks[receiver] = Lock({shares: locked.toUint128(), until: uint40(block.timestamp + cooldown)});
        }
        super._deposit(caller, receiver, assets, shares);
    }

    // Every way shares leave an account (withdraw, redeem, transfer) passes here; locked shares may not. The lock is
    // read even while the cooldown is off, because switching it off must not release locks already running.
    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0)) {
            Lock memory lock = _locks[from];
            if (lock.until > block.timestamp && balanceOf(from) < lock.shares + value) {
                revert WithdrawalCooldown(from, lock.shares, lock.until, uint40(block.timestamp));
            }
        }
        super._update(from, to, value);
    }

    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
    {
        if (assets == 0 || shares == 0) revert ZeroAmount();
        uint256 base = _assets;
        // Only the last withdrawals can reach into interest released since the smear started; fold it in then.
        if (assets > base) base += _foldReleased();
        _assets = uint128(base - assets);
        super._withdraw(caller, receiver, owner, assets, shares);
    }

    function _decimalsOffset() internal pure override returns (uint8) {
        return DECIMALS_OFFSET;
    }

    // What the books hold while no shares exist (interest released after the last saver left, the virtual shares'
    // rounding) belongs to no one. Pricing the first new shares against it would hand most of the first deposit to
    // the virtual shares; instead it restarts as interest, smeared to whoever holds shares from now on.
    function _resmearOrphans() internal {
        uint256 orphaned = uint256(_assets) + _smear.amount;
        if (orphaned == 0) return;
        _assets = 0;
        uint40 end = uint40(block.timestamp + smearWindow);
        _smear = Smear({amount: orphaned.toUint176(), start: uint40(block.timestamp), end: end});
        emit InterestAdded(0, orphaned, end, 0);
    }

    // Moves what the smear has released into `_assets` and restarts the smear at now with the remainder, on the
    // same line to the same end. Leaves totalAssets unchanged. Returns the amount moved.
    function _foldReleased() internal returns (uint256 released) {
        Smear memory smear = _smear;
        released = _released(smear);
        _smear = Smear({amount: uint176(smear.amount - released), start: uint40(block.timestamp), end: smear.end});
    }

    // Rounds down, so the vault never counts interest it has not fully received the time for.
    function _released(Smear memory smear) internal view returns (uint256) {
        if (block.timestamp >= smear.end) return smear.amount;
        return uint256(smear.amount).mulDivDown(block.timestamp - smear.start, smear.end - smear.start);
    }

    function _setSmearWindow(uint32 window) internal {
        if (window < Bounds.MIN_SMEAR_WINDOW || window > Bounds.MAX_SMEAR_WINDOW) {
            revert ParameterOutOfBounds("smearWindow", window, Bounds.MIN_SMEAR_WINDOW, Bounds.MAX_SMEAR_WINDOW);
        }
        smearWindow = window;
        emit SmearWindowSet(window);
    }
}
