"""Realized profit read from a receipt's logs: the ERC-20 `Transfer` events, not balances.

A trade through the executor moves the start token twice through the contract: the cycle's
last pair pays in the final amount and the contract pays the first pair the input. What stays
is the profit, and the logs of the transaction itself say exactly how much.
"""

from __future__ import annotations

from collections.abc import Iterable

from eth_utils.crypto import keccak

from omniarb.types import ReceiptLog

__all__ = ["TRANSFER_TOPIC", "net_transfers"]

TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()


def _topic_address(topic: str) -> str:
    return topic[-40:].lower()


def net_transfers(logs: Iterable[ReceiptLog], *, token: str, holder: str) -> int:
    """Units of `token` that `holder` received minus those it sent, in these logs."""
    token_l, holder_l = token.lower(), holder.lower().removeprefix("0x")
    net = 0
    for entry in logs:
        if (
            entry.address.lower() != token_l
            or len(entry.topics) != 3
            or entry.topics[0].lower() != TRANSFER_TOPIC
        ):
            continue
        amount = int.from_bytes(entry.data[:32], "big")
        if _topic_address(entry.topics[2]) == holder_l:
            net += amount
        if _topic_address(entry.topics[1]) == holder_l:
            net -= amount
    return net
