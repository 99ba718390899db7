"""Rotating the executor key inside a running bot while the devnet's market trades (rivals off):
the bot keeps trading through the rotation, no trade fails, neither key leaves a nonce gap, the
new key signs the trades after the switch, the old key is de-authorized on the executor and its
gas swept to 0 wei, and the audit log holds every step in order. Then the same driven by the
bot's own rotation service: its pool grown to two keys that share the trades, and the first key
rotated when the policy's transaction count says so.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from _bot_helpers import RunningBot, bot_on
from _waits import eventually
from pydantic import SecretStr

from omniarb._config_key_pool import KeyPoolSettings
from omniarb.api import ApiServer, ApiState, LiveHub, create_app
from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import chain_by_name
from omniarb.config import Secrets, Settings
from omniarb.devnet.bot_keys import DevnetBotKeys
from omniarb.devnet.bot_keystore import bot_keystore
from omniarb.devnet.custody import devnet_safe_owner
from omniarb.devnet.key_rotation import devnet_key_rotation
from omniarb.devnet.market import MarketParams
from omniarb.devnet.market.process import MarketProcess
from omniarb.engine import Engine
from omniarb.execute.key_pool import KeyPool
from omniarb.keys.gas_float import balance_wei
from omniarb.keys.rotation import RotationResult, RotationSettings, Rotator
from omniarb.keys.rotation_service import KeyRotationService
from omniarb.network import Manifest
from omniarb.store import HistoryStore

pytestmark = pytest.mark.integration

_BLOCK_S = 0.5
# Whales move pools often enough for a trade every few blocks.
_MARKET = MarketParams(seed=23, swaps_per_block=2, whale_probability=0.5)
_AFTER_SWITCH = 2
_TOKEN = "rotation-test-token"


def _pool(bot: RunningBot) -> KeyPool:
    (pipeline,) = bot.engine[0].pipelines
    pool = pipeline.execute.submitter
    assert isinstance(pool, KeyPool)
    return pool


async def _count(rpc: RpcClient, address: str, tag: str = "latest") -> int:
    return int(await rpc.call("eth_getTransactionCount", address, tag), 16)


async def _all_mined(rpc: RpcClient, key: str) -> None:
    """Every nonce `key` handed out gets mined (a gap would hold the later ones back for ever);
    a transaction sent just before the bot stopped may still be waiting for its block."""

    async def mined() -> bool:
        return await _count(rpc, key, "pending") == await _count(rpc, key)

    await eventually(mined, what=f"every transaction of {key} mined", timeout_s=30)


async def _senders(rpc: RpcClient, hashes: list[str]) -> list[str]:
    txs = await rpc.batch([("eth_getTransactionByHash", [h]) for h in hashes])
    return [str(tx["from"]).lower() for tx in txs]


async def _rotate_from_the_command_line(
    bot: RunningBot, service: KeyRotationService, home: Path
) -> RotationResult:
    """`omniarb keys rotate --chain ethereum --json`, the real command in a process of its own,
    against the bot's API serving `service`."""
    settings = Settings.model_validate({"api": {"port": 0}})
    state = ApiState(history=bot.store.database, hub=LiveHub(), key_rotation=service)
    server = ApiServer(
        create_app(state, settings, secrets=Secrets(api_token=SecretStr(_TOKEN))),
        state,
        settings.api,
    )
    serving = asyncio.create_task(server.serve())
    try:
        await server.wait_started()
        env = {**os.environ, "OMNIARB_API_TOKEN": _TOKEN, "OMNIARB_HOME": str(home)}
        command = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "omniarb",
            "keys",
            "rotate",
            "--chain",
            "ethereum",
            "--url",
            server.url,
            "--json",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(command.communicate(), timeout=120)
        assert command.returncode == 0, err.decode()
        answer = json.loads(out)
    finally:
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)
    return RotationResult(new_address=answer["new_address"], old_address=answer["old_address"])


