// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {DevToken} from "../devnet/DevToken.sol";
import {ExecutorHandler} from "./ExecutorHandler.sol";
import {ExecutorTestBase} from "./ExecutorTestBase.sol";

/// @notice Invariants of the executor under random callers and actions (ExecutorHandler):
///         64 runs × 50 calls (foundry.toml).
contract ExecutorInvariantTest is ExecutorTestBase {
    ExecutorHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new ExecutorHandler(
            executor, factory, [tokenA, tokenB, tokenC], [pairAB, pairBC, pairCA], owner, bot
        );
        // The handler's float for donations and market moves.
        tokenA.mint(address(handler), 1_000e18);
        tokenB.mint(address(handler), 1_000e18);
        tokenC.mint(address(handler), 1_000e18);

        bytes4[] memory selectors = new bytes4[](8);
        selectors[0] = ExecutorHandler.execute.selector;
        selectors[1] = ExecutorHandler.withdraw.selector;
        selectors[2] = ExecutorHandler.setExecutor.selector;
        selectors[3] = ExecutorHandler.transferOwnership.selector;
        selectors[4] = ExecutorHandler.acceptOwnership.selector;
        selectors[5] = ExecutorHandler.donate.selector;
        selectors[6] = ExecutorHandler.moveMarket.selector;
        selectors[7] = ExecutorHandler.callback.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @dev The executor's token balances are exactly what trades and donations added minus
    ///      what the owner withdrew: nothing else ever takes a token out.
    function invariant_balancesOnlyDecreaseThroughOwnerWithdrawals() public view {
        DevToken[3] memory all = [tokenA, tokenB, tokenC];
        for (uint256 i; i < all.length; ++i) {
            assertEq(
                all[i].balanceOf(address(executor)), handler.ghostBalance(address(all[i])), all[i].symbol()
            );
        }
    }

    /// @dev No call that only the owner, the pending owner or an executor may make (nor a
    ///      callback outside a trade) ever succeeded for anyone else.
    function invariant_restrictedCallsOnlySucceedForTheirCallers() public view {
        assertEq(handler.breaches(), 0, "a restricted call succeeded for the wrong caller");
    }

    /// @dev The owner is whoever last accepted a transfer the owner of the time started.
    function invariant_ownerChangesOnlyThroughTransferAndAccept() public view {
        assertEq(executor.owner(), handler.ghostOwner());
        assertEq(executor.pendingOwner(), handler.ghostPending());
    }

    /// @dev No account is an executor unless the owner of the time made it one.
    function invariant_noUnauthorizedExecutor() public view {
        uint256 count = handler.touchedCount();
        for (uint256 i; i < count; ++i) {
            address account = handler.touched(i);
            assertEq(executor.isExecutor(account), handler.ghostExecutor(account));
        }
    }

    /// @dev The handler's actions do take effect for the right callers (so the invariants
    ///      are not vacuous): a trade by the bot, a withdrawal and a hand-over by the owner, an
    ///      executor granted by the new owner. Seeds: 0 → owner, 1 → bot, 2 → 0xA11CE.
    function test_handlerActionsTakeEffect() public {
        handler.execute(1, 1e18, 0, 0);
        assertEq(handler.trades(), 1);
        uint256 profit = handler.ghostBalance(address(tokenA));
        assertGt(profit, 0);
        assertEq(tokenA.balanceOf(address(executor)), profit);

        handler.execute(0, 1e17, 0, 1); // the owner, from the inventory (the profit so far)
        assertEq(handler.trades(), 2);

        handler.withdraw(0, 0, 1, 2);
        assertEq(handler.withdrawals(), 1);

        handler.transferOwnership(0, 2);
        assertEq(executor.pendingOwner(), address(0xA11CE));
        handler.acceptOwnership(1); // seed 1: the pending owner accepts
        assertEq(executor.owner(), address(0xA11CE));
        assertEq(handler.ownerChanges(), 1);

        handler.setExecutor(2, 3, true); // the new owner grants 0xB0B
        assertTrue(executor.isExecutor(address(0xB0B)));
        handler.setExecutor(0, 4, true); // the old owner no longer can
        assertFalse(executor.isExecutor(address(0xCA401)));
        assertEq(handler.breaches(), 0);

        invariant_balancesOnlyDecreaseThroughOwnerWithdrawals();
        invariant_restrictedCallsOnlySucceedForTheirCallers();
        invariant_ownerChangesOnlyThroughTransferAndAccept();
        invariant_noUnauthorizedExecutor();
    }

    /// @dev After the campaign: how much of the state space the runs reached (-vv prints it).
    function afterInvariant() external {
        emit log_named_uint("trades", handler.trades());
        emit log_named_uint("owner withdrawals", handler.withdrawals());
        emit log_named_uint("ownership changes", handler.ownerChanges());
    }
}
