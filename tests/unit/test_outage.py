"""`OutageLog`: a failing poll is logged when it goes down, once a minute while it stays down,
and when it comes back, never once per attempt."""

from __future__ import annotations

import logging

import pytest

from omniarb.outage import OutageLog

_LOGGER = "omniarb.test_outage"


class _Clock:
    def __init__(self) -> None:
        self.now_s = 1000.0

    def __call__(self) -> float:
        return self.now_s


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == _LOGGER]


def test_down_still_down_once_a_minute_back_up(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=_LOGGER)
    clock = _Clock()
    outage = OutageLog(logging.getLogger(_LOGGER), "receipt poll", clock=clock)
    assert not outage.recovered()  # up and staying up: nothing to say
    assert outage.failed("connection refused")
    for _ in range(240):  # four attempts a second for a minute, less a quarter second
        clock.now_s += 0.25
        if clock.now_s - 1000.0 < 60:
            assert not outage.failed("connection refused")
    assert outage.failed("connection refused")  # the minute is up
    clock.now_s += 30
    assert not outage.failed("connection refused")
    clock.now_s += 5
    assert outage.recovered()
    assert not outage.down
    lines = _lines(caplog)
    assert len(lines) == 3
    assert lines[0] == "receipt poll: down: connection refused"
    assert lines[1].startswith("receipt poll: still down after 60 s (241 failed attempts)")
    assert lines[2] == "receipt poll: back up after 95.0 s (242 failed attempts)"


def test_a_new_outage_is_logged_again(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=_LOGGER)
    clock = _Clock()
    outage = OutageLog(logging.getLogger(_LOGGER), "node", clock=clock)
    outage.failed("timeout")
    clock.now_s += 1
    outage.recovered()
    clock.now_s += 1
    assert outage.failed("timeout")
    assert outage.down_since == clock.now_s
    assert outage.failures == 1
    assert [line.split(":")[1].strip() for line in _lines(caplog)] == [
        "down",
        "back up after 1.0 s (1 failed attempts)",
        "down",
    ]
