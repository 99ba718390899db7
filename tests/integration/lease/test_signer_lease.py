"""The signer lease against the real Redis (a key prefix per test): one holder at a time, a
takeover only after the ttl and with a larger fencing token, the old holder refused everywhere
(check, renew, valid, keep), tokens monotonic even after Redis lost its data. Each wait is for a
condition with a deadline that fails the test."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import redis.asyncio as aioredis
from _servers import _private_redis

from omniarb.cluster.lease import LeaseStoppedError, SignerLease, StaleLeaseError
from omniarb.config import RedisSettings
from omniarb.errors import NotRunningError, RetryableError

TTL_S = 0.6

log = logging.getLogger(__name__)


@pytest.fixture
async def make_lease(
    redis_url: str, prefix: str
) -> AsyncIterator[Callable[..., Awaitable[SignerLease]]]:
    made: list[SignerLease] = []

    async def make(holder: str, *, ttl_s: float = TTL_S, **kwargs: object) -> SignerLease:
        settings = RedisSettings.model_validate(
            {"enabled": True, "url": redis_url, "key_prefix": prefix}
        )
        lease = await SignerLease.connect(
            settings, name="devnet:0xbot", holder=holder, ttl_s=ttl_s, **kwargs
        )
        made.append(lease)
        return lease

    yield make
    for lease in made:
        await lease.close()


async def test_two_leases_racing_acquire_one_wins(
    make_lease: Callable[..., Awaitable[SignerLease]],
) -> None:
    for round_ in range(5):
        contenders = [await make_lease(f"w{round_}-{i}") for i in range(4)]
        tokens = await asyncio.gather(*(lease.acquire() for lease in contenders))
        winners = [t for t in tokens if t is not None]
        assert len(winners) == 1, tokens
        holder = contenders[tokens.index(winners[0])]
        assert holder.valid()
        assert holder.token == winners[0]
        assert [lease.valid() for lease in contenders].count(True) == 1
        assert await holder.check() == winners[0]
        await holder.release()
        assert holder.token is None
        assert not holder.valid()
    # Every round's winner got a larger token than the round before.
    assert winners[0] == 5


async def test_a_standby_takes_over_after_the_ttl_and_the_old_holder_is_refused(
    make_lease: Callable[..., Awaitable[SignerLease]],
) -> None:
    active = await make_lease("active")
    standby = await make_lease("standby")
    first = await active.acquire()
    assert first is not None
    stop = asyncio.Event()
    # The active worker stops renewing here (as if it died): the standby waits out the ttl.
    started = time.monotonic()
    second = await asyncio.wait_for(standby.wait_acquire(stop), TTL_S * 4)
    takeover_s = time.monotonic() - started
    log.warning("takeover after %.3f s (ttl %.1f s, poll %.2f s)", takeover_s, TTL_S, TTL_S / 4)
    assert second > first
    # Not before the lease lapsed in Redis, and within the ttl plus one poll (and a margin
    # for the round trips).
    assert TTL_S * 0.9 <= takeover_s <= TTL_S + TTL_S / 4 + 0.25
    assert not active.valid()
    with pytest.raises(
        StaleLeaseError, match=rf"our fencing token is {first}, the key's newest is {second}"
    ) as refused:
        await active.check()
    assert (refused.value.ours, refused.value.newest) == (first, second)
    assert await active.renew() is False
    assert not active.valid()
    assert await standby.check() == second
    # The old holder cannot take it back while the standby renews it.
    assert await active.acquire() is None


async def test_a_renewed_lease_is_kept_past_many_ttls(
    make_lease: Callable[..., Awaitable[SignerLease]],
) -> None:
    holder = await make_lease("holder")
    rival = await make_lease("rival")
    token = await holder.acquire()
    lost = asyncio.Event()
    keeping = asyncio.create_task(holder.keep(lost))
    try:
        deadline = time.monotonic() + TTL_S * 4
        while time.monotonic() < deadline:  # a rival polls as a standby would
            assert await rival.acquire() is None
            assert await holder.check() == token
            await asyncio.sleep(TTL_S / 4)
        assert not lost.is_set()
    finally:
        keeping.cancel()


async def test_keep_sets_lost_when_another_worker_took_the_lease(
    make_lease: Callable[..., Awaitable[SignerLease]], redis_url: str, prefix: str
) -> None:
    holder = await make_lease("holder")
    await holder.acquire()
    lost = asyncio.Event()
    keeping = asyncio.create_task(holder.keep(lost))
    # An operator (or Redis's data loss) removes the lease; another worker acquires it.
    client = aioredis.Redis.from_url(redis_url)
    try:
        await client.delete(f"{prefix}lease:devnet:0xbot")
    finally:
        await client.aclose()
    other = await make_lease("other")
    assert await other.acquire() is not None
    await asyncio.wait_for(lost.wait(), TTL_S * 2)
    await asyncio.wait_for(keeping, 1)
    assert not holder.valid()
    with pytest.raises(StaleLeaseError):
        await holder.check()


async def test_keep_sets_lost_after_the_process_was_frozen_past_its_lease(
    make_lease: Callable[..., Awaitable[SignerLease]],
) -> None:
    holder = await make_lease("holder")
    await holder.acquire()
    lost = asyncio.Event()
    keeping = asyncio.create_task(holder.keep(lost))
    await asyncio.sleep(0)  # keep is sleeping towards its first renewal
    # The whole event loop blocked past the lease (as SIGSTOP would freeze the process): no
    # renewal could run; the lease lapsed in Redis meanwhile, though nobody took it.
    time.sleep(TTL_S * 1.2)
    assert not holder.valid()  # no round trip needed to know
    await asyncio.wait_for(lost.wait(), TTL_S)
    await asyncio.wait_for(keeping, 1)
    with pytest.raises(StaleLeaseError, match="the key's newest is 1"):
        await holder.check()  # Redis no longer has our lease either


async def test_keep_sets_lost_when_redis_is_unreachable_past_the_validity(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="omniarb.cluster.lease")
    ttl_s = 2.0  # long enough that the private server's shutdown leaves renewals to fail
    # A Redis of this test's own, stopped under the holder (never the machine's).
    with _private_redis(redis_url) as private_url:
        settings = RedisSettings.model_validate(
            {"enabled": True, "url": private_url, "key_prefix": "t:"}
        )
        holder = await SignerLease.connect(settings, name="n", holder="holder", ttl_s=ttl_s)
        acquired = time.monotonic()
        await holder.acquire()
    try:
        lost = asyncio.Event()
        await asyncio.wait_for(holder.keep(lost), ttl_s * 2)
        assert lost.is_set()
        assert not holder.valid()
        # Retried until the validity ran out (the ttl less its 10 % margin), not given up at
        # the first failed renewal (due at ttl / 3).
        assert time.monotonic() - acquired >= ttl_s * 0.9
        failed = [r for r in caplog.records if "renewing lease n failed" in r.getMessage()]
        assert len(failed) >= 2
        with pytest.raises(RetryableError):
            await holder.check()
    finally:
        await holder.close()


async def test_wait_acquire_stops_when_told(
    make_lease: Callable[..., Awaitable[SignerLease]],
) -> None:
    holder = await make_lease("holder")
    standby = await make_lease("standby")
    await holder.acquire()
    lost = asyncio.Event()
    keeping = asyncio.create_task(holder.keep(lost))
    stop = asyncio.Event()
    waiting = asyncio.create_task(standby.wait_acquire(stop))
    await asyncio.sleep(TTL_S / 2)
    assert not waiting.done()
    stop.set()
    with pytest.raises(LeaseStoppedError):
        await asyncio.wait_for(waiting, TTL_S)
    keeping.cancel()


async def test_release_lets_a_standby_in_at_its_next_poll(
    make_lease: Callable[..., Awaitable[SignerLease]],
) -> None:
    holder = await make_lease("holder", ttl_s=30.0)
    standby = await make_lease("standby", ttl_s=30.0)
    first = await holder.acquire()
    assert first is not None
    assert await standby.acquire() is None
    await holder.release()
    second = await standby.acquire()
    assert second is not None
    assert second > first


async def test_tokens_stay_monotonic_after_redis_lost_its_data(
    make_lease: Callable[..., Awaitable[SignerLease]], redis_url: str, prefix: str
) -> None:
    stored = 0

    async def floor() -> int:  # the history database's largest stored token (see test_fence)
        return stored

    tokens = []
    for i in range(3):
        lease = await make_lease(f"w{i}", floor=floor)
        token = await lease.acquire()
        assert token is not None
        tokens.append(token)
        stored = token
        await lease.release()
    assert tokens == [1, 2, 3]
    # Redis restarted without persistence: both keys are gone, the counter with them.
    client = aioredis.Redis.from_url(redis_url)
    try:
        assert await client.delete(f"{prefix}fence:devnet:0xbot") == 1
    finally:
        await client.aclose()
    after = await make_lease("after-restart", floor=floor)
    token = await after.acquire()
    assert token == 4  # not 1: the floor (3) is exceeded
    assert await after.check() == 4
    # And the counter continues from there.
    await after.release()
    again = await make_lease("again", floor=floor)
    assert await again.acquire() == 5


async def test_no_redis_is_not_running_error() -> None:
    settings = RedisSettings.model_validate(
        {"enabled": True, "url": "redis://127.0.0.1:1/0", "key_prefix": "x:"}
    )
    with pytest.raises(NotRunningError):
        await SignerLease.connect(settings, name="n", holder="h", ttl_s=1.0)


async def test_valid_lapses_a_margin_before_the_ttl_without_a_round_trip(
    make_lease: Callable[..., Awaitable[SignerLease]],
) -> None:
    now = [1_000.0]  # the lease's monotonic clock, moved by hand
    holder = await make_lease("holder", clock=lambda: now[0])
    await holder.acquire()  # sent at 1000.0
    now[0] += TTL_S * 0.89
    assert holder.valid()
    # valid() gives up 10 % of the ttl before Redis lets the lease go.
    now[0] = 1_000.0 + TTL_S * 0.901
    assert not holder.valid()
    assert holder.remaining_s() <= 0
    # A renewal sent now is valid from when it was sent.
    now[0] = 1_000.0 + TTL_S * 0.5
    assert await holder.renew()
    now[0] = 1_000.0 + TTL_S * 0.5 + TTL_S * 0.89
    assert holder.valid()
    now[0] = 1_000.0 + TTL_S * 0.5 + TTL_S * 0.901
    assert not holder.valid()
