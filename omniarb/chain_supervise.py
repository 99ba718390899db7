"""`supervise`: run one of a chain's tasks, starting it again after a backoff if it dies, so
the error stays that chain's; only a `FatalError` escapes (it stops the engine)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from omniarb.backoff import Backoff
from omniarb.errors import FatalError

__all__ = ["raise_fatal", "supervise"]

log = logging.getLogger("omniarb.chain_run")


class SupervisedRun(Protocol):
    """What `supervise` needs of a chain's run (`omniarb.chain_run.ChainRun`)."""

    name: str
    stopping: bool
    restarts: int

    def dropped(self, stage: str, error: BaseException, item: str) -> None: ...


def raise_fatal(tasks: list[asyncio.Task[None]]) -> None:
    """Raise the first `FatalError` one of `tasks` (all done) ended with: a send refused for a
    stale signer lease or a corrupt nonce must stop the engine, not be dropped with the item."""
    fatal: FatalError | None = None
    for task in tasks:
        if task.cancelled():
            continue
        # Every task's error is retrieved here (each was reported by the task itself).
        error = task.exception()
        if fatal is None and isinstance(error, FatalError):
            fatal = error
    if fatal is not None:
        raise fatal


async def supervise(
    run: SupervisedRun,
    task: str,
    body: Callable[[], Coroutine[Any, Any, None]],
    restart: Backoff,
) -> None:
    waits = restart.waits()
    while True:
        try:
            await body()
        except FatalError:
            raise
        except Exception as exc:
            if run.stopping:
                return
            delay_s = next(waits)
            run.restarts += 1
            run.dropped(task, exc, f"its {task} task (restart {run.restarts})")
            log.warning("%s: restarting the %s task in %.1f s", run.name, task, delay_s)
            await asyncio.sleep(delay_s)
        else:
            return
