"""One parameter change of the optimizer: what changed, why, and what it did.

A change is written twice: when it is made (its `reason` and the score of the window before
it, the baseline) and when its effect has been measured over the window after it
(`effect_reward_usd`: that window's score minus the baseline; `reverted` when that was worse
and the old value came back). A window's score is its trades' reward in USD
(`omniarb.optimize.analyzer`) per opportunity judged; `*_samples` count its settled trades.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from omniarb.optimize.params import ParamName, ParamValue

__all__ = ["ParamChange"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ParamChange:
    """A change of one parameter of one chain, then its measured effect."""

    id: str
    chain: str
    param: ParamName
    old_value: ParamValue
    new_value: ParamValue
    reason: str
    baseline_reward_usd: float
    baseline_samples: int
    changed_at: datetime
    effect_reward_usd: float | None = None
    effect_samples: int = 0
    evaluated_at: datetime | None = None
    reverted: bool = False

    @property
    def measured(self) -> bool:
        """Whether the effect has been measured (the change kept or reverted)."""
        return self.evaluated_at is not None

    def to_json(self) -> dict[str, object]:
        """The JSON shape of the API and `omniarb optimize --json`; times in ISO 8601, UTC."""
        return {
            "id": self.id,
            "chain": self.chain,
            "param": self.param,
            "old_value": _json_value(self.old_value),
            "new_value": _json_value(self.new_value),
            "reason": self.reason,
            "baseline_reward_usd": self.baseline_reward_usd,
            "baseline_samples": self.baseline_samples,
            "changed_at": self.changed_at.isoformat(),
            "effect_reward_usd": self.effect_reward_usd,
            "effect_samples": self.effect_samples,
            "evaluated_at": None if self.evaluated_at is None else self.evaluated_at.isoformat(),
            "reverted": self.reverted,
        }


def _json_value(value: ParamValue) -> ParamValue | str:
    # Wei (the tip) pass 2**53: a decimal string, as every amount of the API.
    return str(value) if isinstance(value, int) and abs(value) >= 2**53 else value
