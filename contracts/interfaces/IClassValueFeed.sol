// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "./AggregatorV3Interface.sol";
import {IFleetOracle} from "./IFleetOracle.sol";

/// @title IClassValueFeed
/// @notice A Chainlink-compatible read of one GPU class's value index in the FleetOracle: `answer` is the USD value
/// per GPU [wad, 18 decimals], `roundId` and `answeredInRound` the oracle round that published it, and `startedAt`
/// and `updatedAt` its observation time. Consumers check `updatedAt` for staleness as with any Chainlink feed.
/// @dev The oracle keeps only each class's latest index, so `getRoundData` answers for the latest round only and
/// reverts for any other: a feed that made up an answer for a past round would be worse than one that says it has
/// none. History is in the oracle's `ClassIndexUpdated` events.
interface IClassValueFeed is AggregatorV3Interface {
    /// @notice The class has no index yet; reverting beats answering 0, which naive consumers read as a price.
    error NoIndex(uint16 classId);
    /// @notice Only the latest round is stored on-chain.
    error RoundNotAvailable(uint80 roundId, uint80 latestRoundId);

    function oracle() external view returns (IFleetOracle);
    function classId() external view returns (uint16);
}
