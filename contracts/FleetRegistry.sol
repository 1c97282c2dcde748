// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IFleetRegistry} from "./interfaces/IFleetRegistry.sol";

/// @title FleetRegistry
/// @notice One ERC-721 token per tokenized GPU fleet, minted by the underwriter after onboarding.
contract FleetRegistry is IFleetRegistry, ERC721, AccessManaged {
    /// @inheritdoc IFleetRegistry
    uint256 public lastFleetId;

    // operator, classId, gpuCount and acquiredAt share the first slot, so `classAndCount` costs one read.
    mapping(uint256 fleetId => Fleet) private _fleets;
    mapping(uint256 fleetId => mapping(address signer => bool)) private _hostSigners;

    constructor(address authority) ERC721("GPU Credit Fleet", "GPUFLEET") AccessManaged(authority) {}

    /// @inheritdoc IFleetRegistry
    function onboard(Fleet calldata record, address[] calldata hostSigners)
        external
        restricted
        returns (uint256 fleetId)
    {
        if (record.operator == address(0)) revert ZeroOperator();
        if (record.classId == 0) revert ZeroClass();
        if (record.gpuCount == 0) revert ZeroGpuCount();
        if (record.acquiredAt > block.timestamp) revert AcquiredInFuture(record.acquiredAt, block.timestamp);

        fleetId = ++lastFleetId;
        _fleets[fleetId] = record;
        emit FleetOnboarded(
            fleetId,
            record.operator,
            record.classId,
            record.gpuCount,
            record.acquiredAt,
            record.acquisitionCost,
            record.gpuRoot,
            record.legalDocsHash
        );
        for (uint256 i; i < hostSigners.length; ++i) {
            _setHostSigner(fleetId, hostSigners[i], true);
        }
        // `_mint`, not `_safeMint`: no receiver callback, so an operator contract can neither re-enter nor refuse.
        _mint(record.operator, fleetId);
    }

    /// @inheritdoc IFleetRegistry
    function setHostSigner(uint256 fleetId, address signer, bool allowed) external restricted {
        _requireKnown(fleetId);
        _setHostSigner(fleetId, signer, allowed);
    }

    /// @inheritdoc IFleetRegistry
    function retire(uint256 fleetId) external restricted {
        address operator = _requireKnown(fleetId).operator;
        address holder = _ownerOf(fleetId);
        // A vault or an auction holding the token means debt may still rest on it.
        if (holder != operator) revert FleetNotWithOperator(fleetId, operator, holder);
        delete _fleets[fleetId];
        _burn(fleetId);
        emit FleetRetired(fleetId, operator);
    }

    /// @inheritdoc IFleetRegistry
    function fleet(uint256 fleetId) external view returns (Fleet memory) {
        return _requireKnown(fleetId);
    }

    /// @inheritdoc IFleetRegistry
    function classAndCount(uint256 fleetId) external view returns (uint16 classId, uint32 gpuCount) {
        Fleet storage record = _requireKnown(fleetId);
        return (record.classId, record.gpuCount);
    }

    /// @inheritdoc IFleetRegistry
    function isHostSigner(uint256 fleetId, address signer) external view returns (bool) {
        return _fleets[fleetId].operator != address(0) && _hostSigners[fleetId][signer];
    }

    /// @dev Advertises IFleetRegistry next to ERC-721, so integrators can tell the registry from any NFT.
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, IERC165) returns (bool) {
        return interfaceId == type(IFleetRegistry).interfaceId || super.supportsInterface(interfaceId);
    }

    function _setHostSigner(uint256 fleetId, address signer, bool allowed) private {
        if (signer == address(0)) revert ZeroHostSigner(fleetId);
        _hostSigners[fleetId][signer] = allowed;
        emit HostSignerSet(fleetId, signer, allowed);
    }

    /// @dev Onboarding forbids a zero operator and retiring deletes the record, so a zero operator means "not here".
    function _requireKnown(uint256 fleetId) private view returns (Fleet storage record) {
        record = _fleets[fleetId];
        if (record.operator == address(0)) revert UnknownFleet(fleetId);
    }
}
