"""The mempool's recent swaps per pool: counted within the window only, a swap through two pools
of a route once, any case of an address alike, and bounded however much the mempool sends."""

from __future__ import annotations

import pytest

from omniarb.collect.pending_activity import PendingActivity

S = 1_000_000_000  # ns per second
POOL_A = "0x" + "aa" * 20
POOL_B = "0x" + "bb" * 20
POOL_C = "0x" + "cc" * 20


def test_swaps_count_within_the_window_only() -> None:
    activity = PendingActivity(window_s=2.0)
    activity.saw([POOL_A], seen_ns=10 * S)
    activity.saw([POOL_B], seen_ns=11 * S)
    activity.saw([], seen_ns=11 * S)  # a swap through pools nobody could tell
    assert activity.route_swaps([POOL_A], 11 * S) == 1
    assert activity.swaps(11 * S) == 3
    # 12 s: the swap seen at 10 s is exactly at the window's edge, still in.
    assert activity.route_swaps([POOL_A], 12 * S) == 1
    assert activity.route_swaps([POOL_A], 12 * S + 1) == 0
    assert activity.route_swaps([POOL_B], 12 * S + 1) == 1
    assert activity.swaps(12 * S + 1) == 2
    assert activity.swaps(14 * S) == 0
    assert activity.route_swaps([POOL_A, POOL_B], 14 * S) == 0


def test_a_swap_through_several_pools_of_a_route_counts_once() -> None:
    activity = PendingActivity(window_s=5.0)
    activity.saw([POOL_A, POOL_B], seen_ns=S)
    activity.saw([POOL_B, POOL_C], seen_ns=S)
    assert activity.route_swaps([POOL_A, POOL_B], 2 * S) == 2
    assert activity.route_swaps([POOL_A, POOL_C], 2 * S) == 2
    assert activity.route_swaps([POOL_A], 2 * S) == 1
    assert activity.route_swaps(["0x" + "dd" * 20], 2 * S) == 0
    # One swap naming a pool twice, in two spellings, is one swap of that pool.
    activity.saw([POOL_C, POOL_C.upper()], seen_ns=S)
    assert activity.route_swaps([POOL_C], 2 * S) == 2


def test_addresses_match_in_any_case() -> None:
    activity = PendingActivity(window_s=5.0)
    activity.saw([POOL_A.upper().replace("0X", "0x")], seen_ns=S)
    assert activity.route_swaps([POOL_A], S) == 1


def test_memory_is_bounded_and_the_least_recent_pool_is_forgotten() -> None:
    activity = PendingActivity(window_s=60.0, max_pools=2, max_per_pool=3, max_swaps=4)
    for n in range(10):
        activity.saw([POOL_A], seen_ns=S + n)
    assert activity.route_swaps([POOL_A], 2 * S) == 3  # the last max_per_pool only
    assert activity.swaps(2 * S) == 4  # the last max_swaps only
    activity.saw([POOL_B], seen_ns=2 * S)
    activity.saw([POOL_A], seen_ns=2 * S)  # A touched last: B is the least recent
    activity.saw([POOL_C], seen_ns=2 * S)
    assert activity.pools_tracked == 2
    assert activity.route_swaps([POOL_B], 2 * S) == 0
    assert activity.route_swaps([POOL_A], 2 * S) == 3
    assert activity.route_swaps([POOL_C], 2 * S) == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"window_s": 0.0},
        {"window_s": -1.0},
        {"max_pools": 0},
        {"max_per_pool": 0},
        {"max_swaps": 0},
    ],
)
def test_bad_bounds_are_refused(bad: dict[str, float]) -> None:
    settings: dict[str, float] = {"window_s": 1.0, **bad}
    with pytest.raises(ValueError, match="must be positive"):
        PendingActivity(**settings)  # type: ignore[arg-type]


def test_a_stamp_older_than_the_newest_counts_from_the_newest() -> None:
    activity = PendingActivity(window_s=2.0)
    activity.saw([POOL_A], seen_ns=10 * S)
    activity.saw([POOL_B], seen_ns=5 * S)  # fetched late: as if seen at 10 s
    assert activity.swaps(11 * S) == 2
    assert activity.route_swaps([POOL_B], 11 * S) == 1
    assert activity.swaps(12 * S + 1) == 0
