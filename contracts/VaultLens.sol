// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICreditEngine} from "./interfaces/ICreditEngine.sol";
import {IVaultLens} from "./interfaces/IVaultLens.sol";

/// @title VaultLens
contract VaultLens is IVaultLens {
    /// @inheritdoc IVaultLens
    ICreditEngine public immutable engine;

    constructor(ICreditEngine engine_) {
        engine = engine_;
    }

    /// @inheritdoc IVaultLens
    function liquidatable(uint256 fromId, uint256 count) external view returns (uint256[] memory vaultIds) {
        return engine.liquidatableVaults(fromId, count);
    }

    /// @inheritdoc IVaultLens
    function vaults(uint256 fromId, uint256 count) external view returns (VaultView[] memory views) {
        uint256 end = _end(fromId, count);
        views = new VaultView[](end > fromId ? end - fromId : 0);
        uint256 found;
        for (uint256 id = fromId; id < end; ++id) {
            ICreditEngine.Vault memory v = engine.vault(id);
            if (v.owner == address(0)) continue; // closed
            (, bool unhealthy, bool missed) = engine.isLiquidatable(id);
            views[found++] = VaultView({
                vaultId: id,
                owner: v.owner,
                fleetId: v.fleetId,
                classId: v.classId,
                debt: engine.debtOf(id),
                health: engine.healthOf(id),
                unhealthy: unhealthy,
                missedPayment: missed
            });
        }
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(views, found)
        }
    }

    /// @dev Clamps a page to the vaults that exist; id 0 is never a vault.
    function _end(uint256 fromId, uint256 count) private view returns (uint256) {
        uint256 last = engine.lastVaultId();
        uint256 end = fromId + count;
        return end > last + 1 ? last + 1 : end;
    }
}
