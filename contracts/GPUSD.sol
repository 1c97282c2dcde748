// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IGPUSD} from "./interfaces/IGPUSD.sol";

/// @title GPUSD
/// @notice The synthetic dollar minted against GPU fleets and USDC.
contract GPUSD is IGPUSD, ERC20Permit, AccessManaged {
    mapping(address account => bool) public isMinter;

    constructor(address authority)
        ERC20("GPU Credit Dollar", "GPUSD")
        ERC20Permit("GPU Credit Dollar")
        AccessManaged(authority)
    {}

    modifier onlyMinter() {
        if (!isMinter[msg.sender]) revert NotMinter(msg.sender);
        _;
    }

    /// @inheritdoc IERC20Permit
    function nonces(address owner) public view override(ERC20Permit, IERC20Permit) returns (uint256) {
        return super.nonces(owner);
    }

    /// @inheritdoc IGPUSD
    function mint(address to, uint256 amount) external onlyMinter {
        _mint(to, amount);
    }

    /// @inheritdoc IGPUSD
    function burn(address from, uint256 amount) external onlyMinter {
        _burn(from, amount);
    }

    /// @inheritdoc IGPUSD
    function setMinter(address minter, bool allowed) external restricted {
        if (minter == address(0)) revert ZeroMinter();
        isMinter[minter] = allowed;
        emit MinterSet(minter, allowed);
    }
}
