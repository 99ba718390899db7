"""Cross-chain detection on planted pools: exact legs, the value's parts, risk pricing, and
inventory and band limits."""

from __future__ import annotations

import math

import pytest

from omniarb._config_cross_chain import CrossChainSettings
from omniarb.chains.fees import eip1559_fees, legacy_fees
from omniarb.cross_chain_types import CrossChainOpportunity, LegFee, LegRole
from omniarb.detect.cross_chain import CrossChainDetector

from . import _cross_world as world

ETH = {chain: world.address(chain, "ETH") for chain in world.CHAIN_IDS}
USDC = {chain: world.address(chain, "USDC") for chain in world.CHAIN_IDS}
FEES = {
    "ethereum": LegFee(gas_price_wei=10**9, l1_data_fee_wei=0, leg_gas=150_000, native_usd=3000),
    "arbitrum": LegFee(
        gas_price_wei=10**7, l1_data_fee_wei=2 * 10**12, leg_gas=150_000, native_usd=3000
    ),
}
PLENTY = {
    ("ethereum", ETH["ethereum"]): 100 * 10**18,
    ("ethereum", USDC["ethereum"]): 10**6 * 10**6,
    ("arbitrum", ETH["arbitrum"]): 100 * 10**18,
    ("arbitrum", USDC["arbitrum"]): 10**6 * 10**6,
}


def _detector(**overrides: object) -> CrossChainDetector:
    options = {"max_trade_usd": 100_000.0, "risk_z": 2.0, **overrides}
    return CrossChainDetector(CrossChainSettings.model_validate(options), world.registry())


def _gap(
    detector: CrossChainDetector,
    skew: float,
    *,
    inventory: dict[tuple[str, str], int] | None = None,
    **kwargs: object,
) -> list[CrossChainOpportunity]:
    """ETH 'skew' dearer on Arbitrum than on Ethereum (2M USD pairs on each)."""
    cheap = world.v2_pool("ethereum", 1, "ETH", "USDC", depth_usd=2_000_000)
    dear = world.v2_pool("arbitrum", 2, "ETH", "USDC", depth_usd=2_000_000, skew=skew)
    detector.on_block("ethereum", 1, [cheap], inventory={}, fees=FEES)
    return detector.on_block(
        "arbitrum", 1, [dear], inventory=inventory or PLENTY, fees=FEES, **kwargs
    )


def test_planted_gap_gives_exact_legs_and_the_value_adds_up() -> None:
    detector = _detector()
    found = _gap(detector, 1.02)
    assert len(found) == 1
    trade = found[0]
    sell, buy = trade.sell, trade.buy
    assert (sell.role, sell.chain, buy.role, buy.chain) == (
        LegRole.SELL,
        "arbitrum",
        LegRole.BUY,
        "ethereum",
    )
    sell_pool = detector.view.quotes[("ETH", "arbitrum")].sell.path.states[0]
    buy_pool = detector.view.quotes[("ETH", "ethereum")].buy.path.states[0]
    assert sell.route.token_in == ETH["arbitrum"]
    assert sell.route.token_out == USDC["arbitrum"]
    assert buy.route.token_in == USDC["ethereum"]
    assert buy.route.token_out == ETH["ethereum"]
    # Predictions are the pools' exact outputs; the buy leg gets back at least what was sold.
    assert sell.predicted_out == sell_pool.amount_out(sell.route.token_in, sell.amount_in)
    assert buy.predicted_out == buy_pool.amount_out(buy.route.token_in, buy.amount_in)
    assert buy.predicted_out >= sell.amount_in
    assert buy_pool.amount_out(buy.route.token_in, buy.amount_in - 1) < sell.amount_in
    assert sell.min_out == sell.predicted_out * 9950 // 10_000
    hop = sell.route.hops[0]
    assert (hop.pool, hop.kind, hop.dex, hop.fee_pips) == (
        sell_pool.address,
        "uniswap-v2",
        "uniswap-v2",
        3000,
    )
    assert sell.fee_wei == 150_000 * 10**7 + 2 * 10**12
    assert trade.fees_usd == pytest.approx(sell.fee_usd + buy.fee_usd)
    notional = sell.predicted_out / 1e6
    assert trade.gross_usd == pytest.approx(
        notional - buy.amount_in / 1e6 + (buy.predicted_out - sell.amount_in) / 1e18 * 3000,
        rel=1e-6,
    )
    assert trade.rebalance_cost_usd == pytest.approx(notional * 10 / 10_000)
    assert trade.risk_charge_usd == 0.0  # no price has moved yet: σ = 0
    assert trade.expected_value_usd == pytest.approx(
        trade.gross_usd - trade.fees_usd - trade.rebalance_cost_usd - trade.risk_charge_usd
    )
    assert trade.expected_value_usd > 1.0
    # Near the optimum: a size 10% off either way is worth less (gross after rebalance).
    assert 0 < notional <= 100_000


