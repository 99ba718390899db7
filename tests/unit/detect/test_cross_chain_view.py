"""The cross-chain view: curves against the pools' exact `amount_out`, path choice, and which
identities a block changes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omniarb._config_cross_chain import CrossChainSettings
from omniarb.chains.assets import AssetRegistry
from omniarb.detect.cross_chain import CrossChainDetector, CrossChainView, LegCurve, LegPath
from omniarb.dex.uniswap_v2.math import get_amount_out
from omniarb.network import TokenEntry

from . import _cross_world as world

ETH_ETH = world.address("ethereum", "ETH")
USDC_ETH = world.address("ethereum", "USDC")
BTC_ETH = world.address("ethereum", "BTC")

_V2 = world.v2_pool("ethereum", 1, "ETH", "USDC", depth_usd=2_000_000)
_V2_BTC = world.v2_pool("ethereum", 2, "BTC", "ETH", depth_usd=3_000_000)
_V3 = world.v3_pool("ethereum", 3, "ETH", "USDC", depth_usd=1_000_000)


@given(st.integers(min_value=1, max_value=10**21))
@settings(max_examples=200, deadline=None)
def test_closed_form_curve_matches_the_pair(amount_in: int) -> None:
    path = LegPath.through([_V2], ETH_ETH)
    curve = LegCurve(path, 10**21)
    assert curve.closed_form
    reserve_in, reserve_out = (
        (_V2.reserve0, _V2.reserve1) if _V2.token0 == ETH_ETH else (_V2.reserve1, _V2.reserve0)
    )
    exact = get_amount_out(amount_in, reserve_in, reserve_out, 30)
    assert path.amount_out(amount_in) == exact
    # The float form is the same map: within float rounding of the exact integer.
    assert curve.out(amount_in) == pytest.approx(exact, rel=1e-9, abs=1)
    assert curve.input_for(curve.out(amount_in)) == pytest.approx(amount_in, rel=1e-9)


def test_two_hop_closed_form_composes_both_pairs() -> None:
    path = LegPath.through([_V2_BTC, _V2], BTC_ETH)
    curve = LegCurve(path, 10**10)
    assert curve.closed_form
    for amount_in in (10**4, 10**7, 3 * 10**8, 9 * 10**9):
        middle = _V2_BTC.amount_out(BTC_ETH, amount_in)
        exact = _V2.amount_out(ETH_ETH, middle)
        assert path.amount_out(amount_in) == exact
        # The map skips the pairs' flooring between hops: never below, under 2 units above.
        assert exact - 1e-6 * exact <= curve.out(amount_in) < exact + 2 + 1e-9 * exact


@given(st.integers(min_value=1, max_value=40 * 10**18))
@settings(max_examples=200, deadline=None)
def test_sampled_curve_is_bounded_by_the_exact_swaps(amount_in: int) -> None:
    path = LegPath.through([_V3], ETH_ETH)
    curve = LegCurve(path, 40 * 10**18)
    assert not curve.closed_form
    points = curve.points()
    # Every sample is the pool's exact output at its size.
    assert all(path.amount_out(x) == y for x, y in points[1:])
    below = max((p for p in points if p[0] <= amount_in), key=lambda p: p[0])
    above = min((p for p in points if p[0] >= amount_in), key=lambda p: p[0])
    value = curve.out(amount_in)
    assert below[1] <= value <= above[1]
    # Concave output: the chord never promises more than the pool pays (to rounding).
    assert value <= path.amount_out(amount_in) + 1


def test_sampled_curve_inverse_is_monotone() -> None:
    curve = LegCurve(LegPath.through([_V3], ETH_ETH), 40 * 10**18)
    outs = [curve.out(x) for x in range(10**17, 40 * 10**18, 10**18)]
    assert outs == sorted(outs)
    for out in outs[1:]:
        assert curve.out(curve.input_for(out)) == pytest.approx(out, rel=1e-9)


def test_min_amount_in_is_the_least_input_paying_the_target() -> None:
    for state in (_V2, _V3):
        path = LegPath.through([state], USDC_ETH)
        target = 3 * 10**18
        found = path.min_amount_in(target, guess=9_000 * 10**6)
        assert found is not None
        assert path.amount_out(found) >= target > path.amount_out(found - 1)


def _view(**overrides: object) -> CrossChainView:
    return CrossChainView(CrossChainSettings.model_validate(overrides), world.registry())


def test_apply_names_the_changed_identities_and_picks_the_better_path() -> None:
    view = _view()
    assert set(view.identities) == {"ETH", "BTC"}
    # BTC trades only through WETH here: two hops of one DEX.
    changed = view.apply("ethereum", 1, [_V2, _V2_BTC])
    assert changed == {"ETH", "BTC"}
    btc = view.quotes[("BTC", "ethereum")]
    assert [h.pool for h in btc.sell.path.hops] == [_V2_BTC.address, _V2.address]
    assert btc.sell_usd == pytest.approx(60_000 * 0.997**2, rel=1e-3)
    # A direct BTC pool, deep and fairly priced, beats the two hops.
    direct = world.v2_pool("ethereum", 9, "BTC", "USDC", depth_usd=50_000_000)
    assert view.apply("ethereum", 2, [direct]) == {"BTC"}
    assert [h.pool for h in view.quotes[("BTC", "ethereum")].sell.path.hops] == [direct.address]
    # A change of the hub pair (WETH/USDC) reprices both.
    moved = world.v2_pool("ethereum", 1, "ETH", "USDC", depth_usd=2_000_000, skew=1.01, block=3)
    assert view.apply("ethereum", 3, [moved]) == {"ETH", "BTC"}
    assert view.quotes[("ETH", "ethereum")].block_number == 3


def test_pools_of_other_kinds_and_dexes_do_not_make_legs() -> None:
    view = _view(leg_kinds=["uniswap-v3"])
    assert view.apply("ethereum", 1, [_V2, _V2_BTC]) == set()
    mixed = world.v2_pool("ethereum", 4, "BTC", "ETH", depth_usd=3_000_000, dex="sushiswap")
    view = _view()
    view.apply("ethereum", 1, [_V2, mixed])
    # BTC/WETH on another DEX than WETH/USDC: no one-router two-hop leg.
    assert ("BTC", "ethereum") not in view.quotes


def test_min_amount_in_through_two_hops() -> None:
    path = LegPath.through([_V2, _V2_BTC], USDC_ETH)
    for target in (10**3, 10**6, 5 * 10**8):
        found = path.min_amount_in(target, guess=1)
        assert found is not None
        assert path.amount_out(found) >= target > path.amount_out(found - 1)
    # More than the pools hold: no input pays it.
    assert path.min_amount_in(10**30, guess=1) is None


def test_a_native_coin_of_one_chain_is_priced_for_gas_but_never_traded() -> None:
    # Arbitrum's wrapped native is its own coin here (as POL is Polygon's, BNB BNB Chain's):
    # an identity on one chain only, so not traded, yet its price is what a leg's gas costs.
    def tokens(chain: str) -> list[TokenEntry]:
        own = [replace(t, wrapped_native=False) for t in world.tokens(chain)]
        if chain == "ethereum":
            return world.tokens(chain)
        coin = TokenEntry(
            symbol="WCOIN", address="0x" + "c0" * 20, decimals=18, name="COIN", asset="COIN",
            wrapped_native=True,
        )  # fmt: skip
        return [*own, coin]

    registry = AssetRegistry({chain: tokens(chain) for chain in world.CHAIN_IDS})
    detector = CrossChainDetector(CrossChainSettings(), registry)
    assert "COIN" not in detector.view.identities
    assert "COIN" in detector.view.priced
    usdc = world.address("arbitrum", "USDC")
    coin_pool = replace(
        world.v2_pool("arbitrum", 7, "ETH", "USDC", depth_usd=1_000_000),
        token0=min("0x" + "c0" * 20, usdc),
        token1=max("0x" + "c0" * 20, usdc),
    )
    assert detector.native_usd("arbitrum") is None
    found = detector.on_block("arbitrum", 1, [coin_pool], inventory={}, fees={})
    assert found == []
    assert detector.native_usd("arbitrum") is not None
    # Priced on its one chain only: never a pair to trade.
    assert detector.view.chains_of("COIN") == ["arbitrum"]


def test_one_address_on_two_chains_is_two_pools_with_their_own_hops() -> None:
    # The devnet deploys the same contracts at the same addresses on every chain: a pool of
    # Ethereum and one of Arbitrum may share an address (and their tokens theirs), yet each
    # leg must go through its own chain's DEX.
    same = world.tokens("ethereum")
    registry = AssetRegistry({"ethereum": same, "arbitrum": same})
    view = CrossChainView(CrossChainSettings(), registry)
    on_ethereum = world.v2_pool("ethereum", 1, "ETH", "USDC", depth_usd=2_000_000)
    on_arbitrum = replace(on_ethereum, chain_id=world.CHAIN_IDS["arbitrum"], dex="sushiswap")
    view.apply("ethereum", 1, [on_ethereum])
    view.apply("arbitrum", 1, [on_arbitrum])
    for chain, dex in (("ethereum", "uniswap-v2"), ("arbitrum", "sushiswap")):
        quote = view.quotes[("ETH", chain)]
        for path in (quote.sell.path, quote.buy.path):
            assert [hop.dex for hop in path.hops] == [dex]
            assert path.chain_id == world.CHAIN_IDS[chain]
