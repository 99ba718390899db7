"""Which WebSocket endpoint a stream uses: the HTTP failover's rules (cooldowns that grow,
stale heads, order of preference), on a clock the test moves."""

from __future__ import annotations

import pytest

from omniarb.backoff import Backoff
from omniarb.chains.rpc import EndpointHealth, FailoverPolicy
from omniarb.chains.ws import WsEndpoints

URLS = ("wss://a.example/KEY", "ws://b.example:8546", "ws://c.example:8546")
POLICY = FailoverPolicy(max_lag_blocks=3, cooldown=Backoff(initial_s=1.0, max_s=8.0, jitter=0))


class Clock:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


def endpoints(clock: Clock, seen: list[EndpointHealth] | None = None) -> WsEndpoints:
    observer = seen.append if seen is not None else None
    return WsEndpoints(URLS, POLICY, observer=observer, clock=clock)


def test_candidates_skip_cooling_endpoints_and_put_stale_ones_last() -> None:
    clock = Clock()
    eps = endpoints(clock)
    a, b, c = eps.all
    assert eps.candidates() == [a, b, c]
    eps.failed(a, "RpcConnectError: refused")
    assert eps.candidates() == [b, c]
    eps.saw_head(b, 10)
    eps.saw_head(c, 14)
    assert eps.stale(b)
    assert eps.lag(b) == 4
    assert eps.candidates() == [c, b]
    clock.now_s += 1.0  # a's first cooldown is over
    assert eps.candidates() == [a, c, b]


def test_cooldowns_grow_with_failures_in_a_row_and_an_answer_ends_them() -> None:
    clock = Clock()
    seen: list[EndpointHealth] = []
    eps = endpoints(clock, seen)
    a = eps.all[0]
    for expected_s in (1.0, 2.0, 4.0, 8.0, 8.0):
        eps.failed(a, "RpcTimeoutError: slow")
        assert a.cooldown_until - clock.now_s == expected_s
    assert seen[-1].failures_in_a_row == 5
    assert seen[-1].cooling_down
    assert seen[-1].score < 0.5
    assert seen[-1].endpoint == "wss://a.example"  # the key in the path stays out of it
    eps.answered(a, 0.004)
    assert seen[-1].failures_in_a_row == 0
    assert not seen[-1].cooling_down
    assert seen[-1].latency_ms == pytest.approx(4.0)
    assert seen[-1].failures == 5


def test_all_cooling_down_leaves_the_one_back_soonest() -> None:
    clock = Clock()
    eps = endpoints(clock)
    a, b, c = eps.all
    for endpoint in (a, a, b, c, c):
        eps.failed(endpoint, "RpcConnectError: refused")
    assert eps.candidates() == [b]


def test_a_preferred_endpoint_is_taken_back_only_when_answering_and_not_stale() -> None:
    clock = Clock()
    eps = endpoints(clock)
    a, b, c = eps.all
    eps.saw_head(c, 20)
    assert eps.preferred_over(c) is None  # a and b never answered a probe
    eps.saw_head(b, 16)
    assert eps.preferred_over(c) is None  # b is 4 behind
    eps.saw_head(b, 17)
    assert eps.preferred_over(c) is b
    eps.saw_head(a, 20)
    assert eps.preferred_over(c) is a
    eps.failed(a, "RpcConnectError: refused")
    assert eps.preferred_over(c) is b
    assert eps.preferred_over(a) is None  # nothing is preferred to the first


def test_a_head_only_moves_forward() -> None:
    eps = endpoints(Clock())
    a = eps.all[0]
    eps.saw_head(a, 12)
    eps.saw_head(a, 9)  # a late notification
    assert a.head == 12


def test_an_endpoint_left_behind_again_is_held_off_though_it_answers_probes() -> None:
    clock = Clock()
    eps = endpoints(clock)
    a, b, _ = eps.all
    eps.saw_head(a, 10)
    eps.saw_head(b, 14)
    eps.left_behind(a, "stale: head 10 is 4 blocks behind block 14")
    eps.saw_head(a, 14)
    eps.answered(a, 0.001)  # a probe answers at once: the first hold is one cooldown
    clock.now_s += 0.9
    assert eps.preferred_over(b) is None
    clock.now_s += 0.1
    assert eps.preferred_over(b) is a
    # Left again: its probes end the cooldown, but the hold doubles.
    eps.left_behind(a, "stale")
    eps.answered(a, 0.001)
    clock.now_s += 1.9
    assert not eps.health(a).cooling_down
    assert eps.preferred_over(b) is None
    clock.now_s += 0.1
    assert eps.preferred_over(b) is a
    # Once it kept up for a while, the hold starts over.
    eps.kept_up(a)
    eps.left_behind(a, "stale")
    eps.answered(a, 0.001)
    clock.now_s += 1.0
    assert eps.preferred_over(b) is a
