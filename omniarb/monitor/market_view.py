"""The market a live view shows beside the bot: per-chain swap counters, throughput, the wrapped
native token's price on every pool that quotes it in USDC, and the widest gap between pools of
one pair. A source of market activity (the devnet's simulated traders) produces these values;
the terminal view and the API only display them. Prices and gaps are floats for display;
amounts stay integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["ChainStats", "MarketSnapshot", "PoolPrice", "SwapRecord", "SwapStatus"]


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
