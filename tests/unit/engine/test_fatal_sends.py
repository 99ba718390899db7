"""A send refused for a stale signer lease (a `FatalError`) stops the engine: the chain's
deciding task does not drop it with the item, as it drops an ordinary error."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from omniarb.chain_run import ChainRun
from omniarb.chain_supervise import raise_fatal
from omniarb.errors import RejectedError, StaleLeaseError


class _Hooks:
    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def error(self, chain: str, component: str, error: BaseException) -> None:
        self.errors.append((component, type(error).__name__))


def _run(failure: Exception, hooks: _Hooks) -> tuple[ChainRun, list[Any]]:
    released: list[Any] = []

    async def process(decision: Any, lead: tuple[str, ...] = ()) -> Any:
        raise failure

    pipeline: Any = SimpleNamespace(
        name="polygon",
        optimizer=None,
        execute=SimpleNamespace(process=process),
        allocate=SimpleNamespace(release=released.append),
    )
    return ChainRun(pipeline, store=None, hooks=hooks), released  # type: ignore[arg-type]


def _decision() -> Any:
    route = SimpleNamespace(pools=("0xPool",))
    return SimpleNamespace(opportunity=SimpleNamespace(id="opp-1", route=route), flash_pool=None)


async def test_a_stale_lease_in_a_send_reaches_the_deciding_task() -> None:
    hooks = _Hooks()
    run, released = _run(StaleLeaseError("not ours", ours=1, newest=2), hooks)
    decision = _decision()
    sends = [asyncio.create_task(run._execute(decision))]
    await asyncio.wait(sends)
    with pytest.raises(StaleLeaseError, match="not ours"):
        raise_fatal(sends)
    # Counted and alerted like any failure, and its inventory freed; but not swallowed.
    assert hooks.errors == [("execute", "StaleLeaseError")]
    assert released == [decision]


async def test_an_ordinary_send_failure_is_dropped_with_its_item() -> None:
    hooks = _Hooks()
    run, released = _run(RejectedError("too small"), hooks)
    decision = _decision()
    sends = [asyncio.create_task(run._execute(decision))]
    await asyncio.wait(sends)
    raise_fatal(sends)  # nothing fatal: returns
    assert hooks.errors == [("execute", "RejectedError")]
    assert released == [decision]


async def test_the_deciding_task_stops_on_it_and_decides_nothing_more() -> None:
    hooks = _Hooks()
    run, _ = _run(StaleLeaseError("not ours", ours=1, newest=2), hooks)
    decided: list[int] = []

    async def on_update(update: Any) -> None:  # the block's sends, as `_on_update` awaits them
        decided.append(update.block_number)
        sends = [asyncio.create_task(run._execute(_decision()))]
        await asyncio.wait(sends)
        raise_fatal(sends)

    run._on_update = on_update  # type: ignore[method-assign]
    run._updates.put_nowait(_Update(block_number=1, times=_Times()))
    with pytest.raises(StaleLeaseError):
        await asyncio.wait_for(run.supervised("decide", run.decide), 5)
    # Not restarted (a restarted decider would decide the next block with the stale lease).
    assert decided == [1]
    assert run.restarts == 0


class _Times:
    def at(self, **_: int) -> _Times:
        return self


@dataclass(frozen=True)
class _Update:
    block_number: int
    times: _Times
