"""The Redis bus against a real Redis server (`OMNIARB_TEST_REDIS_URL`, or the private one the
root conftest starts when nothing answers there): prices with a TTL, the event stream in order
and capped, the hub forwarded into it. Each test has its own key prefix and deletes its keys
afterwards; each wait is for a condition, with a deadline that fails the test."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from _servers import DEFAULT_REDIS_URL, REDIS_URL_ENV
from _waits import eventually

from omniarb.api import LiveHub
from omniarb.bus import RedisBus, TokenPrice
from omniarb.config import RedisSettings
from omniarb.errors import NotRunningError

REDIS_URL = os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL)
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
# Past 2**53: the stream must carry it as the exact decimal string the hub made of it.
AMOUNT_IN = 12_345_678_901_234_567_891


def _settings(prefix: str, **changes: object) -> RedisSettings:
    return RedisSettings.model_validate(
        {"enabled": True, "url": REDIS_URL, "key_prefix": prefix, **changes}
    )


def _named(url: str, client_name: str) -> str:
    """`url` whose connections call themselves `client_name` (CLIENT SETNAME, via redis-py)."""
    return f"{url}{'&' if '?' in url else '?'}client_name={client_name}"


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A key prefix no other test uses; its keys are deleted afterwards."""
    name = f"omniarb-test-{uuid.uuid4().hex[:12]}:"
    yield name
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{name}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def test_prices_are_cached_per_chain_and_token_and_expire(prefix: str) -> None:
    bus = await RedisBus.connect(_settings(prefix, price_ttl_s=0.5))
    try:
        await bus.put_prices(
            "polygon",
            {
                WETH: TokenPrice(price_usd=3012.25, block_number=70, source="quickswap"),
                USDC: TokenPrice(price_usd=1.0001, block_number=70),
            },
        )
        await bus.put_prices("arbitrum", {WETH: TokenPrice(price_usd=3020.5, block_number=9)})
        found = await bus.get_prices("polygon", [WETH, USDC, "0xMissing"])
        assert set(found) == {WETH.lower(), USDC.lower()}
        assert found[WETH.lower()].price_usd == 3012.25
        assert found[WETH.lower()].block_number == 70
        assert found[WETH.lower()].source == "quickswap"
        assert found[WETH.lower()].at is not None
        other = await bus.get_prices("arbitrum", [WETH])
        assert other[WETH.lower()].price_usd == 3020.5

        client = aioredis.Redis.from_url(REDIS_URL)
        try:
            ttl_ms = await client.pttl(f"{prefix}price:polygon:{WETH.lower()}")
        finally:
            await client.aclose()
        assert 0 < ttl_ms <= 500

        async def expired() -> bool:
            return await bus.get_prices("polygon", [WETH, USDC]) == {}

        # The TTL is checked above; here only that Redis acts on it (deadline: 10 TTLs).
        await eventually(expired, what="the prices to expire")
    finally:
        await bus.close()


async def test_events_are_read_in_order_after_an_id(prefix: str) -> None:
    name = f"reader-{prefix.rstrip(':')}"
    bus = await RedisBus.connect(_settings(prefix, url=_named(REDIS_URL, name)))
    client = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        ids = [await bus.publish_event("alert", {"id": f"a{n}", "n": n}) for n in range(5)]
        events = await bus.read_events()
        assert [e.id for e in events] == ids
        assert [e.data["n"] for e in events] == list(range(5))
        assert {e.type for e in events} == {"alert"}
        assert await bus.read_events(after=ids[-1]) == []
        assert [e.id for e in await bus.read_events(after=ids[1], count=2)] == ids[2:4]

        # A reader waiting on the stream wakes up for the next event.
        waiting = asyncio.create_task(bus.read_events(after=ids[-1], block_ms=5_000))

        async def blocked() -> bool:
            clients = await client.client_list()
            return any(
                c["name"] == name and c["cmd"] == "xread" and "b" in c["flags"] for c in clients
            )

        await eventually(blocked, what="the reader to block in XREAD")
        newest = await bus.publish_event("trade", {"tx_hash": "0x01"})
        (event,) = await asyncio.wait_for(waiting, 5)
        assert (event.id, event.type, event.data) == (newest, "trade", {"tx_hash": "0x01"})
    finally:
        await client.aclose()
        await bus.close()


async def test_the_stream_is_capped_near_its_maxlen(prefix: str) -> None:
    bus = await RedisBus.connect(_settings(prefix, stream_maxlen=100))
    try:
        for n in range(1_000):
            await bus.publish_event("stats", {"n": n})
        client = aioredis.Redis.from_url(REDIS_URL)
        try:
            length = await client.xlen(bus.stream_key)
        finally:
            await client.aclose()
        # MAXLEN ~ trims whole internal nodes (100 entries each): about maxlen, never all.
        assert 100 <= length < 300
        events = await bus.read_events(count=1_000)
        assert events[-1].data == {"n": 999}
    finally:
        await bus.close()


async def test_the_hub_is_forwarded_into_the_stream(prefix: str) -> None:
    hub = LiveHub()
    bus = await RedisBus.connect(_settings(prefix))
    forward = asyncio.create_task(bus.forward(hub))
    try:

        async def subscribed() -> bool:
            return hub.has_subscribers

        await eventually(subscribed, what="a hub subscriber")
        hub.publish("opportunity", {"id": "1-100-0001", "amount_in": str(AMOUNT_IN)})
        hub.publish("trade", {"tx_hash": "0x01", "amount_in": str(AMOUNT_IN)})
        events: list = []
        async with asyncio.timeout(5):
            while len(events) < 2:
                last = events[-1].id if events else "0-0"
                events += await bus.read_events(after=last, block_ms=1_000)
        assert [e.type for e in events] == ["opportunity", "trade"]
        assert events[0].data["id"] == "1-100-0001"
        assert events[1].data == {"tx_hash": "0x01", "amount_in": str(AMOUNT_IN)}

        async def counted() -> bool:  # once XADD returned, which may be after the reader saw it
            return bus.forwarded >= 2

        await eventually(counted, what="the forwarded events to be counted")
        assert bus.forward_failures == 0
    finally:
        forward.cancel()
        await asyncio.gather(forward, return_exceptions=True)
        await bus.close()


async def test_connecting_where_no_redis_listens_is_not_running() -> None:
    with pytest.raises(NotRunningError, match="no Redis answers"):
        await RedisBus.connect(_settings("omniarb-test-none:", url="redis://127.0.0.1:9/0"))
