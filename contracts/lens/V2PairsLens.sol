// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @dev The views the lenses read (v2-core UniswapV2Factory.sol and UniswapV2Pair.sol).
interface IV2LensFactoryView {
    function allPairsLength() external view returns (uint256);
    function allPairs(uint256 index) external view returns (address);
}

interface IV2LensPairView {
    function token0() external view returns (address);
    function token1() external view returns (address);
    function getReserves() external view returns (uint112, uint112, uint32);
}

/// @title V2PairsLens
/// @notice Deployless batch reader: pairs `start .. start+count-1` of a Uniswap V2 factory with
///         their tokens and reserves, in one `eth_call`.
/// @dev Never deployed. The caller sends `eth_call {data: creationCode ++ abi.encode(factory,
///      start, count)}` without `to`; the constructor does the reads and hands the result back
///      with assembly `return`, which for a creation call is the call's output. Nothing needs to
///      exist on chain, so it works on any node at any block.
///
///      Because the output of a creation is the new contract's code, the node applies the code
///      rules to it: at most 24,576 bytes (EIP-170), 200 gas per byte, and a first byte other
///      than 0xEF (EIP-3541; the first word is the block number, so its top byte is zero). Hence
///      the tight packing and the caller's chunking: (24,576 - 96) / 88 = 278 pairs per call.
///
///      Output (raw bytes, not ABI-encoded, so a reader slices it without a decoder):
///        32 bytes block.number | 32 bytes allPairsLength() | 32 bytes first index read
///        then per pair 88 bytes: pair (20) | token0 (20) | token1 (20) | reserve0 (14) | reserve1 (14)
///      `start`/`count` beyond the end are clamped, so a reader can ask for a fixed-size chunk.
contract V2PairsLens {
    constructor(address factory, uint256 start, uint256 count) {
        uint256 length = IV2LensFactoryView(factory).allPairsLength();
        if (start > length) start = length;
        uint256 end = length - start < count ? length : start + count;
        uint256 n = end - start;
        // 32 bytes of slack: each record's last 32-byte store runs 4 bytes past its end.
        bytes memory out = new bytes(96 + n * 88 + 32);
        assembly ("memory-safe") {
            mstore(add(out, 32), number())
            mstore(add(out, 64), length)
            mstore(add(out, 96), start)
        }
        for (uint256 i; i < n; ++i) {
            address pair = IV2LensFactoryView(factory).allPairs(start + i);
            address token0 = IV2LensPairView(pair).token0();
            address token1 = IV2LensPairView(pair).token1();
            (uint112 reserve0, uint112 reserve1,) = IV2LensPairView(pair).getReserves();
            assembly ("memory-safe") {
                // Left-aligned stores in increasing order: each overwrites the zero tail of the
                // one before.
                let at := add(out, add(128, mul(i, 88)))
                mstore(at, shl(96, pair))
                mstore(add(at, 20), shl(96, token0))
                mstore(add(at, 40), shl(96, token1))
                mstore(add(at, 60), shl(32, or(shl(112, reserve0), reserve1)))
            }
        }
        assembly ("memory-safe") {
            return(add(out, 32), sub(mload(out), 32))
        }
    }
}

/// @title V2ReservesLens
/// @notice Deployless batch reader: `getReserves()` of a list of pairs, with the block number.
/// @dev Used like V2PairsLens (`eth_call {data: creationCode ++ abi.encode(pairs)}`, no `to`),
///      under the same code rules: (24,576 - 32) / 28 = 876 pairs per call at most.
///      Output: 32 bytes block.number, then per pair 28 bytes: reserve0 (14) | reserve1 (14).
///      A pair whose call fails or answers short (no code at that address, e.g. a pair that a
///      reorg removed) reads as 28 bytes of 0xff, reserves no real pair can hold together, so one
///      bad address does not sink the whole batch.
contract V2ReservesLens {
    constructor(address[] memory pairs) {
        uint256 n = pairs.length;
        bytes memory out = new bytes(32 + n * 28 + 32);
        assembly ("memory-safe") {
            mstore(add(out, 32), number())
            // Call in and out through the unallocated memory past the free pointer: scratch space
            // (0x00-0x3f) is too small for the 96-byte answer.
            let buffer := mload(0x40)
            let src := add(pairs, 32)
            let dst := add(out, 64)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let packed := not(0)
                // getReserves() selector 0x0902f1ac, left-aligned.
                mstore(buffer, shl(224, 0x0902f1ac))
                if staticcall(gas(), mload(add(src, mul(i, 32))), buffer, 4, buffer, 96) {
                    if iszero(lt(returndatasize(), 96)) {
                        packed := shl(32, or(shl(112, mload(buffer)), mload(add(buffer, 32))))
                    }
                }
                mstore(add(dst, mul(i, 28)), packed)
            }
            return(add(out, 32), sub(mload(out), 32))
        }
    }
}
