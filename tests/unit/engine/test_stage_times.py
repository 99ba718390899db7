"""The live path's clock: segments between stamps, completeness, monotonicity, and how two
blocks decided as one fold their times."""

from __future__ import annotations

from omniarb.stage_times import SEGMENTS, STAMPS, StageTimes, offset_segments_ns


def _all_stamped(start_ns: int = 1_000) -> StageTimes:
    return StageTimes(**{f"{name}_ns": start_ns + 10 * i for i, name in enumerate(STAMPS)})


def test_every_segment_lies_between_two_consecutive_stamps() -> None:
    times = _all_stamped()
    assert len(SEGMENTS) == len(STAMPS) - 1
    assert list(times.segments_ns()) == [(name, 10) for name in SEGMENTS]
    assert times.complete
    assert times.monotonic
    assert times.total_ns == 10 * (len(STAMPS) - 1)


def test_a_missing_stamp_drops_its_two_segments_and_completeness() -> None:
    times = _all_stamped().at(checked_ns=0)
    names = [name for name, _ in times.segments_ns()]
    assert "check" not in names
    assert "sign" not in names
    assert not times.complete
    assert times.monotonic  # unset stamps are skipped, not read as time zero
    assert StageTimes().total_ns == 0


def test_a_stamp_earlier_than_the_one_before_is_not_monotonic() -> None:
    times = _all_stamped().at(signed_ns=1_005)
    assert not times.monotonic


def test_merged_blocks_count_from_the_first_notification_and_stay_monotonic() -> None:
    first = StageTimes(notified_ns=100, logs_ns=110, applied_ns=120)
    second = StageTimes(notified_ns=200, logs_ns=205, applied_ns=230)
    merged = first.merged(second)
    assert (merged.notified_ns, merged.logs_ns, merged.applied_ns) == (100, 205, 230)
    assert merged.monotonic
    # A block stamped nowhere (0) never pulls the notification to zero.
    assert StageTimes().merged(second).notified_ns == 200


def test_stored_offsets_give_back_the_segments() -> None:
    times = _all_stamped().at(signed_ns=0)
    offsets = times.offsets_ns()
    assert offset_segments_ns(offsets) == list(times.segments_ns())
    assert offset_segments_ns({}) == []
