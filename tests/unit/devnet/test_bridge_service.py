"""`BridgeService` starts its agents in order, stops them in reverse, and leaves none running
when one fails to start or to stop."""

from __future__ import annotations

import pytest

from omniarb.devnet.bridges import BridgeService


class Agent:
    """A bridge agent that records what happened to it in a shared journal."""

    def __init__(self, name: str, journal: list[str], *, fail_start: bool = False,
                 fail_stop: bool = False) -> None:  # fmt: skip
        self.name = name
        self._journal = journal
        self._fail_start = fail_start
        self._fail_stop = fail_stop

    async def start(self) -> None:
        if self._fail_start:
            raise RuntimeError(f"{self.name} cannot start")
        self._journal.append(f"start {self.name}")

    async def stop(self) -> None:
        self._journal.append(f"stop {self.name}")
        if self._fail_stop:
            raise RuntimeError(f"{self.name} cannot stop")


async def test_agents_start_in_order_and_stop_in_reverse_once() -> None:
    journal: list[str] = []
    service = BridgeService([Agent("relayer", journal), Agent("finalizer", journal)])
    await service.start()
    await service.start()  # already running: nothing started twice
    assert service.agent("finalizer").name == "finalizer"
    await service.stop()
    await service.stop()
    assert journal == ["start relayer", "start finalizer", "stop finalizer", "stop relayer"]
    with pytest.raises(KeyError):
        service.agent("nobody")


async def test_a_failed_start_stops_the_agents_already_running() -> None:
    journal: list[str] = []
    service = BridgeService([Agent("relayer", journal), Agent("broken", journal, fail_start=True)])
    with pytest.raises(RuntimeError, match="broken cannot start"):
        await service.start()
    assert journal == ["start relayer", "stop relayer"]


async def test_one_agent_failing_to_stop_does_not_keep_the_others_running() -> None:
    journal: list[str] = []
    agents = [Agent("relayer", journal), Agent("stubborn", journal, fail_stop=True)]
    service = BridgeService(agents)
    await service.start()
    await service.stop()
    assert journal[-2:] == ["stop stubborn", "stop relayer"]
