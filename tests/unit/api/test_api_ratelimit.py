"""The API's token buckets: a burst, then refusals whose `Retry-After` is exactly long enough,
one bucket per key, bounded memory under a flood of keys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniarb.api.ratelimit import RateLimiter, retry_after_s


class _Clock:
    """Monotonic seconds that the test moves by hand."""

    def __init__(self) -> None:
        self.now_s = 1000.0

    def __call__(self) -> float:
        return self.now_s


def test_a_burst_then_retry_after_the_refill() -> None:
    clock = _Clock()
    limiter = RateLimiter(rate_per_s=0.5, burst=3, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait_s = limiter.take("a")
    assert wait_s == pytest.approx(2.0)
    assert retry_after_s(wait_s) == 2
    clock.now_s += 1.9
    assert limiter.take("a") > 0
    clock.now_s += 2.0
    assert limiter.take("a") == 0.0
    # Another key has its own bucket.
    assert limiter.take("b") == 0.0


@given(
    rate_per_s=st.floats(min_value=0.01, max_value=1000),
    burst=st.integers(min_value=1, max_value=50),
    gaps_s=st.lists(st.floats(min_value=0, max_value=5), min_size=1, max_size=60),
)
def test_waiting_retry_after_is_always_enough(
    rate_per_s: float, burst: int, gaps_s: list[float]
) -> None:
    clock = _Clock()
    limiter = RateLimiter(rate_per_s=rate_per_s, burst=burst, clock=clock)
    served = 0
    for gap_s in gaps_s:
        clock.now_s += gap_s
        wait_s = limiter.take("k")
        if wait_s == 0.0:
            served += 1
            continue
        clock.now_s += retry_after_s(wait_s)
        assert limiter.take("k") == 0.0
        served += 1
    assert served == len(gaps_s)


def test_retry_after_is_a_whole_number_of_seconds_at_least_one() -> None:
    assert retry_after_s(0.001) == 1
    assert retry_after_s(1.0) == 1
    assert retry_after_s(1.01) == 2


def test_memory_stays_bounded_under_a_flood_of_keys() -> None:
    clock = _Clock()
    limiter = RateLimiter(rate_per_s=1, burst=2, clock=clock)
    for n in range(25_000):
        limiter.take(f"10.0.{n // 256}.{n % 256}")
    assert len(limiter) <= 10_000


def test_a_limit_needs_a_rate_and_a_burst() -> None:
    with pytest.raises(ValueError, match="rate_per_s"):
        RateLimiter(rate_per_s=0, burst=1)
    with pytest.raises(ValueError, match="burst"):
        RateLimiter(rate_per_s=1, burst=0)
