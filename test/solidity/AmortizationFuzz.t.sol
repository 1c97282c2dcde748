// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./utils/Vm.sol";
import {Amortization} from "../../contracts/libraries/Amortization.sol";
import {Bounds} from "../../contracts/libraries/Bounds.sol";

contract AmortizationFuzzTest is TestBase {
    function _schedule(uint256 peak, uint256 term, uint256 period, uint256 grace)
        internal
        pure
        returns (Amortization.Schedule memory s)
    {
        s.start = 1_700_000_000;
        s.peak = bound(peak, 1, 1e30);
        s.term = bound(term, Bounds.MIN_TERM, Bounds.MAX_TERM);
        s.period = bound(period, Bounds.MIN_PERIOD, s.term < Bounds.MAX_PERIOD ? s.term : Bounds.MAX_PERIOD);
        s.grace = bound(grace, 0, Bounds.MAX_GRACE);
    }

    /// The closed form finds exactly the earliest due date whose allowance is below the principal.
    function testFuzzNextDueIsEarliestUnmetDueDate(uint256 peak, uint256 principal, uint256 term, uint256 period)
        public
        pure
    {
        Amortization.Schedule memory s = _schedule(peak, term, period, 0);
        principal = bound(principal, 1, s.peak);
        (uint40 dueAt, uint256 principalDue) = Amortization.nextDue(s, principal);
        uint256 k = (dueAt - s.start) / s.period;
        assertGe(k, 1, "due before the first period");
        assertTrue(Amortization.allowed(s, k) < principal, "due date already met");
        if (k > 1) assertGe(Amortization.allowed(s, k - 1), principal, "an earlier due date is unmet");
        assertEq(principalDue, principal - Amortization.allowed(s, k), "amount due");
    }

    /// The line never rises, reaches zero at maturity, and never exceeds the peak.
    function testFuzzAllowanceFallsToZero(uint256 peak, uint256 term, uint256 period, uint16 k) public pure {
        Amortization.Schedule memory s = _schedule(peak, term, period, 0);
        assertLe(Amortization.allowed(s, uint256(k) + 1), Amortization.allowed(s, k), "allowance rose");
        assertLe(Amortization.allowed(s, 0), s.peak, "allowance above peak");
        uint256 lastK = (s.term + s.period - 1) / s.period;
        assertEq(Amortization.allowed(s, lastK), 0, "principal allowed after maturity");
    }

    /// Raising the peak the way CreditEngine.borrow does grows the current allowance by at least the amount
    /// borrowed, so a borrow on schedule never puts the vault behind.
    function testFuzzBorrowKeepsVaultOnSchedule(
        uint256 peak,
        uint256 principal,
        uint256 amount,
        uint256 term,
        uint256 period,
        uint256 elapsed
    ) public pure {
        Amortization.Schedule memory s = _schedule(peak, term, period, 0);
        elapsed = bound(elapsed, 0, s.term - 1);
        uint256 j = elapsed / s.period;
        principal = bound(principal, 1, Amortization.allowed(s, j) == 0 ? 1 : Amortization.allowed(s, j));
        vm.assume(principal <= Amortization.allowed(s, j));
        amount = bound(amount, 1, 1e30);
        uint256 periodsTime = j * s.period;
        uint256 before = Amortization.allowed(s, j);
        s.peak += (amount * s.term + (s.term - periodsTime) - 1) / (s.term - periodsTime);
        assertGe(Amortization.allowed(s, j), before + amount, "allowance grew less than the borrow");
        assertGe(Amortization.allowed(s, j), principal + amount, "borrow put the vault behind schedule");
    }

    /// A vault counts as missed only after the grace window of an unmet due date.
    function testFuzzMissedOnlyAfterGrace(uint256 peak, uint256 principal, uint256 term, uint256 period, uint256 grace)
        public
        pure
    {
        Amortization.Schedule memory s = _schedule(peak, term, period, grace);
        principal = bound(principal, 1, s.peak);
        (uint40 dueAt,) = Amortization.nextDue(s, principal);
        assertTrue(!Amortization.isMissed(s, principal, dueAt + s.grace), "missed inside grace");
        assertTrue(Amortization.isMissed(s, principal, dueAt + s.grace + 1), "not missed after grace");
        assertTrue(!Amortization.isMissed(s, 0, type(uint40).max), "missed without principal");
    }
}
