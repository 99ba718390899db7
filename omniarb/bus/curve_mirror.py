"""The cross-chain view mirrored in Redis, so workers of different chains share it.

One key per (chain, asset identity), `{prefix}curve:{chain}:{identity}`, holding a
`CurveSnapshot` as JSON with the TTL `redis.price_ttl_s`: a curve its worker
stopped refreshing expires instead of showing a gap that is gone. Amounts are written as
decimal strings (they pass 2**53).

    mirror = await CurveMirror.connect(settings.redis)
    found = detector.on_block(chain, block_number, states, inventory=..., fees=...)
    mine = [detector.view.quotes[(i, chain)].snapshot() for i in detector.changed]
    # Publish this chain's changed curves, hold exactly the others' unexpired ones (next block
    # pairs with them); `put_curves` and `get_curves` do each half alone.
    detector.view.set_remote(
        await mirror.exchange(mine, chains=other_chains, identities=detector.view.identities)
    )
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from omniarb.bus.redis_errors import redis_errors
from omniarb.config import RedisSettings
from omniarb.cross_chain_types import CurveSnapshot
from omniarb.errors import NotRunningError
from omniarb.types import Hop

__all__ = ["CurveMirror", "snapshot_from_json", "snapshot_to_json"]


def snapshot_to_json(snapshot: CurveSnapshot) -> str:
    def points(values: tuple[tuple[int, int], ...]) -> list[list[str]]:
        return [[str(x), str(y)] for x, y in values]

    return json.dumps(
        {
            "chain": snapshot.chain,
            "chain_id": snapshot.chain_id,
            "identity": snapshot.identity,
            "block_number": snapshot.block_number,
            "asset_decimals": snapshot.asset_decimals,
            "quote_decimals": snapshot.quote_decimals,
            "mid_usd": snapshot.mid_usd,
            "sell_points": points(snapshot.sell_points),
            "buy_points": points(snapshot.buy_points),
            "sell_hops": [asdict(hop) for hop in snapshot.sell_hops],
            "buy_hops": [asdict(hop) for hop in snapshot.buy_hops],
        },
        separators=(",", ":"),
    )


def snapshot_from_json(text: str) -> CurveSnapshot:
    raw: dict[str, Any] = json.loads(text)

    def points(values: list[list[str]]) -> tuple[tuple[int, int], ...]:
        return tuple((int(x), int(y)) for x, y in values)

    return CurveSnapshot(
        chain=str(raw["chain"]),
        chain_id=int(raw["chain_id"]),
        identity=str(raw["identity"]),
        block_number=int(raw["block_number"]),
        asset_decimals=int(raw["asset_decimals"]),
        quote_decimals=int(raw["quote_decimals"]),
        mid_usd=float(raw["mid_usd"]),
        sell_points=points(raw["sell_points"]),
        buy_points=points(raw["buy_points"]),
        sell_hops=tuple(Hop(**hop) for hop in raw["sell_hops"]),
        buy_hops=tuple(Hop(**hop) for hop in raw["buy_hops"]),
    )


class CurveMirror:
    """The curves of every worker's chains, one Redis key each (module docstring)."""

    def __init__(self, client: aioredis.Redis, settings: RedisSettings) -> None:
        self._client = client
        self._prefix = settings.key_prefix
        self._ttl_ms = max(1, round(settings.price_ttl_s * 1000))
        self._where = settings.url

    @classmethod
    async def connect(cls, settings: RedisSettings) -> CurveMirror:
        """A mirror on `settings.url`, checked with PING (`NotRunningError` if none answers)."""
        client = aioredis.Redis.from_url(settings.url, decode_responses=True)
        try:
            await client.ping()
        except (RedisConnectionError, RedisTimeoutError) as exc:
            await client.aclose()
            raise NotRunningError(f"no Redis answers at {settings.url}: {exc}") from exc
        return cls(client, settings)

    def curve_key(self, chain: str, identity: str) -> str:
        return f"{self._prefix}curve:{chain}:{identity}"

    async def put_curves(self, snapshots: Iterable[CurveSnapshot]) -> int:
        """Publish each snapshot (one round trip for all), each key with the TTL; returns how
        many were written."""
        pipe = self._client.pipeline(transaction=False)
        written = 0
        for snapshot in snapshots:
            key = self.curve_key(snapshot.chain, snapshot.identity)
            pipe.set(key, snapshot_to_json(snapshot), px=self._ttl_ms)
            written += 1
        if written:
            async with redis_errors("publishing curves", self._where):
                await pipe.execute()
        return written

    async def get_curves(
        self, chains: Sequence[str], identities: Sequence[str]
    ) -> list[CurveSnapshot]:
        """The unexpired curves of `identities` on `chains` (those nobody published are left
        out)."""
        keys = [self.curve_key(chain, identity) for chain in chains for identity in identities]
        if not keys:
            return []
        async with redis_errors("reading curves", self._where):
            values = await self._client.mget(keys)
        return [snapshot_from_json(str(text)) for text in values if text is not None]

    async def exchange(
        self,
        published: Iterable[CurveSnapshot],
        *,
        chains: Sequence[str],
        identities: Sequence[str],
    ) -> list[CurveSnapshot]:
        """Publish this worker's changed curves and read the other workers' (`chains`) in one
        round trip: what a per-chain worker does after each block."""
        pipe = self._client.pipeline(transaction=False)
        for snapshot in published:
            key = self.curve_key(snapshot.chain, snapshot.identity)
            pipe.set(key, snapshot_to_json(snapshot), px=self._ttl_ms)
        keys = [self.curve_key(chain, identity) for chain in chains for identity in identities]
        if keys:
            pipe.mget(keys)
        async with redis_errors("exchanging curves", self._where):
            answers = await pipe.execute()
        values = answers[-1] if keys else []
        return [snapshot_from_json(str(text)) for text in values if text is not None]

    async def close(self) -> None:
        await self._client.aclose()
