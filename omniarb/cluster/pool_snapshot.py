"""The coordinator's pool view kept in Redis, so the coordinator that takes over starts whole.

A worker's updates carry only the pools each block changed (its first names them all), and a
standby joins the consumer group where the group stands, long after those first updates were
acknowledged and trimmed. So the active coordinator writes each update it applies here before
acknowledging it: one hash per chain, `{prefix}coordinator:pools:{chain}`, of every pool's
latest state (by its state key, encoded by `pool_codec`), and `{prefix}coordinator:heads`, each
chain's last block applied, in one MULTI. The successor loads it (`load`: one update per chain
naming every pool), feeds it to its detector, and then consumes the stream, whose redelivered or
older entries the intake skips.

    snapshot = await PoolSnapshot.connect(settings.redis)
    for chain, update in await snapshot.load():
        await coordinator.feed(chain, update)
"""

from __future__ import annotations

import json
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from omniarb.bus.pool_codec import PoolCodec, PoolCodecError
from omniarb.bus.redis_errors import redis_errors
from omniarb.config import RedisSettings
from omniarb.dex.base import PoolState
from omniarb.errors import NotRunningError
from omniarb.types import PoolUpdate

__all__ = ["PoolSnapshot"]


class PoolSnapshot:
    """Every chain's pool states as the active coordinator last applied them (module
    docstring)."""

    def __init__(
        self, client: aioredis.Redis, settings: RedisSettings, codec: PoolCodec | None = None
    ) -> None:
        self._client = client
        self._prefix = settings.key_prefix
        self._where = settings.url
        self._codec = codec or PoolCodec()

    @classmethod
    async def connect(cls, settings: RedisSettings) -> PoolSnapshot:
        """A snapshot on `settings.url`, checked with PING (`NotRunningError` if none answers)."""
        client = aioredis.Redis.from_url(settings.url, decode_responses=True)
        try:
            await client.ping()
        except (RedisConnectionError, RedisTimeoutError) as exc:
            await client.aclose()
            raise NotRunningError(f"no Redis answers at {settings.url}: {exc}") from exc
        return cls(client, settings)

    def pools_key(self, chain: str) -> str:
        return f"{self._prefix}coordinator:pools:{chain}"

    @property
    def heads_key(self) -> str:
        return f"{self._prefix}coordinator:heads"

    async def record(self, chain: str, update: PoolUpdate) -> None:
        """Keep `chain`'s changed states and its head (one transaction)."""
        head = {
            "chain_id": update.chain_id,
            "block_number": update.block_number,
            "block_hash": update.block_hash,
            "base_fee_wei": str(update.base_fee_wei),
        }
        pipe = self._client.pipeline(transaction=True)
        if update.pools:
            states = {
                state.state_key: json.dumps(self._codec.encode(state), separators=(",", ":"))
                for state in update.pools
            }
            pipe.hset(self.pools_key(chain), mapping=states)  # type: ignore[arg-type]
        pipe.hset(self.heads_key, chain, json.dumps(head))
        async with redis_errors("keeping the coordinator's pool view", self._where):
            await pipe.execute()

    async def load(self) -> list[tuple[str, PoolUpdate]]:
        """One update per chain kept: its last block applied, with every pool's state (all
        of them new to whoever reads it)."""
        async with redis_errors("reading the coordinator's pool view", self._where):
            heads = {
                str(k): str(v) for k, v in (await self._client.hgetall(self.heads_key)).items()
            }
            found: list[tuple[str, PoolUpdate]] = []
            for chain in sorted(heads):
                stored = await self._client.hgetall(self.pools_key(chain))
                found.append((chain, self._update(heads[chain], map(str, stored.values()))))
        return found

    def _update(self, head_text: str, states_text: Any) -> PoolUpdate:
        try:
            head = json.loads(head_text)
            pools: tuple[PoolState, ...] = tuple(
                self._codec.decode(json.loads(text)) for text in states_text
            )
            return PoolUpdate(
                chain_id=int(head["chain_id"]),
                block_number=int(head["block_number"]),
                block_hash=str(head["block_hash"]),
                base_fee_wei=int(head["base_fee_wei"]),
                pools=pools,
                new_pools=tuple(dict.fromkeys(state.address for state in pools)),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise PoolCodecError(f"the coordinator's kept pool view is malformed: {exc}") from exc

    async def clear(self) -> None:
        """Forget every chain's view (a network reset)."""
        async with redis_errors("clearing the coordinator's pool view", self._where):
            chains = await self._client.hkeys(self.heads_key)
            await self._client.delete(self.heads_key, *(self.pools_key(str(c)) for c in chains))

    async def close(self) -> None:
        await self._client.aclose()
