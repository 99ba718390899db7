"""`[optimize]`: the online profit optimizer (`omniarb.optimize`): what it tunes, within what
bounds, and how much evidence a change needs.

    [optimize]
    online = true            # tune in the engine, one change at a time (default false)
    min_samples = 8          # settled trades per measurement (before and after a change)
    seed = 7                 # the bandit's random draws: a run is reproducible

    [optimize.bounds.bribe_share_bps]   # one table per tuned parameter; none: nothing tuned
    min = 1000
    max = 9000
    step = 1000

The parameters: `bribe_share_bps` (0 to 10,000; tuned only on a chain that sends bundles, the
one place a bribe buys anything), `min_net_profit_usd` (>= 0; a floor over the configured one),
`tip_wei` (>= 0; the least priority fee bid, 0 leaves the fee quote alone) and `max_hops`
(2 or 3, the detector's longest cycle). Each table's arms are min, min + step, … up to max; a
chain's starting value (its configured one) must lie within them, else the bot does not start.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from omniarb._config_errors import DOMAIN_ERROR, Problem
from omniarb._config_services import MODEL
from omniarb.optimize.params import ParamName, ParamValue

__all__ = ["OptimizeSettings", "ParamBounds"]

# The allowed domain of each parameter, and whether it takes whole numbers only.
_DOMAINS: dict[ParamName, tuple[float, float, bool]] = {
    "bribe_share_bps": (0, 10_000, True),
    "min_net_profit_usd": (0, float("inf"), False),
    "tip_wei": (0, float("inf"), True),
    "max_hops": (2, 3, True),
}
_MAX_ARMS = 64


class ParamBounds(BaseModel):
    """One tuned parameter's bounds and grid: arms min, min + step, … ≤ max."""

    model_config = MODEL

    min: float = Field(description="a number within the parameter's domain")
    max: float = Field(description="a number >= min")
    step: float = Field(gt=0, description="a number > 0")

    def count(self) -> int:
        """How many arms the grid has."""
        low, high, step = (Decimal(str(v)) for v in (self.min, self.max, self.step))
        return int((high - low) / step) + 1

    def arms(self) -> tuple[float, ...]:
        """The grid, computed in decimal so 0.01 steps land on 0.03, not 0.030000000000000002."""
        low, step = Decimal(str(self.min)), Decimal(str(self.step))
        return tuple(float(low + i * step) for i in range(self.count()))


def _bounds_problem(name: ParamName, bounds: ParamBounds) -> str | None:
    """What is wrong with `name`'s bounds, or None."""
    low, high, whole = _DOMAINS[name]
    if bounds.max < bounds.min:
        return f"max {bounds.max:g} is below min {bounds.min:g}"
    if bounds.min < low or bounds.max > high:
        return f"{bounds.min:g}..{bounds.max:g} is outside {name}'s {low:g}..{high:g}"
    if whole and any(v != int(v) for v in (bounds.min, bounds.step)):
        return f"{name} takes whole numbers: min {bounds.min:g}, step {bounds.step:g}"
    if bounds.count() > _MAX_ARMS:
        return f"{bounds.count()} arms, more than {_MAX_ARMS}: raise the step"
    return None


class OptimizeSettings(BaseModel):
    """`[optimize]`: see the module docstring."""

    model_config = MODEL

    online: bool = Field(default=False, description="true or false")
    min_samples: int = Field(default=8, ge=1, le=10_000, description="an integer from 1 to 10000")
    seed: int = Field(default=7, ge=0, description="an integer >= 0")
    bounds: dict[ParamName, ParamBounds] = Field(
        default_factory=dict,
        description="a table per parameter (bribe_share_bps, min_net_profit_usd, tip_wei, "
        "max_hops)",
    )

    @model_validator(mode="after")
    def _within_domains(self) -> OptimizeSettings:
        problems = [
            Problem(path=f"optimize.bounds.{name}", message=message)
            for name, bounds in self.bounds.items()
            if (message := _bounds_problem(name, bounds)) is not None
        ]
        if problems:
            raise PydanticCustomError(
                DOMAIN_ERROR,
                "{summary}",
                {"summary": "; ".join(p.message for p in problems), "problems": problems},
            )
        return self

    def arms(self, name: ParamName) -> tuple[ParamValue, ...]:
        """`name`'s arms, as ints for the whole-number parameters."""
        values = self.bounds[name].arms()
        return tuple(int(v) for v in values) if _DOMAINS[name][2] else values
