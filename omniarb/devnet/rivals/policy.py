"""`RivalPolicy`: how one rival searcher reacts, bids and sends; the presets it is drawn from.

A rival's policy is its whole temperament: how long it takes from seeing a block to sending
(`latency_ms`), the least profit it bothers with (`min_profit_usd`), what it bids the block
producer (`tip_wei` for a public transaction, `bribe_share_bps` of the profit paid to the
coinbase inside a relay bundle), where it sends (`channel`) and how far it looks (`max_hops`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from omniarb.errors import ConfigError
from omniarb.execute.bribe import BPS

__all__ = ["PRESETS", "Channel", "PresetRange", "RivalPolicy", "draw_policy"]

GWEI = 10**9


class Channel(StrEnum):
    """Where a rival sends: the chain's public mempool, or bundles to the chain's relay."""

    PUBLIC = "public"
    RELAY = "relay"


@dataclass(frozen=True, slots=True, kw_only=True)
class RivalPolicy:
    """One rival's reaction time, profit floor, bids, channel and reach.

    A relay rival on a chain without a relay sends publicly (with its tip), as a searcher
    without a builder does; its bribe share applies only to bundles.
    """

    name: str
    latency_ms: float
    min_profit_usd: float = 0.0
    tip_wei: int = GWEI
    bribe_share_bps: int = 0
    channel: Channel = Channel.PUBLIC
    max_hops: int = 3

    def __post_init__(self) -> None:
        checks = (
            ("name", bool(self.name), "a non-empty name"),
            ("latency_ms", self.latency_ms >= 0, "a number >= 0"),
            ("min_profit_usd", self.min_profit_usd >= 0, "a number >= 0"),
            ("tip_wei", self.tip_wei >= 0, "an integer >= 0"),
            ("bribe_share_bps", 0 <= self.bribe_share_bps <= BPS, f"an integer from 0 to {BPS}"),
            ("max_hops", 2 <= self.max_hops <= 3, "2 or 3 (the detector's cycles)"),
        )
        for key, ok, expected in checks:
            if not ok:
                raise ConfigError(
                    f"devnet.rivals policy {self.name!r}.{key}: expected {expected}, "
                    f"got {getattr(self, key)!r}"
                )
        if self.channel is Channel.RELAY and self.bribe_share_bps == 0:
            raise ConfigError(
                f"devnet.rivals policy {self.name!r}: a relay rival bribes (bribe_share_bps > 0)"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class PresetRange:
    """The ranges a preset's rivals are drawn from (inclusive), one draw per rival per seed."""

    latency_ms: tuple[float, float]
    tip_gwei: tuple[float, float]
    min_profit_usd: tuple[float, float]
    bribe_share_bps: tuple[int, int] = (0, 0)
    channel: Channel = Channel.PUBLIC
    max_hops: int = 3


# Fast and greedy: reacts within a few ms and outbids the bot's usual tip by far; slow: a
# searcher on a distant node with a thin tip; relay: bundles paying a share of the profit.
PRESETS: dict[str, PresetRange] = {
    "fast-greedy": PresetRange(
        latency_ms=(0.0, 5.0), tip_gwei=(20.0, 60.0), min_profit_usd=(0.0, 1.0)
    ),
    "slow": PresetRange(latency_ms=(200.0, 500.0), tip_gwei=(0.5, 2.0), min_profit_usd=(1.0, 5.0)),
    "relay": PresetRange(
        latency_ms=(20.0, 80.0),
        tip_gwei=(1.0, 3.0),
        min_profit_usd=(0.5, 2.0),
        bribe_share_bps=(2_000, 6_000),
        channel=Channel.RELAY,
    ),
}


def draw_policy(preset: str, *, rng: random.Random, name: str) -> RivalPolicy:
    """A policy of `preset` drawn with `rng` (the same draws for the same seed)."""
    ranges = PRESETS.get(preset)
    if ranges is None:
        raise ConfigError(
            f"devnet.rivals.presets: unknown preset {preset!r} (known: {', '.join(PRESETS)})"
        )
    latency_ms = round(rng.uniform(*ranges.latency_ms), 1)
    tip_wei = int(rng.uniform(*ranges.tip_gwei) * 1_000) * GWEI // 1_000
    min_profit_usd = round(rng.uniform(*ranges.min_profit_usd), 2)
    bribe = rng.randint(*ranges.bribe_share_bps)
    return RivalPolicy(
        name=name,
        latency_ms=latency_ms,
        min_profit_usd=min_profit_usd,
        tip_wei=tip_wei,
        bribe_share_bps=bribe,
        channel=ranges.channel,
        max_hops=ranges.max_hops,
    )
