"""`ReferenceWalk`: the devnet market's "true" USD price of every asset, one walk for all chains.

Each asset's price takes a log-normal step per reference step, starting from the catalog's
`REFERENCE_PRICES_USD`; stablecoins instead wander in a tight mean-reverting band around 1, as
real ones do. Every chain's traders lean toward the same walk, which is what keeps WETH on
Arbitrum and ETH on BNB Chain priced alike while their pools drift apart between trades.

The walk is indexed, not clocked: `prices_usd(step)` depends only on the seed and `step`, so a
chain that reaches step 40 sees the same prices whenever it gets there. Prices are floats in USD:
they steer simulated traders and are shown, never used as money.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from types import MappingProxyType

from omniarb.devnet.catalog import REFERENCE_PRICES_USD

__all__ = ["REFERENCE_STEP_S", "STABLE_ASSETS", "ReferenceWalk", "reference_step"]

# Chain time per walk step (see `reference_step`); `volatility_bps` is per walk step.
REFERENCE_STEP_S = 1.0
STABLE_ASSETS = frozenset({"USDC", "USDT", "DAI"})
# A stablecoin's volatility as a share of the others', and the pull back to 1 per step: a depeg
# of a few bps decays with a half-life of about seven steps.
_STABLE_VOLATILITY_SHARE = 0.05
_STABLE_REVERSION = 0.1


class ReferenceWalk:
    """Reference prices by step, generated on demand from `random.Random(f"{seed}:reference")`.

    Steps already passed by every consumer can be dropped with `forget_before`, so a market
    that runs for days keeps only the window its slowest chain still needs.
    """

    def __init__(
        self,
        *,
        seed: int,
        volatility_bps: float,
        initial_usd: Mapping[str, float] | None = None,
    ) -> None:
        start = initial_usd or {a: float(p) for a, p in REFERENCE_PRICES_USD.items()}
        self._assets = tuple(sorted(start))
        self._sigma = volatility_bps / 10_000
        self._rng = random.Random(f"{seed}:reference")
        self._log_prices = [math.log(start[a]) for a in self._assets]
        self._first_step = 0
        self._history: list[Mapping[str, float]] = [self._freeze()]

    @property
    def assets(self) -> tuple[str, ...]:
        return self._assets

    def prices_usd(self, step: int) -> Mapping[str, float]:
        """USD per whole token of every asset at `step` (0 is the catalog's table)."""
        if step < self._first_step:
            raise ValueError(
                f"reference step {step} was forgotten (oldest kept: {self._first_step})"
            )
        while self._first_step + len(self._history) <= step:
            self._advance()
            self._history.append(self._freeze())
        return self._history[step - self._first_step]

    def forget_before(self, step: int) -> None:
        """Drop the prices of steps before `step`; they can no longer be asked for."""
        drop = min(max(step - self._first_step, 0), len(self._history) - 1)
        if drop > 0:
            del self._history[:drop]
            self._first_step += drop

    def _advance(self) -> None:
        # One Gaussian per asset in a fixed (sorted) order, so the sequence depends on the seed
        # alone; the −σ²/2 drift keeps each price's expectation constant (a martingale).
        for i, asset in enumerate(self._assets):
            shock = self._rng.gauss(0.0, 1.0)
            if asset in STABLE_ASSETS:
                sigma = self._sigma * _STABLE_VOLATILITY_SHARE
                self._log_prices[i] = (1 - _STABLE_REVERSION) * self._log_prices[i] + sigma * shock
            else:
                self._log_prices[i] += self._sigma * shock - self._sigma**2 / 2

    def _freeze(self) -> Mapping[str, float]:
        return MappingProxyType(
            {a: math.exp(lp) for a, lp in zip(self._assets, self._log_prices, strict=True)}
        )


def reference_step(chain_step: int, step_s: float) -> int:
    """The walk step a chain sees at its `chain_step`, when each of its steps lasts `step_s`.

    The walk moves once per `REFERENCE_STEP_S` of chain time, so a chain with 0.5 s blocks and
    one with 3 s blocks stay on the same reference while both keep pace with their blocks; a
    chain whose steps have no set length (automine, no interval) takes one walk step per step.
    Whole milliseconds keep the mapping exact and identical on every run.
    """
    step_ms = round(step_s * 1000)
    if step_ms <= 0:
        return chain_step
    return chain_step * step_ms // round(REFERENCE_STEP_S * 1000)
