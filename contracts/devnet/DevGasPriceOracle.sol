// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

interface IDevL1Block {
    function basefee() external view returns (uint256);
    function blobBaseFee() external view returns (uint256);
    function baseFeeScalar() external view returns (uint32);
    function blobBaseFeeScalar() external view returns (uint32);
}

/// @title DevGasPriceOracle
/// @notice The devnet's stand-in for the OP Stack's GasPriceOracle predeploy (0x4200…000F) after
///         Fjord: `getL1Fee(bytes)` prices an unsigned transaction's L1 data from the L1Block
///         predeploy's prices with the Fjord formula (OP Stack specs, Fjord exec-engine.md):
///         l1FeeScaled = baseFeeScalar·l1BaseFee·16 + blobBaseFeeScalar·blobBaseFee,
///         estimatedSize = max(100e6, -42_585_600 + 836_500·(fastLzLength(tx) + 68)),
///         l1Fee = estimatedSize·l1FeeScaled / 1e12.
///         The FastLZ length is FastLZ level 1's (ariya/FastLZ), counted the way op-geth's
///         `FlzCompressLen` counts it, written out plainly here (gas does not matter in an eth_call).
contract DevGasPriceOracle {
    address public constant L1_BLOCK = 0x4200000000000000000000000000000000000015;
    uint256 public constant DECIMALS = 6;
    int256 public constant COST_INTERCEPT = -42_585_600;
    uint256 public constant COST_FASTLZ_COEF = 836_500;
    uint256 public constant MIN_TRANSACTION_SIZE = 100;
    uint256 private constant SIGNATURE_BYTES = 68;

    function isEcotone() external pure returns (bool) {
        return true;
    }

    function isFjord() external pure returns (bool) {
        return true;
    }

    function decimals() external pure returns (uint256) {
        return DECIMALS;
    }

    function gasPrice() external view returns (uint256) {
        return block.basefee;
    }

    function baseFee() external view returns (uint256) {
        return block.basefee;
    }

    function l1BaseFee() public view returns (uint256) {
        return IDevL1Block(L1_BLOCK).basefee();
    }

    function blobBaseFee() public view returns (uint256) {
        return IDevL1Block(L1_BLOCK).blobBaseFee();
    }

    function baseFeeScalar() public view returns (uint32) {
        return IDevL1Block(L1_BLOCK).baseFeeScalar();
    }

    function blobBaseFeeScalar() public view returns (uint32) {
        return IDevL1Block(L1_BLOCK).blobBaseFeeScalar();
    }

    /// @notice The L1 fee of an unsigned, RLP-encoded transaction.
    function getL1Fee(bytes calldata data) external view returns (uint256) {
        return _fjordL1Cost(fastLzLength(data) + SIGNATURE_BYTES);
    }

    /// @notice An upper bound on the L1 fee of an unsigned transaction of `unsignedTxSize` bytes.
    function getL1FeeUpperBound(uint256 unsignedTxSize) external view returns (uint256) {
        uint256 txSize = unsignedTxSize + SIGNATURE_BYTES;
        return _fjordL1Cost(txSize + txSize / 255 + 16);
    }

    /// @notice The L1 gas the data counts for (16 per estimated byte), as Fjord defines it.
    function getL1GasUsed(bytes calldata data) external pure returns (uint256) {
        return _estimatedSize(fastLzLength(data) + SIGNATURE_BYTES) * 16 / 1e6;
    }

    function _estimatedSize(uint256 fastLzSize) internal pure returns (uint256) {
        int256 size = COST_INTERCEPT + int256(COST_FASTLZ_COEF * fastLzSize);
        int256 minimum = int256(MIN_TRANSACTION_SIZE * 1e6);
        return uint256(size < minimum ? minimum : size);
    }

    function _fjordL1Cost(uint256 fastLzSize) internal view returns (uint256) {
        uint256 feeScaled =
            uint256(baseFeeScalar()) * 16 * l1BaseFee() + uint256(blobBaseFeeScalar()) * blobBaseFee();
        return _estimatedSize(fastLzSize) * feeScaled / 1e12;
    }

    /// @notice The byte length FastLZ level 1 compresses `data` to.
    function fastLzLength(bytes calldata data) public pure returns (uint256 size) {
        uint256 n = data.length;
        uint256[] memory table = new uint256[](8192);
        uint256 limit = n >= 13 ? n - 13 : 0;
        uint256 anchor = 0;
        uint256 ip = 2;
        while (ip < limit) {
            uint256 ref;
            uint256 seq;
            while (true) {
                seq = _u24(data, ip);
                uint256 bucket = _bucket(seq);
                ref = table[bucket];
                table[bucket] = ip;
                uint256 distance = ip - ref;
                if (ip >= limit) break;
                ip++;
                if (distance <= 0x1fff && seq == _u24(data, ref)) break;
            }
            if (ip >= limit) break;
            ip--;
            if (ip > anchor) size += _literalBytes(ip - anchor);
            // The length counts the first differing byte too, as op-geth's FlzCompressLen does.
            uint256 end = limit + 9 - (ip + 3);
            uint256 len = 0;
            while (len < end) {
                bool same = data[ref + 3 + len] == data[ip + 3 + len];
                len++;
                if (!same) break;
            }
            size += _matchBytes(len);
            ip += len;
            table[_bucket(_u24(data, ip))] = ip;
            ip++;
            table[_bucket(_u24(data, ip))] = ip;
            ip++;
            anchor = ip;
        }
        size += _literalBytes(n - anchor);
    }

    function _u24(bytes calldata data, uint256 i) private pure returns (uint256) {
        return uint256(uint8(data[i])) | (uint256(uint8(data[i + 1])) << 8) | (uint256(uint8(data[i + 2])) << 16);
    }

    function _bucket(uint256 seq) private pure returns (uint256) {
        return (((2654435769 * seq) & 0xffffffff) >> 19) & 0x1fff;
    }

    function _literalBytes(uint256 count) private pure returns (uint256) {
        uint256 rest = count % 32;
        return 33 * (count / 32) + (rest == 0 ? 0 : rest + 1);
    }

    function _matchBytes(uint256 len) private pure returns (uint256) {
        uint256 l = len - 1;
        return 3 * (l / 262) + (l % 262 >= 6 ? 3 : 2);
    }
}
