"""The trade size, gas price, open exposure and daily loss rules: each at its edge, each
override, and the reason each one gives."""

from __future__ import annotations

from dataclasses import replace

import pytest
from _monitor_values import GWEI, ManualClock, decision, opportunity, trade

from omniarb.risk import (
    DailyLossLimit,
    MaxGasPrice,
    MaxOpenExposure,
    MaxTradeSize,
    OpenExposure,
    RealizedWindow,
)

from ._risk_values import QUIET, context_of, weth

# The default opportunity: 1 WETH in ($3,000 at its own rate), net $21, priced at 20 gwei.


def test_the_token_cap_is_in_base_units_and_inclusive() -> None:
    opp = opportunity(amount_in=2 * 10**18)
    rule = MaxTradeSize(tokens=weth(max_amount_in=2 * 10**18))
    assert rule.verdict(opp, context_of(opp)) is None
    bigger = replace(opp, amount_in=2 * 10**18 + 1)
    assert rule.verdict(bigger, context_of(bigger)) == (
        "amount in 2.000000000000000001 WETH above the 2 WETH trade size limit"
    )


def test_the_usd_cap_of_the_token_wins_over_the_chains() -> None:
    opp = opportunity()  # $3,000 in
    assert MaxTradeSize(max_usd=3000.0).verdict(opp, context_of(opp)) is None
    assert MaxTradeSize(max_usd=2999.0).verdict(opp, context_of(opp)) == (
        "amount in $3,000.00 above the $2,999.00 trade size limit"
    )
    generous = MaxTradeSize(max_usd=2999.0, tokens=weth(max_trade_usd=5000.0))
    assert generous.verdict(opp, context_of(opp)) is None
    strict = MaxTradeSize(max_usd=None, tokens=weth(max_trade_usd=1000.0))
    assert strict.verdict(opp, context_of(opp)) == (
        "amount in $3,000.00 above the $1,000.00 trade size limit"
    )


def test_without_a_rate_the_usd_cap_cannot_judge_and_lets_it_pass() -> None:
    opp = opportunity(amount_in=10**24)
    assert MaxTradeSize(max_usd=1.0).verdict(opp, QUIET) is None


def test_the_gas_price_cap_in_gwei_is_inclusive() -> None:
    opp = opportunity(gas_price_wei=20 * GWEI)
    assert MaxGasPrice(max_gas_price_wei=20 * GWEI).verdict(opp, QUIET) is None
    reason = MaxGasPrice(max_gas_price_wei=19_500_000_000).verdict(opp, QUIET)
    assert reason == "gas price 20 gwei above the 19.5 gwei limit on ethereum"
    with pytest.raises(ValueError, match="positive"):
        MaxGasPrice(max_gas_price_wei=0)


def test_open_exposure_counts_sent_trades_until_they_settle() -> None:
    tally = OpenExposure()
    first, second = decision(opportunity(1)), decision(opportunity(2, amount_in=2 * 10**18))
    tally.on_sent(first)
    tally.on_sent(second)
    assert tally.total_usd == pytest.approx(9000.0)
    assert tally.sent == 2
    tally.on_settled(first)
    tally.on_settled(first)  # twice: no change
    assert tally.total_usd == pytest.approx(6000.0)
    assert tally.trades == 1
    tally.on_settled(second)
    assert tally.total_usd == 0.0


def test_the_exposure_limit_counts_this_trade_too() -> None:
    opp = opportunity()  # $3,000 in
    rule = MaxOpenExposure(max_usd=10_000.0)
    assert rule.verdict(opp, context_of(opp, open_exposure_usd=7000.0)) is None
    assert rule.verdict(opp, context_of(opp, open_exposure_usd=7000.5)) == (
        "open exposure $7,000.50 plus this trade's $3,000.00 above the $10,000.00 limit on ethereum"
    )


def test_the_daily_loss_limit_stops_at_the_limit_and_lifts_as_losses_age_out() -> None:
    clock = ManualClock()
    window = RealizedWindow(clock=clock)
    rule = DailyLossLimit(max_loss_usd=50.0)
    opp = opportunity()
    window.record(-30.0)
    clock.advance(3600)
    window.record(-19.5)
    assert rule.verdict(opp, context_of(opp, window_net_usd=window.net_usd)) is None
    window.record(-0.5)  # exactly 50 lost now
    reason = rule.verdict(opp, context_of(opp, window_net_usd=window.net_usd))
    assert reason == "lost $50.00 over the last 24 h on ethereum (daily loss limit $50.00)"
    clock.advance(86_400 - 3600 + 1)  # the first loss is older than 24 h now
    assert window.net_usd == pytest.approx(-20.0)
    assert rule.verdict(opp, context_of(opp, window_net_usd=window.net_usd)) is None


def test_outcomes_enter_the_window_at_their_realized_net_and_pending_ones_do_not() -> None:
    window = RealizedWindow(clock=ManualClock())
    lost = trade(success=False)
    window.observe_outcome(lost)
    assert window.net_usd == pytest.approx(lost.realized_net_usd())
    assert window.net_usd < 0
    window.observe_outcome(replace(trade(1), pending=True))
    assert window.net_usd == pytest.approx(lost.realized_net_usd())
