// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {PoolOps} from "./PoolOps.sol";

/// @title BalancerOps
/// @notice The executor's hop through a Balancer V2 pool: one `Vault.swap` (v2-vault Swaps.sol)
///         of exactly `amountIn`, GIVEN_IN, with this contract as the sender of the input and
///         any recipient of the output. Hand-written calls like PoolOps'; each bubbles up the
///         callee's revert data (`BAL#…`).
///
///         The Vault pulls the input with `transferFrom`, so it needs this contract's allowance:
///         each hop approves exactly its `amountIn` right before the swap, and the Vault's pull
///         spends it back to zero, so no allowance to the Vault (a contract we do not own)
///         outlives the hop: a Vault bug or upgrade cannot drain what the executor holds. The
///         price is an allowance write per hop (zero → amount → zero, the second write mostly
///         refunded). The pool's id is read from the pool (`getPoolId`, an
///         immutable): the Vault calls the same pool next, so the extra call costs little more
///         than the call itself.
library BalancerOps {
    // Selectors.
    uint256 private constant SWAP = 0x52bbbe29; // swap((bytes32,uint8,address,address,uint256,bytes),(address,bool,address,bool),uint256,uint256)
    uint256 private constant GET_POOL_ID = 0x38fff2d0; // getPoolId()

    error NoPoolId(address pool);

    /// @dev Sells exactly `amountIn` of `tokenIn` for `tokenOut` in `pool` through `vault`,
    ///      the output paid to `recipient`; returns the amount out.
    function swap(
        address vault,
        address pool,
        address tokenIn,
        address tokenOut,
        uint256 amountIn,
        address recipient
    ) internal returns (uint256 amountOut) {
        PoolOps.approve(tokenIn, vault, amountIn);
        bytes32 poolId;
        bool ok;
        assembly ("memory-safe") {
            mstore(0, shl(224, GET_POOL_ID))
            ok := and(gt(returndatasize(), 31), staticcall(gas(), pool, 0, 4, 0, 32))
            poolId := mload(0)
        }
        if (!ok) revert NoPoolId(pool);
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, shl(224, SWAP))
            // Head: the SingleSwap's offset, FundManagement inline, limit, deadline.
            mstore(add(p, 4), 0xe0)
            mstore(add(p, 36), address()) // funds.sender
            mstore(add(p, 68), 0) // funds.fromInternalBalance
            mstore(add(p, 100), recipient) // funds.recipient
            mstore(add(p, 132), 0) // funds.toInternalBalance
            mstore(add(p, 164), 0) // limit: any output (the profit check guards the route)
            mstore(add(p, 196), not(0)) // deadline: none
            // SingleSwap: poolId, kind GIVEN_IN (0), assetIn, assetOut, amount, userData.
            mstore(add(p, 228), poolId)
            mstore(add(p, 260), 0)
            mstore(add(p, 292), tokenIn)
            mstore(add(p, 324), tokenOut)
            mstore(add(p, 356), amountIn)
            mstore(add(p, 388), 0xc0) // userData's offset within the SingleSwap
            mstore(add(p, 420), 0) // userData's length
            if iszero(call(gas(), vault, 0, p, 452, 0, 32)) {
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            amountOut := mload(0)
        }
    }
}
