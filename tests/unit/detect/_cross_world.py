"""Two chains of planted pools for the cross-chain tests: tokens as manifests list them, V2
pairs and V3 pools built as the state stage builds them (positions minted one by one)."""

from __future__ import annotations

import math

from omniarb.chains.assets import AssetRegistry
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.dex.uniswap_v3.tick_math import get_tick_at_sqrt_ratio
from omniarb.dex.uniswap_v3.tick_table import TickTable
from omniarb.network import TokenEntry

CHAIN_IDS = {"ethereum": 1, "arbitrum": 42161}
PRICE_USD = {"ETH": 3000.0, "USDC": 1.0, "BTC": 60000.0}
DECIMALS = {"ETH": 18, "USDC": 6, "BTC": 8}


def address(chain: str, asset: str) -> str:
    seed = {"ETH": 0xA1, "USDC": 0xB2, "BTC": 0xE5}[asset] + CHAIN_IDS[chain] % 7
    return "0x" + f"{seed:02x}" * 20


def tokens(chain: str) -> list[TokenEntry]:
    return [
        TokenEntry(
            symbol="WETH" if asset == "ETH" else asset,
            address=address(chain, asset),
            decimals=DECIMALS[asset],
            name=asset,
            asset=asset,
            wrapped_native=asset == "ETH",
        )
        for asset in ("ETH", "USDC", "BTC")
    ]


def registry() -> AssetRegistry:
    return AssetRegistry({chain: tokens(chain) for chain in CHAIN_IDS})


def _raw_price(token0_asset: str, token1_asset: str, skew: float) -> float:
    scale = 10.0 ** (DECIMALS[token1_asset] - DECIMALS[token0_asset])
    return PRICE_USD[token0_asset] / PRICE_USD[token1_asset] * scale * skew


def _ordered(chain: str, a: str, b: str) -> tuple[str, str]:
    return (a, b) if address(chain, a) < address(chain, b) else (b, a)


def v2_pool(
    chain: str,
    index: int,
    a: str,
    b: str,
    *,
    depth_usd: float,
    skew: float = 1.0,
    dex: str = "uniswap-v2",
    block: int = 1,
) -> V2PoolState:
    """A pair holding `depth_usd` per side; `skew` scales its price of `a` in `b`."""
    first, second = _ordered(chain, a, b)
    price_skew = skew if first == a else 1.0 / skew
    reserve0 = int(depth_usd / PRICE_USD[first] * 10 ** DECIMALS[first])
    reserve1 = int(depth_usd / PRICE_USD[second] * 10 ** DECIMALS[second] * price_skew)
    return V2PoolState(
        chain_id=CHAIN_IDS[chain],
        address=f"0x{0xBEEF0000 + index:040x}",
        dex=dex,
        factory=f"0x{0xFAC0:040x}",
        token0=address(chain, first),
        token1=address(chain, second),
        reserve0=reserve0,
        reserve1=reserve1,
        fee_bps=30,
        block_number=block,
    )


def v3_pool(
    chain: str,
    index: int,
    a: str,
    b: str,
    *,
    depth_usd: float,
    skew: float = 1.0,
    fee_pips: int = 3000,
    spacing: int = 60,
    widths: tuple[int, ...] = (3, 10, 40),
) -> V3PoolState:
    """A V3 pool priced at the reference price times `skew`, with positions ± `widths` tick
    spacings around the price, each of `depth_usd` virtual depth of token0."""
    first, second = _ordered(chain, a, b)
    price = _raw_price(first, second, skew if first == a else 1.0 / skew)
    sqrt_price_x96 = int(math.sqrt(price) * 2**96)
    tick = get_tick_at_sqrt_ratio(sqrt_price_x96)
    state = V3PoolState(
        chain_id=CHAIN_IDS[chain],
        address=f"0x{0xC0DE0000 + index:040x}",
        dex="uniswap-v3",
        factory=f"0x{0xFAC3:040x}",
        token0=address(chain, first),
        token1=address(chain, second),
        fee_pips=fee_pips,
        tick_spacing=spacing,
        sqrt_price_x96=sqrt_price_x96,
        tick=tick,
        liquidity=0,
        ticks=TickTable(),
        block_number=1,
    )
    unit0 = 10 ** DECIMALS[first] / PRICE_USD[first]
    center = tick // spacing
    for width in widths:
        state = state.with_position_change(
            tick_lower=(center - width) * spacing,
            tick_upper=(center + width + 1) * spacing,
            liquidity_delta=int(depth_usd * unit0 * math.sqrt(price)),
            block_number=1,
        )
    return state
