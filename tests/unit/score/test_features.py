"""The feature vector: one value per named feature, the same for the same decision and moment,
and each feature reading what its name says."""

from __future__ import annotations

import math
from dataclasses import replace

from _monitor_values import decision, opportunity

from omniarb.score.features import FEATURES, FeatureContext, extract
from omniarb.stage_times import StageTimes
from omniarb.types import OpportunitySource

NOW_NS = 5_000_000_000


def _by_name(vector: tuple[float, ...]) -> dict[str, float]:
    return dict(zip(FEATURES, vector, strict=True))


def test_the_vector_has_one_value_per_feature_and_is_deterministic() -> None:
    d = decision(opportunity())
    context = FeatureContext(now_ns=NOW_NS)
    first = extract(d, context)
    assert len(first) == len(FEATURES) == len(set(FEATURES))
    assert extract(d, context) == first
    assert all(math.isfinite(v) for v in first)


def test_features_read_the_decision() -> None:
    opp = opportunity(gross_profit=10**16, gas_price_wei=20 * 10**9)
    times = StageTimes(notified_ns=1_000_000_000, detected_ns=1_003_000_000)
    d = decision(replace(opp, source=OpportunitySource.MEMPOOL, times=times))
    got = _by_name(extract(d, FeatureContext(now_ns=1_010_000_000)))
    assert got["hops"] == 2
    assert got["concentrated_hop_share"] == 0  # two V2 pairs: no ticks
    assert got["source_mempool"] == 1
    assert got["source_cross_chain"] == 0
    assert got["chain_1"] == 1
    assert got["chain_137"] == 0
    assert got["since_block_ms"] == 10.0
    assert got["detect_ms"] == 3.0
    assert got["margin_bps"] == 100.0  # 0.01 WETH on 1 WETH
    gas = 150_000 * 20 * 10**9
    assert got["cost_share"] == gas / 10**16
    assert got["signed_log_net_profit_usd"] == math.log1p(opp.net_profit_usd)
    assert got["log_gas_price_gwei"] == math.log1p(20.0)


def test_a_losing_opportunity_has_a_negative_profit_feature() -> None:
    opp = opportunity(gross_profit=10**15)  # 0.001 WETH does not pay 0.003 WETH of gas
    got = _by_name(extract(decision(opp), FeatureContext(now_ns=NOW_NS)))
    assert opp.net_profit_usd < 0
    assert got["signed_log_net_profit_usd"] == -math.log1p(-opp.net_profit_usd)


def test_the_route_record_enters_through_the_context() -> None:
    d = decision(opportunity())
    context = FeatureContext(
        now_ns=NOW_NS, route_success_rate=0.25, route_attempts=6, pool_success_rate=0.1
    )
    got = _by_name(extract(d, context))
    assert got["route_success_rate"] == 0.25
    assert got["log_route_attempts"] == math.log1p(6)
    assert got["pool_success_rate"] == 0.1


def test_the_shallowest_pool_enters_in_usd_and_as_the_share_the_trade_takes() -> None:
    # 50 WETH in the route's shallowest pool: 150,000 USD at the opportunity's 3,000 USD/WETH.
    opp = replace(opportunity(amount_in=10**18), min_pool_depth=50 * 10**18)
    got = _by_name(extract(decision(opp), FeatureContext(now_ns=NOW_NS)))
    assert got["log_min_depth_usd"] == math.log1p(150_000.0)
    assert got["depth_share"] == 1 / 50
    # A trade larger than the pool's depth is clipped at all of it.
    big = replace(opp, amount_in=80 * 10**18)
    assert _by_name(extract(decision(big), FeatureContext(now_ns=NOW_NS)))["depth_share"] == 1.0


def test_an_unknown_depth_reads_zero() -> None:
    got = _by_name(extract(decision(opportunity()), FeatureContext(now_ns=NOW_NS)))
    assert got["log_min_depth_usd"] == 0.0
    assert got["depth_share"] == 0.0


def test_the_tip_and_the_mempool_enter_through_the_context() -> None:
    d = decision(opportunity())
    context = FeatureContext(
        now_ns=NOW_NS, tip_wei=3 * 10**9, pending_route_swaps=2, pending_swaps=40
    )
    got = _by_name(extract(d, context))
    assert got["log_tip_gwei"] == math.log1p(3.0)
    assert got["log_pending_route_swaps"] == math.log1p(2)
    assert got["log_pending_swaps"] == math.log1p(40)
    quiet = _by_name(extract(d, FeatureContext(now_ns=NOW_NS)))
    assert (
        quiet["log_tip_gwei"],
        quiet["log_pending_route_swaps"],
        quiet["log_pending_swaps"],
    ) == (
        0.0,
        0.0,
        0.0,
    )
