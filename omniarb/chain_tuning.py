"""`ChainTuning`: one chain's online optimizer fed from its run (each sent trade, each
opportunity judged, each outcome), and the parameter changes it makes or measures stored.

The optimizer's failures are its own: they are reported through `dropped` (logged, counted,
alerted) and the trade goes on as decided.
"""

from __future__ import annotations

from collections.abc import Callable

from omniarb.optimize.change import ParamChange
from omniarb.optimize.setup import ChainOptimizer
from omniarb.store import HistoryStore
from omniarb.types import Decision, Opportunity, Outcome

__all__ = ["ChainTuning"]

# (stage, error, item): `ChainRun.dropped`.
Dropped = Callable[[str, BaseException, str], None]


class ChainTuning:
    """Does nothing when the chain's optimizer is absent or not online."""

    def __init__(
        self, optimizer: ChainOptimizer | None, store: HistoryStore, dropped: Dropped
    ) -> None:
        self._tuner = None if optimizer is None else optimizer.tuner
        self._store = store
        self._dropped = dropped

    def on_sent(self, decision: Decision) -> None:
        """A trade went out: its reward will be credited to the values it was sent with."""
        if self._tuner is not None:
            self._tuner.on_sent(decision)

    async def observe(self, outcome: Outcome) -> None:
        """Feed a settled trade; store the changes made or measured (the tuner logs each)."""
        if self._tuner is None:
            return
        try:
            changes = self._tuner.observe(outcome)
        except Exception as exc:
            self._dropped("optimize", exc, f"trade {outcome.execution.tx_hash}")
            return
        await self._record(changes)

    async def judged(self, opportunity: Opportunity) -> None:
        """`opportunity` was judged: the optimizer scores per opportunity judged."""
        if self._tuner is None:
            return
        try:
            changes = self._tuner.on_seen()
        except Exception as exc:
            self._dropped("optimize", exc, f"opportunity {opportunity.id}")
            return
        await self._record(changes)

    async def _record(self, changes: list[ParamChange]) -> None:
        for change in changes:
            await self._store.record(change)
