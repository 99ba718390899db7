"""The bandit: per parameter, the reward seen at each of its allowed values (arms), and the
choice of the value to try next.

Every settled trade credits its reward to the value each tuned parameter had when the trade was
decided. The next value of a parameter is chosen in two phases:

- exploration: an arm with fewer than `explore_samples` rewards is tried first, the nearest to
  the current value (the higher on a tie), so the search walks out from where it stands;
- exploitation by Thompson sampling: each arm draws mean + sd·z/√n (z standard normal, from the
  seeded generator, so a run is reproducible), and the highest draw wins. An arm that has paid
  well keeps winning; a close second is still tried now and then.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from omniarb.optimize.params import ParamName, Params, ParamValue

__all__ = ["SEEN_PER_SAMPLE", "ArmBoard", "ArmStats", "Choice"]

# Opportunities judged that count as one wanted sample, for an arm that seldom trades.
SEEN_PER_SAMPLE = 100


@dataclass(frozen=True, slots=True)
class ArmStats:
    """The rewards (USD per trade) of the `n` trades sent at one value of one parameter, and
    how many opportunities were judged at that value (`seen`: a declined one earns nothing)."""

    n: int = 0
    total_usd: float = 0.0
    total_sq_usd: float = 0.0
    seen: int = 0

    def add(self, reward_usd: float) -> ArmStats:
        return ArmStats(
            self.n + 1, self.total_usd + reward_usd, self.total_sq_usd + reward_usd**2, self.seen
        )

    def judged(self) -> ArmStats:
        return ArmStats(self.n, self.total_usd, self.total_sq_usd, self.seen + 1)

    @property
    def mean_usd(self) -> float:
        """Reward per opportunity judged (per trade when none were counted): a lower floor
        that adds small winning trades raises it, though it lowers the mean per trade."""
        count = max(self.n, self.seen)
        return self.total_usd / count if count else 0.0

    @property
    def std_usd(self) -> float:
        """The spread of the rewards per trade."""
        if self.n < 2:
            return 0.0
        per_trade = self.total_usd / self.n
        variance = (self.total_sq_usd - self.n * per_trade**2) / (self.n - 1)
        return math.sqrt(max(variance, 0.0))


@dataclass(frozen=True, slots=True, kw_only=True)
class Choice:
    """The value chosen for a parameter, and why (the evidence, for the change's record)."""

    value: ParamValue
    reason: str


class ArmBoard:
    """The arms of each tuned parameter (`arms`: its allowed values within its bounds) and
    their rewards."""

    def __init__(
        self,
        arms: Mapping[ParamName, Sequence[ParamValue]],
        *,
        explore_samples: int,
        seed: int,
    ) -> None:
        if explore_samples < 1:
            raise ValueError(f"explore_samples is at least 1, not {explore_samples}")
        self.arms = {name: tuple(sorted(set(values))) for name, values in arms.items()}
        for name, values in self.arms.items():
            if not values:
                raise ValueError(f"{name} has no arm to choose from")
        self._explore = explore_samples
        # An arm that trades rarely (a high floor) is explored once it has judged this many
        # opportunities per wanted trade, so it cannot hold the search forever.
        self.seen_cap = explore_samples * SEEN_PER_SAMPLE
        self._rng = random.Random(seed)
        self._stats: dict[tuple[ParamName, ParamValue], ArmStats] = {}

    def stats(self, name: ParamName, value: ParamValue) -> ArmStats:
        return self._stats.get((name, value), ArmStats())

    def credit(self, params: Params, reward_usd: float) -> None:
        """Count one trade's reward for the value each tuned parameter had in `params`."""
        for name, values in self.arms.items():
            value = params.value(name)
            if value in values:
                self._stats[(name, value)] = self.stats(name, value).add(reward_usd)

    def see(self, params: Params) -> None:
        """Count one opportunity judged at the value each tuned parameter has in `params`."""
        for name, values in self.arms.items():
            value = params.value(name)
            if value in values:
                self._stats[(name, value)] = self.stats(name, value).judged()

    def explored(self, name: ParamName, value: ParamValue) -> bool:
        stats = self.stats(name, value)
        return stats.n >= self._explore or stats.seen >= self.seen_cap

    def choose(self, name: ParamName, current: ParamValue) -> Choice:
        """The value to try next for `name` (possibly `current`: no change)."""
        values = self.arms[name]
        untried = [v for v in values if not self.explored(name, v) and v != current]
        if untried:
            value = min(untried, key=lambda v: (abs(v - current), -v))
            return Choice(
                value=value,
                reason=(
                    f"explore: {name}={value} has {self.stats(name, value).n} of "
                    f"{self._explore} rewards; {self._evidence(name, current)}"
                ),
            )
        scale = self._scale(name)
        draws = {v: self._draw(self.stats(name, v), scale) for v in values}
        value = max(values, key=lambda v: draws[v])
        return Choice(
            value=value,
            reason=(
                f"Thompson draw {draws[value]:.6g} for {name}={value} "
                f"({self._evidence(name, value)}) vs {draws.get(current, math.nan):.6g} for "
                f"{current} ({self._evidence(name, current)})"
            ),
        )

    def _evidence(self, name: ParamName, value: ParamValue) -> str:
        stats = self.stats(name, value)
        return (
            f"{name}={value}: ${stats.mean_usd:.6g} per opportunity over {stats.n} trades of "
            f"{max(stats.seen, stats.n)} judged"
        )

    def _scale(self, name: ParamName) -> float:
        """A spread for arms whose rewards are all alike (e.g. every race lost: all 0), so
        their draws still differ: a tenth of the largest mean reward, or 1 µUSD."""
        means = [abs(self.stats(name, v).mean_usd) for v in self.arms[name]]
        return max(max(means) / 10, 1e-6)

    def _draw(self, stats: ArmStats, scale: float) -> float:
        spread = max(stats.std_usd, scale) / math.sqrt(max(stats.n, 1))
        return stats.mean_usd + spread * self._rng.gauss(0.0, 1.0)
