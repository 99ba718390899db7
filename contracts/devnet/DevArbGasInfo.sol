// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title DevArbGasInfo
/// @notice The devnet's stand-in for Arbitrum's ArbGasInfo precompile (0x…6C): the L1 base fee
///         ArbOS assumes (`getL1BaseFeeEstimate`) and the prices derived from it
///         (`getPricesInWei`: per L2 tx, per L1 calldata byte = 16 × the L1 base fee, per storage
///         allocation, per ArbGas base, congestion, total). The devnet's market moves the L1
///         price with `setL1BaseFeeEstimate` (open to anyone: a devnet has nothing to protect).
contract DevArbGasInfo {
    uint256 private l1BaseFee;

    event L1BaseFeeEstimateSet(uint256 l1BaseFeeEstimate);

    function setL1BaseFeeEstimate(uint256 l1BaseFeeEstimate) external {
        l1BaseFee = l1BaseFeeEstimate;
        emit L1BaseFeeEstimateSet(l1BaseFeeEstimate);
    }

    function getL1BaseFeeEstimate() external view returns (uint256) {
        return l1BaseFee;
    }

    function getL1GasPriceEstimate() external view returns (uint256) {
        return l1BaseFee;
    }

    function getPricesInWei() external view returns (uint256, uint256, uint256, uint256, uint256, uint256) {
        return (0, l1BaseFee * 16, 0, block.basefee, 0, block.basefee);
    }
}
