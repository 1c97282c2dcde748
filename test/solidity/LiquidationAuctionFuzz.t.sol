// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ProtocolFixture} from "./utils/ProtocolFixture.sol";
import {ILiquidationAuction} from "../../contracts/interfaces/ILiquidationAuction.sol";

/// @notice Kick → wait → take against the real engine, oracle, Reserve, savings vault and GPUSD.
contract LiquidationAuctionFuzzTest is ProtocolFixture {
    address internal constant OPERATOR = address(0x0BE2A702);
    address internal constant SAVER = address(0x5A7E2);
    address internal constant KEEPER = address(0x4EE9E2);
    address internal constant BUYER = address(0xB0E2);
    uint256 internal constant FLEET_VALUE = 64 * 22_000e18;
    uint256 internal vaultId;
    uint256 internal fleetId;

    function setUp() public {
        _deployProtocol();
        (fleetId, vaultId) = _openValuedVault(OPERATOR, 64, FLEET_VALUE);
        vm.startPrank(OPERATOR);
        engine.borrow(vaultId, 900_000e18, OPERATOR);
        vm.stopPrank();
    }

    /// Whatever the price, the buffer and the savers' deposits: GPUSD supply falls by exactly the tab less what is left
    /// as bad debt, the loss order holds (Reserve before savers before bad debt), and every commitment and mark is
    /// released at settlement.
    function testFuzzSettlementConservesSupply(uint256 valueSeed, uint256 waitSeed, uint256 bufferSeed, uint256 saved)
        public
    {
        uint256 buffer = bound(bufferSeed, 0, 300_000e18);
        saved = bound(saved, 0, 2_000_000e18);
        if (buffer != 0) {
            gpusd.mint(address(reserve), buffer * 5);
            reserve.distribute(); // 20 % to the buffer, the rest to savers as interest
        }
        if (saved != 0) {
            gpusd.mint(SAVER, saved);
            vm.startPrank(SAVER);
            gpusd.approve(address(savings), saved);
            savings.deposit(saved, SAVER);
            vm.stopPrank();
        }
        // Any value under $1,125,000 makes $900,000 of debt unhealthy at the 80 % liquidation LTV.
        _publish(fleetId, bound(valueSeed, 300_000e18, 1_120_000e18));
        uint256 id = auction.kick(vaultId, KEEPER);
        ILiquidationAuction.Auction memory a = auction.auction(id);
        assertEq(a.committed + a.impaired, a.tab > a.floorPrice ? a.tab - a.floorPrice : 0, "expected loss split");

        vm.warp(block.timestamp + bound(waitSeed, 0, 5 days));
        (, uint256 price,) = auction.status(id);
        (, uint256 earlier,) = auction.status(id);
        assertEq(price, earlier, "a view is stable");
        assertLe(price, a.top, "never above the start");
        assertGe(price, a.floorPrice, "never below the floor");
        gpusd.mint(BUYER, price);

        uint256 supply = gpusd.totalSupply();
        uint256 reserveBuffer = reserve.buffer();
        uint256 badDebt = auction.totalBadDebt();
        vm.prank(BUYER);
        auction.take(id, price, BUYER);

        uint256 uncovered = auction.totalBadDebt() - badDebt;
        assertEq(supply - gpusd.totalSupply(), a.tab - uncovered, "supply falls by the tab less bad debt");
        assertEq(reserve.totalCommitted(), 0, "commitment released");
        assertEq(savings.totalImpaired(), 0, "mark released");
        if (price >= a.tab) assertEq(uncovered, 0, "no loss above the tab");
        if (uncovered != 0) assertEq(reserve.buffer(), 0, "bad debt only after the buffer is spent");
        if (reserveBuffer > reserve.buffer()) assertLe(reserveBuffer - reserve.buffer(), a.tab - price, "buffer pays at most the shortfall");
        assertTrue(registry.ownerOf(fleetId) == BUYER, "the buyer holds the fleet");
    }
}
