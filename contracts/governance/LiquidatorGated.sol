// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {ILiquidatorGated} from "../interfaces/ILiquidatorGated.sol";

/// @title LiquidatorGated
/// @dev The liquidator set shared by the engine, the Reserve and the SavingsVault (see ILiquidatorGated).
abstract contract LiquidatorGated is ILiquidatorGated, AccessManaged {
    /// @inheritdoc ILiquidatorGated
    mapping(address account => bool) public isLiquidator;

    modifier onlyLiquidator() {
        if (!isLiquidator[msg.sender]) revert NotLiquidator(msg.sender);
        _;
    }

    /// @inheritdoc ILiquidatorGated
    function setLiquidator(address liquidator, bool allowed) external restricted {
        isLiquidator[liquidator] = allowed;
        emit LiquidatorSet(liquidator, allowed);
    }
}
