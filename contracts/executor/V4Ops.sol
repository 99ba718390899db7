// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title V4Ops
/// @notice The calls the executor makes to a Uniswap V4 PoolManager (`@uniswap/v4-core` 1.0.2,
///         PoolManager.sol) inside one `unlock`: `swap` of a hookless pool, `take`, `sync` and
///         `settle` (with value for the native coin); and to the wrapped native token (WETH9's
///         `withdraw` and `deposit`) around a pool of the native coin. Hand-written like
///         PoolOps' calls; each bubbles up the callee's revert data.
///
///         Flash accounting: within `unlock` the manager keeps, per currency, what it owes the
///         caller (positive) or is owed (negative). A swap adds its BalanceDelta (the input
///         negative, the output positive, caller-signed); `take` pays out and lowers it; `sync`,
///         a transfer to the manager and `settle` raise it by the amount transferred. `unlock`
///         reverts `CurrencyNotSettled` unless every currency is back at zero when the callback
///         returns, so a route that leaves anything owed or unclaimed reverts whole.
library V4Ops {
    // Selectors.
    uint256 private constant SWAP = 0xf3cd914c; // swap((address,address,uint24,int24,address),(bool,int256,uint160),bytes)
    uint256 private constant TAKE = 0x0b0d9c09; // take(address,address,uint256)
    uint256 private constant SYNC = 0xa5841194; // sync(address)
    uint256 private constant SETTLE = 0x11da60b4; // settle()
    uint256 private constant WITHDRAW = 0x2e1a7d4d; // withdraw(uint256), WETH9
    uint256 private constant DEPOSIT = 0xd0e30db0; // deposit(), WETH9
    /// @dev TickMath.MIN_SQRT_PRICE + 1 and MAX_SQRT_PRICE − 1 (v4-core TickMath.sol, the same
    ///      numbers as v3-core's): "no price limit", as V4Quoter swaps.
    uint256 private constant MIN_SQRT_PRICE_PLUS_ONE = 4295128740;
    uint256 private constant MAX_SQRT_PRICE_MINUS_ONE =
        1461446703485210103287273052203988822378723970341;

    error NotGenuineV4Pool(address pool);

    /// @dev Exact-input `swap` of `amountIn` of `tokenIn` for `tokenOut` through the hookless
    ///      pool with LP fee `fee` whose plan name is `pool` (the leading 17 bytes of its id ‖
    ///      its tick spacing), no price limit, no hook data; returns the output the manager
    ///      now owes the caller. Reverts unless keccak256(abi.encode(PoolKey)) (PoolIdLibrary
    ///      .toId) of the key built here starts with those 17 bytes.
    function swap(
        address manager,
        address pool,
        address tokenIn,
        address tokenOut,
        uint256 fee,
        uint256 amountIn
    ) internal returns (uint256 amountOut) {
        bool genuine;
        assembly ("memory-safe") {
            let p := mload(0x40)
            let zeroForOne := lt(tokenIn, tokenOut)
            mstore(p, shl(224, SWAP))
            // The key: currency0 < currency1, fee, tick spacing (int24), no hooks.
            switch zeroForOne
            case 1 {
                mstore(add(p, 4), tokenIn)
                mstore(add(p, 36), tokenOut)
            }
            default {
                mstore(add(p, 4), tokenOut)
                mstore(add(p, 36), tokenIn)
            }
            mstore(add(p, 68), fee)
            mstore(add(p, 100), signextend(2, pool))
            mstore(add(p, 132), 0)
            genuine := eq(shr(120, keccak256(add(p, 4), 160)), shr(24, pool))
            mstore(add(p, 164), zeroForOne)
            mstore(add(p, 196), sub(0, amountIn)) // negative: exact input
            mstore(
                add(p, 228),
                xor(
                    MAX_SQRT_PRICE_MINUS_ONE,
                    mul(zeroForOne, xor(MAX_SQRT_PRICE_MINUS_ONE, MIN_SQRT_PRICE_PLUS_ONE))
                )
            )
            mstore(add(p, 260), 0x120) // hookData's offset, past the 9 head words
            mstore(add(p, 292), 0) // hookData's length
            if genuine {
                if iszero(call(gas(), manager, 0, p, 324, 0, 32)) {
                    returndatacopy(p, 0, returndatasize())
                    revert(p, returndatasize())
                }
                // BalanceDelta: amount0 in the high 128 bits, amount1 in the low; the output
                // is the positive side (currency1 when selling currency0).
                let delta := mload(0)
                amountOut := signextend(15, delta)
                if iszero(zeroForOne) { amountOut := sar(128, delta) }
            }
        }
        if (!genuine) revert NotGenuineV4Pool(pool);
    }

    /// @dev `take(currency, to, amount)`: the manager pays `amount` to `to`.
    function take(address manager, address currency, address to, uint256 amount) internal {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, shl(224, TAKE))
            mstore(add(p, 4), currency)
            mstore(add(p, 36), to)
            mstore(add(p, 68), amount)
            if iszero(call(gas(), manager, 0, p, 100, 0, 0)) {
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
        }
    }

    /// @dev `sync(currency)`: the manager notes its balance, so that `settle` credits what
    ///      arrives after it.
    function sync(address manager, address currency) internal {
        _call(manager, SYNC, uint160(currency), 36, 0);
    }

    /// @dev `settle()`: credits the caller with what the synced currency's balance grew by.
    function settle(address manager) internal {
        _call(manager, SETTLE, 0, 4, 0);
    }

    /// @dev `settle{value: amount}()` with no currency synced (every `sync` of ours is settled
    ///      at once, which resets it): PoolManager._settle credits the caller with msg.value of
    ///      the native coin.
    function settleNative(address manager, uint256 amount) internal {
        _call(manager, SETTLE, 0, 4, amount);
    }

    /// @dev WETH9 `withdraw(amount)`: burns `amount` of the caller's wrapped token and sends it
    ///      the native coin (`transfer`: 2,300 gas for its `receive`).
    function unwrap(address wrapped, uint256 amount) internal {
        _call(wrapped, WITHDRAW, amount, 36, 0);
    }

    /// @dev WETH9 `deposit{value: amount}()`: mints `amount` of the wrapped token to the caller.
    function wrap(address wrapped, uint256 amount) internal {
        _call(wrapped, DEPOSIT, 0, 4, amount);
    }

    /// @dev `target.call{value: value}(selector ‖ arg)`, `size` bytes of calldata.
    function _call(address target, uint256 selector, uint256 arg, uint256 size, uint256 value)
        private
    {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, shl(224, selector))
            mstore(add(p, 4), arg)
            if iszero(call(gas(), target, value, p, size, 0, 0)) {
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
        }
    }
}
