// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title PlanCalldata
/// @notice Reads the fields of an executor plan straight from calldata (layout in
///         OmniArbExecutor's notes). `hops` is the calldata offset of hop 0; hop i starts
///         64·i bytes later. Every function is a few opcodes, inlined by the compiler.
library PlanCalldata {
    uint256 internal constant HEADER_BYTES = 41;
    uint256 internal constant HOP_BYTES = 64;
    /// @dev The bits of a kind byte that flag a V4 hop's side of the native coin, not its kind.
    uint256 internal constant NATIVE_FLAGS = 0x60;
    uint256 private constant KIND_MASK = 0x9f;

    /// @dev (flash source, amountIn, minProfit, offset of hop 0) of the plan at `plan`.
    function header(uint256 plan)
        internal
        pure
        returns (uint256 source, uint256 amountIn, uint256 minProfit, uint256 hops)
    {
        assembly ("memory-safe") {
            let head := calldataload(plan)
            source := shr(248, head)
            amountIn := shr(128, shl(8, head))
            minProfit := shr(128, calldataload(add(plan, 17)))
            hops := add(plan, HEADER_BYTES)
        }
    }

    function pool(uint256 hops, uint256 i) internal pure returns (address value) {
        assembly ("memory-safe") {
            value := shr(96, calldataload(add(hops, shl(6, i))))
        }
    }

    function tokenIn(uint256 hops, uint256 i) internal pure returns (address token) {
        assembly ("memory-safe") {
            token := shr(96, calldataload(add(add(hops, shl(6, i)), 20)))
        }
    }

    function factory(uint256 hops, uint256 i) internal pure returns (address value) {
        assembly ("memory-safe") {
            value := shr(96, calldataload(add(add(hops, shl(6, i)), 40)))
        }
    }

    function kind(uint256 hops, uint256 i) internal pure returns (uint256 value) {
        assembly ("memory-safe") {
            value := and(shr(248, calldataload(add(add(hops, shl(6, i)), 60))), KIND_MASK)
        }
    }

    /// @dev The native-coin flags of hop i's kind byte (NATIVE_FLAGS bits; zero for most hops).
    function native(uint256 hops, uint256 i) internal pure returns (uint256 flags) {
        assembly ("memory-safe") {
            flags := and(shr(248, calldataload(add(add(hops, shl(6, i)), 60))), NATIVE_FLAGS)
        }
    }

    function feePips(uint256 hops, uint256 i) internal pure returns (uint256 value) {
        assembly ("memory-safe") {
            value := and(shr(224, calldataload(add(add(hops, shl(6, i)), 60))), 0xffffff)
        }
    }

    function poolKindFee(uint256 hops, uint256 i)
        internal
        pure
        returns (address value, uint256 kind_, uint256 fee_)
    {
        assembly ("memory-safe") {
            let hop := add(hops, shl(6, i))
            value := shr(96, calldataload(hop))
            let meta := calldataload(add(hop, 60))
            kind_ := and(shr(248, meta), KIND_MASK)
            fee_ := and(shr(224, meta), 0xffffff)
        }
    }
}
