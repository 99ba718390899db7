// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title V3PoolsLens
/// @notice Deployless batch reader of Uniswap V3 pools: per pool its immutables (factory,
///         tokens, fee, tick spacing), `slot0` (sqrtPriceX96, tick, unlocked), `liquidity`, and
///         every initialized tick with its `liquidityGross` and `liquidityNet`, found by scanning
///         the pool's tick bitmap inside the EVM, in one `eth_call`.
/// @dev Never deployed: the caller sends `eth_call {data: creationCode ++ abi.encode(segments,
///      maxBytes)}` without `to`, and the constructor's `return` is the call's output. It reads
///      only the pools' public getters (v3-core UniswapV3Pool.sol: `tickSpacing`, `fee`,
///      `factory`, `token0`, `token1`, `slot0`, `liquidity`, `tickBitmap`, `ticks`).
///
///      Paging. A creation's output is code, so it is capped at 24,576 bytes (EIP-170) and
///      costs 200 gas a byte; the whole call is capped by the node's gas cap (2^24 on anvil
///      1.7.1, EIP-7825). A full scan costs one cold storage read per bitmap word (694 words at
///      tick spacing 10, 6,932 at spacing 1), so one call cannot always read one pool. The input
///      is therefore a list of segments, each one pool and a range of bitmap words
///      `[fromWord, toWord]` (clamped to the words the pool's spacing can use, so a caller that
///      does not know the spacing may ask for everything). The lens works through the segments
///      in order and stops before the output would pass `maxBytes` or the gas left would not
///      pay for the next step and the output's deposit; each record says where its scan
///      stopped (`nextWord`), and the caller asks again from there.
///
///      Segment (uint256): pool address (bits 96..255) | fromWord as int24 (bits 24..47) |
///      toWord as int24 (bits 0..23).
///
///      Output (raw bytes, not ABI-encoded): 32 bytes block.number | 32 bytes record count, then
///      one record per segment started, in order:
///        pool (20) | flags (1: bit 0 the pool answers, bit 1 slot0.unlocked) | factory (20) |
///        token0 (20) | token1 (20) | fee (3) | tickSpacing (3, int24) | sqrtPriceX96 (20) |
///        tick (3, int24) | liquidity (16) | fromWord (3) | toWord (3) (both clamped) |
///        nextWord (3) (the first word not scanned; > toWord when the segment is complete) |
///        tick count (2) | per initialized tick, ascending: tick (3, int24) |
///        liquidityGross (16) | liquidityNet (16, int128)
///      An address that does not answer `tickSpacing()` (no pool there, e.g. one a reorg
///      removed) gives a record with flags 0, zeros, and an empty complete range.
contract V3PoolsLens {
    constructor(uint256[] memory segments, uint256 maxBytes) {
        assembly ("memory-safe") {
            // Gas one step may need beyond what it has spent, on top of the output's deposit of 200
            // a byte: a pool's header 40,000 (one cold account, two cold slots, six warm calls), a
            // bitmap word 6,000 (one cold slot), a tick 16,000 (four cold slots), and a margin of
            // 40,000 for the return. A header is 137 bytes, a tick 35. Calls go through the 256
            // bytes just below the output (`out - 0x100`).

            // Store `value` (already masked) as the `size` bytes at `at`; returns the end.
            // Stores go in increasing order, each overwriting the garbage tail of the one before.
            function put(at, value, size) -> end {
                mstore(at, shl(sub(256, mul(8, size)), value))
                end := add(at, size)
            }

            // staticcall `target` with a 4-byte selector and one word argument into `buf`;
            // true when it succeeded and answered at least one word.
            function read(target, sel, arg, buf, outSize) -> ok {
                mstore(buf, shl(224, sel))
                mstore(add(buf, 4), arg)
                ok := staticcall(gas(), target, buf, 36, buf, outSize)
                if lt(returndatasize(), 32) { ok := 0 }
            }

            // The index of the only set bit of a power of two.
            function bitIndex(x) -> r {
                if gt(x, 0xffffffffffffffffffffffffffffffff) { x := shr(128, x) r := 128 }
                if gt(x, 0xffffffffffffffff) { x := shr(64, x) r := or(r, 64) }
                if gt(x, 0xffffffff) { x := shr(32, x) r := or(r, 32) }
                if gt(x, 0xffff) { x := shr(16, x) r := or(r, 16) }
                if gt(x, 0xff) { x := shr(8, x) r := or(r, 8) }
                if gt(x, 0xf) { x := shr(4, x) r := or(r, 4) }
                if gt(x, 0x3) { x := shr(2, x) r := or(r, 2) }
                if gt(x, 0x1) { r := or(r, 1) }
            }

            function popcount(x) -> c {
                for {} x { x := and(x, sub(x, 1)) } { c := add(c, 1) }
            }

            // The pool's fields from factory to liquidity (105 bytes) at `at`; flags bit 0: the
            // pool answered every getter, bit 1: slot0.unlocked. No pool: zeros.
            function header(pool, at, buf) -> end, spacing, flags {
                // tickSpacing() 0xd0c93a7c: an answer > 0 says a pool is there.
                if read(pool, 0xd0c93a7c, 0, buf, 32) { spacing := signextend(2, mload(buf)) }
                end := at
                if sgt(spacing, 0) {
                    flags := 1
                    // factory() 0xc45a0155, token0() 0x0dfe1681, token1() 0xd21220a7, fee() 0xddca3f43
                    if iszero(read(pool, 0xc45a0155, 0, buf, 32)) { flags := 0 }
                    end := put(end, mload(buf), 20)
                    if iszero(read(pool, 0x0dfe1681, 0, buf, 32)) { flags := 0 }
                    end := put(end, mload(buf), 20)
                    if iszero(read(pool, 0xd21220a7, 0, buf, 32)) { flags := 0 }
                    end := put(end, mload(buf), 20)
                    if iszero(read(pool, 0xddca3f43, 0, buf, 32)) { flags := 0 }
                    end := put(end, and(mload(buf), 0xffffff), 3)
                    end := put(end, and(spacing, 0xffffff), 3)
                    // slot0() 0x3850c7bd: (sqrtPriceX96, tick, ..., unlocked) in 7 words
                    if iszero(read(pool, 0x3850c7bd, 0, buf, 224)) { flags := 0 }
                    let unlocked := mload(add(buf, 192))
                    end := put(end, mload(buf), 20)
                    end := put(end, and(mload(add(buf, 32)), 0xffffff), 3)
                    // liquidity() 0x1a686502
                    if iszero(read(pool, 0x1a686502, 0, buf, 32)) { flags := 0 }
                    end := put(end, mload(buf), 16)
                    if and(flags, iszero(iszero(unlocked))) { flags := 3 }
                }
                if iszero(flags) {
                    mstore(at, 0)
                    mstore(add(at, 32), 0)
                    mstore(add(at, 64), 0)
                    mstore(add(at, 96), 0)
                    end := add(at, 105)
                    spacing := 0
                }
            }

            // The initialized ticks of bitmap words `word ..= toWord`, written from `at`, until
            // the output or the gas would not cover the next word. Returns the end, the first
            // word not scanned and how many ticks were written.
            function scan(pool, spacing, word, toWord, at, out, limit) -> end, next, count {
                let buf := sub(out, 0x100)
                end := at
                for {} iszero(sgt(word, toWord)) { word := add(word, 1) } {
                    if lt(gas(), add(46000, mul(sub(end, out), 200))) { break }
                    // tickBitmap(int16) 0x5339c296
                    if iszero(read(pool, 0x5339c296, word, buf, 32)) { revert(0, 0) }
                    let bits := mload(buf)
                    let after := add(sub(end, out), mul(popcount(bits), 35))
                    if gt(after, limit) { break }
                    if lt(gas(), add(add(mul(popcount(bits), 16000), 40000), mul(after, 200))) {
                        break
                    }
                    for {} bits {} {
                        let low := and(bits, sub(0, bits))
                        bits := xor(bits, low)
                        let tick := mul(add(mul(word, 256), bitIndex(low)), spacing)
                        // ticks(int24) 0xf30dba93: (liquidityGross, liquidityNet, ...) 8 words
                        if iszero(read(pool, 0xf30dba93, tick, buf, 256)) { revert(0, 0) }
                        end := put(end, and(tick, 0xffffff), 3)
                        end := put(end, mload(buf), 16)
                        end := put(end, and(mload(add(buf, 32)), 0xffffffffffffffffffffffffffffffff), 16)
                        count := add(count, 1)
                    }
                }
                next := word
            }

            if gt(maxBytes, 24576) { maxBytes := 24576 }
            let out := add(mload(0x40), 0x100)
            mstore(0x40, add(out, add(maxBytes, 64)))
            mstore(out, number())
            let len := 64
            let records := 0
            for { let s := 0 } lt(s, mload(segments)) { s := add(s, 1) } {
                if gt(add(len, 137), maxBytes) { break }
                if lt(gas(), add(80000, mul(add(len, 137), 200))) { break }
                let segment := mload(add(segments, mul(add(s, 1), 32)))
                let pool := shr(96, segment)
                let fromWord := signextend(2, and(shr(24, segment), 0xffffff))
                let toWord := signextend(2, and(segment, 0xffffff))
                let at := put(add(out, len), pool, 20)
                let end, spacing, flags := header(pool, add(at, 1), sub(out, 0x100))
                mstore8(at, flags)
                switch flags
                case 0 {
                    fromWord := 0
                    toWord := not(0)
                }
                default {
                    // The words a usable tick of this spacing can be in (TickMath MIN/MAX_TICK;
                    // sdiv truncates toward zero, which keeps the compressed tick in range).
                    let minWord := sar(8, sdiv(sub(0, 887272), spacing))
                    let maxWord := sar(8, sdiv(887272, spacing))
                    if slt(fromWord, minWord) { fromWord := minWord }
                    if sgt(toWord, maxWord) { toWord := maxWord }
                }
                end := put(end, and(fromWord, 0xffffff), 3)
                end := put(end, and(toWord, 0xffffff), 3)
                let tail := end // nextWord (3) and tick count (2), written once known
                let scanned, next, count := scan(
                    pool, spacing, fromWord, toWord, add(tail, 5), out, maxBytes
                )
                end := scanned
                mstore8(tail, and(shr(16, next), 0xff))
                mstore8(add(tail, 1), and(shr(8, next), 0xff))
                mstore8(add(tail, 2), and(next, 0xff))
                mstore8(add(tail, 3), and(shr(8, count), 0xff))
                mstore8(add(tail, 4), and(count, 0xff))
                len := sub(end, out)
                records := add(records, 1)
                if iszero(sgt(next, toWord)) { break } // stopped inside this segment
            }
            mstore(add(out, 32), records)
            return(out, len)
        }
    }
}
