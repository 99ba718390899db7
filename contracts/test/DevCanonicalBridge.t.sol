// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test} from "forge-std/Test.sol";
import {DevCanonicalBridge} from "../devnet/DevCanonicalBridge.sol";
import {DevToken} from "../devnet/DevToken.sol";

/// @notice The devnet canonical bridge: a deposit locks exactly its amount and takes the next
///         nonce; only the messenger finalizes, once per (source chain, nonce), paying exactly
///         the amount from the bridge's liquidity.
contract DevCanonicalBridgeTest is Test {
    uint256 internal constant DST_CHAIN = 42161;
    uint256 internal constant SRC_CHAIN = 10;
    uint256 internal constant LIQUIDITY = 1e30;
    address internal constant MESSENGER = address(0xA11CE);
    address internal constant USER = address(0xB0B);
    address internal constant RECIPIENT = address(0xCAFE);

    DevCanonicalBridge internal bridge;
    DevToken internal token;

    function setUp() public {
        bridge = new DevCanonicalBridge(MESSENGER);
        token = new DevToken("USD Coin", "USDC", 6);
        token.mint(address(bridge), LIQUIDITY);
        token.mint(USER, LIQUIDITY);
        vm.prank(USER);
        token.approve(address(bridge), type(uint256).max);
    }

    function testFuzz_depositLocksTheAmountAndTakesTheNextNonce(uint96 a, uint96 b) public {
        vm.assume(a > 0 && b > 0);
        vm.startPrank(USER);
        address t = address(token);
        uint256 first = bridge.depositERC20To(t, t, RECIPIENT, a, DST_CHAIN, "");
        uint256 second = bridge.depositERC20To(t, t, RECIPIENT, b, DST_CHAIN, "");
        vm.stopPrank();
        assertEq(first, 0);
        assertEq(second, 1);
        assertEq(bridge.depositNonce(), 2);
        assertEq(token.balanceOf(address(bridge)), LIQUIDITY + uint256(a) + b);
        assertEq(token.balanceOf(USER), LIQUIDITY - uint256(a) - b);
    }

    function test_aDepositToItsOwnChainOrOfNothingReverts() public {
        vm.startPrank(USER);
        vm.expectRevert(DevCanonicalBridge.SameChain.selector);
        bridge.depositERC20To(address(token), address(token), RECIPIENT, 1, block.chainid, "");
        vm.expectRevert(DevCanonicalBridge.ZeroAmount.selector);
        bridge.depositERC20To(address(token), address(token), RECIPIENT, 0, DST_CHAIN, "");
        vm.stopPrank();
    }

    function testFuzz_onlyTheMessengerFinalizesOnce(uint96 amount, uint64 nonce, address caller)
        public
    {
        vm.assume(caller != MESSENGER);
        vm.prank(caller);
        vm.expectRevert(DevCanonicalBridge.NotMessenger.selector);
        bridge.finalizeDeposit(SRC_CHAIN, nonce, address(token), USER, RECIPIENT, amount);

        vm.prank(MESSENGER);
        bridge.finalizeDeposit(SRC_CHAIN, nonce, address(token), USER, RECIPIENT, amount);
        assertEq(token.balanceOf(RECIPIENT), amount);
        assertTrue(bridge.processed(SRC_CHAIN, nonce));

        vm.prank(MESSENGER);
        vm.expectRevert(
            abi.encodeWithSelector(DevCanonicalBridge.AlreadyFinalized.selector, SRC_CHAIN, nonce)
        );
        bridge.finalizeDeposit(SRC_CHAIN, nonce, address(token), USER, RECIPIENT, amount);
        assertEq(token.balanceOf(RECIPIENT), amount);
        // The same nonce from another chain is another deposit.
        vm.prank(MESSENGER);
        bridge.finalizeDeposit(SRC_CHAIN + 1, nonce, address(token), USER, RECIPIENT, amount);
        assertEq(token.balanceOf(RECIPIENT), 2 * uint256(amount));
    }
}