def test_no_gap_no_trade() -> None:
    assert _gap(_detector(), 1.0) == []
    # 0.3% fee on each side and 10 bps of rebalancing eat a 0.6% gap.
    assert _gap(_detector(), 1.006) == []


def _volatile(detector: CrossChainDetector, sigma: float) -> None:
    """Feed ETH mid moves of exactly `sigma` per √s (one move of σ·√1 s)."""
    detector.view.volatility.observe("ETH", "optimism", 3000.0, 0.0)
    detector.view.volatility.observe("ETH", "optimism", 3000.0 * math.exp(sigma), 1.0)


def test_risk_pricing_rejects_a_gap_smaller_than_its_risk_charge() -> None:
    # A 1.5% gap: what is left after fees and rebalancing is about 0.8% of the notional.
    calm = _gap(_detector(), 1.015, leg_latency_s=4.0)
    assert len(calm) == 1
    assert calm[0].risk_charge_usd == 0.0
    # σ = 0.3% per √s over 4 s at z = 2: a 1.2% charge, more than the gap leaves.
    detector = _detector()
    _volatile(detector, 0.003)
    assert detector.view.volatility.sigma("ETH") == pytest.approx(0.003)
    assert _gap(detector, 1.015, leg_latency_s=4.0) == []
    assert detector.counters.screened_out >= 1
    # A smaller σ is charged exactly by the formula and the trade survives.
    detector = _detector()
    _volatile(detector, 0.0005)
    [trade] = _gap(detector, 1.015, leg_latency_s=4.0)
    notional = trade.sell.predicted_out / 1e6
    assert trade.risk_charge_usd == pytest.approx(2.0 * 0.0005 * 2.0 * notional, rel=1e-9)


def test_the_default_latency_applies_until_measured() -> None:
    detector = _detector(default_leg_latency_s=9.0)
    _volatile(detector, 0.001)
    [trade] = _gap(detector, 1.03)
    notional = trade.sell.predicted_out / 1e6
    assert trade.risk_charge_usd == pytest.approx(2.0 * 0.001 * 3.0 * notional, rel=1e-9)


def test_inventory_caps_the_size() -> None:
    free = _gap(_detector(), 1.03)[0]
    assert free.sell.amount_in > 2 * 10**18
    held = {**PLENTY, ("arbitrum", ETH["arbitrum"]): 2 * 10**18}
    [capped] = _gap(_detector(), 1.03, inventory=held)
    assert capped.sell.amount_in == 2 * 10**18
    # Quote on the cheap chain: the buy leg spends no more than is held.
    held = {**PLENTY, ("ethereum", USDC["ethereum"]): 5_000 * 10**6}
    [capped] = _gap(_detector(), 1.03, inventory=held)
    assert 4_900 * 10**6 < capped.buy.amount_in <= 5_000 * 10**6
    # Nothing held where the asset is dear: nothing to sell.
    held = {**PLENTY, ("arbitrum", ETH["arbitrum"]): 0}
    assert _gap(_detector(), 1.03, inventory=held) == []


def test_bands_cap_the_size() -> None:
    bands = {("arbitrum", ETH["arbitrum"]): (97 * 10**18, None)}
    [trade] = _gap(_detector(), 1.03, bands=bands)
    assert trade.sell.amount_in <= 3 * 10**18
    assert trade.sell.amount_in > 2 * 10**18
    # The cheap chain's asset ceiling: the buy leg never takes it past 101 ETH held.
    bands = {("ethereum", ETH["ethereum"]): (None, 101 * 10**18)}
    [trade] = _gap(_detector(), 1.03, bands=bands)
    assert trade.buy.predicted_out <= 10**18 + 10**12
    assert trade.sell.amount_in <= 10**18
    # The dear chain's quote ceiling bounds what the sale may bring in.
    bands = {("arbitrum", USDC["arbitrum"]): (None, 10**12 + 4_000 * 10**6)}
    [trade] = _gap(_detector(), 1.03, bands=bands)
    assert trade.sell.predicted_out <= 4_000 * 10**6


def test_bridge_quotes_replace_the_default_rebalance_cost() -> None:
    quotes = {("ETH", "ethereum", "arbitrum"): 2.0, ("USDC", "arbitrum", "ethereum"): 1.0}
    [trade] = _gap(_detector(), 1.03, rebalance_bps=quotes)
    notional = trade.sell.predicted_out / 1e6
    assert trade.rebalance_cost_usd == pytest.approx(notional * 3.0 / 10_000)


def test_a_chain_without_a_fee_quote_is_not_traded() -> None:
    detector = _detector()
    cheap = world.v2_pool("ethereum", 1, "ETH", "USDC", depth_usd=2_000_000)
    dear = world.v2_pool("arbitrum", 2, "ETH", "USDC", depth_usd=2_000_000, skew=1.03)
    detector.on_block("ethereum", 1, [cheap], inventory={}, fees=FEES)
    fees = {"arbitrum": FEES["arbitrum"]}
    assert detector.on_block("arbitrum", 1, [dear], inventory=PLENTY, fees=fees) == []
    assert detector.counters.no_fee_quote == 1


