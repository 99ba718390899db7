"""The rivals' figures: per rival and chain, what it sent and what became of it."""

from __future__ import annotations

from dataclasses import dataclass

from omniarb.devnet.rivals.policy import Channel

__all__ = ["RivalStats", "RivalsSnapshot"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RivalStats:
    """One rival on one chain: its sends, and how many won (mined, paid), reverted (mined
    after someone else took the gap), missed (a bundle not included, a send never mined) or
    failed to send (`errors`); `won_profit_usd` the predicted profit of its wins."""

    rival: str
    chain: str
    channel: Channel
    latency_ms: float
    tip_wei: int
    bribe_share_bps: int
    sent: int = 0
    won: int = 0
    reverted: int = 0
    missed: int = 0
    errors: int = 0
    won_profit_usd: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class RivalsSnapshot:
    """Every rival's figures on every chain, in rival order."""

    rivals: tuple[RivalStats, ...] = ()

    @property
    def sent(self) -> int:
        return sum(r.sent for r in self.rivals)

    @property
    def won(self) -> int:
        return sum(r.won for r in self.rivals)

    def summary(self) -> str:
        """One line for a terminal: the rivals' sends and wins, by rival."""
        if not self.rivals:
            return "rivals: none"
        by_rival: dict[str, list[int]] = {}
        for stats in self.rivals:
            won_sent = by_rival.setdefault(stats.rival, [0, 0])
            won_sent[0] += stats.won
            won_sent[1] += stats.sent
        parts = ", ".join(f"{name} {won}/{sent}" for name, (won, sent) in by_rival.items())
        return f"rivals won/sent: {parts}"
