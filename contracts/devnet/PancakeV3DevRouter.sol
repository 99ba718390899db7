// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

interface IPancakeV3PoolActions {
    function swap(
        address recipient,
        bool zeroForOne,
        int256 amountSpecified,
        uint160 sqrtPriceLimitX96,
        bytes calldata data
    ) external returns (int256 amount0, int256 amount1);

    function mint(
        address recipient,
        int24 tickLower,
        int24 tickUpper,
        uint128 amount,
        bytes calldata data
    ) external returns (uint256 amount0, uint256 amount1);

    function token0() external view returns (address);
    function token1() external view returns (address);
    function slot0()
        external
        view
        returns (uint160 sqrtPriceX96, int24 tick, uint16, uint16, uint16, uint32, bool);
}

interface IERC20TransferFrom {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// @title PancakeV3DevRouter (devnet)
/// @notice The devnet's periphery for PancakeSwap V3 pools, whose npm package ships no periphery
///         bytecode: liquidity by `mint`, exact-input swaps by `swap`, each paid in the pool's
///         callback from the caller's approved balance; and quotes the way Uniswap's QuoterV2
///         takes them: the pool runs the real swap and this contract's callback reverts with
///         its result, so a quote is the pool's own arithmetic.
/// @dev Devnet only: it pays whichever pool it is calling right now (`_pool`, transient), from
///      the account that called it.
contract PancakeV3DevRouter {
    uint160 private constant MIN_SQRT_RATIO_PLUS_ONE = 4295128740;
    uint160 private constant MAX_SQRT_RATIO_MINUS_ONE =
        1461446703485210103287273052203988822378723970341;

    address private transient _pool;
    address private transient _payer;
    bool private transient _quoting;

    error UnexpectedCallback(address caller);
    error TransferFailed(address token);
    /// @dev A quote's answer, reverted out of the swap callback.
    error Quote(int256 amount0, int256 amount1, uint160 sqrtPriceX96After, int24 tickAfter);

    function mint(address pool, address recipient, int24 tickLower, int24 tickUpper, uint128 amount)
        external
        returns (uint256 amount0, uint256 amount1)
    {
        _pool = pool;
        _payer = msg.sender;
        (amount0, amount1) =
            IPancakeV3PoolActions(pool).mint(recipient, tickLower, tickUpper, amount, "");
        _pool = address(0);
    }

    /// @notice Swap exactly `amountIn` of `tokenIn` (one of the pool's tokens) through `pool`,
    ///         paid to `recipient`, with no price limit and no minimum out.
    function swap(address pool, address tokenIn, uint256 amountIn, address recipient)
        external
        returns (uint256 amountOut)
    {
        bool zeroForOne = tokenIn == IPancakeV3PoolActions(pool).token0();
        _pool = pool;
        _payer = msg.sender;
        (int256 amount0, int256 amount1) = IPancakeV3PoolActions(pool).swap(
            recipient,
            zeroForOne,
            int256(amountIn),
            zeroForOne ? MIN_SQRT_RATIO_PLUS_ONE : MAX_SQRT_RATIO_MINUS_ONE,
            ""
        );
        _pool = address(0);
        amountOut = uint256(-(zeroForOne ? amount1 : amount0));
    }

    /// @notice What `pool.swap(…, zeroForOne, amountSpecified, sqrtPriceLimitX96)` would do now
    ///         (positive amountSpecified: exact input; negative: exact output): the pool's
    ///         signed amounts and its price and tick after. Call it with `eth_call`. A swap the
    ///         pool refuses reverts with the pool's own reason.
    function quote(address pool, bool zeroForOne, int256 amountSpecified, uint160 sqrtPriceLimitX96)
        external
        returns (int256 amount0, int256 amount1, uint160 sqrtPriceX96After, int24 tickAfter)
    {
        _pool = pool;
        _quoting = true;
        try IPancakeV3PoolActions(pool).swap(
            address(this), zeroForOne, amountSpecified, sqrtPriceLimitX96, ""
        ) {
            revert UnexpectedCallback(address(0)); // a swap that took no input: never here
        } catch (bytes memory reason) {
            if (reason.length != 132 || bytes4(reason) != Quote.selector) {
                assembly ("memory-safe") {
                    revert(add(reason, 32), mload(reason))
                }
            }
            assembly ("memory-safe") {
                amount0 := mload(add(reason, 36))
                amount1 := mload(add(reason, 68))
                sqrtPriceX96After := mload(add(reason, 100))
                tickAfter := mload(add(reason, 132))
            }
        }
    }

    function pancakeV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata)
        external
    {
        if (msg.sender != _pool) revert UnexpectedCallback(msg.sender);
        if (_quoting) {
            (uint160 sqrtPriceX96, int24 tick,,,,,) = IPancakeV3PoolActions(msg.sender).slot0();
            revert Quote(amount0Delta, amount1Delta, sqrtPriceX96, tick);
        }
        if (amount0Delta > 0) _pay(IPancakeV3PoolActions(msg.sender).token0(), uint256(amount0Delta));
        if (amount1Delta > 0) _pay(IPancakeV3PoolActions(msg.sender).token1(), uint256(amount1Delta));
    }

    function pancakeV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata)
        external
    {
        if (msg.sender != _pool) revert UnexpectedCallback(msg.sender);
        if (amount0Owed > 0) _pay(IPancakeV3PoolActions(msg.sender).token0(), amount0Owed);
        if (amount1Owed > 0) _pay(IPancakeV3PoolActions(msg.sender).token1(), amount1Owed);
    }

    function _pay(address token, uint256 amount) private {
        (bool ok, bytes memory answer) = token.call(
            abi.encodeCall(IERC20TransferFrom.transferFrom, (_payer, msg.sender, amount))
        );
        if (!ok || (answer.length != 0 && !abi.decode(answer, (bool)))) {
            revert TransferFailed(token);
        }
    }
}
