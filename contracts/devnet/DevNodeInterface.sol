// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

interface IDevArbGasInfo {
    function getL1BaseFeeEstimate() external view returns (uint256);
}

/// @title DevNodeInterface
/// @notice The devnet's stand-in for Arbitrum's NodeInterface (0x…C8), answering
///         `gasEstimateL1Component(to, contractCreation, data)` as ArbOS does: the poster's L1
///         cost of the transaction, in L2 gas at the L2 base fee. The cost is ArbGasInfo's
///         per-byte price (16 × its L1 base fee estimate) times the data plus ArbOS's fixed
///         140-byte allowance; the real chain prices the brotli-compressed size instead.
contract DevNodeInterface {
    address public constant ARB_GAS_INFO = 0x000000000000000000000000000000000000006C;
    uint256 public constant TX_FIXED_L1_BYTES = 140;
    // Arbitrum One's minimum L2 base fee: what an eth_call without a gas price prices at.
    uint256 public constant MIN_BASE_FEE = 0.01 gwei;

    function gasEstimateL1Component(address, bool, bytes calldata data)
        external
        payable
        returns (uint64 gasEstimateForL1, uint256 baseFee, uint256 l1BaseFeeEstimate)
    {
        l1BaseFeeEstimate = IDevArbGasInfo(ARB_GAS_INFO).getL1BaseFeeEstimate();
        baseFee = block.basefee > MIN_BASE_FEE ? block.basefee : MIN_BASE_FEE;
        uint256 cost = l1BaseFeeEstimate * 16 * (data.length + TX_FIXED_L1_BYTES);
        gasEstimateForL1 = uint64((cost + baseFee - 1) / baseFee);
    }
}
