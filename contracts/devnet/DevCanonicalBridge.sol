// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

interface IDevBridgeToken {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// @title DevCanonicalBridge
/// @notice The devnet's lock-and-release bridge, shaped like the canonical bridges: a deposit
///         (`depositERC20To`, as OP's L1StandardBridge; Arbitrum's gateway calls it
///         `outboundTransfer`) locks the tokens here and emits everything the destination needs;
///         the bridge's messenger later calls `finalizeDeposit` on the destination's bridge
///         (as OP's L2StandardBridge.finalizeDeposit, reached through the CrossDomainMessenger).
/// @dev    A real canonical bridge mints a bridged representation on L2. The devnet moves the
///         SAME asset between chains (the rebalancer's inventory), and DevToken lets only its
///         owner mint, so the destination releases from the bridge's own liquidity (funded at
///         deployment) instead: each chain's supply stays what the deployment made it, and the
///         total locked plus released balances across chains. No fee beyond gas; the delay is
///         the messenger's (it relays a deposit only once it is old enough).
contract DevCanonicalBridge {
    address public immutable messenger;
    /// Where a messenger that restarts scans for deposits from.
    uint256 public immutable deployedAtBlock;
    uint256 public depositNonce;
    /// (source chain id, nonce) => finalized: a deposit is paid once.
    mapping(uint256 => mapping(uint256 => bool)) public processed;

    event ERC20DepositInitiated(
        uint256 indexed nonce,
        uint256 indexed dstChainId,
        address indexed from,
        address localToken,
        address remoteToken,
        address to,
        uint256 amount,
        bytes extraData
    );
    event DepositFinalized(
        uint256 indexed srcChainId,
        uint256 indexed nonce,
        address indexed to,
        address localToken,
        address from,
        uint256 amount
    );

    error NotMessenger();
    error AlreadyFinalized(uint256 srcChainId, uint256 nonce);
    error ZeroAmount();
    error SameChain();
    error TransferFailed();

    constructor(address messenger_) {
        messenger = messenger_;
        deployedAtBlock = block.number;
    }

    /// @notice Lock `amount` of `localToken` from the caller, to be paid to `to` as
    ///         `remoteToken` on chain `dstChainId`; returns the deposit's nonce.
    function depositERC20To(
        address localToken,
        address remoteToken,
        address to,
        uint256 amount,
        uint256 dstChainId,
        bytes calldata extraData
    ) external returns (uint256 nonce) {
        if (amount == 0) revert ZeroAmount();
        if (dstChainId == block.chainid) revert SameChain();
        if (!IDevBridgeToken(localToken).transferFrom(msg.sender, address(this), amount)) {
            revert TransferFailed();
        }
        nonce = depositNonce++;
        emit ERC20DepositInitiated(
            nonce, dstChainId, msg.sender, localToken, remoteToken, to, amount, extraData
        );
    }

    /// @notice Pay the deposit `nonce` made on chain `srcChainId` from this bridge's
    ///         liquidity; only the messenger, once per (srcChainId, nonce).
    function finalizeDeposit(
        uint256 srcChainId,
        uint256 nonce,
        address localToken,
        address from,
        address to,
        uint256 amount
    ) external {
        if (msg.sender != messenger) revert NotMessenger();
        if (processed[srcChainId][nonce]) revert AlreadyFinalized(srcChainId, nonce);
        processed[srcChainId][nonce] = true;
        if (!IDevBridgeToken(localToken).transfer(to, amount)) revert TransferFailed();
        emit DepositFinalized(srcChainId, nonce, to, localToken, from, amount);
    }
}
