"""What the market reports: a log of settled swaps and per-chain figures for a live view.

`SwapRecord` is final (a swap is logged once it is mined, reverted, refused or given up on);
`ChainStats` is the live view of one chain: counters, throughput, the wrapped-native/USDC price
on every DEX, and the largest price gap between pools of the same pair. Prices and gaps are
floats for display; amounts stay integers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from omniarb.devnet.market.state import ChainState, PoolState

__all__ = [
    "ChainStats",
    "MarketSnapshot",
    "PoolPrice",
    "SwapRecord",
    "SwapStatus",
    "largest_gap",
    "watched_prices",
]


class SwapStatus(StrEnum):
    MINED = "mined"
    REVERTED = "reverted"  # mined with status 0
    REJECTED = "rejected"  # the node refused the transaction
    DROPPED = "dropped"  # never mined within the receipt timeout


@dataclass(frozen=True, slots=True, kw_only=True)
class SwapRecord:
    """One settled swap: where, which way, how much, by whom, and what became of it."""

    chain: str
    step: int
    pool: str
    dex: str
    pair: str
    zero_for_one: bool
    amount_in: int
    trader: str
    tx_hash: str
    status: SwapStatus
    block_number: int | None = None
    whale: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolPrice:
    """A watched pool's price of the wrapped native token, in USD (USDC) per whole token."""

    dex: str
    pool: str
    fee_pips: int
    price_usd: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainStats:
    """One chain's market at the last step it read.

    `swaps_failed` counts reverted, refused and dropped swaps (sent − mined − failed are still
    in flight); `swaps_per_s` is mined swaps over the last ten seconds; `max_gap_bps` is the
    widest price spread between pools of one pair (`max_gap_pair`), across DEXes and fee tiers.
    """

    chain: str
    chain_id: int
    block_number: int
    step: int
    swaps_sent: int
    swaps_mined: int
    swaps_failed: int
    swaps_per_s: float
    retries: int
    native_reference_usd: float
    prices: tuple[PoolPrice, ...]
    max_gap_bps: float
    max_gap_pair: str
    recent_swaps: tuple[SwapRecord, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class MarketSnapshot:
    """Every chain's `ChainStats`, in manifest order."""

    chains: tuple[ChainStats, ...]

    def chain(self, name: str) -> ChainStats:
        for stats in self.chains:
            if stats.chain == name:
                return stats
        raise KeyError(name)


def watched_prices(
    state: ChainState, native_symbol: str, quote_symbol: str
) -> tuple[PoolPrice, ...]:
    """The price of `native_symbol` in `quote_symbol` on every pool of that pair."""
    prices = []
    for pool in state.pools:
        if {pool.symbol0, pool.symbol1} != {native_symbol, quote_symbol}:
            continue
        price = pool.price()
        if price <= 0:
            continue
        price_usd = price if pool.symbol0 == native_symbol else 1 / price
        prices.append(
            PoolPrice(dex=pool.dex, pool=pool.address, fee_pips=pool.fee_pips, price_usd=price_usd)
        )
    return tuple(prices)


def largest_gap(state: ChainState) -> tuple[float, str]:
    """The widest spread, in bps of the lower price, between two pools of the same pair.

    Returns `(0.0, "")` when no pair has two priced pools.
    """
    by_pair: dict[str, list[PoolState]] = defaultdict(list)
    for pool in state.pools:
        if pool.price() > 0:
            by_pair[pool.pair].append(pool)
    best_bps, best_pair = 0.0, ""
    for pair, pools in by_pair.items():
        if len(pools) < 2:
            continue
        prices = [p.price() for p in pools]
        gap_bps = (max(prices) / min(prices) - 1) * 10_000
        if gap_bps > best_bps:
            best_bps, best_pair = gap_bps, pair
    return best_bps, best_pair
