"""Was a trade lost to a rival? Which arbitrage took its gap first.

A trade of ours that reverted (or, sent as a bundle, was never included) after another
transaction moved the pools of its route is "lost to a rival" when that transaction was an
arbitrage: it moved at least two pools of our route (a cycle through the same gap), or it paid
the block's coinbase (a bribing searcher; seen by the `BribePaid(address,uint256)` log that an
`executeAndPayCoinbase` of an OmniArbExecutor leaves). Everything here works on what the tracker
already read (`omniarb.track.touched`); only a candidate that moved a single pool of the route
costs one receipt to check for a bribe.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

from omniarb.track.realized import BRIBE_PAID_TOPIC
from omniarb.track.touched import Touch

__all__ = ["MAX_BRIBE_CHECKS", "arbitrage_by_pools", "find_rival", "single_pool_candidates"]

# Single-pool candidates whose receipt is read for a bribe, at most, per lost trade.
MAX_BRIBE_CHECKS = 3

ReceiptReader = Callable[[str], Awaitable[Mapping[str, Any] | None]]


def arbitrage_by_pools(touches: Iterable[Touch]) -> str | None:
    """The first transaction (in chain order) that moved two or more pools of the route."""
    pools: dict[str, set[str]] = {}
    order: dict[str, tuple[int, int]] = {}
    for touch in touches:
        pools.setdefault(touch.tx_hash, set()).add(touch.pool)
        order.setdefault(touch.tx_hash, (touch.block_number, touch.transaction_index))
    found = [tx for tx, moved in pools.items() if len(moved) >= 2]
    return min(found, key=order.__getitem__) if found else None


def single_pool_candidates(touches: Sequence[Touch]) -> list[str]:
    """The transactions that moved the route's pools, in chain order, each once."""
    ordered = sorted(touches, key=lambda t: (t.block_number, t.transaction_index))
    return list(dict.fromkeys(t.tx_hash for t in ordered))


def paid_coinbase(receipt: Mapping[str, Any]) -> bool:
    """Whether a receipt carries a `BribePaid` log (a payment to the block's coinbase)."""
    return any(
        entry.get("topics") and str(entry["topics"][0]).lower() == BRIBE_PAID_TOPIC
        for entry in receipt.get("logs", ())
    )


async def find_rival(touches: Sequence[Touch], receipt_of: ReceiptReader) -> str | None:
    """The rival arbitrage among the transactions of `touches`, if there is one: a cycle
    through two or more of the route's pools, else the first (of a few) that paid a bribe."""
    if not touches:
        return None
    by_pools = arbitrage_by_pools(touches)
    if by_pools is not None:
        return by_pools
    for tx_hash in single_pool_candidates(touches)[:MAX_BRIBE_CHECKS]:
        receipt = await receipt_of(tx_hash)
        if receipt is not None and paid_coinbase(receipt):
            return tx_hash
    return None
