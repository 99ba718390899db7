"""The V3 consistency check's pure parts: what it reports as drift, and how its sample walks
through every pool."""

from __future__ import annotations

from dataclasses import replace

from omniarb.chains.rpc import RpcClient
from omniarb.dex.uniswap_v3 import TickTable, V3PoolState
from omniarb.dex.uniswap_v3.check import V3ConsistencyCheck, describe_drift
from omniarb.dex.uniswap_v3.discovery import V3Discovery
from omniarb.dex.uniswap_v3.lens import V3Lens

STATE = V3PoolState(
    chain_id=1,
    address="0x" + "aa" * 20,
    dex="uniswap-v3",
    factory="0x" + "fa" * 20,
    token0="0x" + "01" * 20,
    token1="0x" + "02" * 20,
    fee_pips=500,
    tick_spacing=10,
    sqrt_price_x96=2**96,
    tick=0,
    liquidity=10,
    ticks=TickTable.from_ticks({-10: (10, 10), 10: (10, -10)}),
    block_number=5,
)


def test_equal_states_at_other_blocks_do_not_drift() -> None:
    assert describe_drift(STATE, replace(STATE, block_number=9)) is None


def test_drift_names_the_fields_and_ticks_that_differ() -> None:
    chain = replace(
        STATE,
        liquidity=15,
        ticks=TickTable.from_ticks({-10: (10, 10), 10: (15, -15), 20: (5, 5)}),
        block_number=9,
    )
    problem = describe_drift(STATE, chain)
    assert problem is not None
    assert "liquidity 10 != 15" in problem
    assert "2 ticks differ" in problem
    assert "10: (10, -10) != (15, -15)" in problem
    assert "20: None != (5, 5)" in problem
    assert describe_drift(STATE, None) == "the pool is gone from the chain"


def test_the_sample_walks_through_every_pool_and_wraps() -> None:
    discovery = V3Discovery(
        rpc=RpcClient("http://127.0.0.1:9"),
        chain_id=1,
        factories={},
        lens=V3Lens(code="0x00"),
    )
    check = V3ConsistencyCheck(discovery=discovery, sample=3)
    pools = {f"0x{i:040x}": STATE for i in range(7)}
    seen = [check.next_sample(pools) for _ in range(3)]
    keys = sorted(pools)
    assert seen == [keys[0:3], keys[3:6], [keys[6], *keys[0:2]]]
    # A pool added later is checked in its turn.
    pools["0x" + "ff" * 20] = STATE
    assert check.next_sample(pools) == [keys[2], keys[3], keys[4]]