async def test_rotation_in_a_running_bot(devnet_factory: Any, tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    async with devnet_factory({"ethereum": _BLOCK_S}) as net:
        chain = net.manifest.chain("ethereum")
        market = MarketProcess(net.manifest_path, _MARKET)
        async with RpcClient(chain.rpc_http) as rpc, bot_on(net, db) as bot:
            trading = asyncio.create_task(market.run())
            try:
                await bot.wait_for(lambda stats: stats[0].succeeded >= 2, timeout_s=120)
                pool = _pool(bot)
                old = pool.address
                executor = json.loads((net.manifest_path.parent / "executors.json").read_text())
                # The executor's owner is the chain's 2-of-3 Safe; the new key is made in the
                # run's keystore, where the bot's first key lives.
                owner = devnet_safe_owner(rpc, chain)
                rotator = Rotator(
                    chain="ethereum",
                    chain_id=chain.chain_id,
                    rpc=rpc,
                    fee_model=chain_by_name("ethereum").fee_model,
                    pool=pool,
                    backend=bot_keystore(net.manifest_path.parent),
                    owner=owner,
                    executor=executor["ethereum"],
                    audit=bot.store.database,
                    settings=RotationSettings(gas_float_wei=10**18),
                )
                await rotator.restore()
                before = bot.stats[0].submitted
                # The operator's way: `omniarb keys rotate` asks the bot's API, which runs
                # the rotation in the bot's process.
                service = KeyRotationService({"ethereum": rotator})
                result = await _rotate_from_the_command_line(bot, service, tmp_path)
                # The old key's trades settled before its de-authorization and sweep (two more
                # blocks): every trade recorded from here on was signed by the new key.
                switched = len(bot.stats[0].trades)
                new = result.new_address
                assert result.old_address == old

                async def new_key_traded() -> bool:
                    hashes = [t.tx_hash for t in bot.stats[0].trades[switched:]]
                    return len(hashes) >= _AFTER_SWITCH

                await eventually(new_key_traded, what="trades signed by the new key", timeout_s=120)
                assert bot.stats[0].submitted > before
            finally:
                trading.cancel()
                await asyncio.gather(trading, return_exceptions=True)
            # Let what is in flight land before the bot stops: every nonce then mined.
            await eventually(lambda: _settled(bot), what="the bot's trades to settle", timeout_s=60)

        async with RpcClient(chain.rpc_http) as rpc:
            # No nonce gap on either key: every nonce handed out was mined, none is pending.
            for key in (old, new):
                await _all_mined(rpc, key)
            trades = bot.stats[0].trades
            senders = await _senders(rpc, [t.tx_hash for t in trades])
            assert {new.lower(), old.lower()} <= set(senders)
            assert set(senders[switched:]) == {new.lower()}
            assert len(senders) - switched >= _AFTER_SWITCH
            call = {"to": executor["ethereum"], "data": encode_call("isExecutor(address)", old)}
            assert int(await rpc.call("eth_call", call, "latest"), 16) == 0
            assert await balance_wei(rpc, old) == 0

    # No failed trade (never one refused for a missing authorization); every step in order.
    assert await _no_failed_trade(db) == [
        ("key.activate", old.lower(), "ok"),
        ("key.rotate.requested", "ethereum", "ok"),
        *((step, new.lower(), "ok") for step in ("key.create", "key.authorize", "key.fund")),
        ("key.activate", new.lower(), "ok"),
        *(
            (step, old.lower(), "ok")
            for step in ("key.drain", "key.deauthorize", "key.sweep", "key.retire")
        ),
    ]


def _created_keys(manifest_path: Path, first: str) -> list[str]:
    """The keys the rotation made in the run's keystore, oldest first (the bot's own aside)."""
    made = [k for k in bot_keystore(manifest_path.parent).list_keys() if k.address != first]
    return [k.address for k in sorted(made, key=lambda k: k.created_at)]


async def _settled(bot: RunningBot) -> bool:
    """Every trade the bot sent has its outcome."""
    return bot.stats[0].submitted == len(bot.stats[0].trades)


async def _no_failed_trade(db: Path) -> list[tuple[str, str, str]]:
    """Assert no trade failed (none refused at the send; every reverted one lost its pools to a
    swap earlier in its block) and return the audit log's key rows in order."""
    with sqlite3.connect(db) as connection:
        failed = connection.execute(
            "SELECT error FROM executions WHERE status = 'failed'"
        ).fetchall()
        reverted = connection.execute(
            "SELECT touched_earlier_in_block FROM outcomes WHERE success = 0"
        ).fetchall()
        audit = connection.execute(
            "SELECT action, lower(subject), outcome FROM audit_log ORDER BY id"
        ).fetchall()
    assert failed == []
    assert all(touched for (touched,) in reverted)
    return [tuple(row) for row in audit]


async def test_the_bots_policy_rotates_a_key_of_a_pool_of_two(
    devnet_factory: Any, tmp_path: Path
) -> None:
    db = tmp_path / "h.sqlite"
    limit: list[int] = []
    first: list[str] = []

    async def rotation(engine: Engine, store: HistoryStore) -> KeyRotationService:
        (pipeline,) = engine.pipelines
        pool = pipeline.execute.submitter
        assert isinstance(pool, KeyPool)
        first.append(pool.address)
        # The first key is due after a few more trades; the new ones long after the test.
        limit.append(await _count(pipeline.rpc, pool.address) + 8)
        settings = KeyPoolSettings(
            size=2, max_key_tx_count=limit[0], gas_float_wei=10**18, check_interval_s=0.5
        )

        # The product's devnet wiring (`omniarb run`): the run's keystore and the chain's Safe.
        keys = DevnetBotKeys(manifest_path[0].parent)
        return await devnet_key_rotation(manifest[0], keys, settings, store.database)(engine)

    manifest: list[Manifest] = []
    manifest_path: list[Path] = []
    async with devnet_factory({"ethereum": _BLOCK_S}) as net:
        manifest.append(net.manifest)
        manifest_path.append(net.manifest_path)
        chain = net.manifest.chain("ethereum")
        market = MarketProcess(net.manifest_path, _MARKET)
        async with (
            RpcClient(chain.rpc_http) as rpc,
            bot_on(net, db, key_rotation=rotation) as bot,
        ):
            trading = asyncio.create_task(market.run())
            try:

                async def rotated() -> bool:
                    rows = bot.store.database.audit(action="key.retire", limit=10)
                    return bool(rows)

                await eventually(rotated, what="the policy's rotation", timeout_s=180)
                pool = _pool(bot)
                assert len(pool.active_addresses) == 2
                assert first[0] not in pool.active_addresses
                switched = len(bot.stats[0].trades)

                async def traded_on() -> bool:
                    hashes = [t.tx_hash for t in bot.stats[0].trades[switched:]]
                    return len(hashes) >= _AFTER_SWITCH

                await eventually(traded_on, what="trades after the rotation", timeout_s=120)
            finally:
                trading.cancel()
                await asyncio.gather(trading, return_exceptions=True)
            await eventually(lambda: _settled(bot), what="the bot's trades to settle", timeout_s=60)
            active = pool.active_addresses

        # The policy may rotate the grown keys too once they reach the limit: every key the
        # bot ever used is checked.
        created = _created_keys(manifest_path[0], first[0])
        keys = [first[0], *created]
        async with RpcClient(chain.rpc_http) as rpc:
            old = first[0]
            for key in keys:
                await _all_mined(rpc, key)
            assert await _count(rpc, old) >= limit[0]
            senders = await _senders(rpc, [t.tx_hash for t in bot.stats[0].trades])
            # The pool of two shared the trades; the first key traded none after its rotation.
            assert old.lower() in senders[:switched]
            assert created[0].lower() in senders
            assert old.lower() not in senders[switched:]
            executor = json.loads((net.manifest_path.parent / "executors.json").read_text())
            retired = {r.subject for r in bot.store.database.audit(action="key.retire")}
            assert old in retired
            for key in retired:
                call = {"to": executor["ethereum"], "data": encode_call("isExecutor(address)", key)}
                assert int(await rpc.call("eth_call", call, "latest"), 16) == 0
                assert await balance_wei(rpc, key) == 0
            for key in active:
                assert key not in retired

    # (A grown key may reach the limit too before the bot stops: only the first rotation's
    # rows are checked here.)
    grown, replacement = (a.lower() for a in created[:2])
    adds = ("key.create", "key.authorize", "key.fund", "key.activate")
    retires = ("key.drain", "key.deauthorize", "key.sweep", "key.retire")
    rows = await _no_failed_trade(db)
    assert [r for r in rows if r[2] != "ok"] == []
    assert rows[:13] == [
        ("key.activate", old.lower(), "ok"),
        *((step, grown, "ok") for step in adds),
        *((step, replacement, "ok") for step in adds),
        *((step, old.lower(), "ok") for step in retires),
    ]