def test_legs_are_priced_as_of_each_chains_last_block() -> None:
    detector = _detector()
    cheap = world.v2_pool("ethereum", 1, "ETH", "USDC", depth_usd=2_000_000)
    dear = world.v2_pool("arbitrum", 2, "ETH", "USDC", depth_usd=2_000_000, skew=1.03)
    detector.on_block("ethereum", 5, [cheap], inventory={}, fees=FEES)
    # A later Ethereum block that moved none of these pools: its states are still current.
    assert detector.on_block("ethereum", 8, [], inventory={}, fees=FEES) == []
    [trade] = detector.on_block("arbitrum", 11, [dear], inventory=PLENTY, fees=FEES)
    assert (trade.sell.block_number, trade.buy.block_number) == (11, 8)


def test_leg_fee_from_the_chains_fee_quote() -> None:
    quote = eip1559_fees(base_fee_wei=30 * 10**9, tip_wei=2 * 10**9)
    fee = LegFee.from_quote(
        quote, base_fee_wei=20 * 10**9, l1_data_fee_wei=7, leg_gas=100_000, native_usd=2000.0
    )
    # EIP-1559 pays base fee + tip while under the cap.
    assert fee.gas_price_wei == 22 * 10**9
    assert fee.fee_wei == 100_000 * 22 * 10**9 + 7
    assert fee.fee_usd == pytest.approx(fee.fee_wei / 1e18 * 2000.0)
    legacy = LegFee.from_quote(
        legacy_fees(base_price_wei=10**9, tip_wei=0),
        base_fee_wei=0,
        l1_data_fee_wei=0,
        leg_gas=100_000,
        native_usd=600.0,
    )
    assert legacy.gas_price_wei == 10**9


@pytest.mark.parametrize("arbitrum_skew", [1.03, 0.97])
def test_a_mirrored_chain_is_paired_at_its_exact_sample_points(arbitrum_skew: float) -> None:
    """One worker per chain: Ethereum's reads Arbitrum's curve (as the mirror hands it over)
    and plans the Arbitrum leg at a sample point, exact on Arbitrum's pool."""
    ethereum_pool = world.v2_pool("ethereum", 1, "ETH", "USDC", depth_usd=2_000_000)
    arbitrum_pool = world.v2_pool(
        "arbitrum", 2, "ETH", "USDC", depth_usd=2_000_000, skew=arbitrum_skew
    )
    arbitrum_worker, ethereum_worker = _detector(), _detector()
    arbitrum_worker.on_block("arbitrum", 40, [arbitrum_pool], inventory={}, fees=FEES)
    assert arbitrum_worker.changed == {"ETH"}
    snapshot = arbitrum_worker.view.quotes[("ETH", "arbitrum")].snapshot()
    ethereum_worker.view.merge_remote([snapshot])
    [trade] = ethereum_worker.on_block("ethereum", 7, [ethereum_pool], inventory=PLENTY, fees=FEES)
    remote, local = (trade.sell, trade.buy) if arbitrum_skew > 1 else (trade.buy, trade.sell)
    assert (remote.chain, remote.chain_id, remote.block_number) == ("arbitrum", 42161, 40)
    assert (local.chain, local.block_number) == ("ethereum", 7)
    # Both legs exact: the remote one on the Arbitrum pool's state the snapshot was taken on.
    assert remote.predicted_out == arbitrum_pool.amount_out(remote.route.token_in, remote.amount_in)
    assert local.predicted_out == ethereum_pool.amount_out(local.route.token_in, local.amount_in)
    assert remote.route.hops[0].pool == arbitrum_pool.address
    assert trade.buy.predicted_out >= trade.sell.amount_in
    assert trade.expected_value_usd > 1.0
    assert ethereum_worker.counters.remote_pairs == 2
    # No gap, no trade.
    level = world.v2_pool("arbitrum", 2, "ETH", "USDC", depth_usd=2_000_000)
    arbitrum_worker.on_block("arbitrum", 41, [level], inventory={}, fees=FEES)
    ethereum_worker.view.merge_remote([arbitrum_worker.view.quotes[("ETH", "arbitrum")].snapshot()])
    moved = world.v2_pool("ethereum", 1, "ETH", "USDC", depth_usd=2_000_001)
    assert ethereum_worker.on_block("ethereum", 8, [moved], inventory=PLENTY, fees=FEES) == []
    # The gapped curve once more: a trade; then it expires from the mirror: nothing.
    ethereum_worker.view.set_remote([snapshot])
    again = world.v2_pool("ethereum", 1, "ETH", "USDC", depth_usd=2_000_002)
    assert len(ethereum_worker.on_block("ethereum", 9, [again], inventory=PLENTY, fees=FEES)) == 1
    ethereum_worker.view.set_remote([])
    again = world.v2_pool("ethereum", 1, "ETH", "USDC", depth_usd=2_000_003)
    assert ethereum_worker.on_block("ethereum", 10, [again], inventory=PLENTY, fees=FEES) == []
