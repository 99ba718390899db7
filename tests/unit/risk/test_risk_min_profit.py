"""The profit floor: gas first (today's wording), then the USD floor, then the basis points of
the amount in, each overridable per start token."""

from __future__ import annotations

from dataclasses import replace

from _monitor_values import GWEI, opportunity

from omniarb.risk import MinNetProfit

from ._risk_values import QUIET, weth

# The default opportunity: 1 WETH in, 0.01 WETH gross, 0.003 WETH gas: net 0.007 WETH = $21,
# 70 bps of the amount in.


def test_a_net_profit_that_does_not_pay_for_gas_is_declined_with_the_gas_cost() -> None:
    opp = opportunity(gross_profit=3 * 10**15)  # exactly the gas: net 0
    reason = MinNetProfit(min_usd=0.0).verdict(opp, QUIET)
    assert reason == (
        f"gross profit {3 * 10**15} does not pay for gas ({150_000 * 20 * GWEI} wei native; net 0)"
    )


def test_with_an_l1_fee_the_reason_names_it() -> None:
    opp = replace(opportunity(gross_profit=10**15), l1_fee_wei=7)
    reason = MinNetProfit(min_usd=0.0).verdict(opp, QUIET)
    assert reason is not None
    assert "does not pay for gas and the L1 fee" in reason
    assert "L1 fee 7 wei native" in reason


def test_the_usd_floor_is_inclusive_and_worded_as_before() -> None:
    opp = opportunity()
    assert MinNetProfit(min_usd=opp.net_profit_usd).verdict(opp, QUIET) is None
    reason = MinNetProfit(min_usd=21.5).verdict(opp, QUIET)
    assert reason == "net profit $21.0000 below the $21.5 floor"


def test_the_bps_floor_is_exact_at_its_edge() -> None:
    opp = opportunity()  # 70 bps
    assert MinNetProfit(min_usd=0.0, min_bps=70).verdict(opp, QUIET) is None
    reason = MinNetProfit(min_usd=0.0, min_bps=70.01).verdict(opp, QUIET)
    assert reason == "net profit 70.00 bps of the amount in below the 70.01 bps floor"
    # One wei less profit is below 70 bps.
    thinner = replace(opp, net_profit=opp.net_profit - 1)
    assert MinNetProfit(min_usd=0.0, min_bps=70).verdict(thinner, QUIET) is not None


def test_a_token_override_replaces_the_chain_floors_for_that_token_only() -> None:
    opp = opportunity()
    lenient = MinNetProfit(min_usd=100.0, min_bps=100, tokens=weth(min_net_profit_usd=20.0))
    reason = lenient.verdict(opp, QUIET)
    # The USD floor is WETH's now; the chain's bps floor still applies.
    assert reason == "net profit 70.00 bps of the amount in below the 100 bps floor"
    both = MinNetProfit(
        min_usd=100.0, min_bps=100, tokens=weth(min_net_profit_usd=20.0, min_net_profit_bps=50)
    )
    assert both.verdict(opp, QUIET) is None
    other = replace(opp, route=replace(opp.route, hops=tuple(reversed(opp.route.hops))))
    assert both.verdict(other, QUIET) == "net profit $21.0000 below the $100 floor"
