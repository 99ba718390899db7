"""The canonical bridge's calls and events (`contracts/devnet/DevCanonicalBridge.sol`), encoded
and decoded in one place for the adapter (`omniarb.bridges.canonical`) and the devnet's
messenger, which relays what one chain's bridge emits to another's.

The deposit call is OP's `L1StandardBridge.depositERC20To` with the destination chain id added
(one bridge contract serves every destination, as Arbitrum's gateway router does).
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from omniarb.chain_events import ChainLog
from omniarb.chains.abi import decode, encode_call

__all__ = [
    "DEPOSIT_FINALIZED_TOPIC",
    "DEPOSIT_INITIATED_TOPIC",
    "DEPOSIT_SIGNATURE",
    "FINALIZE_SIGNATURE",
    "PROCESSED_SIGNATURE",
    "DepositFinalized",
    "DepositInitiated",
    "deposit_calldata",
    "finalize_calldata",
    "parse_deposit_finalized",
    "parse_deposit_initiated",
    "uint_topic",
]

DEPOSIT_SIGNATURE = "depositERC20To(address,address,address,uint256,uint256,bytes)"
FINALIZE_SIGNATURE = "finalizeDeposit(uint256,uint256,address,address,address,uint256)"
PROCESSED_SIGNATURE = "processed(uint256,uint256)"
DEPOSIT_INITIATED_TOPIC = (
    "0x"
    + bytes(
        keccak(
            text="ERC20DepositInitiated(uint256,uint256,address,address,address,address,uint256,bytes)"
        )
    ).hex()
)
DEPOSIT_FINALIZED_TOPIC = (
    "0x"
    + bytes(keccak(text="DepositFinalized(uint256,uint256,address,address,address,uint256)")).hex()
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DepositInitiated:
    """A deposit locked on `src_chain_id`'s bridge, owed as `remote_token` on `dst_chain_id`."""

    src_chain_id: int
    bridge: str
    nonce: int
    dst_chain_id: int
    sender: str
    local_token: str
    remote_token: str
    recipient: str
    amount: int
    extra_data: bytes
    block_number: int
    tx_hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DepositFinalized:
    """A deposit paid out on the destination: (`src_chain_id`, `nonce`) names it."""

    src_chain_id: int
    nonce: int
    recipient: str
    local_token: str
    sender: str
    amount: int
    block_number: int
    tx_hash: str


def uint_topic(value: int) -> str:
    """An indexed uint256 as the topic a log filter matches."""
    return "0x" + value.to_bytes(32, "big").hex()


def _checksum(address: str) -> str:
    return str(to_checksum_address(address))


def _address_topic(topic: str) -> str:
    return _checksum("0x" + topic[-40:])


def deposit_calldata(
    *,
    local_token: str,
    remote_token: str,
    recipient: str,
    amount: int,
    dst_chain_id: int,
    extra_data: bytes = b"",
) -> bytes:
    return bytes.fromhex(
        encode_call(
            DEPOSIT_SIGNATURE,
            local_token,
            remote_token,
            recipient,
            amount,
            dst_chain_id,
            extra_data,
        ).removeprefix("0x")
    )


def finalize_calldata(deposit: DepositInitiated) -> str:
    """The destination's `finalizeDeposit` for `deposit`: paid in its `remote_token`."""
    return encode_call(
        FINALIZE_SIGNATURE,
        deposit.src_chain_id,
        deposit.nonce,
        deposit.remote_token,
        deposit.sender,
        deposit.recipient,
        deposit.amount,
    )


def parse_deposit_initiated(log: ChainLog) -> DepositInitiated:
    """`log` (an `ERC20DepositInitiated`) as a value; `ValueError` for any other log."""
    if len(log.topics) != 4 or log.topics[0] != DEPOSIT_INITIATED_TOPIC:
        raise ValueError(f"not an ERC20DepositInitiated log: {log.topics[:1]}")
    local_token, remote_token, recipient, amount, extra_data = decode(
        ["address", "address", "address", "uint256", "bytes"], log.data
    )
    return DepositInitiated(
        src_chain_id=log.chain_id,
        bridge=str(to_checksum_address(log.address)),
        nonce=int(log.topics[1], 16),
        dst_chain_id=int(log.topics[2], 16),
        sender=_address_topic(log.topics[3]),
        local_token=_checksum(local_token),
        remote_token=_checksum(remote_token),
        recipient=_checksum(recipient),
        amount=int(amount),
        extra_data=bytes(extra_data),
        block_number=log.block_number,
        tx_hash=log.transaction_hash,
    )


def parse_deposit_finalized(log: ChainLog) -> DepositFinalized:
    """`log` (a `DepositFinalized`) as a value; `ValueError` for any other log."""
    if len(log.topics) != 4 or log.topics[0] != DEPOSIT_FINALIZED_TOPIC:
        raise ValueError(f"not a DepositFinalized log: {log.topics[:1]}")
    local_token, sender, amount = decode(["address", "address", "uint256"], log.data)
    return DepositFinalized(
        src_chain_id=int(log.topics[1], 16),
        nonce=int(log.topics[2], 16),
        recipient=_address_topic(log.topics[3]),
        local_token=_checksum(local_token),
        sender=_checksum(sender),
        amount=int(amount),
        block_number=log.block_number,
        tx_hash=log.transaction_hash,
    )
