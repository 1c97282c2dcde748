// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

/// @title IFleetRegistry
/// @notice ERC-721 registry with one token per tokenized GPU fleet (an SPV that owns the hardware). The underwriter
/// mints a token after off-chain onboarding (legal documents, appraisal, insurance); the record it writes is what the
/// oracle and the credit engine trust about the fleet.
interface IFleetRegistry is IERC721 {
    /// @notice What the underwriter attests about a fleet at onboarding. Immutable afterwards.
    struct Fleet {
        address operator; // receives the token; the only holder that may see it retired
        uint16 classId; // collateral class (GPU model group) in the CreditEngine, 1-based
        uint32 gpuCount; // GPUs in the fleet; also the number of leaves under gpuRoot
        uint40 acquiredAt; // [unix s] acquisition date, for depreciation
        uint128 acquisitionCost; // [wad] USD paid for the hardware
        bytes32 gpuRoot; // Merkle root of keccak256(abi.encodePacked(gpuUuid)) leaves, sorted-pair hashing
        bytes32 legalDocsHash; // hash of the SPV, bailment, lien, appraisal and insurance documents
    }

    event FleetOnboarded(
        uint256 indexed fleetId,
        address indexed operator,
        uint16 indexed classId,
        uint32 gpuCount,
        uint40 acquiredAt,
        uint128 acquisitionCost,
        bytes32 gpuRoot,
        bytes32 legalDocsHash
    );
    event HostSignerSet(uint256 indexed fleetId, address indexed signer, bool allowed);
    event FleetRetired(uint256 indexed fleetId, address indexed operator);

    error ZeroOperator();
    error ZeroClass();
    error ZeroGpuCount();
    error ZeroHostSigner(uint256 fleetId);
    error AcquiredInFuture(uint40 acquiredAt, uint256 nowTimestamp);
    error UnknownFleet(uint256 fleetId);
    /// @notice A fleet can be retired only while its operator holds the token, i.e. no vault or auction holds it.
    error FleetNotWithOperator(uint256 fleetId, address operator, address holder);

    /// @notice Mints a fleet token to `fleet.operator` (with `_mint`, so no receiver callback can re-enter).
    /// Restricted to the underwriter.
    function onboard(Fleet calldata fleet, address[] calldata hostSigners) external returns (uint256 fleetId);

    /// @notice Allows or revokes a host key that may sign GpuReports for the fleet. Restricted to the underwriter.
    function setHostSigner(uint256 fleetId, address signer, bool allowed) external;

    /// @notice Burns the token of a fleet that left the protocol. Restricted to the underwriter.
    function retire(uint256 fleetId) external;

    /// @notice The record of a fleet in the protocol; reverts `UnknownFleet` if it was never onboarded or was retired.
    function fleet(uint256 fleetId) external view returns (Fleet memory);

    /// @notice The two fields the oracle needs for its bounds, in one call (one storage read). Reverts like `fleet`.
    function classAndCount(uint256 fleetId) external view returns (uint16 classId, uint32 gpuCount);

    /// @notice Whether `signer` may sign GpuReports for the fleet; false once the fleet is retired.
    function isHostSigner(uint256 fleetId, address signer) external view returns (bool);

    /// @notice Ids start at 1; this is the last one minted.
    function lastFleetId() external view returns (uint256);
}
