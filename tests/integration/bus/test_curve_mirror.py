"""The cross-chain view's curves through a real Redis: what one worker's view publishes,
another worker's view reads back equal, with the TTL; expired or absent curves are not
returned. Each test has its own key prefix and deletes its keys afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
import redis.asyncio as aioredis
from _bus_setup import REDIS_URL, unique_prefix
from _waits import eventually

from omniarb._config_cross_chain import CrossChainSettings
from omniarb.bus import CurveMirror
from omniarb.chains.assets import AssetRegistry
from omniarb.config import RedisSettings
from omniarb.detect.cross_chain import CrossChainView
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.dex.uniswap_v3.tick_math import get_sqrt_ratio_at_tick
from omniarb.dex.uniswap_v3.tick_table import TickTable
from omniarb.network import TokenEntry

WETH = "0x" + "a1" * 20
USDC = "0x" + "b2" * 20


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    async with unique_prefix() as name:
        yield name


def _view() -> CrossChainView:
    def tokens() -> list[TokenEntry]:
        return [
            TokenEntry(symbol="WETH", address=WETH, decimals=18, name="W", asset="ETH",
                       wrapped_native=True),
            TokenEntry(symbol="USDC", address=USDC, decimals=6, name="U", asset="USDC"),
        ]  # fmt: skip

    registry = AssetRegistry({"ethereum": tokens(), "arbitrum": tokens()})
    return CrossChainView(CrossChainSettings(), registry)


def _states() -> tuple[V2PoolState, V3PoolState]:
    pair = V2PoolState(
        chain_id=1, address="0x" + "c3" * 20, dex="uniswap-v2", factory="0x" + "f0" * 20,
        token0=WETH, token1=USDC, reserve0=500 * 10**18, reserve1=1_500_000 * 10**6,
        fee_bps=30, block_number=7,
    )  # fmt: skip
    tick = -200_000
    pool = V3PoolState(
        chain_id=42161, address="0x" + "d4" * 20, dex="uniswap-v3", factory="0x" + "f3" * 20,
        token0=WETH, token1=USDC, fee_pips=500, tick_spacing=10,
        sqrt_price_x96=get_sqrt_ratio_at_tick(tick), tick=tick, liquidity=0,
        ticks=TickTable(), block_number=9,
    ).with_position_change(
        tick_lower=tick - 2_000, tick_upper=tick + 2_000, liquidity_delta=10**18, block_number=9
    )  # fmt: skip
    return pair, pool


async def test_curves_round_trip_between_two_workers(prefix: str) -> None:
    settings = RedisSettings.model_validate(
        {"enabled": True, "url": REDIS_URL, "key_prefix": prefix, "price_ttl_s": 30}
    )
    pair, pool = _states()
    ethereum_worker, arbitrum_worker = _view(), _view()
    assert ethereum_worker.apply("ethereum", 7, [pair]) == {"ETH"}
    assert arbitrum_worker.apply("arbitrum", 9, [pool]) == {"ETH"}
    sent = [
        ethereum_worker.quotes[("ETH", "ethereum")].snapshot(),
        arbitrum_worker.quotes[("ETH", "arbitrum")].snapshot(),
    ]
    # Exact sample points: the pools' own outputs, past 2**53.
    assert sent[0].sell_points[5][1] == pair.amount_out(WETH, sent[0].sell_points[5][0])
    assert sent[1].buy_points[-1][1] == pool.amount_out(USDC, sent[1].buy_points[-1][0])
    assert max(y for _, y in sent[1].buy_points) > 2**53
    publisher = await CurveMirror.connect(settings)
    reader = await CurveMirror.connect(settings)
    try:
        assert await publisher.put_curves(sent) == 2
        got = await reader.get_curves(["ethereum", "arbitrum", "optimism"], ["ETH", "BTC"])
        assert sorted(got, key=lambda s: s.chain) == sorted(sent, key=lambda s: s.chain)
        client = aioredis.Redis.from_url(REDIS_URL)
        try:
            ttl_ms = await client.pttl(publisher.curve_key("arbitrum", "ETH"))
        finally:
            await client.aclose()
        assert 0 < ttl_ms <= 30_000
        ethereum_worker.merge_remote(got)
        assert ethereum_worker.remote[("ETH", "arbitrum")] == sent[1]
        assert await reader.get_curves([], ["ETH"]) == []
        # A block later each worker publishes its own and reads the other's in one trip.
        moved = replace(pair, reserve0=pair.reserve0 + 10**18, block_number=8)
        assert ethereum_worker.apply("ethereum", 8, [moved]) == {"ETH"}
        newer = ethereum_worker.quotes[("ETH", "ethereum")].snapshot()
        read = await publisher.exchange([newer], chains=["arbitrum"], identities=["ETH"])
        assert read == [sent[1]]
        assert await reader.exchange([], chains=["ethereum"], identities=["ETH"]) == [newer]
        assert newer.block_number == 8
    finally:
        await publisher.close()
        await reader.close()


async def test_an_expired_curve_is_gone(prefix: str) -> None:
    settings = RedisSettings.model_validate(
        {"enabled": True, "url": REDIS_URL, "key_prefix": prefix, "price_ttl_s": 0.05}
    )
    view = _view()
    view.apply("ethereum", 7, [_states()[0]])
    mirror = await CurveMirror.connect(settings)
    try:
        await mirror.put_curves([view.quotes[("ETH", "ethereum")].snapshot()])
        client = aioredis.Redis.from_url(REDIS_URL)
        try:
            key = mirror.curve_key("ethereum", "ETH")
            # Redis expires the key itself: wait on that condition, not a sleep.
            await eventually(lambda: _gone(client, key), what="the curve expired", timeout_s=5)
        finally:
            await client.aclose()
        assert await mirror.get_curves(["ethereum"], ["ETH"]) == []
    finally:
        await mirror.close()


async def _gone(client: aioredis.Redis, key: str) -> bool:
    return not await client.exists(key)
