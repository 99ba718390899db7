"""`MarketProcess`: the market trades from a child process, replays the in-process market's swaps
for the same seed, hands its figures back through the pipe, and stops (and is reaped) when its
task is cancelled."""

from __future__ import annotations

import asyncio
import os

import pytest
from _waits import eventually

from omniarb.devnet.market import MarketActivity, MarketParams, MarketSnapshot
from omniarb.devnet.market.process import MarketProcess

pytestmark = pytest.mark.integration

_BLOCK_TIMES = {"ethereum": 0.3, "arbitrum": None}
_PARAMS = MarketParams(seed=23, swaps_per_block=2, whale_probability=0.2)


def _alive(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie counts as gone: it no longer runs)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


async def test_the_process_replays_the_in_process_market(devnet_factory) -> None:
    steps = 3
    async with devnet_factory(_BLOCK_TIMES) as net:
        market = MarketProcess(net.manifest_path, _PARAMS, steps=steps)
        await market.run()
        assert market.pid is not None
        assert market.pid != os.getpid()
        assert market.exitcode == 0
        assert not _alive(market.pid)
        remote = market.snapshot()
    async with devnet_factory(_BLOCK_TIMES) as net:
        local = MarketActivity(net.manifest, _PARAMS)
        await local.run(steps=steps)
        here = local.snapshot()
    assert remote is not None
    for name in _BLOCK_TIMES:
        theirs, ours = remote.chain(name), here.chain(name)
        assert theirs.step == ours.step == steps
        assert theirs.swaps_failed == 0
        assert theirs.swaps_mined == ours.swaps_mined > 0
        assert theirs.prices == ours.prices


async def test_cancelling_the_task_stops_the_process(devnet_factory) -> None:
    async with devnet_factory(_BLOCK_TIMES) as net:
        market = MarketProcess(net.manifest_path, _PARAMS)
        task = asyncio.create_task(market.run())

        async def trading() -> MarketSnapshot | None:
            snapshot = market.snapshot()
            if snapshot is None or task.done():
                return None
            mined = all(c.swaps_mined > 0 for c in snapshot.chains)
            return snapshot if mined and len(snapshot.chains) == len(_BLOCK_TIMES) else None

        await eventually(trading, what="swaps mined on both chains", timeout_s=60)
        pid = market.pid
        assert pid is not None
        assert pid != os.getpid()
        assert _alive(pid)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # Told by its closed pipe, the child stopped by itself (no signal needed) and was reaped.
        assert market.exitcode == 0
        assert not _alive(pid)
