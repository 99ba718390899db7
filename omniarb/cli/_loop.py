"""The event loop `omniarb run` and `omniarb demo` run on: uvloop unless `--no-uvloop`.

uvloop wakes a waiting task 2-3x sooner than asyncio's default loop and takes a fifth off an
HTTP or WebSocket round trip to a local node, with a shorter tail (`benchmarks/loop.py`); the
switch is there to rule the loop out when something behaves differently.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import uvloop

__all__ = ["add_loop_option", "run_on_loop"]

T = TypeVar("T")


def add_loop_option(parser: argparse.ArgumentParser) -> None:
    """`--no-uvloop`."""
    parser.add_argument(
        "--no-uvloop",
        dest="uvloop",
        action="store_false",
        help="run on asyncio's default event loop instead of uvloop",
    )


def run_on_loop(main: Coroutine[Any, Any, T], *, use_uvloop: bool) -> T:
    """`asyncio.run(main)` on uvloop, or on the default loop."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop if use_uvloop else None) as runner:
        return runner.run(main)
