"""Initial pool prices and amounts derived from the reference table are exact and consistent."""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from omniarb.chains.spec import CHAINS, DexKind
from omniarb.devnet.catalog import REFERENCE_PRICES_USD, catalog_for
from omniarb.devnet.kinds.pancakeswap_v3 import TICK_SPACING as PANCAKE_TICK_SPACING
from omniarb.devnet.kinds.uniswap_v3 import (
    MAX_TICK,
    MIN_TICK,
    TICK_SPACING,
    position_ranges,
    sqrt_price_x96,
)
from omniarb.devnet.pricing import amount_for_usd, raw_price


@given(st.fractions(min_value=Fraction(1, 10**12), max_value=Fraction(10**12)))
def test_sqrt_price_is_the_floor_of_the_exact_root(price: Fraction) -> None:
    root = sqrt_price_x96(price)
    scaled = price * 2**192
    assert root * root <= scaled < (root + 1) * (root + 1)


def test_amount_for_usd_rounds_down_to_base_units() -> None:
    assert amount_for_usd(3000, Fraction(3000), 18) == 10**18
    assert amount_for_usd(1, Fraction(3), 6) == 333_333
    assert amount_for_usd(100_000, Fraction(100_000), 8) == 10**8


def test_usdc_weth_raw_price_accounts_for_decimals() -> None:
    # 1 base unit of WETH (1e-18 ETH) is worth 3000e-18 USD = 3e-9 USDC base units.
    assert raw_price(Fraction(3000), 18, Fraction(1), 6) == Fraction(3000, 10**12)


def test_positions_are_aligned_and_contain_the_price() -> None:
    for spacing in {*TICK_SPACING.values(), *PANCAKE_TICK_SPACING.values()}:
        price = Fraction(3000, 10**12)
        tick = math.floor(math.log(float(price)) / math.log(1.0001))
        ranges = position_ranges(price, spacing)
        assert sum(share for _, _, share in ranges) == 1
        for lower, upper, _ in ranges:
            assert lower % spacing == 0
            assert upper % spacing == 0
            assert MIN_TICK <= lower < tick < upper <= MAX_TICK


def test_every_chain_catalog_is_priced_and_within_depth_bounds() -> None:
    for chain in CHAINS:
        catalog = catalog_for(chain)
        symbols = {t.symbol for t in catalog.tokens}
        assert sum(t.wrapped_native for t in catalog.tokens) == 1
        for token in catalog.tokens:
            assert token.asset in REFERENCE_PRICES_USD
        # The native coin itself (no token: a Uniswap V4 pool's currency 0) is its wrapped
        # token's asset, and exactly one pool holds it.
        native = catalog.native
        assert native is not None
        assert native.symbol == chain.native_symbol not in symbols
        assert native.asset == next(t.asset for t in catalog.tokens if t.wrapped_native)
        holding = [p for p in catalog.pools if native.symbol in (p.token_a, p.token_b)]
        assert [p.kind for p in holding] == [DexKind.UNISWAP_V4]
        for pool in catalog.pools:
            assert {pool.token_a, pool.token_b} <= symbols | {native.symbol}
            assert 500_000 <= pool.depth_usd <= 50_000_000
        v3_pools = [p for p in catalog.pools if p.kind == DexKind.UNISWAP_V3]
        assert {p.fee for p in v3_pools} == {500, 3000, 10000}
