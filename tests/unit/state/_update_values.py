"""Plain `PoolUpdate`s of V2 and V3 states for the state-stage unit tests."""

from __future__ import annotations

from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.dex.uniswap_v3.tick_table import TickTable
from omniarb.types import PoolUpdate

PAIR = "0x00000000000000000000000000000000000000A1"
OTHER_PAIR = "0x00000000000000000000000000000000000000A2"
POOL = "0x00000000000000000000000000000000000000B1"


def pair(address: str, reserve0: int, block: int) -> V2PoolState:
    return V2PoolState(
        chain_id=1,
        address=address,
        dex="uniswap-v2",
        factory="0x00000000000000000000000000000000000000F2",
        token0="0x00000000000000000000000000000000000000C0",
        token1="0x00000000000000000000000000000000000000C1",
        reserve0=reserve0,
        reserve1=10**21,
        fee_bps=30,
        block_number=block,
    )


def pool(address: str, sqrt_price_x96: int, block: int) -> V3PoolState:
    return V3PoolState(
        chain_id=1,
        address=address,
        dex="uniswap-v3",
        factory="0x00000000000000000000000000000000000000F3",
        token0="0x00000000000000000000000000000000000000C0",
        token1="0x00000000000000000000000000000000000000C1",
        fee_pips=3000,
        tick_spacing=60,
        sqrt_price_x96=sqrt_price_x96,
        tick=0,
        liquidity=10**18,
        ticks=TickTable(),
        block_number=block,
    )


def update(
    block: int,
    pools: tuple[V2PoolState | V3PoolState, ...],
    *,
    new: tuple[str, ...] = (),
    received_ns: int = 0,
) -> PoolUpdate:
    return PoolUpdate(
        chain_id=1,
        block_number=block,
        block_hash=f"0x{block:064x}",
        base_fee_wei=block * 10**9,
        pools=pools,
        new_pools=new,
        received_ns=received_ns,
    )
