// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Bounds
/// @notice Hard limits on every governable parameter. No role can set a value outside them; changing one needs a new
/// contract. Each carries the reason for its value.
library Bounds {
    // ---- CreditEngine ----

    /// @dev (1.5)^(1/31_536_000) in RAY: 50 % a year. GPU loans price at 10–15 %; anything above 50 % is a
    /// misconfiguration, not a risk decision.
    uint256 internal constant MAX_STABILITY_FEE = 1_000_000_012_857_214_317_438_491_659;
    /// @dev A GPU fleet loses 20–35 % of resale value a year and sells in days, not blocks; above 90 % a single
    /// price step leaves no room for an auction.
    uint256 internal constant MAX_LTV = 0.9e18;
    /// @dev Liquidation must trigger before debt exceeds value; 95 % keeps a 5 % cushion for the auction's decay.
    uint256 internal constant MAX_LIQUIDATION_LTV = 0.95e18;
    /// @dev Shorter than a month is not a term loan; longer than 10 years outlives the hardware.
    uint32 internal constant MIN_TERM = 30 days;
    uint32 internal constant MAX_TERM = 3650 days;
    /// @dev Daily to yearly instalments cover every repayment schedule used for equipment finance.
    uint32 internal constant MIN_PERIOD = 1 days;
    uint32 internal constant MAX_PERIOD = 365 days;
    /// @dev A month of grace is the longest cure period in equipment-finance agreements; beyond it a missed payment
    /// would never be enforced.
    uint32 internal constant MAX_GRACE = 30 days;

    // ---- FleetOracle ----

    /// @dev GPU rental indices move daily; a valuation older than a week says nothing about today's collateral, and
    /// one younger than 10 minutes cannot be produced by a benchmarking round.
    uint32 internal constant MIN_ORACLE_MAX_AGE = 10 minutes;
    uint32 internal constant MAX_ORACLE_MAX_AGE = 7 days;
    /// @dev The delay is the window in which the guardian can stop a manipulated increase before it is borrowed
    /// against: at least 10 minutes, at most a week so honest increases still arrive.
    uint32 internal constant MIN_INCREASE_DELAY = 10 minutes;
    uint32 internal constant MAX_INCREASE_DELAY = 7 days;
    /// @dev Real fleets do not gain half their value in a day; 1 % is the smallest step that still tracks honest
    /// rental-index moves.
    uint64 internal constant MIN_MAX_INCREASE_PER_DAY = 0.01e18;
    uint64 internal constant MAX_MAX_INCREASE_PER_DAY = 0.5e18;

    // ---- PegStabilityModule ----

    /// @dev Sky's PSM has charged 0–1 %; a higher fee would break the peg it exists to hold.
    uint256 internal constant MAX_PSM_FEE = 0.01e18;

    // ---- Reserve and SavingsVault ----

    /// @dev Savers must receive at least half of the interest, or the savings rate stops tracking loan income.
    uint256 internal constant MAX_RESERVE_FACTOR = 0.5e18;
    /// @dev Under an hour a depositor can still time an interest payment; over 30 days yield lags income by a month.
    uint32 internal constant MIN_SMEAR_WINDOW = 1 hours;
    uint32 internal constant MAX_SMEAR_WINDOW = 30 days;

    /// @dev Savers may be asked to wait before withdrawing what they just deposited (0 = off), so a deposit made while
    /// an auction's loss is marked cannot leave with the recovery at once. A week is the longest an ERC-4626 saver
    /// can be expected to wait; longer would make sGPUSD a term deposit.
    uint32 internal constant MAX_WITHDRAWAL_COOLDOWN = 7 days;

    // ---- LiquidationAuction ----

    /// @dev The auction starts at the oracle value times a buffer: at least the value itself (a start below it sells
    /// the fleet cheap to the first block), at most twice it (above that the first hours are wasted).
    uint256 internal constant MIN_AUCTION_BUFFER = 1e18;
    uint256 internal constant MAX_AUCTION_BUFFER = 2e18;
    /// @dev The price decays to `top × floorRatio` and stays there. Below 10 % a forced sale gives the hardware away;
    /// above 90 % a slump in GPU prices would leave the fleet unsold.
    uint256 internal constant MIN_FLOOR_RATIO = 0.1e18;
    uint256 internal constant MAX_FLOOR_RATIO = 0.9e18;
    /// @dev A reset when the price falls under `cusp × top`: strictly below the start, or every auction would reset
    /// at once. Only a cusp above the floor ratio ever triggers (the price never goes under the floor).
    uint256 internal constant MAX_CUSP = 0.95e18;
    /// @dev Real hardware needs real buyers: at least a day of decay for them to inspect and bid, at most a month
    /// before a stale start price must be refreshed.
    uint32 internal constant MIN_AUCTION_DURATION = 1 days;
    uint32 internal constant MAX_AUCTION_DURATION = 30 days;
    /// @dev An auction may run past its decay for at most 60 days before a reset re-prices it from the oracle.
    uint32 internal constant MAX_AUCTION_TAIL = 60 days;
    /// @dev Equipment-finance repossession fees run 5–10 %; 15 % is punitive.
    uint256 internal constant MAX_LIQUIDATION_PENALTY = 0.15e18;
    /// @dev Keeper tips pay for gas and monitoring, not for the loan: $1,000 flat, 1 % of debt and $10,000 in all
    /// bound what a keeper can extract from a liquidation (the tip is added to the loss savers may bear).
    uint256 internal constant MAX_FLAT_TIP = 1_000e18;
    uint256 internal constant MAX_TIP_CHIP = 0.01e18;
    uint256 internal constant MAX_KEEPER_TIP = 10_000e18;
}
