"""The offline optimizer: replay a recorded history and propose each chain's parameters.

Each settled trade of the history is scored as the online tuner scores it (its realized net in
USD: profit after bribe and gas; a lost race 0) and credited to the value each parameter had
when it was sent: the bribe share from the trade itself when it paid one (the bribe it
offered over the profit it was priced at), every parameter from the optimizer's recorded
changes (a change applies from its time; a reverted one until its measurement). A parameter
with no recorded value for a trade gets no evidence from it. Each value is scored as online:
its reward per opportunity judged, the recorded opportunities the risk stage decided counted to
the values in force when they were recorded (for a parameter with recorded changes; else per
trade). Per chain and parameter, the value with the best score among those with at least
`min_samples` trades is proposed, with the evidence for every value.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from omniarb.optimize.change import ParamChange
from omniarb.optimize.params import PARAM_NAMES, ParamName, ParamValue

__all__ = ["ArmEvidence", "HistoricTrade", "Proposal", "ValueTimeline", "replay"]

_BPS = 10_000
# The settled statuses whose realized net is the trade's reward (a dropped bundle: 0).
_SCORED = frozenset({"succeeded", "reverted", "dropped", "cancelled"})


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoricTrade:
    """What the replay needs of one recorded trade (`omniarb.store.TradeRecord`)."""

    chain: str
    status: str
    submitted_at: datetime
    net_profit_usd: float | None
    channel: str | None
    predicted_profit: int
    bribe_wei: int

    @property
    def reward_usd(self) -> float | None:
        """The trade's reward, or None when it is not settled (or has no USD rate)."""
        if self.status not in _SCORED or self.net_profit_usd is None:
            return None
        return self.net_profit_usd

    @property
    def bribe_share_bps(self) -> int | None:
        """The share its bribe was of its profit before the bribe, to the nearest basis point
        (the contract rounds the bribe down); None unless it went in a bundle with a bribe (a
        route not from the wrapped native token pays none, whatever the share was)."""
        if self.channel != "bundle" or self.bribe_wei <= 0:
            return None
        before = self.predicted_profit + self.bribe_wei
        if before <= 0:
            return None
        return round(Fraction(self.bribe_wei * _BPS, before))


@dataclass(frozen=True, slots=True, kw_only=True)
class ArmEvidence:
    """The trades sent at one value of one parameter, and their mean reward."""

    value: ParamValue
    trades: int
    # Opportunities judged at this value (0: not known; the score is then per trade).
    judged: int
    mean_reward_usd: float

    def to_json(self) -> dict[str, object]:
        return {
            "value": self.value,
            "trades": self.trades,
            "judged": self.judged,
            "mean_reward_usd": self.mean_reward_usd,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Proposal:
    """One chain's proposed value of one parameter (None: not enough evidence), the value it
    had last, and the evidence."""

    chain: str
    param: ParamName
    current: ParamValue | None
    proposed: ParamValue | None
    reason: str
    evidence: tuple[ArmEvidence, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "chain": self.chain,
            "param": self.param,
            "current": self.current,
            "proposed": self.proposed,
            "reason": self.reason,
            "evidence": [arm.to_json() for arm in self.evidence],
        }


class ValueTimeline:
    """The values one chain's parameters had over time, from its recorded changes."""

    def __init__(self, changes: Iterable[ParamChange]) -> None:
        events: dict[ParamName, list[tuple[datetime, ParamValue]]] = defaultdict(list)
        self._initial: dict[ParamName, ParamValue] = {}
        for change in sorted(changes, key=lambda c: c.changed_at):
            self._initial.setdefault(change.param, change.old_value)
            events[change.param].append((change.changed_at, change.new_value))
            if change.reverted and change.evaluated_at is not None:
                events[change.param].append((change.evaluated_at, change.old_value))
        self._events = {name: sorted(found, key=lambda e: e[0]) for name, found in events.items()}

    def value_at(self, name: ParamName, at: datetime) -> ParamValue | None:
        """`name`'s value at `at` (None: no change of it was recorded)."""
        events = self._events.get(name)
        if not events:
            return None
        index = bisect.bisect_right([when for when, _ in events], at)
        return self._initial[name] if index == 0 else events[index - 1][1]

    def latest(self, name: ParamName) -> ParamValue | None:
        events = self._events.get(name)
        return events[-1][1] if events else None


def replay(
    trades: Sequence[HistoricTrade],
    changes: Sequence[ParamChange],
    *,
    min_samples: int,
    judged: Iterable[tuple[str, datetime]] = (),
) -> list[Proposal]:
    """Per chain and parameter with evidence, the proposal (see the module docstring);
    `judged`: the chain and time of each recorded opportunity the risk stage decided."""
    rewards: dict[tuple[str, ParamName], dict[ParamValue, list[float]]] = defaultdict(
        lambda: defaultdict(list)
    )
    latest: dict[tuple[str, ParamName], ParamValue] = {}
    timelines = {
        chain: ValueTimeline(c for c in changes if c.chain == chain)
        for chain in {t.chain for t in trades} | {c.chain for c in changes}
    }
    seen: dict[tuple[str, ParamName], dict[ParamValue, int]] = defaultdict(lambda: defaultdict(int))
    for chain, at in judged:
        timeline = timelines.get(chain)
        for name in PARAM_NAMES:
            value = None if timeline is None else timeline.value_at(name, at)
            if value is not None:
                seen[(chain, name)][value] += 1
    for trade in sorted(trades, key=lambda t: t.submitted_at):
        reward = trade.reward_usd
        if reward is None:
            continue
        timeline = timelines[trade.chain]
        for name in PARAM_NAMES:
            value = timeline.value_at(name, trade.submitted_at)
            if name == "bribe_share_bps" and trade.bribe_share_bps is not None:
                value = trade.bribe_share_bps
            if value is None:
                continue
            rewards[(trade.chain, name)][value].append(reward)
            latest[(trade.chain, name)] = value
    proposals = []
    for (chain, name), arms in sorted(rewards.items()):
        counts = seen.get((chain, name), {})
        evidence = tuple(
            ArmEvidence(
                value=value,
                trades=len(found),
                judged=counts.get(value, 0),
                mean_reward_usd=sum(found) / max(len(found), counts.get(value, 0)),
            )
            for value, found in sorted(arms.items())
        )
        current = timelines[chain].latest(name)
        proposals.append(
            _proposal(
                chain,
                name,
                latest[(chain, name)] if current is None else current,
                evidence,
                min_samples,
            )
        )
    return proposals


def _proposal(
    chain: str,
    name: ParamName,
    current: ParamValue,
    evidence: tuple[ArmEvidence, ...],
    min_samples: int,
) -> Proposal:
    enough = [arm for arm in evidence if arm.trades >= min_samples]
    if not enough:
        return Proposal(
            chain=chain,
            param=name,
            current=current,
            proposed=None,
            reason=f"no value of {name} has {min_samples} settled trades yet",
            evidence=evidence,
        )
    best = max(enough, key=lambda arm: arm.mean_reward_usd)
    return Proposal(
        chain=chain,
        param=name,
        current=current,
        proposed=best.value,
        reason=(
            f"{name}={best.value} earned ${best.mean_reward_usd:.6g} per "
            f"{'opportunity judged' if best.judged else 'trade'} over {best.trades} trades, "
            f"the best of {len(enough)} values with >= {min_samples}"
        ),
        evidence=evidence,
    )
