// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ILiquidatorGated} from "./ILiquidatorGated.sol";

/// @title ISavingsVault
/// @notice sGPUSD: an ERC-4626 vault on GPUSD that earns the interest operators pay. Interest arrives from the
/// Reserve and is released linearly over a smear window, so nobody can deposit just before a payment and take it.
/// @dev `totalAssets` is internal accounting (deposits, withdrawals and released interest), never `balanceOf`, so a
/// donation cannot move the share price. Virtual shares (a decimals offset) defeat the first-depositor inflation
/// attack. Conversions round in the vault's favour, as ERC-4626 requires. Deposits, mints, withdrawals and redemptions
/// that would move zero assets or zero shares revert with ZeroAmount. Withdrawals are never blocked.
/// @dev While no shares exist, `totalAssets` is zero: whatever the books still hold (interest released after the last
/// saver left) belongs to no one, and the next deposit restarts it as interest smeared over a new window.
interface ISavingsVault is ILiquidatorGated, IERC4626 {
    /// @param amount [wad] new interest pulled from the caller; 0 when a deposit into an empty vault restarts orphaned
    /// assets as interest
    /// @param interestLeft [wad] unreleased interest, new included, released linearly until `smearEnd`
    event InterestAdded(uint256 amount, uint256 interestLeft, uint40 smearEnd, uint256 totalAssets);
    event SmearWindowSet(uint32 window);
    event WithdrawalCooldownSet(uint32 cooldown);
    /// @param amount [wad] expected auction loss marked now; `totalAssets` excludes `totalImpaired`
    /// @dev Marks and releases carry no totalAssets: they move it by exactly `amount` (down, then back up), and
    /// reading the supply and the smear for it cost every kick and take two cold loads.
    event Impaired(uint256 amount, uint256 totalImpaired);
    event ImpairmentReleased(uint256 amount, uint256 totalImpaired);
    /// @param absorbed [wad] taken from savers' assets and sent to the auction, which burns it
    event LossAbsorbed(uint256 loss, uint256 absorbed, uint256 totalAssets);

    error ZeroAmount();
    error ParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 min, uint256 max);
    error ReleaseExceedsImpairment(uint256 amount, uint256 totalImpaired);
    /// @notice Marked losses exceed every asset: shares would be priced at zero and a deposit would take the recovery
    /// of the running auctions from the savers who bore the mark. Deposits resume once a settlement lowers the mark.
    error DepositsSuspended(uint256 totalImpaired);
    /// @param lockedShares shares deposited less than `cooldown` ago, which must stay until `unlocksAt`
    error WithdrawalCooldown(address owner, uint256 lockedShares, uint40 unlocksAt, uint40 now);

    /// @notice Pulls `amount` GPUSD from the caller and releases it to savers linearly over the smear window, along
    /// with whatever interest is still unreleased. Restricted to the Reserve.
    function addInterest(uint256 amount) external;

    /// @notice Applies from the next interest payment; the current smear keeps its end.
    function setSmearWindow(uint32 window) external; // risk curator

    /// @notice Sets how long newly deposited shares stay locked (0 = off). Restricted to the risk curator.
    /// @dev Shares minted by a deposit or mint are locked in the receiver's account until `cooldown` after it; a
    /// withdrawal, redemption or transfer may only move the owner's other shares. Each new deposit adds its shares to
    /// the lock and restarts it. Locking the deposited shares (not the whole account) means a deposit made for
    /// someone else can never freeze their existing savings. Changing the cooldown does not touch running locks.
    /// @dev Warning: `maxWithdraw` and `maxRedeem` do not subtract locked shares, so that a refused withdrawal names
    /// its unlock time (WithdrawalCooldown) instead of ERC4626ExceededMaxRedeem.
    function setWithdrawalCooldown(uint32 cooldown) external;

    /// @notice Marks an auction's expected loss: `totalAssets` drops by `amount` at once, so savers who leave while
    /// the auction runs bear their share. Liquidators only (the auction; `setLiquidator`).
    function impair(uint256 amount) external;

    /// @notice Removes `amount` of a mark when its auction settles (the realized loss replaces it) or is reset.
    /// Liquidators only.
    function releaseImpairment(uint256 amount) external;

    /// @notice Takes up to `amount` of a realized auction loss from savers' assets (share price falls) and sends it to
    /// the caller, which burns it. Liquidators only.
    /// @return absorbed what savers' assets could pay; the auction books the rest as uncovered bad debt.
    function absorbLoss(uint256 amount) external returns (uint256 absorbed);

    function withdrawalCooldown() external view returns (uint32);
    /// @notice Expected auction losses marked against `totalAssets` [wad].
    function totalImpaired() external view returns (uint256);
    /// @notice Shares of `owner` still locked by the cooldown, and when they unlock.
    function lockedShares(address owner) external view returns (uint256 shares, uint40 unlocksAt);

    /// @notice Interest received and not yet released into `totalAssets`.
    function interestLeft() external view returns (uint256);
    function smearEnd() external view returns (uint40);
    function smearWindow() external view returns (uint32);

    /// @notice Annualized current release rate ÷ totalAssets [wad], a simple (not compounded) APR.
    function currentApr() external view returns (uint256);
}
