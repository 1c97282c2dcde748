// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Amortization
/// @notice The straight-line repayment schedule of ICreditEngine, as pure functions.
/// @dev With peak P, term T, period p and start s, due date k (k ≥ 1) falls at s + k·p and allows a principal of
///   allowed(k) = ⌊P·(T − k·p) / T⌋, or 0 once k·p ≥ T.
/// Rounding down makes the line stricter, in the protocol's favour. Because principal never exceeds the peak and
/// allowed(k) falls as k grows, the earliest due date still owed has the closed form
///   k* = ⌊T·(P − B) / (p·P)⌋ + 1   for principal B > 0,
/// so every check is O(1) with no history.
library Amortization {
    struct Schedule {
        uint256 start; // [unix s]
        uint256 peak; // [wad]
        uint256 term; // [s]
        uint256 period; // [s]
        uint256 grace; // [s]
    }

    function allowed(Schedule memory s, uint256 k) internal pure returns (uint256) {
        uint256 elapsed = k * s.period;
        if (elapsed >= s.term) return 0;
        return s.peak * (s.term - elapsed) / s.term;
    }

    function allowedAt(Schedule memory s, uint256 dueAt) internal pure returns (uint256) {
        return allowed(s, (dueAt - s.start) / s.period);
    }

    /// @notice Time from the start to the beginning of the current period.
    function elapsedPeriodsTime(Schedule memory s, uint256 timestamp) internal pure returns (uint256) {
        return (timestamp - s.start) / s.period * s.period;
    }

    /// @return dueAt the earliest due date whose allowance is below `principal`; 0 without principal
    /// @return principalDue principal to repay by then
    function nextDue(Schedule memory s, uint256 principal) internal pure returns (uint40 dueAt, uint256 principalDue) {
        if (principal == 0) return (0, 0);
        uint256 headroom = s.peak > principal ? s.peak - principal : 0;
        uint256 k = s.term * headroom / (s.period * s.peak) + 1;
        dueAt = uint40(s.start + k * s.period);
        principalDue = principal - allowed(s, k);
    }

    /// @notice Whether the earliest payment still owed is past its grace window.
    function isMissed(Schedule memory s, uint256 principal, uint256 timestamp) internal pure returns (bool) {
        if (principal == 0) return false;
        (uint40 dueAt,) = nextDue(s, principal);
        return timestamp > dueAt + s.grace;
    }
}
