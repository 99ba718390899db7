"""Which logs overtake a trade's prediction: state changes of a route pool after the priced
block and before the trade, by the events each pool kind emits — and nothing else."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from _monitor_values import POOL_A, opportunity
from eth_utils.crypto import keccak

from omniarb.track.touched import STATE_TOPICS, earlier_touches, touch_topics
from omniarb.types import Route


def _topic(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


# The events' signatures from v2-core UniswapV2Pair and v3-core IUniswapV3PoolEvents.
SYNC = _topic("Sync(uint112,uint112)")
V2_SWAP = _topic("Swap(address,uint256,uint256,uint256,uint256,address)")
TRANSFER = _topic("Transfer(address,address,uint256)")
V3_SWAP = _topic("Swap(address,address,int256,int256,uint160,uint128,int24)")
V3_MINT = _topic("Mint(address,address,int24,int24,uint128,uint256,uint256)")
V3_BURN = _topic("Burn(address,int24,int24,uint128,uint256,uint256)")
V3_COLLECT = _topic("Collect(address,address,int24,int24,uint128,uint128)")
V3_FLASH = _topic("Flash(address,address,uint256,uint256,uint256,uint256)")
V3_POOL = "0x" + "c3" * 20
OTHER_POOL = "0x" + "0f" * 20

PRICED_AT = 100
OUR_BLOCK, OUR_INDEX = 101, 3


def _log(
    address: str, topic: str, *, block: int = OUR_BLOCK, index: int = 1, removed: bool = False
) -> dict[str, Any]:
    return {
        "address": address,
        "topics": [topic],
        "blockNumber": hex(block),
        "transactionIndex": hex(index),
        "transactionHash": f"0x{block:032x}{index:032x}",
        "removed": removed,
    }


def _mixed_route() -> Route:
    """POOL_A (V2) then a V3 pool."""
    route = opportunity().route
    v3_hop = replace(route.hops[1], pool=V3_POOL, kind="uniswap-v3", fee_pips=500)
    return replace(route, hops=(route.hops[0], v3_hop))


def _touches(logs: list[dict[str, Any]], route: Route | None = None) -> list[str]:
    found = earlier_touches(
        logs,
        topics=touch_topics(route or _mixed_route()),
        block_number=OUR_BLOCK,
        transaction_index=OUR_INDEX,
        priced_at=PRICED_AT,
    )
    return [touch.topic for touch in found]


def test_state_topics_are_the_contracts_events() -> None:
    assert STATE_TOPICS["uniswap-v2"] == {SYNC}
    assert STATE_TOPICS["uniswap-v3"] == {V3_SWAP, V3_MINT, V3_BURN}


@pytest.mark.parametrize(
    ("pool", "topic"),
    [(POOL_A, SYNC), (V3_POOL, V3_SWAP), (V3_POOL, V3_MINT), (V3_POOL, V3_BURN)],
)
def test_a_state_change_of_a_route_pool_earlier_in_the_block_touches(pool: str, topic: str) -> None:
    assert _touches([_log(pool, topic)]) == [topic]
    # Addresses compare without regard to case (eth_getLogs may checksum them).
    assert _touches([_log(pool.upper().replace("0X", "0x"), topic)]) == [topic]


def test_a_state_change_in_a_block_between_pricing_and_the_trade_touches() -> None:
    late = [_log(POOL_A, SYNC, block=PRICED_AT + 1, index=7)]
    found = earlier_touches(
        late,
        topics=touch_topics(_mixed_route()),
        block_number=PRICED_AT + 2,
        transaction_index=0,
        priced_at=PRICED_AT,
    )
    assert [(t.block_number, t.transaction_index, t.pool) for t in found] == [
        (PRICED_AT + 1, 7, POOL_A.lower())
    ]


@pytest.mark.parametrize(
    "entry",
    [
        _log(OTHER_POOL, SYNC),  # a pool outside the route
        _log(OTHER_POOL, V3_SWAP),
        _log(POOL_A, V2_SWAP),  # a V2 pair's Swap always comes with its Sync
        _log(POOL_A, TRANSFER),  # LP tokens moving change no reserve
        _log(V3_POOL, V3_COLLECT),  # fees collected: price and liquidity unchanged
        _log(V3_POOL, V3_FLASH),
        _log(V3_POOL, SYNC),  # not an event of that kind
        _log(POOL_A, SYNC, index=OUR_INDEX),  # our own transaction
        _log(POOL_A, SYNC, index=OUR_INDEX + 1),  # after ours
        _log(POOL_A, SYNC, block=OUR_BLOCK + 1, index=0),
        _log(POOL_A, SYNC, block=PRICED_AT, index=9),  # already in the priced state
        _log(POOL_A, SYNC, removed=True),  # dropped by a reorg
    ],
)
def test_nothing_else_touches(entry: dict[str, Any]) -> None:
    assert _touches([entry]) == []


def test_a_kind_without_known_events_counts_any_log() -> None:
    route = _mixed_route()
    unknown = replace(route.hops[0], kind="some-new-kind")
    route = replace(route, hops=(unknown, route.hops[1]))
    assert touch_topics(route)[POOL_A.lower()] is None
    assert _touches([_log(POOL_A, TRANSFER)], route) == [TRANSFER]
    assert _touches([_log(V3_POOL, V3_COLLECT)], route) == []


def test_every_touch_is_reported_in_log_order() -> None:
    logs = [_log(POOL_A, SYNC, index=0), _log(OTHER_POOL, SYNC), _log(V3_POOL, V3_SWAP, index=2)]
    assert _touches(logs) == [SYNC, V3_SWAP]


def test_touch_topics_cover_every_hop_by_its_kind() -> None:
    assert touch_topics(_mixed_route()) == {
        POOL_A.lower(): STATE_TOPICS["uniswap-v2"],
        V3_POOL: STATE_TOPICS["uniswap-v3"],
    }
