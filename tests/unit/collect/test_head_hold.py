"""The collector's hold of a head for its logs: which filters a bloom may match, which
subscriptions a head still waits for, and a timed read that loses no item."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from test_heads import make_bloom

from omniarb.chain_events import FilterBloom, LogFilter, NewHead
from omniarb.collect.head_hold import HeadHold, HoldSettings, Lookahead

TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
SYNC = "0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1"
TOKEN = "0x" + "11" * 20
HOLDER = "0x" + "00" * 12 + "22" * 20


def _raw(hex_value: str) -> bytes:
    return bytes.fromhex(hex_value[2:])


def _head(bloom: bytes, block_hash: str = "0x" + "ab" * 32) -> NewHead:
    return NewHead(
        chain_id=1,
        number=7,
        hash=block_hash,
        parent_hash="0x" + "cd" * 32,
        timestamp=0,
        base_fee_wei=0,
        logs_bloom=bloom,
        received_ns=1,
    )


TO_HOLDER = LogFilter(addresses=(TOKEN,), topics=((TRANSFER,), (), (HOLDER,)))
POOLS = LogFilter(topics=((SYNC,),))


def test_a_filter_may_match_only_when_every_term_is_in_the_bloom() -> None:
    bloom = FilterBloom(TO_HOLDER)
    assert bloom.may_match(make_bloom([_raw(TOKEN), _raw(TRANSFER), _raw(HOLDER)]))
    assert not bloom.may_match(make_bloom([_raw(TOKEN), _raw(TRANSFER)]))  # no holder
    assert not bloom.may_match(make_bloom([_raw(TRANSFER), _raw(HOLDER)]))  # another token
    assert not bloom.may_match(bytes(256))
    assert bloom.may_match(b"")  # no bloom: it may


def test_a_head_waits_for_the_subscriptions_that_may_have_its_logs_and_sent_none() -> None:
    hold = HeadHold([POOLS, TO_HOLDER], HoldSettings())
    head = _head(make_bloom([_raw(SYNC), _raw(TOKEN), _raw(TRANSFER), _raw(HOLDER)]))
    assert hold.outstanding(head) == {0, 1}
    hold.saw_log(head.hash, 1)  # the lenders' logs came before the head
    assert hold.outstanding(head) == {0}
    hold.saw_log(head.hash, 0)
    assert hold.outstanding(head) == set()
    assert hold.outstanding(_head(make_bloom([_raw(SYNC)]), "0x" + "ef" * 32)) == {0}
    assert hold.outstanding(_head(bytes(256), "0x" + "ef" * 32)) == set()


async def test_a_timed_out_read_keeps_the_item_for_the_next() -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()

    async def source() -> AsyncIterator[int]:
        while True:
            yield await queue.get()

    items = Lookahead(source())
    queue.put_nowait(1)
    assert await items.next() == 1  # direct, no timeout
    assert await items.next(0.01) is None  # nothing yet: the read stays pending
    queue.put_nowait(2)
    assert await items.next(1.0) == 2
    queue.put_nowait(3)
    assert await items.next() == 3
    assert await items.next(0.0) is None
    await items.aclose()


async def test_the_end_of_the_source_is_the_end() -> None:
    async def source() -> AsyncIterator[int]:
        yield 1

    items = Lookahead(source())
    assert await items.next(1.0) == 1
    with pytest.raises(StopAsyncIteration):
        await items.next(1.0)
