"""What the devnet deploys on each chain: tokens, reference prices, DEXes and pools.

One reference price table (USD per whole token, keyed by asset) sets every initial pool price,
so all pools on all chains start consistent and there is no arbitrage at block zero. Symbols and
decimals are those of the real tokens on each chain (on BNB Chain the Binance-Peg USDC and USDT
have 18 decimals, and bitcoin is BTCB). Each pool kind plans its DEXes' pools
(`omniarb.devnet.kinds`); the catalog sizes them to the chain.

At scale "large" (`[devnet] scale`) each chain also lists a long tail of generated tokens and
about two thousand pools over all its DEXes (`omniarb.devnet.long_tail`); their reference
prices are in the same table, so the market and the deployment treat them like any other token.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from omniarb.chains.spec import ChainSpec
from omniarb.config import DevnetScale
from omniarb.devnet.kinds import devnet_kind, is_deployed
from omniarb.devnet.kinds.base import ChainTokens, PoolDef
from omniarb.devnet.long_tail import (
    TAIL_ASSETS,
    DexTiers,
    kind_fee_tiers,
    plan_tail_pools,
    tail_assets_for,
)
from omniarb.devnet.pricing import amount_for_usd
from omniarb.network import TokenEntry

__all__ = [
    "REFERENCE_PRICES_USD",
    "ChainCatalog",
    "PoolDef",
    "TokenDef",
    "catalog_for",
    "usd_amounts",
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
    # The large devnet's generated tail tokens (their symbols are their assets).
    **{asset.symbol: asset.price_usd for asset in TAIL_ASSETS},
}


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenDef:
    """A token to deploy; `asset` keys the reference price and links tokens across chains."""

    symbol: str
    name: str
    decimals: int
    asset: str
    wrapped_native: bool = False
    # The issuer of a bridged variant of `asset` (`TokenEntry.bridged`), None for its own issue.
    bridged: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainCatalog:
    """A chain's tokens and its pools, in the order they are created: by DEX as the chain
    table lists them."""

    tokens: tuple[TokenDef, ...]
    pools: tuple[PoolDef, ...]
    # The native coin, which pools of a kind that holds it (Uniswap V4) pair as currency 0:
    # not a token to deploy, fund or approve.
    native: TokenDef | None = None

    def token(self, symbol: str) -> TokenDef:
        for token in self.tokens:
            if token.symbol == symbol:
                return token
        if self.native is not None and self.native.symbol == symbol:
            return self.native
        raise KeyError(symbol)


def _t(
    symbol: str, name: str, decimals: int, asset: str | None = None, bridged: str | None = None
) -> TokenDef:
    return TokenDef(
        symbol=symbol, name=name, decimals=decimals, asset=asset or symbol, bridged=bridged
    )


# The issuers of the bridged variants, as on the real chains: BNB Chain's "Binance-Peg" tokens
# are Binance's own wrapped issue; Polygon's WETH and WBTC came over its PoS bridge; WBTC on
# Arbitrum and OP Mainnet came over each rollup's canonical token bridge. USDC is Circle's
# own issue on Polygon, Arbitrum and OP Mainnet.
_PEG = "binance-peg"
_POS = "pos"


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
        _t("USDC", "Binance-Peg USD Coin", 18, bridged=_PEG),
        _t("USDT", "Binance-Peg BSC-USD", 18, bridged=_PEG),
        _t("DAI", "Binance-Peg Dai Token", 18, bridged=_PEG),
        _t("BTCB", "Binance-Peg BTCB Token", 18, "BTC", bridged=_PEG),
        _t("ETH", "Binance-Peg Ethereum Token", 18, "ETH", bridged=_PEG),
        _t("CAKE", "PancakeSwap Token", 18),
    ),
    "polygon": (
        _t("USDC", "USD Coin", 6),
        _t("USDT", "Tether USD", 6),
        _t("DAI", "Dai Stablecoin", 18),
        _t("WBTC", "Wrapped BTC", 8, "BTC", bridged=_POS),
        _t("WETH", "Wrapped Ether", 18, "ETH", bridged=_POS),
        _t("AAVE", "Aave", 18),
    ),
    "arbitrum": (
        _t("USDC", "USD Coin", 6),
        _t("USDT", "Tether USD", 6),
        _t("DAI", "Dai Stablecoin", 18),
        _t("WBTC", "Wrapped BTC", 8, "BTC", bridged="arbitrum-bridge"),
        _t("ARB", "Arbitrum", 18),
        _t("GMX", "GMX", 18),
    ),
    "optimism": (
        _t("USDC", "USD Coin", 6),
        _t("USDT", "Tether USD", 6),
        _t("DAI", "Dai Stablecoin", 18),
        _t("WBTC", "Wrapped BTC", 8, "BTC", bridged="op-bridge"),
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


def _depth(usd: int, scale: Fraction) -> int:
    scaled = Fraction(usd) * scale
    return int(min(max(scaled, Fraction(_MIN_DEPTH_USD)), Fraction(_MAX_DEPTH_USD)))


def catalog_for(chain: ChainSpec, scale: DevnetScale = "default") -> ChainCatalog:
    """The tokens and pools the devnet deploys on `chain` at `scale`."""
    native = _NATIVE_WRAP[chain.name]
    others = _OTHER_TOKENS[chain.name]
    roles = ChainTokens(
        wrapped_native=native.symbol,
        btc=others[3].symbol,
        flavour_a=others[4].symbol,
        flavour_b=others[5].symbol,
        native=chain.native_symbol,
    )
    depth_scale = _DEPTH_SCALE[chain.name]
    pools: list[PoolDef] = []
    tiers: list[DexTiers] = []
    # How many DEXes of each kind came before: a kind may size its second DEX's pools apart.
    ranks: Counter[str] = Counter()
    for dex in chain.dexes:
        if not is_deployed(dex.kind):
            continue
        kind = devnet_kind(dex.kind)
        planned = kind.plan_pools(dex.name, ranks[dex.kind], roles)
        pools += [replace(p, depth_usd=_depth(p.depth_usd, depth_scale)) for p in planned]
        if kind.takes_tail_pools:
            tiers.append(DexTiers(dex=dex.name, kind=dex.kind, fees=kind_fee_tiers(planned)))
        ranks[dex.kind] += 1
    tokens = (native, *others)
    if scale == "large":
        tail = tail_assets_for(chain.name, reserved=[t.symbol for t in tokens])
        tokens += tuple(
            TokenDef(symbol=a.symbol, name=a.name, decimals=a.decimals, asset=a.symbol)
            for a in tail
        )
        # Hubs by liquidity: the wrapped native coin, the stablecoins, bitcoin, then the
        # chain-flavoured tokens.
        hubs = (native.symbol, "USDC", "USDT", roles.btc, "DAI", roles.flavour_a, roles.flavour_b)
        pools += plan_tail_pools(chain.name, tiers, hubs, [a.symbol for a in tail], existing=pools)
    coin = TokenDef(
        symbol=chain.native_symbol, name=chain.native_symbol, decimals=18, asset=native.asset
    )
    return ChainCatalog(tokens=tokens, pools=tuple(pools), native=coin)


def usd_amounts(tokens: Sequence[TokenEntry], usd: Sequence[int | Fraction]) -> list[int]:
    """Each token's amount worth its entry of `usd` at the reference prices."""
    return [
        amount_for_usd(value, REFERENCE_PRICES_USD[token.asset], token.decimals)
        for token, value in zip(tokens, usd, strict=True)
    ]
