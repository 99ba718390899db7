"""A chain's task that dies is restarted (with backoff), reported once per death with its chain
and task, and never raises into the engine's task group; a `FatalError` still does."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any

import pytest

from omniarb.backoff import Backoff
from omniarb.chain_run import ChainRun
from omniarb.errors import FatalError

_NO_WAIT = Backoff(initial_s=0.0, max_s=0.0, jitter=0)


class _Hooks:
    def __init__(self) -> None:
        self.errors: list[tuple[str, str, str]] = []

    def error(self, chain: str, component: str, error: BaseException) -> None:
        self.errors.append((chain, component, str(error)))


def _run(hooks: _Hooks) -> ChainRun:
    pipeline: Any = SimpleNamespace(name="polygon", optimizer=None)
    return ChainRun(pipeline, store=None, hooks=hooks)  # type: ignore[arg-type]


async def test_a_dying_task_is_restarted_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="omniarb.engine")
    hooks = _Hooks()
    run = _run(hooks)
    calls = 0

    async def body() -> None:
        nonlocal calls
        calls += 1
        if calls <= 2:
            raise KeyError(f"bug #{calls}")

    await asyncio.wait_for(run.supervised("settle", body, restart=_NO_WAIT), 5)
    assert calls == 3
    assert run.restarts == 2
    assert hooks.errors == [("polygon", "settle", "'bug #1'"), ("polygon", "settle", "'bug #2'")]
    failed = [r for r in caplog.records if "settle stage failed" in r.getMessage()]
    assert len(failed) == 2
    assert all(r.exc_info is not None for r in failed)  # the traceback is in the log


async def test_a_fatal_error_is_not_swallowed() -> None:
    run = _run(_Hooks())

    async def body() -> None:
        raise FatalError("nonce corruption")

    with pytest.raises(FatalError, match="nonce corruption"):
        await run.supervised("decide", body, restart=_NO_WAIT)


async def test_no_restart_once_stopping() -> None:
    hooks = _Hooks()
    run = _run(hooks)
    run.stopping = True

    async def body() -> None:
        raise RuntimeError("late")

    await asyncio.wait_for(run.supervised("state", body, restart=_NO_WAIT), 5)
    assert run.restarts == 0
    assert hooks.errors == []
