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


def test_the_pending_swap_a_backrun_follows_is_its_premise_not_a_touch() -> None:
    victim = _log(POOL_A, SYNC, index=0)
    other = _log(V3_POOL, V3_SWAP, index=1)
    found = earlier_touches(
        [victim, other],
        topics=touch_topics(_mixed_route()),
        block_number=OUR_BLOCK,
        transaction_index=OUR_INDEX,
        priced_at=PRICED_AT,
        premise=frozenset({victim["transactionHash"]}),
    )
    # The premise's log is left out; another transaction's in the same block still touches.
    assert [t.tx_hash for t in found] == [other["transactionHash"]]


def test_every_touch_is_reported_in_log_order() -> None:
    logs = [_log(POOL_A, SYNC, index=0), _log(OTHER_POOL, SYNC), _log(V3_POOL, V3_SWAP, index=2)]
    assert _touches(logs) == [SYNC, V3_SWAP]


def test_touch_topics_cover_every_hop_by_its_kind() -> None:
    assert touch_topics(_mixed_route()) == {
        POOL_A.lower(): STATE_TOPICS["uniswap-v2"],
        V3_POOL: STATE_TOPICS["uniswap-v3"],
    }


V4_SWAP = _topic("Swap(bytes32,address,int128,int128,uint160,uint128,int24,uint24)")
V4_MODIFY = _topic("ModifyLiquidity(bytes32,address,int24,int24,int256,bytes32)")
V4_DONATE = _topic("Donate(bytes32,address,uint256,uint256)")
V4_MANAGER = "0x000000000004444c5dc75cB358380D2e3dE08A90"
V4_POOL_ID = "0x21c67e77068de97969ba93d4aab21826d33ca12bb9f565d8496e8fda8a82ca27"
OTHER_POOL_ID = "0x72331fcb696b0151904c03584b66dc8365bc63f8a144d89a773384e3a579ca73"


def _v4_route() -> Route:
    """POOL_A (V2) then a V4 pool, named by the leading 20 bytes of its id."""
    route = opportunity().route
    v4_hop = replace(route.hops[1], pool="0x" + V4_POOL_ID[2:42], kind="uniswap-v4", fee_pips=500)
    return replace(route, hops=(route.hops[0], v4_hop))


def _manager_log(topic: str, pool_id: str) -> dict[str, Any]:
    return {**_log(V4_MANAGER, topic), "topics": [topic, pool_id]}


def test_a_v4_pool_is_touched_by_its_managers_logs_naming_it() -> None:
    # The PoolManager emits every pool's events; topic 1 is the pool's id.
    assert STATE_TOPICS["uniswap-v4"] >= {V4_SWAP, V4_MODIFY}
    assert _touches([_manager_log(V4_SWAP, V4_POOL_ID)], _v4_route()) == [V4_SWAP]
    assert _touches([_manager_log(V4_MODIFY, V4_POOL_ID.upper())], _v4_route()) == [V4_MODIFY]
    # Another pool of the same manager, and an event that leaves swaps alone, do not.
    assert _touches([_manager_log(V4_SWAP, OTHER_POOL_ID)], _v4_route()) == []
    assert _touches([_manager_log(V4_DONATE, V4_POOL_ID)], _v4_route()) == []


VAULT = "0xBA12222222228d8Ba445958a75a0704d566BF2C8"
BALANCER_POOL = "0x" + "ba" * 20
BALANCER_SWAP = _topic("Swap(bytes32,address,address,uint256,uint256)")
BALANCER_JOIN_EXIT = _topic("PoolBalanceChanged(bytes32,address,address[],int256[],uint256[])")
BALANCER_FEE = _topic("SwapFeePercentageChanged(uint256)")
BALANCER_FLASH_LOAN = _topic("FlashLoan(address,address,uint256,uint256)")


def _balancer_route() -> Route:
    """POOL_A (V2) then a pair of a Balancer stable pool: its address, its kind."""
    route = opportunity().route
    hop = replace(route.hops[1], pool=BALANCER_POOL, kind="balancer-stable", fee_pips=100)
    return replace(route, hops=(route.hops[0], hop))


def _pool_id(pool: str) -> str:
    return "0x" + pool[2:] + "0000" + "00" * 9 + "2a"


def test_a_balancer_pool_is_touched_by_the_vaults_logs_naming_it_and_its_own() -> None:
    # The Vault logs every pool's swaps, joins and exits with the pool's id in topic 1; the
    # pool logs its settings itself. Any pair of the pool is the pool.
    vault_log = {**_log(VAULT, BALANCER_SWAP), "topics": [BALANCER_SWAP, _pool_id(BALANCER_POOL)]}
    join = {
        **_log(VAULT, BALANCER_JOIN_EXIT, index=2),
        "topics": [BALANCER_JOIN_EXIT, _pool_id(BALANCER_POOL), "0x" + "00" * 32],
    }
    fee = _log(BALANCER_POOL, BALANCER_FEE)
    assert _touches([vault_log], _balancer_route()) == [BALANCER_SWAP]
    assert _touches([join], _balancer_route()) == [BALANCER_JOIN_EXIT]
    assert _touches([fee], _balancer_route()) == [BALANCER_FEE]
    # Another pool of the Vault, and a Vault event that leaves swaps alone, do not.
    other = {**vault_log, "topics": [BALANCER_SWAP, _pool_id(OTHER_POOL)]}
    loan = {**_log(VAULT, BALANCER_FLASH_LOAN), "topics": [BALANCER_FLASH_LOAN, _pool_id(POOL_A)]}
    assert _touches([other], _balancer_route()) == []
    assert _touches([loan], _balancer_route()) == []
