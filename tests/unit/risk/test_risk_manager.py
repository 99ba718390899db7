"""The risk manager: every rule asked, every failing rule's reason in the decision; the floor
alone by default; its tallies fed by the sent, settled and outcome hooks."""

from __future__ import annotations

from dataclasses import replace

import pytest
from _monitor_values import GWEI, WETH, ManualClock, decision, opportunity, trade

from omniarb.risk import (
    APPROVED_REASON,
    ChainRiskLimits,
    MinNetProfit,
    ProfitFloor,
    RiskManager,
    TokenLimits,
)


def limits(**changes: object) -> ChainRiskLimits:
    return replace(ChainRiskLimits(chain="ethereum", min_net_profit_usd=0.01), **changes)  # type: ignore[arg-type]


async def test_by_default_only_the_usd_floor_is_asked_and_it_approves_as_before() -> None:
    manager = RiskManager.from_limits(limits())
    assert [type(rule) for rule in manager.rules] == [MinNetProfit]
    opp = opportunity()
    got = await manager.process(opp)
    assert got.approved
    assert got.reasons == (APPROVED_REASON,) == ("net profit clears gas and the floor",)
    assert got.amount_in == opp.amount_in
    assert got.expected_value_usd == opp.net_profit_usd


async def test_the_profit_floor_is_the_manager_with_the_usd_floor_alone() -> None:
    got = await ProfitFloor(min_net_profit_usd=25.0).process(opportunity())
    assert not got.approved
    assert got.reasons == ("net profit $21.0000 below the $25 floor",)


async def test_a_declined_decision_lists_every_failing_rule_in_order() -> None:
    weth = {WETH.lower(): TokenLimits(symbol="WETH", decimals=18, max_amount_in=10**17)}
    manager = RiskManager.from_limits(
        limits(
            min_net_profit_bps=100,
            max_gas_price_wei=10 * GWEI,
            max_open_exposure_usd=1000.0,
            tokens=weth,
        )
    )
    got = await manager.process(opportunity())
    assert not got.approved
    assert got.reasons == (
        "net profit 70.00 bps of the amount in below the 100 bps floor",
        "amount in 1 WETH above the 0.1 WETH trade size limit",
        "open exposure $0.00 plus this trade's $3,000.00 above the $1,000.00 limit on ethereum",
        "gas price 20 gwei above the 10 gwei limit on ethereum",
    )


async def test_sent_trades_count_as_exposure_until_settled() -> None:
    manager = RiskManager.from_limits(limits(max_open_exposure_usd=5000.0))
    first = decision(opportunity(1))
    assert (await manager.process(opportunity(2))).approved
    manager.on_sent(first)  # $3,000 in flight: another $3,000 would make $6,000
    assert not (await manager.process(opportunity(2))).approved
    manager.on_settled(first)
    assert (await manager.process(opportunity(2))).approved


async def test_observed_losses_stop_the_chain_for_the_day() -> None:
    clock = ManualClock()
    manager = RiskManager.from_limits(limits(max_daily_loss_usd=1.0), clock=clock)
    lost = trade(success=False)  # gas paid, nothing realized
    assert lost.realized_net_usd() < -1.0
    manager.observe_outcome(lost)
    got = await manager.process(opportunity())
    assert not got.approved
    assert got.reasons[0].startswith("lost $")
    assert "daily loss limit $1.00" in got.reasons[0]
    clock.advance(86_400.5)
    assert (await manager.process(opportunity())).approved


@pytest.mark.parametrize(
    ("changes", "rules"),
    [
        ({"max_trade_usd": 1.0}, 2),
        ({"tokens": {"0xab": TokenLimits(symbol="X", decimals=6, min_net_profit_usd=1.0)}}, 1),
        ({"tokens": {"0xab": TokenLimits(symbol="X", decimals=6, max_amount_in=1)}}, 2),
        ({"max_open_exposure_usd": 1.0, "max_daily_loss_usd": 1.0}, 3),
    ],
)
def test_only_the_rules_with_a_limit_set_are_built(changes: dict[str, object], rules: int) -> None:
    assert len(RiskManager.from_limits(limits(**changes)).rules) == rules
