"""Three chains with market activity and the bot trading; one chain's node is frozen (SIGSTOP) and
another's killed (SIGKILL) mid-run. The third keeps trading through the faults, the process
stays up and says which chains are down (log, metric, the API's chain status), and the frozen
chain catches up and trades again once its node resumes. No record is lost."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from _bot_helpers import RunningBot, bot_on, swap_v2
from _waits import eventually

from omniarb.api.views import chain_status
from omniarb.chains.rpc import RpcClient
from omniarb.config import MonitorSettings, Secrets
from omniarb.devnet import Devnet
from omniarb.devnet.market import MarketActivity, MarketParams
from omniarb.monitor import Monitor
from omniarb.telemetry import Telemetry

pytestmark = pytest.mark.integration

log = logging.getLogger(__name__)

_HALF_SECOND_BLOCKS = 0.5
_LIVE, _FROZEN, _KILLED = "ethereum", "arbitrum", "polygon"
_CHAINS = (_LIVE, _FROZEN, _KILLED)
_WETH = 10**18
# Market traders are accounts 1-4; the planted swaps come from account 8.
_MARKET = MarketParams(seed=11, traders=4, whale_probability=0.2)
_PLANTER = 8


@contextlib.asynccontextmanager
async def _markets(net: Devnet) -> AsyncIterator[None]:
    """Market activity on each chain, each in a task of its own: a chain whose node dies stops
    its own market only."""

    async def one(name: str) -> None:
        try:
            await MarketActivity(net.manifest, _MARKET, chains=[name]).run()
        except Exception as exc:  # a faulted chain's market: the test is about the bot
            log.info("market on %s stopped: %s", name, exc)

    tasks = [asyncio.create_task(one(name)) for name in _CHAINS]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _until(bot: RunningBot, what: str, check: object, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():  # type: ignore[operator]
        if bot.stop.is_set() or time.monotonic() > deadline:
            counts = [s.counts() for s in bot.stats]
            raise AssertionError(f"timed out waiting for {what}; bot: {counts}")
        await asyncio.sleep(0.05)


async def test_frozen_and_killed_nodes_stall_no_other_chain(
    devnet_factory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    monitor = Monitor.from_settings(MonitorSettings(), Secrets(), chains=list(_CHAINS))
    db = tmp_path / "h.sqlite"
    async with devnet_factory(dict.fromkeys(_CHAINS, _HALF_SECOND_BLOCKS)) as net:
        live, frozen = net.manifest.chain(_LIVE), net.manifest.chain(_FROZEN)
        async with (
            RpcClient(live.rpc_http) as live_rpc,
            RpcClient(frozen.rpc_http, timeout_s=5) as frozen_rpc,
            _markets(net),
            bot_on(net, db, telemetry=Telemetry(monitor=monitor)) as bot,
        ):
            by_name = {s.chain: s for s in bot.stats}
            await _until(bot, "every node up", lambda: all(s.node_up for s in bot.stats))
            before = by_name[_LIVE].succeeded

            os.kill(net.nodes[_FROZEN].pid, signal.SIGSTOP)
            os.kill(net.nodes[_KILLED].pid, signal.SIGKILL)
            fault_start = time.monotonic()
            try:
                await _until(
                    bot,
                    "both faulted chains reported down",
                    lambda: by_name[_FROZEN].node_up is False and by_name[_KILLED].node_up is False,
                )
                # The live chain keeps following its blocks and trades a gap opened now.
                seen = by_name[_LIVE].blocks_seen
                await swap_v2(
                    live_rpc,
                    live,
                    dex="sushiswap",
                    path=["WETH", "USDC"],
                    amount_in=600 * _WETH,
                    trader=_PLANTER,
                )
                await _until(
                    bot,
                    "a trade on the live chain during the faults",
                    lambda: (
                        by_name[_LIVE].succeeded > before and by_name[_LIVE].blocks_seen >= seen + 4
                    ),
                )
                trades_in_window = by_name[_LIVE].succeeded - before
                status = {c: chain_status(by_name[c]) for c in _CHAINS}
                assert (status[_LIVE].node_up, status[_FROZEN].node_up) == (True, False)
                assert status[_KILLED].node_up is False
            finally:
                os.kill(net.nodes[_FROZEN].pid, signal.SIGCONT)
            fault_s = time.monotonic() - fault_start

            def sample(name: str, chain: str) -> float | None:
                return monitor.metrics.registry.get_sample_value(name, {"chain": chain})

            assert sample("omniarb_chain_up", _KILLED) == 0
            assert sample("omniarb_chain_up", _LIVE) == 1

            # The frozen chain comes back: reported up, caught up with its node, trading again.
            async def lag() -> int:
                head = int(await frozen_rpc.call("eth_blockNumber"), 16)
                return head - by_name[_FROZEN].block_number

            await _until(bot, "the resumed node reported up", lambda: by_name[_FROZEN].node_up)

            async def caught_up() -> bool:
                return await lag() <= 2

            await eventually(
                caught_up, what=f"{_FROZEN} to catch up with its node", timeout_s=30, interval_s=0.1
            )
            frozen_before = by_name[_FROZEN].succeeded
            await swap_v2(
                frozen_rpc,
                frozen,
                dex="sushiswap",
                path=["WETH", "USDC"],
                amount_in=600 * _WETH,
                trader=_PLANTER,
            )
            await _until(
                bot,
                "a trade on the resumed chain",
                lambda: by_name[_FROZEN].succeeded > frozen_before,
            )
            assert sample("omniarb_chain_up", _FROZEN) == 1
            stop_started = time.monotonic()
            bot.stop.set()
        stop_s = time.monotonic() - stop_started

    messages = [r.getMessage() for r in caplog.records]
    for name in (_FROZEN, _KILLED):
        down = [m for m in messages if m.startswith(f"chain {name}: node") and ": down:" in m]
        assert len(down) == 1, down
    assert any(m.startswith(f"chain {_FROZEN}: node") and "back up" in m for m in messages)
    # Each chain's node going down is its own alert, not a duplicate of the other's.
    alerts = [m for m in messages if m.startswith("alert system_error") and ": node error" in m]
    assert {name for name in (_FROZEN, _KILLED) if any(f" {name}: node" in m for m in alerts)} == {
        _FROZEN,
        _KILLED,
    }
    # Nothing lost: every trade sent has its outcome in the history, or is listed as pending.
    with contextlib.closing(sqlite3.connect(db)) as connection:
        rows = connection.execute(
            "SELECT e.tx_hash, o.execution_id FROM executions e LEFT JOIN outcomes o "
            "ON o.execution_id = e.id WHERE e.tx_hash IS NOT NULL"
        ).fetchall()
    pending = {p.tx_hash for s in bot.stats for p in s.pending}
    lost = [tx for tx, outcome in rows if outcome is None and tx not in pending]
    assert lost == []
    settled = sum(len(s.trades) for s in bot.stats)
    assert settled + len(pending) == len(rows)
    log.warning(
        "chaos figures: faults 2 (SIGSTOP %s, SIGKILL %s) for %.1f s; live-chain trades in the "
        "window %d; trades sent %d, settled %d, pending %d, lost %d; stop took %.2f s",
        _FROZEN,
        _KILLED,
        fault_s,
        trades_in_window,
        len(rows),
        settled,
        len(pending),
        len(lost),
        stop_s,
    )
