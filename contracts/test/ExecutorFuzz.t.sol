// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ExecutorTestBase} from "./ExecutorTestBase.sol";
import {OmniArbExecutor} from "../executor/OmniArbExecutor.sol";
import {PlanBuilder} from "./PlanBuilder.sol";

/// @notice Fuzz tests of the executor's profit check and access control, on real Uniswap V2
///         pairs (ExecutorTestBase). 256 runs each (foundry.toml).
contract ExecutorFuzzTest is ExecutorTestBase {
    /// @dev Uniswap V2's pair init code hash (the npm build is the canonical one): the pairs
    ///      these tests trade through are Uniswap's own bytecode.
    bytes32 private constant UNISWAP_V2_PAIR_HASH =
        0x96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f;

    function test_pairsAreUniswapV2Bytecode() public view {
        assertEq(pairInitCodeHash, UNISWAP_V2_PAIR_HASH);
    }

    // ------------------------------------------------------------ the profit check

    /// @dev A flash-swapped cycle whose minProfit exceeds what the cycle pays reverts with the
    ///      cycle's true profit, and moves no token.
    function testFuzz_flashMinProfitAboveProfitReverts(uint256 amountIn, uint256 minProfit)
        public
    {
        amountIn = _bound(amountIn, 1, 1_000e18);
        uint256 amountOut = _cycleOut(amountIn);
        uint256 profit = amountOut > amountIn ? amountOut - amountIn : 0;
        minProfit = _bound(minProfit, profit + 1, type(uint128).max);
        bytes memory plan =
            _plan(SOURCE_V2_PAIR, uint128(amountIn), uint128(minProfit), _cycleHops());

        vm.expectRevert(
            abi.encodeWithSelector(OmniArbExecutor.InsufficientProfit.selector, profit, minProfit)
        );
        vm.prank(bot);
        executor.execute(plan);
        assertEq(tokenA.balanceOf(address(executor)), 0);
    }

    /// @dev A plan past its deadline block reverts Expired before any loan or swap, whatever
    ///      it would have made; a deadline at the current block still trades.
    function testFuzz_lateTradeRevertsExpired(uint256 amountIn, uint64 deadline, uint64 late)
        public
    {
        // Up to ~19 A the cycle pays, so on time the same plan trades.
        amountIn = _bound(amountIn, 1e9, 10e18);
        // Block numbers of real chains (Arbitrum's are the largest, ~10^8 a year).
        deadline = uint64(_bound(deadline, 1, 1e12));
        late = uint64(_bound(late, 1, 1e9));
        vm.roll(uint256(deadline) + late);
        bytes memory plan =
            PlanBuilder.planBy(SOURCE_V2_PAIR, uint128(amountIn), 0, deadline, _cycleHops());
        vm.expectRevert(
            abi.encodeWithSelector(
                OmniArbExecutor.Expired.selector, uint256(deadline) + late, uint256(deadline)
            )
        );
        vm.prank(bot);
        executor.execute(plan);

        vm.roll(deadline);
        uint256 profit = _cycleOut(amountIn) - amountIn;
        vm.prank(bot);
        assertEq(executor.execute(plan), profit);
    }

    /// @dev The other side of the line: minProfit at or below the profit trades, and the
    ///      executor keeps exactly the profit UniswapV2Library computes.
    function testFuzz_flashMinProfitWithinProfitTrades(uint256 amountIn, uint256 minProfit)
        public
    {
        // Up to ~19 A the cycle pays (B is half price in A/B; then slippage eats the gap).
        amountIn = _bound(amountIn, 1e9, 10e18);
        uint256 profit = _cycleOut(amountIn) - amountIn;
        minProfit = _bound(minProfit, 0, profit);

        vm.prank(bot);
        uint256 kept =
            executor.execute(_plan(SOURCE_V2_PAIR, uint128(amountIn), uint128(minProfit), _cycleHops()));
        assertEq(kept, profit);
        assertEq(tokenA.balanceOf(address(executor)), profit);
    }

    /// @dev The inventory path (source 5) runs the hops first and checks after: a short trade
    ///      reverts whole, and the inventory is untouched.
    function testFuzz_inventoryMinProfitAboveProfitReverts(uint256 amountIn, uint256 minProfit)
        public
    {
        // From 1e6 every hop pays out something (below, a pair reverts its own swap first).
        amountIn = _bound(amountIn, 1e6, 1_000e18);
        tokenA.mint(address(executor), amountIn);
        uint256 amountOut = _cycleOut(amountIn);
        uint256 profit = amountOut > amountIn ? amountOut - amountIn : 0;
        minProfit = _bound(minProfit, profit + 1, type(uint128).max);
        bytes memory plan =
            _plan(SOURCE_INVENTORY, uint128(amountIn), uint128(minProfit), _cycleHops());

        vm.expectRevert(
            abi.encodeWithSelector(OmniArbExecutor.InsufficientProfit.selector, profit, minProfit)
        );
        vm.prank(owner);
        executor.execute(plan);
        assertEq(tokenA.balanceOf(address(executor)), amountIn);
    }

    /// @dev A bribe share above all of the profit is refused outright, for any caller.
    function testFuzz_bribeAboveAllOfTheProfitReverts(uint256 bribeBps, bool asOwner) public {
        bribeBps = _bound(bribeBps, 10_001, type(uint256).max);
        bytes memory plan = _plan(SOURCE_V2_PAIR, 1e18, 0, _cycleHops());
        vm.expectRevert(abi.encodeWithSelector(OmniArbExecutor.BribeTooLarge.selector, bribeBps));
        vm.prank(asOwner ? owner : bot);
        executor.executeAndPayCoinbase(plan, bribeBps);
    }

    // ------------------------------------------------------------ who may call

    /// @dev No account but the owner and an authorized executor may trade, whatever the plan.
    function testFuzz_strangerCannotExecute(address caller, bytes calldata plan, uint256 bribeBps)
        public
    {
        vm.assume(caller != owner && caller != bot);
        vm.expectRevert(abi.encodeWithSelector(OmniArbExecutor.NotExecutor.selector, caller));
        vm.prank(caller);
        executor.execute(plan);

        bribeBps = _bound(bribeBps, 0, 10_000);
        vm.expectRevert(abi.encodeWithSelector(OmniArbExecutor.NotExecutor.selector, caller));
        vm.prank(caller);
        executor.executeAndPayCoinbase(plan, bribeBps);
    }

    /// @dev A profitable plan is refused to a stranger too (the check is not the plan's).
    function testFuzz_strangerCannotTradeAProfitablePlan(address caller) public {
        vm.assume(caller != owner && caller != bot);
        bytes memory plan = _plan(SOURCE_V2_PAIR, 1e18, 0, _cycleHops());
        vm.expectRevert(abi.encodeWithSelector(OmniArbExecutor.NotExecutor.selector, caller));
        vm.prank(caller);
        executor.execute(plan);
    }

    /// @dev A revoked executor is a stranger again.
    function testFuzz_revokedExecutorCannotExecute(address account) public {
        vm.assume(account != owner);
        vm.startPrank(owner);
        executor.setExecutor(account, true);
        executor.setExecutor(account, false);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(OmniArbExecutor.NotExecutor.selector, account));
        vm.prank(account);
        executor.execute(_plan(SOURCE_V2_PAIR, 1e18, 0, _cycleHops()));
    }

    /// @dev Every admin function reverts NotOwner for any other caller, and changes nothing.
    function testFuzz_adminFunctionsRevertForNonOwner(
        address caller,
        address account,
        bytes32 initCodeHash,
        uint256 amount
    ) public {
        vm.assume(caller != owner);
        tokenA.mint(address(executor), 1e18);
        vm.deal(address(executor), 1 ether);
        bytes memory notOwner = abi.encodeWithSelector(OmniArbExecutor.NotOwner.selector, caller);
        vm.startPrank(caller);
        vm.expectRevert(notOwner);
        executor.setExecutor(account, true);
        vm.expectRevert(notOwner);
        executor.setFactory(account, initCodeHash);
        vm.expectRevert(notOwner);
        executor.setBalancerVault(account);
        vm.expectRevert(notOwner);
        executor.setAavePool(account);
        vm.expectRevert(notOwner);
        executor.transferOwnership(account);
        vm.expectRevert(notOwner);
        executor.withdraw(address(tokenA), amount, account);
        vm.expectRevert(notOwner);
        executor.withdrawNative(amount, payable(account));
        vm.stopPrank();

        assertEq(executor.owner(), owner);
        assertEq(executor.pendingOwner(), address(0));
        assertEq(executor.isExecutor(account), account == bot);
        assertEq(executor.initCodeHashOf(account), account == factory ? pairInitCodeHash : bytes32(0));
        assertEq(executor.balancerVault(), address(0));
        assertEq(executor.aavePool(), address(0));
        assertEq(tokenA.balanceOf(address(executor)), 1e18);
        assertEq(address(executor).balance, 1 ether);
    }

    /// @dev Only the pending owner accepts, and only after the owner named it.
    function testFuzz_onlyPendingOwnerAccepts(address newOwner, address caller) public {
        // Address zero never sends a transaction; it is the "no one pending" value.
        vm.assume(newOwner != address(0) && caller != address(0) && caller != newOwner);
        vm.expectRevert(abi.encodeWithSelector(OmniArbExecutor.NotPendingOwner.selector, caller));
        vm.prank(caller);
        executor.acceptOwnership();

        vm.prank(owner);
        executor.transferOwnership(newOwner);
        vm.expectRevert(abi.encodeWithSelector(OmniArbExecutor.NotPendingOwner.selector, caller));
        vm.prank(caller);
        executor.acceptOwnership();
        assertEq(executor.owner(), owner);

        vm.prank(newOwner);
        executor.acceptOwnership();
        assertEq(executor.owner(), newOwner);
        assertEq(executor.pendingOwner(), address(0));
    }

    /// @dev No callback pays anyone outside a trade: a stranger calling the V2 callback with
    ///      any data is refused (the lock is empty between trades).
    function testFuzz_callbacksRefuseStrangers(address caller, uint256 amount, bytes calldata data)
        public
    {
        vm.assume(caller != address(0));
        tokenA.mint(address(executor), 1e18);
        bytes memory unexpected =
            abi.encodeWithSelector(OmniArbExecutor.UnexpectedCallback.selector, caller);
        vm.startPrank(caller);
        vm.expectRevert(unexpected);
        executor.uniswapV2Call(address(executor), amount, 0, data);
        vm.expectRevert(unexpected);
        executor.uniswapV3SwapCallback(int256(amount >> 1), 0, abi.encode(address(tokenA)));
        vm.expectRevert(unexpected);
        executor.uniswapV3FlashCallback(amount, 0, data);
        vm.expectRevert(unexpected);
        executor.unlockCallback(data);
        vm.stopPrank();
        assertEq(tokenA.balanceOf(address(executor)), 1e18);
    }
}
