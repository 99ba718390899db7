"""The event loop `omniarb run` and `omniarb demo` run on: uvloop unless `--no-uvloop`.

uvloop wakes a waiting task 2-3x sooner than asyncio's default loop and takes a fifth off an
HTTP or WebSocket round trip to a local node, with a shorter tail (`benchmarks/loop.py`); the
switch is there to rule the loop out when something behaves differently.

While it runs, the interpreter hands the GIL over every 1 ms instead of every 5 ms: the view's
renderer and the history writer run in threads, and a thread holding the GIL delays the loop by
up to one interval each time the loop wants it back. With a thread rendering the view, the
loop's wake-up lag fell from 6-8 ms to 1.3-1.6 ms at p50 (`benchmarks/loop.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

import uvloop

__all__ = ["add_loop_option", "run_on_loop"]

T = TypeVar("T")

_SWITCH_INTERVAL_S = 0.001


def add_loop_option(parser: argparse.ArgumentParser) -> None:
    """`--no-uvloop`."""
    parser.add_argument(
        "--no-uvloop",
        dest="uvloop",
        action="store_false",
        help="run on asyncio's default event loop instead of uvloop",
    )


def run_on_loop(main: Coroutine[Any, Any, T], *, use_uvloop: bool) -> T:
    """`asyncio.run(main)` on uvloop, or on the default loop, with a 1 ms GIL switch interval
    (the previous one is restored after)."""
    previous_s = sys.getswitchinterval()
    sys.setswitchinterval(_SWITCH_INTERVAL_S)
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop if use_uvloop else None) as runner:
            return runner.run(main)
    finally:
        sys.setswitchinterval(previous_s)
