"""Price risk of a cross-chain trade: the legs land seconds apart, and the price moves meanwhile.

    risk_charge_usd = risk_z · σ · √(leg_latency_s) · notional_usd

σ is the asset's volatility per √second, estimated from the view's own mid prices: each time a
chain's mid of the asset moves, (Δ ln mid)² / Δt (a variance per second) enters an EWMA whose
weight decays over `volatility_window_s` (α = 1 − e^(−Δt / window)). Every chain's moves feed
the asset's one estimate; a fresh asset has σ = 0 until its mid has moved. `leg_latency_s` is
the executor's measured latency from detection to both legs mined (the larger of the two).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Volatility", "risk_charge_usd"]


def risk_charge_usd(
    *, risk_z: float, sigma_per_sqrt_s: float, leg_latency_s: float, notional_usd: float
) -> float:
    """What the price may move against the trade over the legs' latency, at `risk_z`
    standard deviations."""
    return risk_z * sigma_per_sqrt_s * math.sqrt(max(leg_latency_s, 0.0)) * notional_usd


@dataclass(slots=True)
class _Last:
    log_mid: float
    at_s: float


class Volatility:
    """EWMA of each asset's squared log-mid moves per second, over `window_s`."""

    def __init__(self, window_s: float) -> None:
        self._window_s = window_s
        self._last: dict[tuple[str, str], _Last] = {}
        self._variance: dict[str, float] = {}

    def observe(self, identity: str, chain: str, mid: float, at_s: float) -> None:
        """A mid price of `identity` on `chain` at monotonic time `at_s`."""
        if not mid > 0:
            return
        log_mid = math.log(mid)
        last = self._last.get((identity, chain))
        self._last[(identity, chain)] = _Last(log_mid=log_mid, at_s=at_s)
        if last is None or at_s <= last.at_s or log_mid == last.log_mid:
            return
        elapsed_s = at_s - last.at_s
        sample = (log_mid - last.log_mid) ** 2 / elapsed_s
        weight = 1.0 - math.exp(-elapsed_s / self._window_s)
        previous = self._variance.get(identity)
        self._variance[identity] = (
            sample if previous is None else previous + weight * (sample - previous)
        )

    def sigma(self, identity: str) -> float:
        """σ per √second (0 before the first move)."""
        return math.sqrt(self._variance.get(identity, 0.0))
