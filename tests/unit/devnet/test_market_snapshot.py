"""Live-view figures: watched prices in USD and the widest gap between pools of one pair."""

from __future__ import annotations

from dataclasses import replace

import pytest

from omniarb.devnet.market.snapshot import largest_gap, watched_prices
from omniarb.devnet.market.state import ChainState, PoolState

WETH_USDC = PoolState(
    address="0xA",
    dex="uniswap-v2",
    kind="uniswap-v2",
    fee_pips=3000,
    symbol0="WETH",
    symbol1="USDC",
    asset0="ETH",
    asset1="USDC",
    decimals0=18,
    decimals1=6,
    balance0=1000 * 10**18,
    balance1=3_000_000 * 10**6,
    virtual0=1000 * 10**18,
    virtual1=3_000_000 * 10**6,
)


def state(*pools: PoolState) -> ChainState:
    return ChainState(chain_id=1, block_number=9, base_fee_wei=7, pools=pools)


def test_price_is_whole_token1_per_whole_token0() -> None:
    assert WETH_USDC.price() == pytest.approx(3000.0)


def test_watched_prices_quote_the_native_token_in_usd_whichever_side_it_is() -> None:
    # On a chain where USDC sorts first the pool quotes WETH per USDC; the view inverts it.
    flipped = replace(
        WETH_USDC,
        address="0xB",
        dex="sushiswap",
        symbol0="USDC",
        symbol1="WETH",
        asset0="USDC",
        asset1="ETH",
        decimals0=6,
        decimals1=18,
        virtual0=3_030_000 * 10**6,
        virtual1=1000 * 10**18,
    )
    other = replace(WETH_USDC, address="0xC", symbol1="DAI", asset1="DAI", decimals1=18)
    prices = watched_prices(state(WETH_USDC, flipped, other), "WETH", "USDC")
    assert [(p.dex, round(p.price_usd, 6)) for p in prices] == [
        ("uniswap-v2", 3000.0),
        ("sushiswap", 3030.0),
    ]


def test_largest_gap_is_across_pools_of_the_same_pair_only() -> None:
    dearer = replace(WETH_USDC, address="0xB", dex="sushiswap", virtual1=3_060_000 * 10**6)
    lone = replace(
        WETH_USDC, address="0xC", symbol1="LINK", asset1="LINK", decimals1=18, virtual1=1
    )
    gap_bps, pair = largest_gap(state(WETH_USDC, dearer, lone))
    assert pair == "WETH/USDC"
    assert gap_bps == pytest.approx(200.0)
    assert largest_gap(state(WETH_USDC, lone)) == (0.0, "")
