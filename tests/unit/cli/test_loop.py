"""`run_on_loop`: `omniarb run` and `omniarb demo` run on uvloop, and on asyncio's default loop
with `--no-uvloop`."""

from __future__ import annotations

import argparse
import asyncio

import uvloop

from omniarb.cli._loop import add_loop_option, run_on_loop


async def _loop_type() -> type[asyncio.AbstractEventLoop]:
    return type(asyncio.get_running_loop())


def test_the_flag_picks_the_loop() -> None:
    parser = argparse.ArgumentParser()
    add_loop_option(parser)
    on = parser.parse_args([])
    off = parser.parse_args(["--no-uvloop"])
    assert run_on_loop(_loop_type(), use_uvloop=on.uvloop) is uvloop.Loop
    default = run_on_loop(_loop_type(), use_uvloop=off.uvloop)
    assert not issubclass(default, uvloop.Loop)
    assert issubclass(default, asyncio.BaseEventLoop)
