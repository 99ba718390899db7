"""The pure parts of cross-chain execution: the legs' latency average, the valuation prices an
opportunity implies, the route back for a reverse unwind, the inventory a trade changed, and
the `[cross_chain.execution]` table."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from omniarb.config import Settings
from omniarb.cross_chain_types import CrossChainOpportunity, LegPlan, LegRole
from omniarb.crosschain.exposure import reversed_route
from omniarb.crosschain.leg_result import LegResult, LegStatus
from omniarb.crosschain.legs import LegLatency
from omniarb.crosschain.pnl import inventory_change, leg_value_usd
from omniarb.crosschain.prices import trade_prices
from omniarb.types import Hop, Route

A, B, C = ("0x" + c * 40 for c in "abc")


def _leg(chain: str, latency_s: float | None, **changes: object) -> LegResult:
    values: dict[str, object] = {
        "role": LegRole.SELL, "chain": chain, "token_in": A, "token_out": B, "amount_in": 10,
        "min_out": 0, "predicted_out": 20, "status": LegStatus.LANDED, "latency_s": latency_s,
    }  # fmt: skip
    values.update(changes)
    return LegResult(**values)  # type: ignore[arg-type]


def test_latency_is_an_ewma_of_the_slower_leg_per_pair() -> None:
    latency = LegLatency(alpha=0.5)
    assert latency.observe(_leg("x", 1.0), _leg("y", 3.0)) == 3.0
    assert latency.observe(_leg("y", 1.0), _leg("x", 1.0)) == 2.0  # either order: one pair
    assert latency.latency_s("x", "y") == latency.latency_s("y", "x") == 2.0
    assert latency.observe(_leg("x", None), _leg("y", None)) is None
    assert latency.snapshot() == {("x", "y"): 2.0}
    with pytest.raises(ValueError, match="alpha"):
        LegLatency(alpha=0)


def _plan(role: LegRole, chain: str, token_in: str, token_out: str, a_in: int, out: int) -> LegPlan:
    hop = Hop(pool=C, dex="d", kind="uniswap-v2", token_in=token_in, token_out=token_out,
              zero_for_one=True, fee_pips=3000)  # fmt: skip
    return LegPlan(role=role, chain=chain, chain_id=1, block_number=1,
                   route=Route(chain_id=1, hops=(hop,)), amount_in=a_in, predicted_out=out,
                   min_out=out, gas_estimate=100_000, fee_wei=10**14, fee_usd=0.3)  # fmt: skip


def test_prices_are_the_plans_own() -> None:
    # Sell 1 WBTC (8 decimals) for 60,000 USDC (6); buy 1 BTCB (18) for 59,000 USDC (18).
    opportunity = CrossChainOpportunity(
        id="x", asset="BTC", quote_asset="USDC",
        sell=_plan(LegRole.SELL, "eth", A, B, 10**8, 60_000 * 10**6),
        buy=_plan(LegRole.BUY, "bnb", B, A, 59_000 * 10**18, 10**18),
        gross_usd=1000.0, fees_usd=0.6, rebalance_cost_usd=0.0, risk_charge_usd=0.0,
        expected_value_usd=999.4, detected_ns=0,
    )  # fmt: skip
    decimals = {("eth", A): 8, ("eth", B): 6, ("bnb", B): 18, ("bnb", A): 18}
    prices = trade_prices(opportunity, lambda chain, token: decimals[(chain, token)])
    assert prices.sell.token_out_usd == 1e-6
    assert prices.buy.token_in_usd == 1e-18
    assert prices.sell.token_in_usd * 10**8 == pytest.approx(59_500)
    assert prices.buy.token_out_usd * 10**18 == pytest.approx(59_500)
    assert prices.sell.native_usd_per_wei == pytest.approx(0.3 / 10**14)
    value = leg_value_usd(prices.sell, amount_in=10**8, amount_out=60_000 * 10**6, fee_wei=0)
    assert value == pytest.approx(500)


def test_the_route_back_reverses_every_hop() -> None:
    hops = (
        Hop(pool=C, dex="d", kind="k", token_in=A, token_out=B, zero_for_one=True, fee_pips=1),
        Hop(pool=A, dex="d", kind="k", token_in=B, token_out=C, zero_for_one=False, fee_pips=2),
    )
    back = reversed_route(Route(chain_id=1, hops=hops))
    assert [(h.pool, h.token_in, h.token_out, h.zero_for_one) for h in back.hops] == [
        (A, C, B, True),
        (C, B, A, False),
    ]


def test_inventory_change_nets_per_chain_and_token() -> None:
    legs = [
        _leg("x", 1.0, spent_in=10, realized_out=25),
        _leg("y", 1.0, token_in=B, token_out=A, spent_in=25, realized_out=11),
        _leg("y", None, status=LegStatus.REVERTED),
    ]
    assert inventory_change(legs) == {"x": {A: "-10", B: "25"}, "y": {B: "-25", A: "11"}}


def test_the_execution_table_is_validated() -> None:
    settings = Settings.model_validate(
        {"cross_chain": {"enabled": True, "execution": {"unwind": "reverse"}}}
    )
    assert settings.cross_chain.execution.unwind == "reverse"
    assert Settings().cross_chain.enabled is False
    with pytest.raises(ValidationError, match="unwind"):
        Settings.model_validate({"cross_chain": {"execution": {"unwind": "pray"}}})
    with pytest.raises(ValidationError, match="max_open_exposure_usd"):
        Settings.model_validate({"cross_chain": {"execution": {"max_open_exposure_usd": -1.0}}})
