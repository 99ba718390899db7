"""The one retry schedule: doubling, capped, jittered within its bounds, reproducible."""

from __future__ import annotations

import itertools
import random

import pytest

from omniarb.backoff import Backoff


def test_delays_double_up_to_the_cap_without_jitter() -> None:
    backoff = Backoff(initial_s=0.1, max_s=1.0, jitter=0)
    assert list(itertools.islice(backoff.waits(), 6)) == pytest.approx(
        [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    )
    # A very long outage neither overflows nor grows past the cap.
    assert backoff.delay_s(10_000) == 1.0


def test_jitter_stays_within_its_share_and_spreads_the_waits() -> None:
    backoff = Backoff(initial_s=1.0, max_s=1.0, jitter=0.5)
    rng = random.Random(3)
    draws = [backoff.delay_s(0, rng) for _ in range(200)]
    assert all(0.5 <= d <= 1.0 for d in draws)
    assert max(draws) - min(draws) > 0.4  # clients that failed together come back apart


def test_the_same_seed_gives_the_same_waits() -> None:
    backoff = Backoff(initial_s=0.05, max_s=5.0)
    first = list(itertools.islice(backoff.waits(random.Random(9)), 8))
    again = list(itertools.islice(backoff.waits(random.Random(9)), 8))
    assert first == again


@pytest.mark.parametrize(
    "fields",
    [
        {"initial_s": -1.0},
        {"initial_s": 2.0, "max_s": 1.0},
        {"multiplier": 0.5},
        {"jitter": 1.5},
    ],
)
def test_a_nonsense_schedule_is_refused(fields: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="backoff needs"):
        Backoff(**fields)
