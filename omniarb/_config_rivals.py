"""`[devnet.rivals]`: rival searchers racing the bot on the devnet (`omniarb.devnet.rivals`).

    [devnet.rivals]
    count = 3                                     # rivals, 0 to 16 (0: none)
    seed = 11                                     # the same seed gives the same rivals
    presets = ["fast-greedy", "slow", "relay"]    # rival i takes presets[i % len(presets)]

Each rival is a searcher with its own account and executor contract, drawn from its preset with
the seed: "fast-greedy" reacts in 0–5 ms and tips 20–60 gwei, "slow" takes 200–500 ms and
tips 0.5–2 gwei, "relay" sends bundles to the chain's relay paying 20–60% of the profit to the
coinbase (publicly, with its tip, on a chain without a relay). `omniarb demo` runs them beside
the market; a trade the bot loses to one is counted `lost_to_rival`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from omniarb._config_services import MODEL

__all__ = ["RIVAL_PRESETS", "RivalPreset", "RivalsSettings"]

# The presets of `omniarb.devnet.rivals.PRESETS` (a test keeps the two in step; product code
# does not import the devnet).
RivalPreset = Literal["fast-greedy", "slow", "relay"]
RIVAL_PRESETS: tuple[str, ...] = ("fast-greedy", "slow", "relay")


def _default_presets() -> list[RivalPreset]:
    return ["fast-greedy", "slow", "relay"]


class RivalsSettings(BaseModel):
    """The devnet's rival searchers; the same seed gives the same rivals."""

    model_config = MODEL

    count: int = Field(default=3, ge=0, le=16, description="an integer from 0 to 16 (rivals)")
    seed: int = Field(default=11, ge=0, description="an integer >= 0")
    presets: list[RivalPreset] = Field(
        default_factory=_default_presets,
        min_length=1,
        description='a list of "fast-greedy", "slow" or "relay" (at least one)',
    )
