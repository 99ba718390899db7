// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title DevReenteringCoinbase
/// @notice A block coinbase that is a contract and, when an executor pays it a bribe, tries to
///         re-enter that executor: it calls `execute(plan)` (as an authorized executor, when the
///         owner made it one) and a swap callback, and keeps the revert selector of each. It
///         accepts the coin only if both were refused, so a bribed trade that lands proves the
///         executor's lock held. Devnet tests only (tests/integration/execute/).
contract DevReenteringCoinbase {
    address public immutable executor;
    bytes public plan;
    bytes4 public executeRefusal;
    bytes4 public callbackRefusal;
    uint256 public received;

    error ReentryAccepted();

    constructor(address executor_) {
        executor = executor_;
    }

    /// @notice The plan to re-enter `execute` with (any plan the executor would trade).
    function setPlan(bytes calldata plan_) external {
        plan = plan_;
    }

    receive() external payable {
        (bool executed, bytes memory executeData) =
            executor.call(abi.encodeWithSignature("execute(bytes)", plan));
        (bool called, bytes memory callbackData) = executor.call(
            abi.encodeWithSignature(
                "uniswapV3SwapCallback(int256,int256,bytes)", int256(1), int256(0), abi.encode(address(0))
            )
        );
        if (executed || called) revert ReentryAccepted();
        executeRefusal = bytes4(executeData);
        callbackRefusal = bytes4(callbackData);
        received += msg.value;
    }
}
