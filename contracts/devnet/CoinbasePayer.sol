// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title CoinbasePayer
/// @notice Devnet-only: lets a test bundle pay the block's coinbase directly, once per
///         opportunity. The first `claim` of an id pays `msg.value` to `block.coinbase`; a second
///         claim of the same id reverts, which is how two bundles for one opportunity conflict.
contract CoinbasePayer {
    mapping(bytes32 => bool) public claimed;

    error AlreadyClaimed(bytes32 opportunity);
    error PaymentFailed();

    /// @notice Claims `opportunity` and sends the whole `msg.value` to the coinbase.
    function claim(bytes32 opportunity) external payable {
        if (claimed[opportunity]) revert AlreadyClaimed(opportunity);
        claimed[opportunity] = true;
        (bool ok, ) = block.coinbase.call{value: msg.value}("");
        if (!ok) revert PaymentFailed();
    }
}
