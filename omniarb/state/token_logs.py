"""What a token's logs do to balances: the ERC-20 `Transfer` and WETH9's `Deposit` and
`Withdrawal`, decoded into balance changes of (token, holder) pairs, and the `logs` filters
that deliver them for a set of holders.

ERC-20 (EIP-20): `Transfer(address indexed from, address indexed to, uint256 value)`; WETH9
(`WETH9.sol`): `Deposit(address indexed dst, uint wad)` on `deposit()`, `Withdrawal(address
indexed src, uint wad)` on `withdraw`, neither with a `Transfer`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from eth_utils.crypto import keccak

from omniarb.chain_events import ChainLog, LogFilter

__all__ = [
    "BALANCE_TOPICS",
    "DEPOSIT_TOPIC",
    "TRANSFER_TOPIC",
    "WITHDRAWAL_TOPIC",
    "BalanceKey",
    "balance_deltas",
    "balance_filters",
]

TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
DEPOSIT_TOPIC = "0x" + keccak(text="Deposit(address,uint256)").hex()
WITHDRAWAL_TOPIC = "0x" + keccak(text="Withdrawal(address,uint256)").hex()
BALANCE_TOPICS = (TRANSFER_TOPIC, DEPOSIT_TOPIC, WITHDRAWAL_TOPIC)

BalanceKey = tuple[str, str]  # (token, holder), lowercase


def _topic_address(topic: str) -> str:
    return "0x" + topic[-40:]


def _padded(address: str) -> str:
    return "0x" + address.lower().removeprefix("0x").rjust(64, "0")


def balance_filters(tokens: Sequence[str], holders: Sequence[str]) -> tuple[LogFilter, ...]:
    """Two `logs` filters: `tokens`' logs with a holder as topic 1 (a transfer from it, a
    deposit to it, a withdrawal by it), and their transfers with a holder as topic 2 (to it).
    A transfer between two holders comes on both (same log index: applied once)."""
    padded = tuple(_padded(h) for h in holders)
    return (
        LogFilter(addresses=tuple(tokens), topics=(BALANCE_TOPICS, padded)),
        LogFilter(addresses=tuple(tokens), topics=((TRANSFER_TOPIC,), (), padded)),
    )


def balance_deltas(
    entry: ChainLog, tracked: Collection[BalanceKey]
) -> list[tuple[BalanceKey, int]]:
    """What `entry` adds to each `tracked` balance (none for any other log)."""
    topics = entry.topics
    if not topics or topics[0] not in BALANCE_TOPICS:
        return []
    try:
        value = int(entry.data, 16) if entry.data not in ("", "0x") else 0
    except ValueError:
        return []  # not the standard event (say, an indexed value): not ours to read
    token = entry.address
    if topics[0] == TRANSFER_TOPIC and len(topics) == 3:
        sender, receiver = _topic_address(topics[1]), _topic_address(topics[2])
        pairs = [((token, sender), -value), ((token, receiver), value)]
    elif topics[0] == DEPOSIT_TOPIC and len(topics) == 2:
        pairs = [((token, _topic_address(topics[1])), value)]
    elif topics[0] == WITHDRAWAL_TOPIC and len(topics) == 2:
        pairs = [((token, _topic_address(topics[1])), -value)]
    else:
        return []
    return [(key, delta) for key, delta in pairs if key in tracked]
