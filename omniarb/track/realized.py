"""Realized profit read from a receipt's logs: the ERC-20 `Transfer` events, not balances.

A trade through the executor moves the start token twice through the contract: the cycle's
last pair pays in the final amount and the contract pays the first pair the input. What stays
is the profit, and the logs of the transaction itself say exactly how much.

The wrapped native token also moves by WETH9's own events: `deposit` mints to its caller and
`withdraw` burns from it with a `Deposit` or a `Withdrawal` log and no `Transfer`, which is how
the executor wraps and unwraps the native coin around a pool that holds it.
"""

from __future__ import annotations

from collections.abc import Iterable

from eth_utils.crypto import keccak

from omniarb.types import ReceiptLog

__all__ = ["DEPOSIT_TOPIC", "TRANSFER_TOPIC", "WITHDRAWAL_TOPIC", "net_transfers"]

TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
# WETH9: `event Deposit(address indexed dst, uint wad)`, `event Withdrawal(address indexed src,
# uint wad)`.
DEPOSIT_TOPIC = "0x" + keccak(text="Deposit(address,uint256)").hex()
WITHDRAWAL_TOPIC = "0x" + keccak(text="Withdrawal(address,uint256)").hex()


def _topic_address(topic: str) -> str:
    return topic[-40:].lower()


def net_transfers(logs: Iterable[ReceiptLog], *, token: str, holder: str) -> int:
    """Units of `token` that `holder` received minus those it sent, in these logs (WETH9's
    mints to it and burns from it included)."""
    token_l, holder_l = token.lower(), holder.lower().removeprefix("0x")
    net = 0
    for entry in logs:
        if entry.address.lower() != token_l or not entry.topics:
            continue
        topic = entry.topics[0].lower()
        amount = int.from_bytes(entry.data[:32], "big")
        if topic == TRANSFER_TOPIC and len(entry.topics) == 3:
            if _topic_address(entry.topics[2]) == holder_l:
                net += amount
            if _topic_address(entry.topics[1]) == holder_l:
                net -= amount
        elif len(entry.topics) == 2 and _topic_address(entry.topics[1]) == holder_l:
            if topic == DEPOSIT_TOPIC:
                net += amount
            elif topic == WITHDRAWAL_TOPIC:
                net -= amount
    return net
