"""Rewards from outcomes, the parameter values, the tuned risk rule and the chain set-up."""

from __future__ import annotations

from dataclasses import replace

import pytest
from _monitor_values import USD_PER_WETH, opportunity, trade

from omniarb.config import OptimizeSettings, ParamBounds
from omniarb.errors import ConfigError
from omniarb.optimize import LiveParams, Params, TunedLimits, reward_token, reward_usd
from omniarb.optimize.setup import chain_optimizer
from omniarb.risk import RiskContext

CONTEXT = RiskContext(
    chain="ethereum", amount_in_usd=None, open_exposure_usd=0.0, window_net_usd=0.0
)


def test_a_landed_trade_earns_its_realized_profit_less_its_gas() -> None:
    outcome = trade(1, gross_profit=10**16)
    assert reward_token(outcome) == 10**16 - outcome.gas_cost_wei
    assert reward_usd(outcome) == pytest.approx(
        (10**16 - outcome.gas_cost_wei) * USD_PER_WETH / 10**18
    )


def test_a_lost_race_earns_nothing_and_a_revert_loses_its_gas() -> None:
    assert reward_usd(trade(2, included=False)) == 0.0
    reverted = trade(3, success=False)
    assert reward_token(reverted) == -reverted.gas_cost_wei


def test_params_take_whole_numbers_where_the_chain_needs_them() -> None:
    params = Params().with_value("bribe_share_bps", 2_000.0)
    assert params.bribe_share_bps == 2_000
    assert isinstance(params.bribe_share_bps, int)
    assert Params().with_value("min_net_profit_usd", 0.05).min_net_profit_usd == 0.05
    with pytest.raises(ValueError, match="whole numbers"):
        Params().with_value("max_hops", 2.5)
    assert Params(tip_wei=3 * 10**18).to_json()["tip_wei"] == "3000000000000000000"


def test_the_tuned_limits_follow_the_live_parameters() -> None:
    live = LiveParams("ethereum", Params(max_hops=3, min_net_profit_usd=0.0))
    rule = TunedLimits(live)
    found = opportunity(1)  # two hops, $21 net
    assert rule.verdict(found, CONTEXT) is None
    live.set(replace(live.current, max_hops=1))
    assert rule.verdict(found, CONTEXT) == "2 hops, over the tuned maximum of 1"
    live.set(Params(min_net_profit_usd=100.0))
    assert "below the tuned $100 floor" in (rule.verdict(found, CONTEXT) or "")


def settings(**bounds: ParamBounds) -> OptimizeSettings:
    return OptimizeSettings(online=True, min_samples=2, bounds=bounds)


def test_the_bribe_share_is_tuned_only_where_trades_go_in_bundles() -> None:
    share = settings(bribe_share_bps=ParamBounds(min=1000, max=5000, step=1000))
    start = Params(bribe_share_bps=3_000)
    bundled = chain_optimizer("ethereum", start, share, bundles=True)
    assert bundled.tuner is not None
    assert bundled.tuner.board.arms == {"bribe_share_bps": (1_000, 2_000, 3_000, 4_000, 5_000)}
    assert chain_optimizer("base", start, share, bundles=False).tuner is None
    offline = OptimizeSettings(bounds=share.bounds)
    assert chain_optimizer("ethereum", start, offline, bundles=True).tuner is None


def test_a_start_outside_the_bounds_stops_the_bot_with_the_key() -> None:
    floor = settings(min_net_profit_usd=ParamBounds(min=0.02, max=0.05, step=0.01))
    with pytest.raises(ConfigError, match=r"optimize.bounds.min_net_profit_usd: base starts at"):
        chain_optimizer("base", Params(min_net_profit_usd=0.01), floor, bundles=False)


def test_the_grid_lands_on_decimal_steps() -> None:
    floor = settings(min_net_profit_usd=ParamBounds(min=0.01, max=0.05, step=0.01))
    assert floor.arms("min_net_profit_usd") == (0.01, 0.02, 0.03, 0.04, 0.05)
