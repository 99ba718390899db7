"""The coordinator's view through a real Redis: two chains' pool updates handled by the intake
(each block once) are kept in Redis before they are acknowledged, and the successor's `load`
gives the whole view back; the detector's curves of both chains are mirrored by the outbox.
Each test has its own key prefix and deletes its keys afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from _bus_setup import redis_settings, unique_prefix
from _waits import eventually

from omniarb._config_cross_chain import CrossChainSettings
from omniarb.bus import CurveMirror
from omniarb.bus.pool_codec import PoolCodec, encode_update
from omniarb.bus.pool_feed import POOL_UPDATE, pool_update_key
from omniarb.bus.streams import POOLS, StreamEntry
from omniarb.chains.assets import AssetRegistry
from omniarb.cluster.curve_outbox import CurveOutbox, MirroredDetector
from omniarb.cluster.pool_intake import PoolIntake
from omniarb.cluster.pool_snapshot import PoolSnapshot
from omniarb.config import RedisSettings
from omniarb.detect.cross_chain import CrossChainDetector
from omniarb.dex.base import PoolState
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.dex.uniswap_v3.tick_math import get_sqrt_ratio_at_tick
from omniarb.dex.uniswap_v3.tick_table import TickTable
from omniarb.network import TokenEntry
from omniarb.types import PoolUpdate

WETH = "0x" + "a1" * 20
USDC = "0x" + "b2" * 20


@pytest.fixture
async def settings() -> AsyncIterator[RedisSettings]:
    async with unique_prefix() as prefix:
        yield redis_settings(prefix, price_ttl_s=30)


def _registry() -> AssetRegistry:
    def tokens() -> list[TokenEntry]:
        return [
            TokenEntry(symbol="WETH", address=WETH, decimals=18, name="W", asset="ETH",
                       wrapped_native=True),
            TokenEntry(symbol="USDC", address=USDC, decimals=6, name="U", asset="USDC"),
        ]  # fmt: skip

    return AssetRegistry({"ethereum": tokens(), "arbitrum": tokens()})


def _pair(reserve0: int, block_number: int, address: str = "0x" + "c3" * 20) -> V2PoolState:
    return V2PoolState(
        chain_id=1, address=address, dex="uniswap-v2", factory="0x" + "f0" * 20,
        token0=WETH, token1=USDC, reserve0=reserve0, reserve1=1_500_000 * 10**6,
        fee_bps=30, block_number=block_number,
    )  # fmt: skip


def _v3(block_number: int) -> V3PoolState:
    tick = -200_000
    return V3PoolState(
        chain_id=42161, address="0x" + "d4" * 20, dex="uniswap-v3", factory="0x" + "f3" * 20,
        token0=WETH, token1=USDC, fee_pips=500, tick_spacing=10,
        sqrt_price_x96=get_sqrt_ratio_at_tick(tick), tick=tick, liquidity=0,
        ticks=TickTable(), block_number=block_number,
    ).with_position_change(
        tick_lower=tick - 2_000, tick_upper=tick + 2_000, liquidity_delta=10**18,
        block_number=block_number,
    )  # fmt: skip


def _update(chain_id: int, number: int, pools: tuple[PoolState, ...]) -> PoolUpdate:
    return PoolUpdate(
        chain_id=chain_id, block_number=number, block_hash=f"0x{chain_id:032x}{number:032x}",
        base_fee_wei=10**9, pools=pools, new_pools=tuple(p.address for p in pools),
    )  # fmt: skip


def _entry(n: int, chain: str, update: PoolUpdate) -> StreamEntry:
    return StreamEntry(
        stream=POOLS, id=f"{n}-0", type=POOL_UPDATE,
        key=pool_update_key(chain, update.block_hash),
        data=encode_update(chain, update, PoolCodec()), producer=f"worker-{chain}",
    )  # fmt: skip


async def test_two_chains_kept_once_and_loaded_whole(settings: RedisSettings) -> None:
    other = "0x" + "e5" * 20
    eth7 = _update(1, 7, (_pair(500 * 10**18, 7), _pair(400 * 10**18, 7, other)))
    eth8 = _update(1, 8, (_pair(501 * 10**18, 8),))  # only what block 8 changed
    arb9 = _update(42161, 9, (_v3(9),))
    entries = [
        _entry(1, "ethereum", eth7),
        _entry(2, "arbitrum", arb9),
        _entry(3, "ethereum", eth8),
        _entry(4, "ethereum", eth8),  # redelivered
        _entry(5, "ethereum", eth7),  # redelivered, and older than block 8
    ]
    fed: list[tuple[str, int]] = []

    async def feed(chain: str, update: PoolUpdate) -> None:
        fed.append((chain, update.block_number))

    snapshot = await PoolSnapshot.connect(settings)
    try:
        intake = PoolIntake(feed=feed, keep=snapshot.record)
        for entry in entries:
            await intake.handle(entry)
        assert fed == [("ethereum", 7), ("arbitrum", 9), ("ethereum", 8)]
        assert (intake.counts.duplicates, intake.counts.stale) == (2, 0)

        # The successor: one update per chain, every pool at its latest state.
        loaded = dict(await snapshot.load())
    finally:
        await snapshot.close()
    assert set(loaded) == {"ethereum", "arbitrum"}
    ethereum = loaded["ethereum"]
    assert (ethereum.block_number, ethereum.block_hash) == (8, eth8.block_hash)
    assert sorted(ethereum.pools, key=lambda p: p.address) == sorted(
        (eth8.pools[0], eth7.pools[1]), key=lambda p: p.address
    )
    assert set(ethereum.new_pools) == {p.address for p in eth7.pools}
    assert loaded["arbitrum"].pools == arb9.pools

    # Seeded from it, the successor's intake skips what the stream delivers again.
    again: list[tuple[str, int]] = []

    async def feed_again(chain: str, update: PoolUpdate) -> None:
        again.append((chain, update.block_number))

    successor = PoolIntake(feed=feed_again)
    for chain, update in loaded.items():
        successor.blocks.record(chain, update.block_number, update.block_hash)
    for entry in entries:
        await successor.handle(entry)
    eth10 = _update(1, 10, (_pair(502 * 10**18, 10),))
    await successor.handle(_entry(6, "ethereum", eth10))
    assert again == [("ethereum", 10)]
    assert (successor.counts.duplicates, successor.counts.stale) == (3, 2)


async def test_the_outbox_mirrors_both_chains_curves(settings: RedisSettings) -> None:
    detector = CrossChainDetector(CrossChainSettings(assets=("ETH",)), _registry())
    mirror = await CurveMirror.connect(settings)
    stop = asyncio.Event()
    try:
        outbox = CurveOutbox(mirror)
        mirrored = MirroredDetector(detector, outbox)
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(outbox.run(stop))
            # As the coordinator calls it: off the event loop.
            for chain, number, pool in (("ethereum", 7, _pair(500 * 10**18, 7)),
                                        ("arbitrum", 9, _v3(9))):  # fmt: skip
                await asyncio.to_thread(
                    mirrored.on_block, chain, number, [pool],
                    inventory={}, bands=None, fees={}, leg_latency_s=None,
                )  # fmt: skip

            async def both() -> bool:
                return len(await mirror.get_curves(["ethereum", "arbitrum"], ["ETH"])) == 2

            await eventually(both, what="both chains' curves mirrored", timeout_s=5)
            moved = replace(_pair(500 * 10**18, 7), reserve0=520 * 10**18, block_number=8)
            await asyncio.to_thread(
                mirrored.on_block, "ethereum", 8, [moved],
                inventory={}, bands=None, fees={}, leg_latency_s=None,
            )  # fmt: skip

            async def newer() -> bool:
                got = await mirror.get_curves(["ethereum"], ["ETH"])
                return bool(got) and got[0].block_number == 8

            await eventually(newer, what="the newer curve mirrored", timeout_s=5)
            stop.set()
        got = await mirror.get_curves(["ethereum", "arbitrum"], ["ETH"])
        assert {(c.chain, c.block_number) for c in got} == {("ethereum", 8), ("arbitrum", 9)}
        assert got == [detector.view.quotes[("ETH", c.chain)].snapshot() for c in got]
        assert outbox.failures == 0
    finally:
        await mirror.close()
