"""`BridgeService`: the host of the devnet's bridge agents (the Across relayer, and any other
bridge's relayer or finalizer), started and stopped together with the devnet.

    service = BridgeService([AcrossRelayer(manifest, params)])
    await service.start()   # each agent's start(), in order; all stopped again if one fails
    await service.stop()    # each agent's stop(), in reverse order

Adding a bridge's agent is one entry in the list `omniarb.devnet.network.Devnet` builds.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

__all__ = ["BridgeAgent", "BridgeService"]

log = logging.getLogger(__name__)


class BridgeAgent(Protocol):
    """One bridge's off-chain part on the devnet (a relayer, a finalizer)."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class BridgeService:
    """Runs `agents` (see the module docstring)."""

    def __init__(self, agents: Sequence[BridgeAgent]) -> None:
        self.agents = tuple(agents)
        self._started: list[BridgeAgent] = []

    def agent(self, name: str) -> BridgeAgent:
        """The agent called `name` (`KeyError` if none)."""
        for agent in self.agents:
            if agent.name == name:
                return agent
        raise KeyError(name)

    async def start(self) -> None:
        for agent in self.agents:
            if agent in self._started:
                continue
            try:
                await agent.start()
            except BaseException:
                await self.stop()
                raise
            self._started.append(agent)
            log.info("bridge agent %s started", agent.name)

    async def stop(self) -> None:
        """Stop every started agent (idempotent); one failing to stop does not keep the
        others running."""
        while self._started:
            agent = self._started.pop()
            try:
                await agent.stop()
            except Exception:
                log.exception("bridge agent %s did not stop cleanly", agent.name)
