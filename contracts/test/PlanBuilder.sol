// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice The executor's plan, built for the forge tests (layout: OmniArbExecutor's notes).
///         `planBy` is the ONE place that knows the header: flash source (1 byte), amountIn
///         (uint128), minProfit (uint128), deadlineBlock (uint64); a header change is a change
///         here only. `plan` gives a deadline that never decides the outcome.
library PlanBuilder {
    uint8 internal constant SOURCE_V2_PAIR = 0;
    uint8 internal constant SOURCE_INVENTORY = 5;
    uint8 internal constant KIND_V2 = 0;
    uint24 internal constant V2_FEE_PIPS = 3000;
    uint64 internal constant FAR_DEADLINE = type(uint64).max;

    function plan(uint8 source, uint128 amountIn, uint128 minProfit, bytes memory hops)
        internal
        pure
        returns (bytes memory)
    {
        return planBy(source, amountIn, minProfit, FAR_DEADLINE, hops);
    }

    function planBy(
        uint8 source,
        uint128 amountIn,
        uint128 minProfit,
        uint64 deadlineBlock,
        bytes memory hops
    ) internal pure returns (bytes memory) {
        return abi.encodePacked(source, amountIn, minProfit, deadlineBlock, hops);
    }

    /// @dev One 64-byte hop through Uniswap V2 pair `pair` of `factory`, selling `tokenIn`.
    function v2Hop(address pair, address tokenIn, address factory)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(pair, tokenIn, factory, KIND_V2, V2_FEE_PIPS);
    }
}
