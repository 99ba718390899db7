"""One signer per key: a lease in Redis with a monotonically increasing fencing token.

A worker may sign for a key only while it holds the key's lease. Two keys per lease name:
`{prefix}lease:{name}` holds `"{token}:{holder}"` with a PX expiry, and `{prefix}fence:{name}`
is a counter that never expires. Acquiring (one Lua script: only when no lease exists, `INCR`
the counter, `SET` the lease `PX ttl`) hands out a fencing token larger than every one before;
the holder renews it every `ttl_s / 3` (`keep`). Before every submission the token is checked
against Redis (`check`) and stored with the submission's claim (`omniarb.cluster.fence`): a
worker frozen past its lease, then resumed, finds a larger token there and steps down. Between
renewals `valid()` answers from the local monotonic clock (no round trip), so a signer refuses
to sign once its lease may have lapsed.

Our Redis runs without persistence, so a restart forgets the counter. The constructor's `floor`
is the largest token the history database stores for the key, and no token at or below it is
ever handed out: tokens stay monotonic across a Redis restart.

    lease = await SignerLease.connect(settings.redis, name="ethereum:0xabc…",
                                      holder="worker-ethereum-host-4242", ttl_s=3.0, floor=floor)
    token = await lease.wait_acquire(stop)           # a standby waits here
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(lease.keep(lost))           # renews; sets `lost` when it cannot
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from omniarb.bus.redis_errors import redis_errors
from omniarb.config import RedisSettings
from omniarb.errors import FatalError, NotRunningError, RetryableError, StaleLeaseError

__all__ = ["LeaseStoppedError", "SignerLease", "StaleLeaseError"]

log = logging.getLogger(__name__)

# The share of the ttl the local validity gives up: it covers the clock rates of this host and
# Redis's differing and the renewal's own round trip.
_SAFETY_FRACTION = 0.1

# KEYS: lease, fence. ARGV: holder, ttl in ms, floor. The token, or 0 while a lease exists.
_ACQUIRE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
local floor = tonumber(ARGV[3])
if token <= floor then
  token = floor + 1
  redis.call('SET', KEYS[2], token)
end
redis.call('SET', KEYS[1], token .. ':' .. ARGV[1], 'PX', ARGV[2])
return token
"""
# KEYS: lease. ARGV: our value, ttl in ms. 1 when the lease was ours and is extended.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
# KEYS: lease, fence. Both values read at one instant.
_CHECK = """
return {redis.call('GET', KEYS[1]) or '', redis.call('GET', KEYS[2]) or ''}
"""
# KEYS: lease. ARGV: our value. 1 when ours was deleted.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class LeaseStoppedError(FatalError):
    """`wait_acquire` was stopped before the lease was acquired."""


async def _no_floor() -> int:
    return 0


