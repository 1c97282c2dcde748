// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {TestBase} from "./utils/Vm.sol";
import {ProtocolAccessManager} from "../../contracts/governance/ProtocolAccessManager.sol";
import {GPUSD} from "../../contracts/GPUSD.sol";
import {SavingsVault} from "../../contracts/SavingsVault.sol";
import {ISavingsVault} from "../../contracts/interfaces/ISavingsVault.sol";
import {Bounds} from "../../contracts/libraries/Bounds.sol";

/// Share math of the savings vault under fuzzed balances, prices and timing. This contract is the Reserve (it holds
/// the RESERVE role) and a GPUSD minter, so it can set up any price; savers are plain addresses.
contract SavingsVaultFuzzTest is TestBase {
    uint32 internal constant WINDOW = 7 days;
    uint256 internal constant MAX_AMOUNT = 1e30; // a trillion GPUSD
    uint64 internal constant RESERVE = 11;

    ProtocolAccessManager internal manager;
    GPUSD internal gpusd;
    SavingsVault internal vault;
    address internal constant SAVER = address(0xA11CE);
    address internal constant INCUMBENT = address(0xB0B);

    function setUp() public {
        manager = new ProtocolAccessManager(address(this));
        gpusd = new GPUSD(address(manager));
        vault = new SavingsVault(address(manager), IERC20(address(gpusd)), WINDOW);
        bytes4[] memory addInterest = new bytes4[](1);
        addInterest[0] = SavingsVault.addInterest.selector;
        manager.setTargetFunctionRole(address(vault), addInterest, RESERVE);
        gpusd.setMinter(address(this), true);
        manager.grantRole(RESERVE, address(this), 0);
        gpusd.approve(address(vault), type(uint256).max);
        vm.warp(1_700_000_000);
    }

    function _deposit(address who, uint256 assets) internal returns (uint256 shares) {
        gpusd.mint(who, assets);
        vm.startPrank(who);
        gpusd.approve(address(vault), type(uint256).max);
        shares = vault.deposit(assets, who);
        vm.stopPrank();
    }

    function _payInterest(uint256 amount) internal {
        gpusd.mint(address(this), amount);
        vault.addInterest(amount);
    }

    /// An incumbent saver, and interest released at a fuzzed pace, give the vault an arbitrary price.
    function _arbitraryPrice(uint256 incumbent, uint256 interest, uint256 elapsed) internal {
        incumbent = bound(incumbent, 1, MAX_AMOUNT);
        _deposit(INCUMBENT, incumbent);
        interest = bound(interest, 0, MAX_AMOUNT);
        if (interest != 0) _payInterest(interest);
        vm.warp(block.timestamp + bound(elapsed, 0, 2 * uint256(WINDOW)));
    }

    /// Without interest arriving in between, depositing and redeeming at once never returns more than was deposited,
    /// and loses at most one share's worth plus a wei to rounding.
    function testFuzzDepositThenRedeemNeverProfits(uint256 incumbent, uint256 interest, uint256 elapsed, uint256 assets)
        public
    {
        _arbitraryPrice(incumbent, interest, elapsed);
        assets = bound(assets, 1, MAX_AMOUNT);
        uint256 perShare = vault.convertToAssets(1) + 1; // one share's worth, rounded up
        vm.assume(vault.previewDeposit(assets) != 0);
        uint256 shares = _deposit(SAVER, assets);
        uint256 back = vault.previewRedeem(shares);
        // Shares worth less than a wei cannot be redeemed (the vault refuses to burn them for nothing).
        if (back != 0) {
            vm.prank(SAVER);
            assertEq(vault.redeem(shares, SAVER, SAVER), back, "redeem paid other than previewed");
        }
        assertLe(back, assets, "round trip paid out more than it took in");
        assertLe(assets - back, perShare + 1, "round trip lost more than rounding");
    }

    /// mint and withdraw round against the caller: a share costs at least what it redeems for, and assets taken out
    /// burn at least the shares a deposit of them would mint.
    function testFuzzMintAndWithdrawRoundInVaultsFavour(uint256 incumbent, uint256 interest, uint256 elapsed, uint256 x)
        public
    {
        _arbitraryPrice(incumbent, interest, elapsed);
        uint256 shares = bound(x, 1, vault.totalSupply());
        assertGe(vault.previewMint(shares), vault.previewRedeem(shares), "minting costs less than redeeming pays");
        uint256 assets = bound(x, 1, vault.maxWithdraw(INCUMBENT));
        assertGe(vault.previewWithdraw(assets), vault.previewDeposit(assets), "withdrawing burns fewer shares");
    }

    /// Sending GPUSD to the vault directly changes neither totalAssets nor the price.
    function testFuzzDonationDoesNotMovePrice(uint256 incumbent, uint256 interest, uint256 elapsed, uint256 donation)
        public
    {
        _arbitraryPrice(incumbent, interest, elapsed);
        uint256 totalAssets = vault.totalAssets();
        uint256 price = vault.convertToAssets(1e24);
        gpusd.mint(address(vault), bound(donation, 1, MAX_AMOUNT));
        assertEq(vault.totalAssets(), totalAssets, "donation moved totalAssets");
        assertEq(vault.convertToAssets(1e24), price, "donation moved the price");
    }

    /// Released interest grows with time, never passes what was paid, and the books never exceed the balance.
    function testFuzzReleaseIsMonotoneAndBacked(uint256 incumbent, uint256 interest, uint256 t1, uint256 t2) public {
        incumbent = bound(incumbent, 1, MAX_AMOUNT);
        _deposit(INCUMBENT, incumbent);
        interest = bound(interest, 1, MAX_AMOUNT);
        _payInterest(interest);
        t1 = bound(t1, 0, 2 * uint256(WINDOW));
        t2 = bound(t2, t1, 2 * uint256(WINDOW));
        uint256 start = block.timestamp;
        vm.warp(start + t1);
        uint256 early = vault.totalAssets();
        vm.warp(start + t2);
        uint256 late = vault.totalAssets();
        assertLe(early, late, "totalAssets fell with time");
        assertLe(late, incumbent + interest, "released more than was paid");
        assertEq(late + vault.interestLeft(), incumbent + interest, "released + left != paid");
        assertLe(late, gpusd.balanceOf(address(vault)), "books exceed the balance");
    }

    /// However savers come and go mid-smear, every saver's claim stays covered by the vault's GPUSD.
    function testFuzzSaversAlwaysCovered(uint256 a, uint256 b, uint256 interest, uint256 t1, uint256 t2) public {
        _deposit(INCUMBENT, bound(a, 1, MAX_AMOUNT));
        _payInterest(bound(interest, 1, MAX_AMOUNT));
        vm.warp(block.timestamp + bound(t1, 0, uint256(WINDOW)));
        b = bound(b, 1, MAX_AMOUNT);
        vm.assume(vault.previewDeposit(b) != 0);
        uint256 shares = _deposit(SAVER, b);
        vm.warp(block.timestamp + bound(t2, 0, 2 * uint256(WINDOW)));
        uint256 incumbentShares = vault.balanceOf(INCUMBENT);
        if (vault.previewRedeem(incumbentShares) != 0) {
            vm.prank(INCUMBENT);
            vault.redeem(incumbentShares, INCUMBENT, INCUMBENT);
        }
        uint256 owed = vault.previewRedeem(shares);
        assertLe(owed, gpusd.balanceOf(address(vault)), "the last saver is not covered");
        if (owed != 0) {
            vm.prank(SAVER);
            vault.redeem(shares, SAVER, SAVER);
        }
    }

    /// A lock set by a deposit lasts its full cooldown whatever the cooldown is changed to afterwards, including off:
    /// otherwise a curator switching the cooldown off during an impairment would let savers run before the loss lands.
    function testFuzzChangingTheCooldownKeepsRunningLocks(uint256 cooldown, uint256 next, uint256 assets, uint256 wait)
        public
    {
        cooldown = bound(cooldown, 1, Bounds.MAX_WITHDRAWAL_COOLDOWN);
        next = bound(next, 0, Bounds.MAX_WITHDRAWAL_COOLDOWN);
        vault.setWithdrawalCooldown(uint32(cooldown));
        uint256 shares = _deposit(SAVER, bound(assets, 1, MAX_AMOUNT));
        uint40 unlocksAt = uint40(block.timestamp + cooldown);
        vault.setWithdrawalCooldown(uint32(next));

        vm.warp(block.timestamp + bound(wait, 0, cooldown - 1));
        (uint256 locked, uint40 until) = vault.lockedShares(SAVER);
        assertEq(locked, shares, "the view reports the deposit locked");
        assertEq(until, unlocksAt, "until the original unlock time");
        vm.prank(SAVER);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISavingsVault.WithdrawalCooldown.selector, SAVER, shares, unlocksAt, uint40(block.timestamp)
            )
        );
        vault.redeem(shares, SAVER, SAVER);

        vm.warp(unlocksAt);
        vm.prank(SAVER);
        vault.redeem(shares, SAVER, SAVER);
        assertEq(vault.balanceOf(SAVER), 0, "the lock ends on time");
    }
}
