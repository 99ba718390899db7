// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title PoolOps
/// @notice The low-level calls the executor makes to Uniswap V2 pairs, Uniswap V3 pools (and
///         Algebra pools, whose `swap` is the same call) and ERC-20 tokens, and the CREATE2
///         addresses that prove a pool genuine. Hand-written calls (no ABI encoder) because
///         they run once per hop on every trade; each bubbles up the callee's revert data
///         unchanged, so `UniswapV2: K` or `SPL` reach the caller.
library PoolOps {
    uint256 internal constant PIPS = 1_000_000;

    // Selectors.
    uint256 private constant V2_SWAP = 0x022c0d9f; // swap(uint256,uint256,address,bytes)
    uint256 private constant V2_GET_RESERVES = 0x0902f1ac; // getReserves()
    uint256 private constant V3_SWAP = 0x128acb08; // swap(address,bool,int256,uint160,bytes)
    uint256 private constant TRANSFER = 0xa9059cbb; // transfer(address,uint256)
    uint256 private constant APPROVE = 0x095ea7b3; // approve(address,uint256)

    /// @dev Bytes of a V2 `swap` call before its `data`: selector, amount0Out, amount1Out, to,
    ///      offset, length.
    uint256 internal constant V2_SWAP_HEAD_BYTES = 164;
    /// @dev TickMath.MIN_SQRT_RATIO + 1 and MAX_SQRT_RATIO − 1 (v3-core TickMath.sol): the
    ///      loosest price limits a swap accepts, i.e. "no limit".
    uint256 private constant MIN_SQRT_RATIO_PLUS_ONE = 4295128740;
    uint256 private constant MAX_SQRT_RATIO_MINUS_ONE =
        1461446703485210103287273052203988822378723970341;

    error NoReserves(address pool);
    error TransferFailed(address token);
    error ApproveFailed(address token);

    /// @dev `UniswapV2Library.getAmountOut` with the fee in pips: 997/1000 is 997000/1000000,
    ///      numerator and denominator scaled alike, so the result is the same to the wei.
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut, uint256 feePips)
        internal
        pure
        returns (uint256)
    {
        uint256 amountInWithFee = amountIn * (PIPS - feePips);
        return (amountInWithFee * reserveOut) / (reserveIn * PIPS + amountInWithFee);
    }

    function reserves(address pool) internal view returns (uint256 reserve0, uint256 reserve1) {
        bool ok;
        assembly ("memory-safe") {
            mstore(0, shl(224, V2_GET_RESERVES))
            // Yul evaluates arguments right to left: the staticcall runs before returndatasize.
            ok := and(gt(returndatasize(), 63), staticcall(gas(), pool, 0, 4, 0, 64))
            reserve0 := mload(0)
            reserve1 := mload(32)
        }
        if (!ok) revert NoReserves(pool);
    }

    /// @dev What a V2 hop pays out for `amountIn` on the pair's reserves now.
    function v2AmountOut(address pool, bool zeroForOne, uint256 amountIn, uint256 feePips)
        internal
        view
        returns (uint256)
    {
        (uint256 reserve0, uint256 reserve1) = reserves(pool);
        return zeroForOne
            ? getAmountOut(amountIn, reserve0, reserve1, feePips)
            : getAmountOut(amountIn, reserve1, reserve0, feePips);
    }

    /// @dev `pool.swap(amount0Out, amount1Out, to, data)` where `data` (`dataLength` bytes) is
    ///      already in memory after the 164-byte head at `call_`.
    function v2Swap(
        uint256 call_,
        address pool,
        bool zeroForOne,
        uint256 amountOut,
        address to,
        uint256 dataLength
    ) internal {
        assembly ("memory-safe") {
            mstore(call_, shl(224, V2_SWAP))
            mstore(add(call_, 4), mul(amountOut, iszero(zeroForOne)))
            mstore(add(call_, 36), mul(amountOut, zeroForOne))
            mstore(add(call_, 68), to)
            mstore(add(call_, 100), 0x80)
            mstore(add(call_, 132), dataLength)
            if iszero(call(gas(), pool, 0, call_, add(V2_SWAP_HEAD_BYTES, dataLength), 0, 0)) {
                returndatacopy(call_, 0, returndatasize())
                revert(call_, returndatasize())
            }
        }
    }

    /// @dev Exact-input `UniswapV3Pool.swap` of `amountIn` with no price limit, output to
    ///      `recipient`; returns the amount out. The pool calls back `uniswapV3SwapCallback`
    ///      with `data` = tokenIn (one word): the token the callback pays it in.
    function v3Swap(address pool, address recipient, address tokenIn, bool zeroForOne, uint256 amountIn)
        internal
        returns (uint256 amountOut)
    {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, shl(224, V3_SWAP))
            mstore(add(p, 4), recipient)
            mstore(add(p, 36), zeroForOne)
            mstore(add(p, 68), amountIn)
            // zeroForOne lowers the price, so its limit is the floor; otherwise the ceiling.
            mstore(
                add(p, 100),
                xor(
                    MAX_SQRT_RATIO_MINUS_ONE,
                    mul(zeroForOne, xor(MAX_SQRT_RATIO_MINUS_ONE, MIN_SQRT_RATIO_PLUS_ONE))
                )
            )
            mstore(add(p, 132), 0xa0)
            mstore(add(p, 164), 32)
            mstore(add(p, 196), tokenIn)
            if iszero(call(gas(), pool, 0, p, 228, 0, 64)) {
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            // The pool returns (amount0, amount1); the side it paid out is negative.
            amountOut := sub(0, mload(shl(5, zeroForOne)))
        }
    }

    /// @dev ERC-20 `transfer` that accepts tokens returning nothing or `true`; bubbles up a
    ///      revert and fails on `false`.
    function transfer(address token, address to, uint256 amount) internal {
        bool ok;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, shl(224, TRANSFER))
            mstore(add(p, 4), to)
            mstore(add(p, 36), amount)
            mstore(0, 0)
            if iszero(call(gas(), token, 0, p, 68, 0, 32)) {
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            ok := or(iszero(returndatasize()), eq(mload(0), 1))
        }
        if (!ok) revert TransferFailed(token);
    }

    /// @dev ERC-20 `approve`, with the same return-value rules as `transfer`.
    function approve(address token, address spender, uint256 amount) internal {
        bool ok;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, shl(224, APPROVE))
            mstore(add(p, 4), spender)
            mstore(add(p, 36), amount)
            mstore(0, 0)
            if iszero(call(gas(), token, 0, p, 68, 0, 32)) {
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            ok := or(iszero(returndatasize()), eq(mload(0), 1))
        }
        if (!ok) revert ApproveFailed(token);
    }

    /// @dev The pair `UniswapV2Factory.createPair` deploys for two tokens (in either order):
    ///      CREATE2 over keccak256(token0 ‖ token1), packed (UniswapV2Library.pairFor).
    function v2PairFor(address factory, bytes32 initCodeHash, address tokenA, address tokenB)
        internal
        pure
        returns (address)
    {
        (address token0, address token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        bytes32 salt = keccak256(abi.encodePacked(token0, token1));
        return address(uint160(uint256(keccak256(abi.encodePacked(hex"ff", factory, salt, initCodeHash)))));
    }

    /// @dev The pool `UniswapV3Factory.createPool` deploys for two tokens and a fee: CREATE2
    ///      over keccak256(abi.encode(token0, token1, fee)) (v3-periphery PoolAddress.computeAddress).
    function v3PoolFor(
        address factory,
        bytes32 initCodeHash,
        address tokenA,
        address tokenB,
        uint256 feePips
    ) internal pure returns (address) {
        (address token0, address token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        bytes32 salt = keccak256(abi.encode(token0, token1, uint24(feePips)));
        return address(uint160(uint256(keccak256(abi.encodePacked(hex"ff", factory, salt, initCodeHash)))));
    }

    /// @dev The pool `AlgebraPoolDeployer.deploy` creates for two tokens: CREATE2 by the pool
    ///      deployer over keccak256(abi.encode(token0, token1)), one pool per pair (Algebra
    ///      Integral periphery PoolAddress.computeAddress).
    function algebraPoolFor(address poolDeployer, bytes32 initCodeHash, address tokenA, address tokenB)
        internal
        pure
        returns (address)
    {
        (address token0, address token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        bytes32 salt = keccak256(abi.encode(token0, token1));
        return address(uint160(uint256(keccak256(abi.encodePacked(hex"ff", poolDeployer, salt, initCodeHash)))));
    }
}
