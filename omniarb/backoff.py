"""Exponential backoff with jitter: the one schedule every retry loop of omni-arb waits by.

    backoff = Backoff(initial_s=0.05, max_s=5.0)
    waits = backoff.waits()              # one schedule per retry loop
    while not await try_once():
        await asyncio.sleep(next(waits))

Delays double from `initial_s` up to `max_s`. Jitter spreads each delay over
`[(1 - jitter) * d, d]` so clients that failed together (one node restart drops them all) do not
come back in lock step; `jitter=0` gives the bare schedule, which tests can predict.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Backoff"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Backoff:
    """A capped exponential schedule: `delay_s(n)` is the wait before retry `n` (0-based)."""

    initial_s: float = 0.05
    max_s: float = 5.0
    multiplier: float = 2.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if self.initial_s < 0 or self.max_s < self.initial_s:
            raise ValueError(f"backoff needs 0 <= initial_s <= max_s, got {self}")
        if self.multiplier < 1 or not 0 <= self.jitter <= 1:
            raise ValueError(f"backoff needs multiplier >= 1 and jitter in [0, 1], got {self}")

    def ceiling_s(self, retry: int) -> float:
        """The delay before retry `retry` without jitter (the most it can be)."""
        # Capped before the power can overflow a float: 2**1100 is not a float.
        exponent = min(retry, 1000)
        try:
            grown = self.initial_s * self.multiplier**exponent
        except OverflowError:
            return self.max_s
        return min(grown, self.max_s)

    def delay_s(self, retry: int, rng: random.Random | None = None) -> float:
        """The delay before retry `retry`, jittered with `rng` (a fresh one when None)."""
        ceiling = self.ceiling_s(retry)
        if self.jitter == 0:
            return ceiling
        draw = (rng or random.Random()).random()
        return ceiling * (1.0 - self.jitter * draw)

    def waits(self, rng: random.Random | None = None) -> Iterator[float]:
        """The delays of one retry loop, forever: take one per failed attempt."""
        rng = rng or random.Random()
        retry = 0
        while True:
            yield self.delay_s(retry, rng)
            retry += 1
