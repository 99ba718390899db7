"""Realized profit read from a receipt's logs: the ERC-20 `Transfer` events, not balances.

A trade through the executor moves the start token twice through the contract: the cycle's
last pair pays in the final amount and the contract pays the first pair the input. What stays
is the profit, and the logs of the transaction itself say exactly how much.

The wrapped native token also moves by WETH9's own events: `deposit` mints to its caller and
`withdraw` burns from it with a `Deposit` or a `Withdrawal` log and no `Transfer`, which is how
the executor wraps and unwraps the native coin around a pool that holds it. Wrapped tokens of
other builds mint and burn with `Transfer` logs from or to address 0; one that logs both is
counted once (a `Deposit` or `Withdrawal` beside a mint or burn of the same amount is that
mint or burn).

A bribe to the block's coinbase is unwrapped from the profit (a `Withdrawal` of the executor's,
so the net above is already what it keeps) and logged by the executor itself:
`BribePaid(address indexed coinbase, uint256 amountWei)` (contracts/executor/
OmniArbExecutor.sol, `executeAndPayCoinbase`), which `bribe_paid` reads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from eth_utils.crypto import keccak

from omniarb.types import ReceiptLog

__all__ = [
    "BRIBE_PAID_TOPIC",
    "DEPOSIT_TOPIC",
    "TRANSFER_TOPIC",
    "WITHDRAWAL_TOPIC",
    "bribe_paid",
    "net_transfers",
]

TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
# WETH9: `event Deposit(address indexed dst, uint wad)`, `event Withdrawal(address indexed src,
# uint wad)`.
DEPOSIT_TOPIC = "0x" + keccak(text="Deposit(address,uint256)").hex()
WITHDRAWAL_TOPIC = "0x" + keccak(text="Withdrawal(address,uint256)").hex()
BRIBE_PAID_TOPIC = "0x" + keccak(text="BribePaid(address,uint256)").hex()


_ZERO = "00" * 20


def _topic_address(topic: str) -> str:
    return topic[-40:].lower()


def net_transfers(logs: Iterable[ReceiptLog], *, token: str, holder: str) -> int:
    """Units of `token` that `holder` received minus those it sent, in these logs (its mints
    to it and burns from it included)."""
    token_l, holder_l = token.lower(), holder.lower().removeprefix("0x")
    net = 0
    # Amounts minted to and burned from the holder by `Transfer`, and WETH9's own logs of it.
    minted: Counter[int] = Counter()
    burned: Counter[int] = Counter()
    deposits: list[int] = []
    withdrawals: list[int] = []
    for entry in logs:
        if entry.address.lower() != token_l or not entry.topics:
            continue
        topic = entry.topics[0].lower()
        amount = int.from_bytes(entry.data[:32], "big")
        if topic == TRANSFER_TOPIC and len(entry.topics) == 3:
            sender, recipient = _topic_address(entry.topics[1]), _topic_address(entry.topics[2])
            if recipient == holder_l:
                net += amount
                minted[amount] += sender == _ZERO
            if sender == holder_l:
                net -= amount
                burned[amount] += recipient == _ZERO
        elif len(entry.topics) == 2 and _topic_address(entry.topics[1]) == holder_l:
            if topic == DEPOSIT_TOPIC:
                deposits.append(amount)
            elif topic == WITHDRAWAL_TOPIC:
                withdrawals.append(amount)
    for amount in deposits:
        if minted[amount]:
            minted[amount] -= 1
        else:
            net += amount
    for amount in withdrawals:
        if burned[amount]:
            burned[amount] -= 1
        else:
            net -= amount
    return net


def bribe_paid(logs: Iterable[ReceiptLog], *, executor: str) -> int:
    """Wei of the native coin that `executor` paid the block's coinbase in these logs (its
    `BribePaid` logs; 0 for a trade without a bribe)."""
    executor_l = executor.lower()
    return sum(
        int.from_bytes(entry.data[:32], "big")
        for entry in logs
        if entry.address.lower() == executor_l
        and len(entry.topics) == 2
        and entry.topics[0].lower() == BRIBE_PAID_TOPIC
    )
