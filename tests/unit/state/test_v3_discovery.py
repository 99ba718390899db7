"""Planning of V3 lens reads: spans of bitmap words packed into calls of bounded size, split
across calls where they do not fit, every word asked for exactly once and in order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniarb.chain_events import NewHead
from omniarb.chains.blocks import block_tag
from omniarb.dex.uniswap_v3.discovery import plan_calls

A, B, C = ("0x" + c * 40 for c in "abc")


def covered(calls) -> dict[str, list[int]]:
    words: dict[str, list[int]] = {}
    for call in calls:
        for segment in call:
            words.setdefault(segment.pool, []).extend(range(segment.from_word, segment.to_word + 1))
    return words


def test_small_spans_share_a_call() -> None:
    (call,) = plan_calls([(A, -18, 17), (B, -58, 57)], words_per_call=4000, pools_per_call=48)
    assert [(s.pool, s.from_word, s.to_word) for s in call] == [(A, -18, 17), (B, -58, 57)]


def test_a_span_bigger_than_a_call_is_split() -> None:
    calls = plan_calls([(A, -347, 346), (B, -18, 17)], words_per_call=300, pools_per_call=48)
    assert [[(s.pool, s.from_word, s.to_word) for s in c] for c in calls] == [
        [(A, -347, -48)],
        [(A, -47, 252)],
        [(A, 253, 346), (B, -18, 17)],
    ]


def test_pools_per_call_bounds_a_call() -> None:
    calls = plan_calls([(A, 0, 0), (B, 0, 0), (C, 0, 0)], words_per_call=100, pools_per_call=2)
    assert [len(c) for c in calls] == [2, 1]


def test_header_only_spans_cost_one_word() -> None:
    calls = plan_calls([(A, 1, 0), (B, 1, 0), (C, 1, 0)], words_per_call=2, pools_per_call=48)
    assert [[(s.from_word, s.to_word) for s in c] for c in calls] == [[(1, 0), (1, 0)], [(1, 0)]]


@given(
    spans=st.lists(
        st.tuples(st.sampled_from([A, B, C]), st.integers(-400, 400), st.integers(0, 900)),
        min_size=1,
        max_size=6,
        unique_by=lambda span: span[0],
    ),
    words_per_call=st.integers(1, 1000),
    pools_per_call=st.integers(1, 5),
)
def test_every_word_is_asked_for_once_in_order(
    spans: list[tuple[str, int, int]], words_per_call: int, pools_per_call: int
) -> None:
    spans = [(pool, first, first + length) for pool, first, length in spans]
    calls = plan_calls(spans, words_per_call, pools_per_call)
    assert covered(calls) == {pool: list(range(first, last + 1)) for pool, first, last in spans}
    for call in calls:
        assert 1 <= len(call) <= pools_per_call
        assert sum(s.to_word - s.from_word + 1 for s in call) <= max(words_per_call, len(call))


@pytest.mark.parametrize("at", [17, "head"])
def test_reads_are_pinned_by_hash_when_the_header_is_known(at: object) -> None:
    head = NewHead(
        chain_id=1,
        number=17,
        hash="0x" + "12" * 32,
        parent_hash="0x" + "11" * 32,
        timestamp=0,
        base_fee_wei=0,
        logs_bloom=b"",
        received_ns=0,
    )
    tag = block_tag(head if at == "head" else 17)
    assert tag == ({"blockHash": head.hash} if at == "head" else "0x11")
