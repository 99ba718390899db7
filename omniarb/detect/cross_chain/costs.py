"""What a cross-chain pair costs beyond its swaps, and what inventory lets it trade: the pieces
the detector prices every pair with, local or mirrored.

A pair sells the asset on the dear chain and buys it back on the cheap one. Per unit of
notional it pays the bridge moves that restore the inventories (the asset cheap → dear, the
quote asset dear → cheap) and the price-risk charge (`risk_price`); its room is what the
inventory holds above the floors and below the ceilings the rebalancer sets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from omniarb._config_cross_chain import CrossChainSettings
from omniarb.detect.cross_chain.risk_price import risk_charge_usd
from omniarb.detect.cross_chain.sizing import Room

__all__ = [
    "Bands",
    "ExactLegs",
    "Inventory",
    "PairCosts",
    "RebalanceBps",
    "Side",
    "pair_costs",
    "room_between",
]

Inventory = Mapping[tuple[str, str], int]
Bands = Mapping[tuple[str, str], tuple[int | None, int | None]]
RebalanceBps = Mapping[tuple[str, str, str], float]


@dataclass(frozen=True, slots=True, kw_only=True)
class Side:
    """One chain of a pair: its tokens of the asset and of the quote asset (addresses and
    decimals) and the asset's mid price in USD there."""

    chain: str
    asset: str
    quote: str
    asset_decimals: int
    quote_decimals: int
    mid_usd: float


class ExactLegs(NamedTuple):
    """Both legs priced with exact swaps: the asset sold and the quote it fetches on the dear
    chain, the quote spent and the asset it buys on the cheap one, and `target`, the sold
    amount in the cheap chain's decimals (rounded up: the asset comes back whole)."""

    sell_in: int
    sell_out: int
    buy_in: int
    buy_out: int
    target: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PairCosts:
    """Per unit of notional: the rebalancing and the price-risk charge."""

    rebalance: float
    risk: float

    @property
    def per_notional(self) -> float:
        return self.rebalance + self.risk


def pair_costs(
    settings: CrossChainSettings,
    *,
    identity: str,
    dear_chain: str,
    cheap_chain: str,
    sigma_per_sqrt_s: float,
    leg_latency_s: float,
    rebalance_bps: RebalanceBps,
) -> PairCosts:
    """The pair's costs per notional; a bridge route without a quote costs
    `rebalance_cost_bps`."""
    default = settings.rebalance_cost_bps
    asset_bps = rebalance_bps.get((identity, cheap_chain, dear_chain), default)
    quote_bps = rebalance_bps.get((settings.quote_asset, dear_chain, cheap_chain), default)
    risk = risk_charge_usd(
        risk_z=settings.risk_z,
        sigma_per_sqrt_s=sigma_per_sqrt_s,
        leg_latency_s=leg_latency_s,
        notional_usd=1.0,
    )
    return PairCosts(rebalance=(asset_bps + quote_bps) / 10_000, risk=risk)


def room_between(dear: Side, cheap: Side, inventory: Inventory, bands: Bands) -> Room:
    """What the inventory lets one trade move: `dear` sells the asset and takes the quote,
    `cheap` spends the quote and takes the asset (`inventory` and `bands` as the detector
    takes them)."""

    def held(chain: str, token: str) -> int:
        return inventory.get((chain, token.lower()), 0)

    def band(chain: str, token: str) -> tuple[int | None, int | None]:
        return bands.get((chain, token.lower()), (None, None))

    sell_floor = band(dear.chain, dear.asset)[0] or 0
    take_ceiling = band(cheap.chain, cheap.asset)[1]
    spend_floor = band(cheap.chain, cheap.quote)[0] or 0
    quote_ceiling = band(dear.chain, dear.quote)[1]
    return Room(
        asset_sell=max(held(dear.chain, dear.asset) - sell_floor, 0),
        asset_take=(
            None if take_ceiling is None else max(take_ceiling - held(cheap.chain, cheap.asset), 0)
        ),
        quote_spend=max(held(cheap.chain, cheap.quote) - spend_floor, 0),
        quote_take=(
            None if quote_ceiling is None else max(quote_ceiling - held(dear.chain, dear.quote), 0)
        ),
    )
