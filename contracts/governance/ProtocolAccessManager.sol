// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";

/// @title ProtocolAccessManager
/// @notice The protocol's single authority. Roles and their execution delays act as the timelock; the role map lives
/// in `scripts/lib/governance.ts` and is applied at deployment.
contract ProtocolAccessManager is AccessManager {
    constructor(address initialAdmin) AccessManager(initialAdmin) {}
}
