"""The breakers of a run: a chain's breaker open stops that chain only, the global one stops
every chain; each chain's events reach its own breaker and the global one; the settings build
the board (by default the one global breaker of before)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from _monitor_values import (
    POOL_A,
    ManualClock,
    decision,
    execution,
    opportunity,
    pool_update,
    trade,
)

from omniarb.chains.liveness import NodeStatus
from omniarb.config import BreakerSettings
from omniarb.errors import NotFoundError
from omniarb.risk import GLOBAL_SCOPE, BreakerBoard, BreakerTrip, CircuitBreaker, TripReason
from omniarb.risk.trip_rules import ErrorBurst
from omniarb.services import breaker_board
from omniarb.telemetry import Telemetry
from omniarb.track import ChainBotStats
from omniarb.types import ExecutionStatus


def board(clock: ManualClock | None = None) -> BreakerBoard:
    """Global: 10 failures in a row; each chain: 2 failures in a row, 3 errors a minute."""
    clock = clock or ManualClock()

    def chain(name: str) -> CircuitBreaker:
        return CircuitBreaker(
            max_consecutive_failures=2,
            rules=[ErrorBurst(max_errors=3, window_s=60.0)],
            scope=name,
            clock=clock,
        )

    return BreakerBoard(
        global_breaker=CircuitBreaker(max_consecutive_failures=10, clock=clock),
        chains={"ethereum": chain("ethereum"), "base": chain("base")},
    )


async def test_a_chains_breaker_open_stops_that_chain_only() -> None:
    b = board()
    seen: list[BreakerTrip] = []
    b.subscribe(seen.append)
    approved = decision(opportunity())
    eth, base = b.for_chain("ethereum"), b.for_chain("base")
    assert b.record_result("base", success=False, net_usd=-1.0) == []
    (trip,) = b.record_result("base", success=False, net_usd=-1.0)
    assert (trip.scope, trip.reason) == ("base", TripReason.CONSECUTIVE_FAILURES)
    assert trip.id.startswith("base-")
    assert seen == [trip]

    declined = await base.process(approved)
    assert declined.approved is False
    assert declined.reasons[-1].startswith("circuit breaker base open (consecutive_failures)")
    assert await eth.process(approved) is approved
    # The global breaker counts base's trades toward its loss limit only.
    assert not b.is_open
    assert b.scope_breaker(GLOBAL_SCOPE).consecutive_failures == 0
    assert b.scope_breaker(GLOBAL_SCOPE).window_net_usd == pytest.approx(-2.0)

    b.scope_breaker("base").reset(by="api")
    assert await base.process(approved) is approved


async def test_the_global_breaker_open_stops_every_chain() -> None:
    b = board()
    approved = decision(opportunity())
    b.trip("operator stop", by="api")
    for chain in ("ethereum", "base", "arbitrum"):  # arbitrum has no breaker of its own
        declined = await b.for_chain(chain).process(approved)
        assert declined.reasons[-1] == "circuit breaker open (manual): operator stop"
    assert [(s.scope, s.is_open) for s in b.breakers] == [
        ("global", True),
        ("base", False),
        ("ethereum", False),
    ]
    b.reset(by="api")
    assert await b.for_chain("base").process(approved) is approved


def test_an_error_burst_on_one_chain_trips_that_chain_and_a_chain_without_one_feeds_global() -> (
    None
):
    b = board()
    for _ in range(2):
        assert b.record_error("ethereum", "rpc") == []
    assert b.record_error("base", "rpc") == []
    (trip,) = b.record_error("ethereum", "state")
    assert (trip.scope, trip.reason) == ("ethereum", TripReason.ERROR_BURST)
    assert not b.scope_breaker("base").is_open
    # A chain without its own breaker: the global one counts its trades.
    for _ in range(9):
        assert b.record_result("arbitrum", success=False, net_usd=0.0) == []
    (trip,) = b.record_result("arbitrum", success=False, net_usd=0.0)
    assert trip.scope == GLOBAL_SCOPE


def test_an_unknown_scope_is_not_found_and_a_chain_breaker_needs_its_chains_scope() -> None:
    b = board()
    with pytest.raises(
        NotFoundError, match=r"no circuit breaker for 'polygon' \(scopes: global, base, ethereum\)"
    ):
        b.scope_breaker("polygon")
    with pytest.raises(ValueError, match="chain's scope"):
        BreakerBoard(global_breaker=CircuitBreaker(), chains={"base": CircuitBreaker()})


def test_the_default_settings_build_the_one_global_breaker_of_before() -> None:
    b = breaker_board(BreakerSettings(), ["ethereum", "base"])
    (only,) = b.breakers
    assert only.scope == GLOBAL_SCOPE
    assert [type(rule).__name__ for rule in only.rules] == ["ConsecutiveFailures", "WindowLoss"]
    assert only.cooldown_s is None
    assert not b.watches_prices
    for _ in range(4):
        assert b.record_result("base", success=False, net_usd=0.0) == []
    (trip,) = b.record_result("ethereum", success=False, net_usd=0.0)
    assert "5 failed trades in a row (limit 5)" in trip.detail


def test_settings_turn_on_each_rule_the_cooldown_and_a_breaker_per_chain() -> None:
    clock = ManualClock()
    settings = BreakerSettings(
        per_chain=True,
        min_success_rate=0.4,
        success_sample=10,
        max_errors=3,
        error_window_s=30.0,
        max_price_jump_pct=8.0,
        cooldown_s=120.0,
    )
    b = breaker_board(settings, ["ethereum", "base"], clock=clock)
    assert [s.scope for s in b.breakers] == ["global", "base", "ethereum"]
    for breaker in b.breakers:
        names = [type(rule).__name__ for rule in breaker.rules]
        assert names == [
            "ConsecutiveFailures",
            "WindowLoss",
            "SuccessRate",
            "ErrorBurst",
            "PriceJump",
        ]
        assert breaker.cooldown_s == 120.0
    assert b.watches_prices
    b.observe_price("base", POOL_A, 100.0, block_number=1)
    trips = b.observe_price("base", POOL_A, 109.0, block_number=2)
    assert [t.scope for t in trips] == ["base"]
    clock.advance(120)
    assert [s.is_open for s in b.breakers] == [False, False, False]


@pytest.mark.parametrize(
    "bad",
    [
        {"min_success_rate": 1.5},
        {"min_success_rate": -0.1},
        {"success_sample": 0},
        {"max_errors": -1},
        {"error_window_s": 0.0},
        {"max_price_jump_pct": -1.0},
        {"cooldown_s": -5.0},
        {"per_chain": "yes"},
    ],
)
def test_bad_settings_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        BreakerSettings.model_validate(bad)


def test_the_engine_hooks_feed_the_board_under_each_chain() -> None:
    """Telemetry without a monitor: trades, errors, failed sends and pool prices reach the
    chain's breaker and the global one."""
    clock = ManualClock()
    b = breaker_board(
        BreakerSettings(
            per_chain=True, max_consecutive_failures=2, max_errors=2, max_price_jump_pct=5.0
        ),
        ["ethereum", "base"],
        clock=clock,
    )
    hooks = Telemetry(breaker=b)
    stats = ChainBotStats(chain="base", chain_id=8453)
    hooks.outcome(stats, trade(chain_id=8453, success=False))
    hooks.outcome(stats, trade(chain_id=8453, success=False))
    assert [s.is_open for s in b.breakers] == [False, True, False]
    assert b.scope_breaker(GLOBAL_SCOPE).window_net_usd == pytest.approx(-14.4)  # their gas
    b.scope_breaker("base").reset()

    hooks.error("ethereum", "state", RuntimeError("boom"))
    up = NodeStatus(
        chain="ethereum",
        up=True,
        head_block=9,
        latency_ms=1.0,
        down_for_s=0.0,
        error=None,
        changed=True,
        endpoints=(),
    )
    hooks.node(up, processed_block=9)  # a node coming up is no error
    assert not b.scope_breaker("ethereum").is_open
    hooks.node(replace(up, up=False, head_block=None, error="refused"), processed_block=9)
    burst = b.scope_breaker("ethereum").trip_record
    assert burst is not None
    assert "2 errors within 60 s (limit 2): state 1, node 1" in burst.detail
    b.scope_breaker("ethereum").reset()

    hooks.error("ethereum", "track", RuntimeError("boom"))
    failed = execution(decision(opportunity()), status=ExecutionStatus.FAILED, error="nonce")
    hooks.execution(failed)  # chain id 1: ethereum
    burst = b.scope_breaker("ethereum").trip_record
    assert burst is not None
    assert burst.reason is TripReason.ERROR_BURST
    assert not b.is_open
    b.scope_breaker("ethereum").reset()

    hooks.update(
        "base", pool_update(7, {POOL_A: 2000.0}, chain_id=8453), queue_depth=0, head_block=7
    )
    assert not b.scope_breaker("base").is_open
    hooks.update(
        "base", pool_update(8, {POOL_A: 2200.0}, chain_id=8453), queue_depth=0, head_block=8
    )
    trip = b.scope_breaker("base").trip_record
    assert trip is not None
    assert trip.reason is TripReason.PRICE_JUMP
    assert not b.scope_breaker("ethereum").is_open


def test_losses_on_every_chain_add_up_at_the_global_breaker() -> None:
    b = breaker_board(BreakerSettings(per_chain=True, max_loss_usd=100.0), ["ethereum", "base"])
    assert b.record_result("ethereum", success=True, net_usd=-60.0) == []
    (trip,) = b.record_result("base", success=True, net_usd=-45.0)
    assert (trip.scope, trip.reason, trip.loss_usd) == ("global", TripReason.LOSS, 105.0)
    assert not b.scope_breaker("base").is_open  # base alone lost $45 of its $100
