"""What the devnet deploys on each chain: tokens, reference prices, DEXes and pools.

One reference price table (USD per whole token, keyed by asset) sets every initial pool price,
so all pools on all chains start consistent and there is no arbitrage at block zero. Symbols and
decimals are those of the real tokens on each chain (on BNB Chain the Binance-Peg USDC and USDT
have 18 decimals, and bitcoin is BTCB).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from omniarb.chains.spec import ChainSpec, DexKind

__all__ = [
    "REFERENCE_PRICES_USD",
    "ChainCatalog",
    "TokenDef",
    "V2PoolDef",
    "V3PoolDef",
    "catalog_for",
]

# USD per whole token of each asset: the devnet's "true" prices at genesis.
REFERENCE_PRICES_USD: dict[str, Fraction] = {
    "ETH": Fraction(3000),
    "BTC": Fraction(100_000),
    "BNB": Fraction(600),
    "POL": Fraction(2, 5),
    "USDC": Fraction(1),
    "USDT": Fraction(1),
    "DAI": Fraction(1),
    "LINK": Fraction(15),
    "UNI": Fraction(8),
    "CAKE": Fraction(5, 2),
    "XVS": Fraction(7),
    "AAVE": Fraction(250),
    "QUICK": Fraction(3, 100),
    "ARB": Fraction(1, 2),
    "GMX": Fraction(25),
    "OP": Fraction(3, 2),
    "VELO": Fraction(1, 10),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenDef:
    """A token to deploy; `asset` keys the reference price and links tokens across chains."""

    symbol: str
    name: str
    decimals: int
    asset: str
    wrapped_native: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class V2PoolDef:
    dex: str
    token_a: str
    token_b: str
    depth_usd: int


@dataclass(frozen=True, slots=True, kw_only=True)
class V3PoolDef:
    token_a: str
    token_b: str
    fee: int
    depth_usd: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainCatalog:
    tokens: tuple[TokenDef, ...]
    v2_pools: tuple[V2PoolDef, ...]
    v3_pools: tuple[V3PoolDef, ...]

    def token(self, symbol: str) -> TokenDef:
        for token in self.tokens:
            if token.symbol == symbol:
                return token
        raise KeyError(symbol)


def _t(symbol: str, name: str, decimals: int, asset: str | None = None) -> TokenDef:
    return TokenDef(symbol=symbol, name=name, decimals=decimals, asset=asset or symbol)


# Per chain: wrapped native, the common set and two chain-flavoured tokens.
_NATIVE_WRAP = {
    "ethereum": TokenDef(
        symbol="WETH", name="Wrapped Ether", decimals=18, asset="ETH", wrapped_native=True
    ),
    "bnb": TokenDef(
        symbol="WBNB", name="Wrapped BNB", decimals=18, asset="BNB", wrapped_native=True
    ),
    "polygon": TokenDef(
        symbol="WPOL",
        name="Wrapped Polygon Ecosystem Token",
        decimals=18,
        asset="POL",
        wrapped_native=True,
    ),
    "arbitrum": TokenDef(
        symbol="WETH", name="Wrapped Ether", decimals=18, asset="ETH", wrapped_native=True
    ),
    "optimism": TokenDef(
        symbol="WETH", name="Wrapped Ether", decimals=18, asset="ETH", wrapped_native=True
    ),
}

_OTHER_TOKENS: dict[str, tuple[TokenDef, ...]] = {
    "ethereum": (
        _t("USDC", "USD Coin", 6),
        _t("USDT", "Tether USD", 6),
        _t("DAI", "Dai Stablecoin", 18),
        _t("WBTC", "Wrapped BTC", 8, "BTC"),
        _t("LINK", "ChainLink Token", 18),
        _t("UNI", "Uniswap", 18),
    ),
    "bnb": (
        _t("USDC", "Binance-Peg USD Coin", 18),
        _t("USDT", "Binance-Peg BSC-USD", 18),
        _t("DAI", "Binance-Peg Dai Token", 18),
        _t("BTCB", "Binance-Peg BTCB Token", 18, "BTC"),
        _t("ETH", "Binance-Peg Ethereum Token", 18, "ETH"),
        _t("CAKE", "PancakeSwap Token", 18),
    ),
    "polygon": (
        _t("USDC", "USD Coin", 6),
        _t("USDT", "Tether USD", 6),
        _t("DAI", "Dai Stablecoin", 18),
        _t("WBTC", "Wrapped BTC", 8, "BTC"),
        _t("WETH", "Wrapped Ether", 18, "ETH"),
        _t("AAVE", "Aave", 18),
    ),
    "arbitrum": (
        _t("USDC", "USD Coin", 6),
        _t("USDT", "Tether USD", 6),
        _t("DAI", "Dai Stablecoin", 18),
        _t("WBTC", "Wrapped BTC", 8, "BTC"),
        _t("ARB", "Arbitrum", 18),
        _t("GMX", "GMX", 18),
    ),
    "optimism": (
        _t("USDC", "USD Coin", 6),
        _t("USDT", "Tether USD", 6),
        _t("DAI", "Dai Stablecoin", 18),
        _t("WBTC", "Wrapped BTC", 8, "BTC"),
        _t("OP", "Optimism", 18),
        _t("VELO", "Velodrome", 18),
    ),
}

# Relative size of each chain's DEX liquidity; Ethereum's largest pool is the $50M ceiling.
_DEPTH_SCALE = {
    "ethereum": Fraction(1),
    "bnb": Fraction(1, 2),
    "polygon": Fraction(1, 4),
    "arbitrum": Fraction(1, 2),
    "optimism": Fraction(1, 4),
}
_MIN_DEPTH_USD = 500_000
_MAX_DEPTH_USD = 50_000_000
# The second V2 DEX of a chain holds this share of the first one's liquidity.
_SECOND_DEX_SHARE = Fraction(3, 10)


def _depth(usd: int, scale: Fraction) -> int:
    scaled = Fraction(usd) * scale
    return int(min(max(scaled, Fraction(_MIN_DEPTH_USD)), Fraction(_MAX_DEPTH_USD)))


def catalog_for(chain: ChainSpec) -> ChainCatalog:
    """The tokens and pools the devnet deploys on `chain`."""
    native = _NATIVE_WRAP[chain.name]
    others = _OTHER_TOKENS[chain.name]
    wn = native.symbol
    btc = others[3].symbol
    flavour_a, flavour_b = others[4].symbol, others[5].symbol
    scale = _DEPTH_SCALE[chain.name]
    # (token a, token b, depth on the first V2 DEX in USD before scaling)
    pairs = [
        (wn, "USDC", 40_000_000),
        (wn, "USDT", 16_000_000),
        (wn, "DAI", 6_000_000),
        ("USDC", "USDT", 12_000_000),
        ("USDC", "DAI", 4_000_000),
        (btc, wn, 16_000_000),
        (btc, "USDC", 8_000_000),
        (flavour_a, wn, 4_000_000),
        (flavour_b, "USDC", 2_000_000),
    ]
    v2_names = [d.name for d in chain.dexes if d.kind is DexKind.UNISWAP_V2]
    v2_pools = []
    for index, dex in enumerate(v2_names):
        share = Fraction(1) if index == 0 else _SECOND_DEX_SHARE
        v2_pools += [
            V2PoolDef(dex=dex, token_a=a, token_b=b, depth_usd=_depth(int(usd * share), scale))
            for a, b, usd in pairs
        ]
    v3 = [
        (wn, "USDC", 500, 50_000_000),
        (wn, "USDC", 3000, 10_000_000),
        (wn, "USDT", 500, 12_000_000),
        ("USDC", "USDT", 500, 12_000_000),
        (btc, wn, 3000, 12_000_000),
        (btc, "USDC", 3000, 5_000_000),
        (flavour_a, wn, 10000, 2_000_000),
        (flavour_b, "USDC", 10000, 1_000_000),
    ]
    v3_pools = tuple(
        V3PoolDef(token_a=a, token_b=b, fee=fee, depth_usd=_depth(usd, scale))
        for a, b, fee, usd in v3
    )
    return ChainCatalog(tokens=(native, *others), v2_pools=tuple(v2_pools), v3_pools=v3_pools)
