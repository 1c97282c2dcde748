// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./utils/Vm.sol";
import {MathLib, RAY, WAD} from "../../contracts/libraries/MathLib.sol";
import {Bounds} from "../../contracts/libraries/Bounds.sol";

contract MathLibFuzzTest is TestBase {
    using MathLib for uint256;

    uint256 internal constant YEAR = 365 days;

    /// Up and down differ by at most one unit and bracket the exact quotient.
    function testFuzzMulDivBracketsExactQuotient(uint128 x, uint128 y, uint128 d) public pure {
        vm.assume(d != 0);
        uint256 down = uint256(x).mulDivDown(y, d);
        uint256 up = uint256(x).mulDivUp(y, d);
        assertLe(down * d, uint256(x) * y, "down overshoots");
        assertGe(up * d, uint256(x) * y, "up undershoots");
        assertLe(up - down, 1, "up and down differ by more than one unit");
    }

    /// Dividing then multiplying back in the protocol's favour never hands out value: a borrower's normalized debt
    /// (rounded up) converts back to at least what was borrowed.
    function testFuzzNormalizedDebtNeverUnderstatesBorrow(uint128 amount, uint256 rate) public pure {
        rate = bound(rate, RAY, 1000 * RAY);
        uint256 norm = uint256(amount).rDivUp(rate);
        assertGe(norm.rMulUp(rate), amount, "debt below amount borrowed");
        // And a repayment credited rounding down never removes more normalized debt than it pays for.
        uint256 credited = uint256(amount).rDivDown(rate);
        assertLe(credited.rMulDown(rate), amount, "credit exceeds payment");
    }

    /// Compounding per second over a year in arbitrary steps gives the one-shot yearly factor within 1e-9.
    function testFuzzCompoundingIsPathIndependent(uint256 fee, uint256 seed) public pure {
        fee = bound(fee, RAY, Bounds.MAX_STABILITY_FEE);
        uint256 rate = RAY;
        uint256 elapsed;
        while (elapsed < YEAR) {
            seed = uint256(keccak256(abi.encode(seed)));
            uint256 step = MathLib.min(bound(seed, 1, 40 days), YEAR - elapsed);
            rate = rate.rMulDown(MathLib.rPow(fee, step));
            elapsed += step;
        }
        assertApproxEqRel(rate, MathLib.rPow(fee, YEAR), 1e9, "stepwise compounding drifts from one-shot");
    }

    /// The per-second factors the deployment derives from annual rates (scripts/lib/rates.ts) compound back to those
    /// annual rates within 1e-9. Factors computed independently with 60-digit decimal arithmetic.
    function testAnnualRatesCompoundWithinOnePartPerBillion() public pure {
        uint256[5] memory factors = [
            uint256(1_000_000_001_847_694_957_439_350_563), // 6 %
            1_000_000_002_440_418_608_258_400_031, // 8 %
            1_000_000_003_022_265_980_097_387_650, // 10 %
            1_000_000_003_593_629_043_335_673_582, // 12 %
            Bounds.MAX_STABILITY_FEE // 50 %
        ];
        uint256[5] memory annual = [uint256(1.06e27), 1.08e27, 1.1e27, 1.12e27, 1.5e27];
        for (uint256 i; i < factors.length; ++i) {
            assertApproxEqRel(MathLib.rPow(factors[i], YEAR), annual[i], 1e9, "annual rate");
        }
    }

    /// Over any span up to 50 years (far beyond the longest term; 50 % a year overflows after about a century
    /// unaccrued), the accumulator only grows with time.
    function testFuzzRPowIsMonotoneInTime(uint256 fee, uint256 a, uint256 b) public pure {
        fee = bound(fee, RAY, Bounds.MAX_STABILITY_FEE);
        a = bound(a, 0, 50 * YEAR);
        b = bound(b, 0, 50 * YEAR);
        (uint256 lo, uint256 hi) = a < b ? (a, b) : (b, a);
        assertLe(MathLib.rPow(fee, lo), MathLib.rPow(fee, hi), "accumulator decreased with time");
    }

    function testFuzzWadHelpersRoundInOppositeDirections(uint128 x, uint128 y) public pure {
        vm.assume(y != 0);
        assertLe(uint256(x).wMulDown(y), uint256(x).wMulUp(y), "wMul");
        assertLe(uint256(x).wDivDown(y), uint256(x).wDivUp(y), "wDiv");
        assertEq(uint256(x).wMulDown(WAD), x, "wMul by one");
    }
}
