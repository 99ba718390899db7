"""`MarketParams`: what shapes the simulated market, validated once at construction.

The field names match `[market]` in the configuration (`MarketSettings`), so a caller can build
one with `MarketParams(**settings.market.model_dump())`.
"""

from __future__ import annotations

from dataclasses import dataclass

from omniarb.devnet.accounts import TRADER_INDICES
from omniarb.errors import ConfigError

__all__ = ["MarketParams"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MarketParams:
    """The market's seed, pace and temperament.

    `swaps_per_block` ordinary swaps per chain per step (a step lasts about one block);
    `whale_probability` the chance per chain per step of one extra trade of 1–5% of a pool;
    `volatility_bps` the reference price's standard deviation per reference step (one second of
    chain time, see `ReferenceWalk`); `traders` how many of the devnet's eight funded trader
    accounts send the swaps; `min_step_interval_s` a floor on the time between two steps of a
    chain (0: as fast as blocks allow, which on automine means as fast as the node answers);
    `router_share` the share of swaps sent through Uniswap's SwapRouter02 and UniversalRouter
    where they reach the pool (the rest through the pool's DEX's own router).
    """

    seed: int = 7
    swaps_per_block: int = 3
    whale_probability: float = 0.04
    volatility_bps: float = 15.0
    traders: int = 6
    min_step_interval_s: float = 0.0
    router_share: float = 0.3

    def __post_init__(self) -> None:
        checks = (
            ("seed", self.seed >= 0, "an integer >= 0"),
            ("swaps_per_block", self.swaps_per_block >= 0, "an integer >= 0"),
            ("whale_probability", 0.0 <= self.whale_probability <= 1.0, "a number from 0 to 1"),
            ("volatility_bps", self.volatility_bps >= 0, "a number >= 0"),
            (
                "traders",
                1 <= self.traders <= len(TRADER_INDICES),
                f"an integer from 1 to {len(TRADER_INDICES)}",
            ),
            ("min_step_interval_s", self.min_step_interval_s >= 0, "a number >= 0"),
            ("router_share", 0.0 <= self.router_share <= 1.0, "a number from 0 to 1"),
        )
        for key, ok, expected in checks:
            if not ok:
                raise ConfigError(f"market.{key}: expected {expected}, got {getattr(self, key)!r}")
