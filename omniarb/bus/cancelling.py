"""Cancellation that survives a retry loop's exception handling.

The bus's loops catch redis-py's errors and retry. If a cancellation ever reached one of them
as an ordinary exception, the loop would swallow it and carry on: a bus that never closes, a
TaskGroup that never exits. So every `except` of a bus loop calls `reraise_if_cancelling` first.
(A cancellation of the outbox's writer was seen lost now and then, the task left "cancelling"
and running on — where, inside the client library, was not pinned down; the writer now stops
on a flag, `Outbox.stop`, with the cancellation only as a fallback.)
"""

from __future__ import annotations

import asyncio

__all__ = ["reraise_if_cancelling"]


def reraise_if_cancelling(exc: BaseException) -> None:
    """Raise `CancelledError` (from `exc`) if the current task has been asked to cancel."""
    task = asyncio.current_task()
    if task is not None and task.cancelling() > 0:
        raise asyncio.CancelledError from exc
