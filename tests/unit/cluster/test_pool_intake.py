"""The coordinator's intake applies each block once: a redelivered entry (same chain and block
hash) and one older than the newest block applied are skipped and counted; a reorg at the same
height is applied; a malformed entry is dropped, and the next one still goes through."""

from __future__ import annotations

import pytest

from omniarb.bus.pool_codec import PoolCodec, encode_update
from omniarb.bus.pool_feed import POOL_UPDATE, pool_update_key
from omniarb.bus.streams import POOLS, StreamEntry
from omniarb.cluster.pool_intake import PoolIntake
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.types import PoolUpdate


def update(block_number: int, block_hash: str, reserve0: int = 10**21) -> PoolUpdate:
    state = V2PoolState(
        chain_id=10,
        address="0x" + "aa" * 20,
        dex="velodrome",
        factory="0x" + "ff" * 20,
        token0="0x" + "11" * 20,
        token1="0x" + "22" * 20,
        reserve0=reserve0,
        reserve1=10**24,
        fee_bps=30,
        block_number=block_number,
    )
    return PoolUpdate(
        chain_id=10, block_number=block_number, block_hash=block_hash, base_fee_wei=1,
        pools=(state,),
    )  # fmt: skip


def entry(n: int, chain: str, value: PoolUpdate) -> StreamEntry:
    return StreamEntry(
        stream=POOLS,
        id=f"{n}-0",
        type=POOL_UPDATE,
        key=pool_update_key(chain, value.block_hash),
        data=encode_update(chain, value, PoolCodec()),
        producer=f"worker-{chain}",
    )


async def test_each_block_once_in_order() -> None:
    fed: list[tuple[str, int, str]] = []

    async def feed(chain: str, value: PoolUpdate) -> None:
        fed.append((chain, value.block_number, value.block_hash))

    intake = PoolIntake(feed=feed)
    b5, b6, b6r, b7 = "0x" + "05" * 32, "0x" + "06" * 32, "0x" + "6e" * 32, "0x" + "07" * 32
    entries = [
        entry(1, "optimism", update(5, b5)),
        entry(2, "optimism", update(6, b6)),
        entry(3, "optimism", update(6, b6)),  # redelivered
        entry(4, "optimism", update(5, b5.upper().replace("0X", "0x"))),  # again, other case
        entry(5, "base", update(5, b5)),  # another chain's block 5: its own
        entry(6, "optimism", update(6, b6r)),  # a reorg replaces block 6
        entry(7, "optimism", update(4, "0x" + "04" * 32)),  # older than the newest applied
        entry(8, "optimism", update(7, b7)),
    ]
    for item in entries:
        await intake.handle(item)
    assert fed == [
        ("optimism", 5, b5),
        ("optimism", 6, b6),
        ("base", 5, b5),
        ("optimism", 6, b6r),
        ("optimism", 7, b7),
    ]
    assert intake.counts.applied == {"optimism": 4, "base": 1}
    assert (intake.counts.duplicates, intake.counts.stale) == (2, 1)


async def test_a_malformed_or_foreign_entry_is_dropped_and_the_next_applied() -> None:
    fed: list[int] = []

    async def feed(chain: str, value: PoolUpdate) -> None:
        fed.append(value.block_number)

    intake = PoolIntake(feed=feed)
    good = entry(1, "bnb", update(8, "0x" + "08" * 32))
    hostile = dict(good.data)
    hostile["pools"] = [{"c": "Popen", "f": {"args": "true"}}]
    await intake.handle(StreamEntry(**{**_fields(good), "data": hostile}))
    await intake.handle(StreamEntry(**{**_fields(good), "type": "trade"}))
    await intake.handle(good)
    assert fed == [8]
    assert (intake.counts.malformed, intake.counts.other_types) == (1, 1)


async def test_an_update_whose_feed_failed_is_applied_when_delivered_again() -> None:
    fed: list[int] = []
    calls: list[int] = []

    async def feed(chain: str, value: PoolUpdate) -> None:
        calls.append(value.block_number)
        if len(calls) == 1:
            raise ConnectionError("cut short")
        fed.append(value.block_number)

    intake = PoolIntake(feed=feed)
    item = entry(1, "polygon", update(3, "0x" + "03" * 32))
    with pytest.raises(ConnectionError):
        await intake.handle(item)
    await intake.handle(item)
    assert calls == [3, 3]
    assert fed == [3]
    assert intake.counts.applied == {"polygon": 1}


def _fields(item: StreamEntry) -> dict[str, object]:
    return {name: getattr(item, name) for name in StreamEntry.__dataclass_fields__}
