"""The bot as a worker holding its chain's signer lease (`run_bot(..., leases=)`), on a real
devnet, Redis and SQLite history: a planted gap is traded and its claim stores the lease's
fencing token; once another worker has taken the lease over, the next trade is refused, the
engine stops with `StaleLeaseError`, and the bot's account sends nothing more."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from _bot_helpers import swap_v2
from _plans import roomy_deadline
from _servers import DEFAULT_REDIS_URL, REDIS_URL_ENV
from _waits import eventually

from omniarb.bot import run_bot
from omniarb.chains.rpc import RpcClient
from omniarb.cluster.lease import SignerLease, StaleLeaseError
from omniarb.config import RedisSettings, Settings
from omniarb.devnet.accounts import BOT_INDEX, dev_account
from omniarb.devnet.bot_access import DevnetAccess
from omniarb.engine import Engine
from omniarb.store import HistoryStore

pytestmark = pytest.mark.xdist_group("devnet-lease")

_ONE_BLOCK_S = 0.5
TTL_S = 2.0


def _stale(error: BaseException) -> bool:
    if isinstance(error, StaleLeaseError):
        return True
    if isinstance(error, BaseExceptionGroup):
        return any(_stale(inner) for inner in error.exceptions)
    return False


async def test_a_worker_whose_lease_was_taken_over_sends_nothing_more(
    devnet_factory, tmp_path: Path
) -> None:
    prefix = f"t-lease-bot-{uuid.uuid4().hex[:8]}:"
    settings = RedisSettings.model_validate(
        {
            "enabled": True,
            "url": os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL),
            "key_prefix": prefix,
        }
    )
    db = tmp_path / "h.sqlite"
    active = await SignerLease.connect(
        settings, name="ethereum:bot", holder="worker-a", ttl_s=TTL_S
    )
    standby = await SignerLease.connect(
        settings, name="ethereum:bot", holder="worker-b", ttl_s=TTL_S
    )
    try:
        token = await active.acquire()
        assert token == 1
        lost = asyncio.Event()
        keeping = asyncio.create_task(active.keep(lost))
        async with devnet_factory({"ethereum": _ONE_BLOCK_S}) as net:
            chain = net.manifest.chain("ethereum")
            bot_address = dev_account(BOT_INDEX).address
            store = await asyncio.to_thread(HistoryStore.open, f"sqlite:///{db}")
            engines: list[Engine] = []
            bot = asyncio.create_task(
                run_bot(
                    net.manifest,
                    roomy_deadline(Settings()),
                    access=DevnetAccess(net.manifest_path),
                    store=store,
                    dry_run=False,
                    stop_when=lambda _: False,  # until the lease stops it
                    on_start=engines.append,
                    leases={"ethereum": active},
                )
            )
            try:
                async with RpcClient(chain.rpc_http) as rpc:

                    async def started() -> bool:
                        return bool(engines) and engines[0].stats[0].first_block is not None

                    await eventually(started, what="the bot's first block", timeout_s=60)
                    await swap_v2(
                        rpc, chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * 10**18
                    )

                    async def traded() -> bool:
                        return engines[0].stats[0].succeeded >= 1

                    await eventually(traded, what="a trade under the lease", timeout_s=30)
                    # The active worker stops renewing (as if cut off); the standby takes over.
                    keeping.cancel()
                    second = await asyncio.wait_for(
                        standby.wait_acquire(asyncio.Event()), TTL_S * 3
                    )
                    assert second == 2
                    sent_before = int(
                        await rpc.call("eth_getTransactionCount", bot_address, "pending"), 16
                    )
                    # Another gap: the bot finds it, and its send is refused.
                    await swap_v2(
                        rpc, chain, dex="sushiswap", path=["USDC", "WETH"], amount_in=10**12
                    )
                    with pytest.raises(BaseException) as stopped:  # noqa: PT011 - checked below
                        await asyncio.wait_for(bot, 60)
                    assert _stale(stopped.value), repr(stopped.value)
                    assert engines[0].stats[0].succeeded >= 1
                    sent_after = int(
                        await rpc.call("eth_getTransactionCount", bot_address, "pending"), 16
                    )
                    assert sent_after == sent_before  # nothing sent after the takeover
            finally:
                if not bot.done():
                    bot.cancel()
                    with pytest.raises((asyncio.CancelledError, Exception)):
                        await bot
                await store.close()
        with sqlite3.connect(db) as connection:
            tokens = [t for (t,) in connection.execute("SELECT fencing_token FROM submissions")]
        assert tokens
        assert set(tokens) == {1}  # every claim the bot made carries its lease's token
    finally:
        await active.close()
        await standby.close()
        client = aioredis.Redis.from_url(settings.url)
        try:
            keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()