class SignerLease:
    """The lease on one signing key (by `name`), held by `holder` (unique per process: two
    processes must never share a holder name)."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        name: str,
        holder: str,
        ttl_s: float,
        key_prefix: str = "",
        floor: Callable[[], Awaitable[int]] = _no_floor,
        where: str = "redis",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_s <= 0:
            raise ValueError(f"ttl_s must be positive, got {ttl_s}")
        if ":" in holder:
            # The lease value is "{token}:{holder}"; a holder is compared whole, so any name
            # would do, but one without ':' keeps the value readable for an operator.
            raise ValueError(f"a holder name has no ':': {holder!r}")
        self._client = client
        self.name = name
        self.holder = holder
        self.ttl_s = ttl_s
        self._ttl_ms = max(1, round(ttl_s * 1000))
        self._margin_s = ttl_s * _SAFETY_FRACTION
        self._lease_key = f"{key_prefix}lease:{name}"
        self._fence_key = f"{key_prefix}fence:{name}"
        self._floor = floor
        self._where = where
        self._clock = clock
        self._token: int | None = None
        self._valid_until = float("-inf")
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._check = client.register_script(_CHECK)
        self._release = client.register_script(_RELEASE)

    @classmethod
    async def connect(
        cls,
        settings: RedisSettings,
        *,
        name: str,
        holder: str,
        ttl_s: float,
        floor: Callable[[], Awaitable[int]] = _no_floor,
        clock: Callable[[], float] = time.monotonic,
    ) -> SignerLease:
        """A lease on `settings.url` under `settings.key_prefix`, checked with PING
        (`NotRunningError` if no Redis answers). `close()` ends its connections. `clock` is
        the monotonic clock `valid()` reads (a test moves its own)."""
        client = aioredis.Redis.from_url(settings.url, decode_responses=True)
        try:
            await client.ping()
        except (RedisConnectionError, RedisTimeoutError) as exc:
            await client.aclose()
            raise NotRunningError(f"no Redis answers at {settings.url}: {exc}") from exc
        return cls(
            client,
            name=name,
            holder=holder,
            ttl_s=ttl_s,
            key_prefix=settings.key_prefix,
            floor=floor,
            where=settings.url,
            clock=clock,
        )

    async def close(self) -> None:
        await self._client.aclose()

    @property
    def token(self) -> int | None:
        """The fencing token of the last acquire (kept after the lease is lost, so errors can
        name it); None before the first acquire and after `release`."""
        return self._token

    @property
    def _value(self) -> str:
        return f"{self._token}:{self.holder}"

    def valid(self) -> bool:
        """Whether the lease is surely still ours, from the local clock alone: until the time
        the last successful acquire or renewal was *sent*, plus the ttl, less a safety margin."""
        return self._token is not None and self._clock() < self._valid_until

    def remaining_s(self) -> float:
        """How long `valid()` stays true without a renewal (<= 0 once it is false)."""
        return self._valid_until - self._clock() if self._token is not None else 0.0

    async def acquire(self) -> int | None:
        """Take the lease if nobody holds it: the new fencing token, else None."""
        async with redis_errors("reading the lease", self._where):
            if await self._client.exists(self._lease_key):
                return None  # held: spare the floor's database read
        floor = await self._floor()
        sent = self._clock()
        async with redis_errors("acquiring the lease", self._where):
            raw = await self._acquire(
                keys=[self._lease_key, self._fence_key], args=[self.holder, self._ttl_ms, floor]
            )
        token = int(raw)
        if token == 0:
            return None
        self._token = token
        self._valid_until = sent + self.ttl_s - self._margin_s
        log.info("%s: lease %s acquired with fencing token %d", self.holder, self.name, token)
        return token

    async def wait_acquire(self, stop: asyncio.Event) -> int:
        """Poll every `ttl_s / 4` until the lease is ours: its token. A holder that died is
        replaced at most ttl + one poll after its last renewal. `LeaseStoppedError` once `stop`
        is set first; Redis unreachable is logged and polled through."""
        poll_s = self.ttl_s / 4
        while not stop.is_set():
            try:
                token = await self.acquire()
            except RetryableError as exc:
                log.warning("%s: lease %s: %s; polling on", self.holder, self.name, exc)
                token = None
            if token is not None:
                return token
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_s)
        raise LeaseStoppedError(f"{self.holder}: stopped before acquiring lease {self.name}")

    async def renew(self) -> bool:
        """Extend the lease by the ttl if it is still ours: True; False when it is not (it
        lapsed, or another worker holds it). `RetryableError` when Redis is unreachable."""
        if self._token is None:
            return False
        sent = self._clock()
        async with redis_errors("renewing the lease", self._where):
            renewed = int(
                await self._renew(keys=[self._lease_key], args=[self._value, self._ttl_ms])
            )
        if renewed:
            self._valid_until = max(self._valid_until, sent + self.ttl_s - self._margin_s)
            return True
        self._valid_until = float("-inf")
        return False

    async def check(self) -> int:
        """Our token, after one round trip proving it is the key's newest and the lease is
        ours (and `valid()`); else `StaleLeaseError` naming both tokens."""
        async with redis_errors("checking the lease", self._where):
            value, fence = await self._check(keys=[self._lease_key, self._fence_key])
        newest = int(fence) if fence else None
        ours = self._token
        if ours is None or newest != ours or value != self._value:
            self._valid_until = float("-inf")
            held_by = value.partition(":")[2] or "nobody"
            raise StaleLeaseError(
                f"{self.holder}: lease {self.name} is not ours: our fencing token is {ours}, "
                f"the key's newest is {newest} (lease held by {held_by})",
                ours=ours,
                newest=newest,
            )
        if not self.valid():
            raise StaleLeaseError(
                f"{self.holder}: lease {self.name} (fencing token {ours}) may have lapsed: "
                "it was not renewed in time",
                ours=ours,
                newest=newest,
            )
        return ours

    async def keep(self, lost: asyncio.Event) -> None:
        """Renew every `ttl_s / 3` until the lease is lost, then set `lost` and return: a
        renewal said it is no longer ours, or the local validity ran out (the process was
        frozen, or Redis was unreachable for too long: failed renewals are retried until then)."""
        interval_s = self.ttl_s / 3
        while True:
            await asyncio.sleep(interval_s)
            if not self.valid():
                log.error(
                    "%s: lease %s (fencing token %s) lapsed before it was renewed",
                    self.holder,
                    self.name,
                    self._token,
                )
                break
            try:
                renewed = await asyncio.wait_for(self.renew(), max(self.remaining_s(), 0.001))
            except (RetryableError, TimeoutError) as exc:
                log.warning("%s: renewing lease %s failed: %s", self.holder, self.name, exc)
                interval_s = self.ttl_s / 10  # sooner: the validity is running out
                continue
            if not renewed:
                log.error(
                    "%s: lease %s (fencing token %s) is no longer ours",
                    self.holder,
                    self.name,
                    self._token,
                )
                break
            interval_s = self.ttl_s / 3
        self._valid_until = float("-inf")
        lost.set()

    async def release(self) -> None:
        """Give the lease up (delete it if it is still ours), so a standby need not wait out
        the ttl."""
        if self._token is None:
            return
        value = self._value
        self._token = None
        self._valid_until = float("-inf")
        async with redis_errors("releasing the lease", self._where):
            await self._release(keys=[self._lease_key], args=[value])

    def __repr__(self) -> str:
        return f"SignerLease(name={self.name!r}, holder={self.holder!r}, token={self._token})"
