"""Waiting in a test for something that happens elsewhere (a node, a server, another task):
poll a check until it holds, and fail loudly, naming what never came, at the deadline.

Lives at the root of tests/ (on sys.path through tests/conftest.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    check: Callable[[], Awaitable[T]],
    *,
    what: str,
    timeout_s: float = 5.0,
    interval_s: float = 0.01,
) -> T:
    """The first truthy result of the coroutine function `check`, polled every `interval_s`;
    an `AssertionError` naming `what` once `timeout_s` has passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        value = await check()
        if value:
            return value
        if loop.time() >= deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        await asyncio.sleep(interval_s)
