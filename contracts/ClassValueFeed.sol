// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "./interfaces/AggregatorV3Interface.sol";
import {IClassValueFeed} from "./interfaces/IClassValueFeed.sol";
import {IFleetOracle} from "./interfaces/IFleetOracle.sol";

/// @title ClassValueFeed
/// @notice AggregatorV3 view of one class's value index in the FleetOracle.
contract ClassValueFeed is IClassValueFeed {
    /// @inheritdoc IClassValueFeed
    IFleetOracle public immutable oracle;
    /// @inheritdoc IClassValueFeed
    uint16 public immutable classId;
    /// @inheritdoc AggregatorV3Interface
    string public description;

    constructor(IFleetOracle oracle_, uint16 classId_, string memory description_) {
        oracle = oracle_;
        classId = classId_;
        description = description_;
    }

    /// @inheritdoc AggregatorV3Interface
    function decimals() external pure returns (uint8) {
        return 18;
    }

    /// @inheritdoc AggregatorV3Interface
    function version() external pure returns (uint256) {
        return 1;
    }

    /// @inheritdoc AggregatorV3Interface
    function getRoundData(uint80 roundId)
        external
        view
        returns (uint80, int256, uint256, uint256, uint80)
    {
        (uint80 latest, int256 answer, uint40 observedAt) = _latest();
        if (roundId != latest) revert RoundNotAvailable(roundId, latest);
        return (latest, answer, observedAt, observedAt, latest);
    }

    /// @inheritdoc AggregatorV3Interface
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        (uint80 latest, int256 answer, uint40 observedAt) = _latest();
        return (latest, answer, observedAt, observedAt, latest);
    }

    function _latest() private view returns (uint80 roundId, int256 answer, uint40 observedAt) {
        (uint64 indexRound, uint256 valuePerGpu, uint40 indexObservedAt) = oracle.classIndex(classId);
        if (indexRound == 0) revert NoIndex(classId);
        // The oracle bounds every index below MAX_VALUE_PER_GPU, far inside int256.
        return (indexRound, int256(valuePerGpu), indexObservedAt);
    }
}
