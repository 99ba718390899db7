"""Rivals drawn from a seed: the same seed gives the same rivals, and bad settings say what
is wrong and where."""

from __future__ import annotations

import pytest

from omniarb.devnet.rivals import PRESETS, Channel, RivalPolicy, RivalsParams
from omniarb.errors import ConfigError


def test_the_same_seed_gives_the_same_rivals_and_another_seed_others() -> None:
    first = RivalsParams(seed=5, count=6).resolved()
    again = RivalsParams(seed=5, count=6).resolved()
    other = RivalsParams(seed=6, count=6).resolved()
    assert first == again
    assert first != other
    assert [p.name for p in first] == [
        "fast-greedy-0",
        "slow-1",
        "relay-2",
        "fast-greedy-3",
        "slow-4",
        "relay-5",
    ]
    # A rival's draw does not depend on how many rivals there are.
    assert RivalsParams(seed=5, count=2).resolved() == first[:2]


@pytest.mark.parametrize("seed", [0, 1, 99])
def test_each_preset_draws_within_its_ranges(seed: int) -> None:
    for policy in RivalsParams(seed=seed, count=9).resolved():
        ranges = PRESETS[policy.name.rsplit("-", 1)[0]]
        assert ranges.latency_ms[0] <= policy.latency_ms <= ranges.latency_ms[1]
        assert ranges.tip_gwei[0] * 10**9 <= policy.tip_wei <= ranges.tip_gwei[1] * 10**9
        low, high = ranges.bribe_share_bps
        assert low <= policy.bribe_share_bps <= high
        assert policy.channel is ranges.channel


def test_fast_greedy_outbids_and_outpaces_slow() -> None:
    fast, slow = RivalsParams(seed=3, count=2).resolved()
    assert fast.latency_ms < slow.latency_ms
    assert fast.tip_wei > slow.tip_wei


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"count": -1}, "devnet.rivals.count: expected an integer from 0 to 16, got -1"),
        ({"count": 17}, "devnet.rivals.count"),
        ({"seed": -3}, "devnet.rivals.seed: expected an integer >= 0"),
        ({"presets": ()}, "devnet.rivals.presets: expected at least one preset"),
        ({"presets": ("fast-greedy", "lazy")}, "unknown preset(s) 'lazy'"),
    ],
)
def test_bad_params_are_refused_with_the_key(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        RivalsParams(**kwargs)  # type: ignore[arg-type]
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"latency_ms": -1}, "'r'.latency_ms: expected a number >= 0, got -1"),
        ({"bribe_share_bps": 10_001}, "'r'.bribe_share_bps: expected an integer from 0 to 10000"),
        ({"max_hops": 4}, "'r'.max_hops: expected 2 or 3"),
        ({"tip_wei": -5}, "'r'.tip_wei"),
        ({"channel": Channel.RELAY}, "a relay rival bribes"),
    ],
)
def test_bad_policies_are_refused_with_the_field(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {"name": "r", "latency_ms": 10}
    with pytest.raises(ConfigError) as caught:
        RivalPolicy(**{**base, **kwargs})  # type: ignore[arg-type]
    assert message in str(caught.value)


def test_hand_picked_rivals_need_distinct_names() -> None:
    twin = RivalPolicy(name="twin", latency_ms=1)
    with pytest.raises(ConfigError, match="rival names repeat"):
        RivalsParams(policies=(twin, twin))
    assert RivalsParams(policies=(twin,)).resolved() == (twin,)
