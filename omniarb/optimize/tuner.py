"""The online tuner of one chain: one parameter change at a time, measured, kept or reverted.

The loop ("metrics → analyzer → optimizer → parameter adjustment"):

1. each settled trade becomes a reward (`analyzer`), credited to the arm of every tuned
   parameter it was decided under (`bandit.ArmBoard`); each opportunity judged is counted the
   same way (`on_seen`). Only what was decided under the current parameters fills the current
   window. The score of a window or an arm is its reward per opportunity judged: a declined
   opportunity earns 0, so a floor that declines good trades scores lower, and one that lets
   more small winners through scores higher though its mean per trade falls;
2. once the window holds `min_samples` trades (or `min_samples × SEEN_PER_SAMPLE` judged
   opportunities and none of its trades in flight, for values that seldom trade) and a
   change is under test, its effect is the window's score minus the score before the change;
   a worse effect reverts it;
3. then the next parameter in turn is offered to the bandit, and the first whose choice
   differs from its current value is changed: one `ParamChange`, logged with its reason.

Each change (made, then measured) is returned to the caller, which stores it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from omniarb.optimize.analyzer import Sample, reward_usd
from omniarb.optimize.bandit import SEEN_PER_SAMPLE, ArmBoard
from omniarb.optimize.change import ParamChange
from omniarb.optimize.params import LiveParams, ParamName, Params, ParamValue
from omniarb.types import Decision, Outcome

__all__ = ["Tuner"]

log = logging.getLogger(__name__)

# The changes kept in memory for the API (the store keeps them all).
_HISTORY = 100
# Sent trades awaiting their outcome; past this, the oldest are forgotten (a trade that never
# settles must not grow the map without end).
_MAX_SENT = 10_000


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Tuner:
    """Tunes `live` (one chain's parameters) within `arms` (each tuned parameter's allowed
    values) from its trades' rewards, `min_samples` trades per measurement."""

    def __init__(
        self,
        *,
        live: LiveParams,
        arms: Mapping[ParamName, Sequence[ParamValue]],
        min_samples: int,
        seed: int = 7,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        if min_samples < 1:
            raise ValueError(f"min_samples is at least 1, not {min_samples}")
        for name, values in arms.items():
            current = live.current.value(name)
            if not min(values) <= current <= max(values):
                raise ValueError(
                    f"{live.chain}: {name} starts at {current}, outside its bounds "
                    f"{min(values)}..{max(values)}"
                )
        self.live = live
        # The starting value is an arm too, so a revert always lands on a known arm.
        self.board = ArmBoard(
            {name: (*values, live.current.value(name)) for name, values in arms.items()},
            explore_samples=min_samples,
            seed=seed,
        )
        self._names: tuple[ParamName, ...] = tuple(arms)
        self._min_samples = min_samples
        self._clock = clock
        self._turn = 0
        self._window: list[float] = []
        self._window_seen = 0
        self._pending: ParamChange | None = None
        self._sent: dict[str, Params] = {}
        self._history: list[ParamChange] = []

    @property
    def pending(self) -> ParamChange | None:
        """The change under test, if any."""
        return self._pending

    @property
    def history(self) -> tuple[ParamChange, ...]:
        """The latest changes, oldest first (each in its latest state)."""
        return tuple(self._history)

    def on_sent(self, decision: Decision) -> None:
        """`decision`'s trade was sent with the current parameters."""
        self._sent[decision.opportunity.id] = self.live.current
        if len(self._sent) > _MAX_SENT:
            del self._sent[next(iter(self._sent))]

    def on_seen(self) -> list[ParamChange]:
        """An opportunity was judged (approved or not) with the current parameters; the changes
        made or measured because a window that seldom trades reached its cap."""
        current = self.live.current
        self.board.see(current)
        self._window_seen += 1
        if self._window_seen < self._min_samples * SEEN_PER_SAMPLE:
            return []
        if any(params == current for params in self._sent.values()):
            return []  # a trade of this window is still out: its reward belongs in it
        return self._close_window()

    def observe(self, outcome: Outcome) -> list[ParamChange]:
        """A settled trade: its reward counted; the changes this made or measured."""
        params = self._sent.pop(outcome.execution.decision.opportunity.id, None)
        if params is None:  # sent before this tuner started (a restart): parameters unknown
            return []
        return self.observe_sample(Sample(params=params, reward_usd=reward_usd(outcome)))

    def observe_sample(self, sample: Sample) -> list[ParamChange]:
        """Count one reward; the changes made or measured because of it."""
        self.board.credit(sample.params, sample.reward_usd)
        if sample.params != self.live.current:
            return []  # decided before the latest change: not this window's evidence
        self._window.append(sample.reward_usd)
        if len(self._window) < self._min_samples:
            return []
        return self._close_window()

    def _close_window(self) -> list[ParamChange]:
        """Score the window: measure the change under test, then propose the next."""
        changes: list[ParamChange] = []
        judged = max(self._window_seen, len(self._window))
        baseline_usd = sum(self._window) / judged
        baseline_n = len(self._window)
        if self._pending is not None:
            measured = self._measure(self._pending, baseline_usd, baseline_n)
            changes.append(measured)
            if measured.reverted:
                baseline_usd = measured.baseline_reward_usd
                baseline_n = measured.baseline_samples
        self._window = []
        self._window_seen = 0
        proposed = self._propose(baseline_usd, baseline_n)
        if proposed is not None:
            changes.append(proposed)
        return changes

    def _measure(self, change: ParamChange, mean_usd: float, n: int) -> ParamChange:
        effect_usd = mean_usd - change.baseline_reward_usd
        reverted = effect_usd < 0
        measured = replace(
            change,
            effect_reward_usd=effect_usd,
            effect_samples=n,
            evaluated_at=self._clock(),
            reverted=reverted,
        )
        if reverted:
            self.live.set(self.live.current.with_value(change.param, change.old_value))
        log.info(
            "%s: %s %s -> %s measured %+.6g USD per opportunity judged (%d trades): %s",
            change.chain,
            change.param,
            change.old_value,
            change.new_value,
            effect_usd,
            n,
            "reverted" if reverted else "kept",
        )
        self._pending = None
        self._remember(measured)
        return measured

    def _propose(self, baseline_usd: float, baseline_n: int) -> ParamChange | None:
        current = self.live.current
        for _ in self._names:
            name = self._names[self._turn % len(self._names)]
            self._turn += 1
            old = current.value(name)
            choice = self.board.choose(name, old)
            if choice.value == old:
                continue
            change = ParamChange(
                id=uuid.uuid4().hex,
                chain=self.live.chain,
                param=name,
                old_value=old,
                new_value=choice.value,
                reason=choice.reason,
                baseline_reward_usd=baseline_usd,
                baseline_samples=baseline_n,
                changed_at=self._clock(),
            )
            self.live.set(current.with_value(name, choice.value))
            log.info("%s: %s %s -> %s (%s)", change.chain, name, old, choice.value, choice.reason)
            self._pending = change
            self._remember(change)
            return change
        return None

    def _remember(self, change: ParamChange) -> None:
        self._history = [c for c in self._history if c.id != change.id][-(_HISTORY - 1) :]
        self._history.append(change)
