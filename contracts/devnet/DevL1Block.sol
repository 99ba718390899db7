// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title DevL1Block
/// @notice The devnet's stand-in for the OP Stack's L1Block predeploy (0x4200…0015): the L1
///         prices the chain charges data with, behind the same getters (`basefee`,
///         `blobBaseFee`, `baseFeeScalar`, `blobBaseFeeScalar`). On a real chain the sequencer's
///         deposit transaction sets them each L1 block; here the devnet's market sets them with
///         `setL1Fees` (open to anyone: a devnet has nothing to protect), so the L1 price moves.
contract DevL1Block {
    uint64 public number;
    uint64 public timestamp;
    uint256 public basefee;
    uint256 public blobBaseFee;
    uint32 public baseFeeScalar;
    uint32 public blobBaseFeeScalar;

    event L1FeesSet(uint256 basefee, uint256 blobBaseFee, uint32 baseFeeScalar, uint32 blobBaseFeeScalar);

    function setL1Fees(uint256 basefee_, uint256 blobBaseFee_, uint32 baseFeeScalar_, uint32 blobBaseFeeScalar_)
        external
    {
        basefee = basefee_;
        blobBaseFee = blobBaseFee_;
        baseFeeScalar = baseFeeScalar_;
        blobBaseFeeScalar = blobBaseFeeScalar_;
        number = uint64(block.number);
        timestamp = uint64(block.timestamp);
        emit L1FeesSet(basefee_, blobBaseFee_, baseFeeScalar_, blobBaseFeeScalar_);
    }
}
