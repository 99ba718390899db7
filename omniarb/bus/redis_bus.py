"""Redis as the bus between workers: a shared price cache and an event stream.

* **price cache** — one key per chain and token, `{prefix}price:{chain}:{token}` (token
  address in lower case), holding JSON `{"price_usd", "block_number", "source", "at"}` with a
  TTL (`redis.price_ttl_s`): a price nobody refreshed expires instead of lying. Workers of
  different chains read each other's prices for the cross-chain view.
* **event stream** — one Redis Stream, `{prefix}events`, whose entries have the fields `type`
  and `data` (JSON), the same messages the live hub sends its WebSocket clients; XADD caps it
  at about `redis.stream_maxlen` entries. An API process or another worker reads it with XREAD
  from the last id it saw.

Every redis-py error is mapped once, here: a server that cannot be reached is `RetryableError`
(`NotRunningError` when `connect` finds none); a command Redis refuses is `FatalError`.

    bus = await RedisBus.connect(settings.redis)
    await bus.put_prices("polygon", {"0x…": TokenPrice(price_usd=0.52, block_number=9)})
    events = await bus.read_events(after="0-0", count=100)
    await bus.close()
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from omniarb.api.live import LiveHub
from omniarb.config import RedisSettings
from omniarb.errors import FatalError, NotRunningError, RetryableError

__all__ = ["BusEvent", "RedisBus", "TokenPrice"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenPrice:
    """A token's USD price as one worker saw it at `block_number` (float: display/ML only)."""

    price_usd: float
    block_number: int
    source: str = ""
    at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BusEvent:
    """One stream entry: its id (`<ms>-<n>`, increasing), its type and its data."""

    id: str
    type: str
    data: dict[str, Any]


@asynccontextmanager
async def _redis_errors(action: str, where: str) -> AsyncIterator[None]:
    try:
        yield
    except (RedisConnectionError, RedisTimeoutError) as exc:
        raise RetryableError(f"{action}: Redis at {where} unavailable: {exc}") from exc
    except RedisError as exc:
        raise FatalError(f"{action}: Redis at {where} refused it: {exc}") from exc


class RedisBus:
    """The price cache and event stream on one Redis connection pool."""

    def __init__(self, client: aioredis.Redis, settings: RedisSettings) -> None:
        self._client = client
        self._prefix = settings.key_prefix
        self._maxlen = settings.stream_maxlen
        self._ttl_ms = max(1, round(settings.price_ttl_s * 1000))
        self._where = settings.url
        self.forwarded = 0
        self.forward_failures = 0

    @classmethod
    async def connect(cls, settings: RedisSettings) -> RedisBus:
        """A bus on `settings.url`, checked with PING (`NotRunningError` if none answers)."""
        client = aioredis.Redis.from_url(settings.url, decode_responses=True)
        try:
            await client.ping()
        except (RedisConnectionError, RedisTimeoutError) as exc:
            await client.aclose()
            raise NotRunningError(f"no Redis answers at {settings.url}: {exc}") from exc
        return cls(client, settings)

    @property
    def stream_key(self) -> str:
        return f"{self._prefix}events"

    def price_key(self, chain: str, token: str) -> str:
        return f"{self._prefix}price:{chain}:{token.lower()}"

    async def put_prices(self, chain: str, prices: Mapping[str, TokenPrice]) -> None:
        """Cache each token's price (one round trip for all), each key with the TTL."""
        if not prices:
            return
        now = datetime.now(UTC).isoformat()
        async with _redis_errors("caching prices", self._where):
            pipe = self._client.pipeline(transaction=False)
            for token, price in prices.items():
                value = {
                    "price_usd": price.price_usd,
                    "block_number": price.block_number,
                    "source": price.source,
                    "at": price.at.isoformat() if price.at is not None else now,
                }
                pipe.set(self.price_key(chain, token), json.dumps(value), px=self._ttl_ms)
            await pipe.execute()

    async def get_prices(self, chain: str, tokens: Sequence[str]) -> dict[str, TokenPrice]:
        """The cached prices of `tokens` on `chain` that have not expired (by lower-case
        address)."""
        if not tokens:
            return {}
        async with _redis_errors("reading prices", self._where):
            values = await self._client.mget([self.price_key(chain, t) for t in tokens])
        found: dict[str, TokenPrice] = {}
        for token, text in zip(tokens, values, strict=True):
            if text is None:
                continue
            raw = json.loads(str(text))
            found[token.lower()] = TokenPrice(
                price_usd=float(raw["price_usd"]),
                block_number=int(raw["block_number"]),
                source=str(raw["source"]),
                at=datetime.fromisoformat(raw["at"]),
            )
        return found

    async def publish_event(self, kind: str, data: Mapping[str, Any]) -> str:
        """Append an event to the stream; returns its id."""
        fields = {"type": kind, "data": json.dumps(data, separators=(",", ":"))}
        async with _redis_errors("appending an event", self._where):
            entry = await self._client.xadd(
                self.stream_key, cast(Any, fields), maxlen=self._maxlen, approximate=True
            )
        return str(entry)

    async def read_events(
        self, *, after: str = "0-0", count: int = 100, block_ms: int | None = None
    ) -> list[BusEvent]:
        """Events after id `after` ("0-0": from the oldest kept; "$": only new ones), at most
        `count`, waiting up to `block_ms` for the first one when given."""
        async with _redis_errors("reading events", self._where):
            answer: Any = await self._client.xread(
                {self.stream_key: after}, count=count, block=block_ms
            )
        events: list[BusEvent] = []
        for _stream, entries in answer or ():
            for entry_id, fields in entries:
                events.append(
                    BusEvent(id=entry_id, type=fields["type"], data=json.loads(fields["data"]))
                )
        return events

    async def forward(self, hub: LiveHub, types: Sequence[str] | None = None) -> None:
        """Append every message the hub publishes to the stream, until cancelled.

        A Redis outage costs the messages published meanwhile (counted in
        `forward_failures`), never the engine's pace; if the stream falls a whole queue
        behind, the hub drops this subscriber and it subscribes again.
        """
        while True:
            with hub.subscribe(types) as subscription:
                while not subscription.dropped.is_set():
                    message = json.loads(await subscription.get())
                    try:
                        await self.publish_event(message["type"], message["data"])
                    except RetryableError as exc:
                        self.forward_failures += 1
                        log.warning("event %s not forwarded: %s", message["seq"], exc)
                    else:
                        self.forwarded += 1
            log.warning("the event stream fell behind the hub; resubscribing")

    async def close(self) -> None:
        await self._client.aclose()
