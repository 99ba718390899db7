"""`run_on_loop`: `omniarb run` and `omniarb demo` run on uvloop, and on asyncio's default loop
with `--no-uvloop`; the GIL changes hands every 1 ms while they run."""

from __future__ import annotations

import argparse
import asyncio
import sys

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


async def _switch_interval_s() -> float:
    return sys.getswitchinterval()


def test_the_gil_switch_interval_is_short_while_the_loop_runs() -> None:
    before_s = sys.getswitchinterval()
    assert run_on_loop(_switch_interval_s(), use_uvloop=True) == 0.001
    assert sys.getswitchinterval() == before_s
