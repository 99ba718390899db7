"""Which transaction took a lost trade's gap: a cycle through two or more of the route's pools,
or failing that one that paid the coinbase (its `BribePaid` log); a plain swap through one pool
is no rival."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eth_utils.crypto import keccak

from omniarb.track.rival_loss import (
    MAX_BRIBE_CHECKS,
    arbitrage_by_pools,
    find_rival,
    single_pool_candidates,
)
from omniarb.track.touched import Touch

SYNC = "0x" + keccak(text="Sync(uint112,uint112)").hex()
BRIBE_PAID = "0x" + keccak(text="BribePaid(address,uint256)").hex()
POOL_A, POOL_B = "0x" + "aa" * 20, "0x" + "bb" * 20


def _touch(tx: str, pool: str, *, block: int = 101, index: int = 0) -> Touch:
    return Touch(tx_hash=tx, block_number=block, transaction_index=index, pool=pool, topic=SYNC)


class Receipts:
    """Receipts by hash, counting the reads (a lost trade's check must stay cheap)."""

    def __init__(self, receipts: Mapping[str, Mapping[str, Any]]) -> None:
        self.receipts = receipts
        self.reads: list[str] = []

    async def __call__(self, tx_hash: str) -> Mapping[str, Any] | None:
        self.reads.append(tx_hash)
        return self.receipts.get(tx_hash)


def _receipt(*topics: str) -> dict[str, Any]:
    return {"logs": [{"address": POOL_A, "topics": [t]} for t in topics]}


def test_a_transaction_through_two_route_pools_is_the_rival() -> None:
    touches = [
        _touch("0xswap", POOL_A, index=0),
        _touch("0xcycle", POOL_A, index=1),
        _touch("0xcycle", POOL_B, index=1),
    ]
    assert arbitrage_by_pools(touches) == "0xcycle"


def test_the_first_cycle_in_chain_order_wins() -> None:
    touches = [
        _touch("0xlate", POOL_A, block=102),
        _touch("0xlate", POOL_B, block=102),
        _touch("0xearly", POOL_B, block=101, index=4),
        _touch("0xearly", POOL_A, block=101, index=4),
    ]
    assert arbitrage_by_pools(touches) == "0xearly"


async def test_a_cycle_needs_no_receipt_read() -> None:
    receipts = Receipts({})
    touches = [_touch("0xcycle", POOL_A), _touch("0xcycle", POOL_B)]
    assert await find_rival(touches, receipts) == "0xcycle"
    assert receipts.reads == []


async def test_a_single_pool_swap_is_a_rival_only_when_it_paid_the_coinbase() -> None:
    touches = [_touch("0xswap", POOL_A, index=0), _touch("0xbribed", POOL_A, index=1)]
    receipts = Receipts({"0xswap": _receipt(SYNC), "0xbribed": _receipt(SYNC, BRIBE_PAID)})
    assert await find_rival(touches, receipts) == "0xbribed"
    assert receipts.reads == ["0xswap", "0xbribed"]

    plain = Receipts({"0xswap": _receipt(SYNC), "0xbribed": _receipt(SYNC)})
    assert await find_rival(touches, plain) is None


async def test_no_touch_no_rival_and_the_bribe_reads_are_bounded() -> None:
    assert await find_rival([], Receipts({})) is None
    touches = [_touch(f"0x{i:02x}", POOL_A, index=i) for i in range(10)]
    receipts = Receipts({})
    assert await find_rival(touches, receipts) is None
    assert len(receipts.reads) == MAX_BRIBE_CHECKS
    assert single_pool_candidates(list(reversed(touches)))[:2] == ["0x00", "0x01"]
