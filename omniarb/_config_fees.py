"""Per-chain fee settings: `[fees.<chain>]` overrides how that chain's tip is chosen.

    [fees.polygon]
    tip_min_gwei = 30      # never bid less (the chain's own minimum is the default)
    tip_max_gwei = 300     # never bid more
    tip_blocks = 20        # eth_feeHistory over the last 20 blocks
    tip_percentile = 60    # each block's 60th-percentile reward; the tip is their median

The tip was one global `[bot] priority_fee_gwei` before; a chain's validators ask for very
different tips (Polygon about 25 gwei, Arbitrum none), so that key is refused with a note
pointing here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from pydantic_core import PydanticCustomError

from omniarb._config_errors import DOMAIN_ERROR, Problem, format_path
from omniarb._config_services import MODEL
from omniarb.chains.fee_models import TipPolicy
from omniarb.chains.spec import ChainSpec, TipBounds

__all__ = ["PRIORITY_FEE_REMOVED", "ChainFeeSettings", "refuse_global_tip", "tip_problems"]

_GWEI = 10**9

PRIORITY_FEE_REMOVED = (
    "removed: tips are chosen per chain from recent blocks (eth_feeHistory) within each "
    "chain's bounds; set [fees.<chain>] tip_min_gwei / tip_max_gwei instead"
)


def refuse_global_tip(data: Any) -> Any:
    """A `[bot]` table that still sets `priority_fee_gwei` gets the migration note."""
    if isinstance(data, dict) and "priority_fee_gwei" in data:
        problem = Problem(path="bot.priority_fee_gwei", message=PRIORITY_FEE_REMOVED)
        raise PydanticCustomError(
            DOMAIN_ERROR, "{summary}", {"summary": PRIORITY_FEE_REMOVED, "problems": [problem]}
        )
    return data


class ChainFeeSettings(BaseModel):
    """How one chain's tip is chosen: the `tip_percentile` reward of the last `tip_blocks`
    blocks (their median), clamped to [tip_min_gwei, tip_max_gwei] (the chain's own bounds
    where not given)."""

    model_config = MODEL

    tip_min_gwei: float | None = Field(
        default=None, ge=0, le=10_000, description="gwei, a number from 0 to 10000"
    )
    tip_max_gwei: float | None = Field(
        default=None, ge=0, le=10_000, description="gwei, a number from 0 to 10000"
    )
    tip_blocks: int = Field(default=10, ge=1, le=1024, description="an integer from 1 to 1024")
    tip_percentile: float = Field(
        default=50.0, ge=0, le=100, description="a percentile, a number from 0 to 100"
    )

    def bounds(self, spec: ChainSpec) -> TipBounds:
        """The chain's bounds with this table's overrides."""
        low = spec.tips.min_wei if self.tip_min_gwei is None else round(self.tip_min_gwei * _GWEI)
        high = spec.tips.max_wei if self.tip_max_gwei is None else round(self.tip_max_gwei * _GWEI)
        return TipBounds(min_wei=low, max_wei=high)

    def policy(self, spec: ChainSpec) -> TipPolicy:
        return TipPolicy(
            bounds=self.bounds(spec), blocks=self.tip_blocks, percentile=self.tip_percentile
        )


def tip_problems(spec: ChainSpec, fees: ChainFeeSettings) -> list[Problem]:
    """An override that leaves the minimum above the maximum (one bound given, against the
    chain's other)."""
    low = spec.tips.min_wei if fees.tip_min_gwei is None else round(fees.tip_min_gwei * _GWEI)
    high = spec.tips.max_wei if fees.tip_max_gwei is None else round(fees.tip_max_gwei * _GWEI)
    if low <= high:
        return []
    return [
        Problem(
            path=format_path(("fees", spec.name)),
            message=f"the tip's minimum {low / _GWEI:g} gwei is above its maximum "
            f"{high / _GWEI:g} gwei (the chain's own bound where not given)",
        )
    ]
