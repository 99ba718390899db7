"""The cross-chain detector: on a change of an asset on one chain, every other chain both ways.

    detector = CrossChainDetector(settings.cross_chain, registry)
    opportunities = detector.on_block(
        "arbitrum", 1234, changed_states,
        inventory={("arbitrum", usdc): 5_000 * 10**6, ...},   # (chain, token lower) → base units
        bands={("arbitrum", weth): (floor, ceiling), ...},   # base units, None = unlimited
        fees={"arbitrum": LegFee(...), "ethereum": LegFee(...)},   # chain → one leg's cost
        leg_latency_s=1.8,            # measured by the executor (None: the configured default)
        rebalance_bps={("ETH", "ethereum", "arbitrum"): 3.0},   # cheapest bridge quotes
    )

For asset X changed on chain A and each chain B holding X: sell X where its margin pays more
(the dear chain), buy it back where it costs less (the cheap one). A pair is screened by the
marginal prices first (the curves are concave: if the margin does not pay after the
per-notional costs, no size does), then sized on the curves (`sizing`), then re-priced with
exact swaps on the very states the curves were built on: `LegPlan.predicted_out` is what the
pools pay, to the wei, and `min_out` is `min_out_margin_bps` below it.

    expected_value_usd = gross_usd − fees_usd − rebalance_cost_usd − risk_charge_usd
    gross_usd          = quote received on A − quote spent on B (+ any asset bought over x)
    fees_usd           = Σ legs (leg_gas · gas_price_wei + l1_data_fee_wei) · native_usd
    rebalance_cost_usd = notional_usd · (bps(X, B→A) + bps(quote, A→B)) / 10⁴
    risk_charge_usd    = risk_z · σ_X · √leg_latency_s · notional_usd

USD is read from the quote asset, a stable, at one dollar per unit (its depeg is not priced);
`notional_usd` is the quote received on A. A bridge route without a quote costs
`rebalance_cost_bps`. Only values ≥ `min_expected_value_usd` (and > 0) are returned, best
first. Opportunities of one call may share inventory: the executor reserves it per trade.

A chain this process does not hold but another worker mirrors (`view.remote`, read through
`omniarb.bus.curve_mirror`) is paired too, its leg planned at a sample point of its curve
(`remote`): exact on that worker's states of the snapshot's block.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from omniarb._config_cross_chain import CrossChainSettings
from omniarb.chains.assets import AssetRegistry
from omniarb.cross_chain_types import (
    CrossChainOpportunity,
    CurveSnapshot,
    LegFee,
)
from omniarb.detect.cross_chain.costs import (
    Bands,
    ExactLegs,
    Inventory,
    PairCosts,
    RebalanceBps,
    Side,
    pair_costs,
    room_between,
)
from omniarb.detect.cross_chain.opportunity import LegSite, make_opportunity
from omniarb.detect.cross_chain.remote import (
    local_sells_remote_buys,
    remote_margins,
    remote_sells_local_buys,
)
from omniarb.detect.cross_chain.sizing import Room, size_trade
from omniarb.detect.cross_chain.view import AssetQuote, CrossChainView
from omniarb.dex.base import PoolState
from omniarb.types import Route

__all__ = ["CrossChainCounters", "CrossChainDetector"]

# Exact confirmation shrinks a float size that overshoots a limit by this much, a few times.
_SHRINK = 0.999
_SHRINK_TRIES = 8


@dataclass(slots=True)
class CrossChainCounters:
    """What happened to the pairs evaluated (for metrics and the benchmark)."""

    pairs: int = 0
    remote_pairs: int = 0
    screened_out: int = 0
    sized: int = 0
    no_fee_quote: int = 0
    below_value: int = 0
    emitted: int = 0


class CrossChainDetector:
    """The view plus detection and sizing (module docstring)."""

    def __init__(
        self,
        settings: CrossChainSettings,
        registry: AssetRegistry,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.view = CrossChainView(settings, registry, clock=clock)
        self.counters = CrossChainCounters()
        # The identities whose quote the last `on_block` changed (what a worker mirrors).
        self.changed: set[str] = set()

    def native_usd(self, chain: str) -> float | None:
        """The chain's native coin in USD (its wrapped token's mid price in the view), None
        while the view has not priced it."""
        wrapped = self.view.registry.wrapped_native(chain)
        if wrapped is None:
            return None
        identity = self.view.registry.identity(chain, wrapped.address)
        quote = None if identity is None else self.view.quotes.get((identity, chain))
        return None if quote is None else quote.mid_usd

    def price_usd(self, identity: str, chain: str) -> float | None:
        """USD per whole token of `identity` on `chain` (its mid price in the view; the quote
        asset is $1), None while the view has not priced it."""
        if identity == self.settings.quote_asset:
            return 1.0
        quote = self.view.quotes.get((identity, chain))
        return None if quote is None else quote.mid_usd

    def asset_usd(self, identity: str) -> float | None:
        """USD per whole token of `identity`: the mean of its mid prices over the chains that
        price it (the quote asset is $1), None where none does."""
        if identity == self.settings.quote_asset:
            return 1.0
        prices = [self.view.quotes[(identity, c)].mid_usd for c in self.view.chains_of(identity)]
        return sum(prices) / len(prices) if prices else None

    def on_block(
        self,
        chain: str,
        block_number: int,
        states: Iterable[PoolState],
        *,
        inventory: Inventory,
        bands: Bands | None = None,
        fees: Mapping[str, LegFee],
        leg_latency_s: float | None = None,
        rebalance_bps: RebalanceBps | None = None,
    ) -> list[CrossChainOpportunity]:
        """Apply `chain`'s changed pool states of `block_number`, then evaluate every traded
        asset that changed against every other chain, both ways.

        `inventory`: (chain, token address lower case) → base units the inventory account
        holds (absent: 0). `bands`: (chain, token) → (floor, ceiling) in base units, the
        rebalancer's limits: a leg never sells below the floor nor buys past the ceiling
        (absent or None: unlimited). `fees`: chain → `LegFee`, one leg's gas price, gas
        and L1 data fee (a chain without one is not traded). `leg_latency_s`: the measured
        latency of a trade's legs (None: `default_leg_latency_s`). `rebalance_bps`:
        (identity, source chain, destination chain) → the cheapest bridge quote in bps of
        the notional (absent: `rebalance_cost_bps`).
        """
        changed = self.changed = self.view.apply(chain, block_number, states)
        latency_s = self.settings.default_leg_latency_s if leg_latency_s is None else leg_latency_s
        context = _Context(
            inventory=inventory,
            bands=bands or {},
            fees=fees,
            leg_latency_s=latency_s,
            rebalance_bps=rebalance_bps or {},
        )
        found: list[CrossChainOpportunity] = []
        traded = set(self.view.identities)
        for identity in sorted(changed & traded):
            here = self.view.quotes.get((identity, chain))
            if here is None:
                continue
            for other in self.view.chains_of(identity):
                if other != chain:
                    there = self.view.quotes[(identity, other)]
                    found += self._local_pair(here, there, context)
                    found += self._local_pair(there, here, context)
            for other in self.view.registry.chains(identity):
                snapshot = self.view.remote.get((identity, other))
                if snapshot is not None and (identity, other) not in self.view.quotes:
                    found += self._remote_pair(here, snapshot, context)
        found.sort(key=lambda o: o.expected_value_usd, reverse=True)
        return found

    def _costs(self, identity: str, dear: str, cheap: str, context: _Context) -> PairCosts:
        return pair_costs(
            self.settings,
            identity=identity,
            dear_chain=dear,
            cheap_chain=cheap,
            sigma_per_sqrt_s=self.view.volatility.sigma(identity),
            leg_latency_s=context.leg_latency_s,
            rebalance_bps=context.rebalance_bps,
        )

    def _local_pair(
        self, dear: AssetQuote, cheap: AssetQuote, context: _Context
    ) -> list[CrossChainOpportunity]:
        self.counters.pairs += 1
        # No margin even before costs (they are never negative: risk_z, σ and bridge bps are
        # all ≥ 0): screened out without pricing the pair's costs, which most pairs are.
        if dear.sell_usd <= cheap.buy_usd:
            self.counters.screened_out += 1
            return []
        costs = self._costs(dear.identity, dear.chain, cheap.chain, context)
        # Concave curves: a margin that does not pay after the per-notional costs never will.
        if dear.sell_usd * (1.0 - costs.per_notional) <= cheap.buy_usd:
            self.counters.screened_out += 1
            return []
        fees_usd = self._fees_usd(dear.chain, cheap.chain, context)
        if fees_usd is None:
            return []
        room = room_between(_side(dear), _side(cheap), context.inventory, context.bands)
        sized = size_trade(
            sell=dear.sell,
            buy=cheap.buy,
            sell_asset_decimals=dear.asset.decimals,
            sell_quote_decimals=dear.quote.decimals,
            buy_asset_decimals=cheap.asset.decimals,
            buy_quote_decimals=cheap.quote.decimals,
            room=room,
            cost_per_notional=costs.per_notional,
            max_trade_usd=self.settings.max_trade_usd,
        )
        if sized is None or sized.value_usd - fees_usd < self.settings.min_expected_value_usd:
            self.counters.below_value += 1
            return []
        self.counters.sized += 1
        legs = _exact_legs(dear, cheap, sized.units, room)
        return self._priced(
            dear.identity, self._leg_of(dear, sell=True), self._leg_of(cheap, sell=False),
            legs, costs, context,
        )  # fmt: skip

    def _remote_pair(
        self, here: AssetQuote, snapshot: CurveSnapshot, context: _Context
    ) -> list[CrossChainOpportunity]:
        margins = remote_margins(snapshot)
        quote = self.view.registry.token(self.settings.quote_asset, snapshot.chain)
        asset = self.view.registry.token(here.identity, snapshot.chain)
        if margins is None or quote is None or asset is None:
            return []
        there = Side(
            chain=snapshot.chain,
            asset=asset.address,
            quote=quote.address,
            asset_decimals=snapshot.asset_decimals,
            quote_decimals=snapshot.quote_decimals,
            mid_usd=snapshot.mid_usd,
        )
        sell_usd, buy_usd = margins
        found: list[CrossChainOpportunity] = []
        for here_sells in (True, False):
            self.counters.remote_pairs += 1
            dear_chain, cheap_chain = (
                (here.chain, snapshot.chain) if here_sells else (snapshot.chain, here.chain)
            )
            costs = self._costs(here.identity, dear_chain, cheap_chain, context)
            dear_margin, cheap_margin = (
                (here.sell_usd, buy_usd) if here_sells else (sell_usd, here.buy_usd)
            )
            if dear_margin * (1.0 - costs.per_notional) <= cheap_margin:
                self.counters.screened_out += 1
                continue
            if self._fees_usd(dear_chain, cheap_chain, context) is None:
                continue
            remote_leg = LegSite(
                side=there,
                chain_id=snapshot.chain_id,
                block_number=snapshot.block_number,
                route=Route(
                    chain_id=snapshot.chain_id,
                    hops=snapshot.buy_hops if here_sells else snapshot.sell_hops,
                ),
            )
            local_leg = self._leg_of(here, sell=here_sells)
            if here_sells:
                room = room_between(_side(here), there, context.inventory, context.bands)
                legs = local_sells_remote_buys(here, snapshot, room, costs.per_notional)
                found += self._priced(here.identity, local_leg, remote_leg, legs, costs, context)
            else:
                room = room_between(there, _side(here), context.inventory, context.bands)
                legs = remote_sells_local_buys(snapshot, here, room, costs.per_notional)
                found += self._priced(here.identity, remote_leg, local_leg, legs, costs, context)
        return found

    def _priced(
        self,
        identity: str,
        sell: LegSite,
        buy: LegSite,
        legs: ExactLegs | None,
        costs: PairCosts,
        context: _Context,
    ) -> list[CrossChainOpportunity]:
        """The opportunity of exact `legs`, if worth `min_expected_value_usd` (counted)."""
        found = None
        if legs is not None:
            found = make_opportunity(
                self.settings, identity=identity, sell=sell, buy=buy, legs=legs, costs=costs,
                fees=context.fees,
            )  # fmt: skip
        if found is None:
            self.counters.below_value += 1
            return []
        self.counters.emitted += 1
        return [found]

    def _fees_usd(self, dear: str, cheap: str, context: _Context) -> float | None:
        fee_dear, fee_cheap = context.fees.get(dear), context.fees.get(cheap)
        if fee_dear is None or fee_cheap is None:
            self.counters.no_fee_quote += 1
            return None
        return fee_dear.fee_usd + fee_cheap.fee_usd

    def _leg_of(self, quote: AssetQuote, *, sell: bool) -> LegSite:
        path = (quote.sell if sell else quote.buy).path
        return LegSite(
            side=_side(quote),
            chain_id=quote.chain_id,
            # The states are current as of the chain's last block applied, whichever block
            # last moved these pools.
            block_number=self.view.heads.get(quote.chain, quote.block_number),
            route=path.route(),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class _Context:
    """One call's inputs (see `CrossChainDetector.on_block`)."""

    inventory: Inventory
    bands: Bands
    fees: Mapping[str, LegFee]
    leg_latency_s: float
    rebalance_bps: RebalanceBps


def _side(quote: AssetQuote) -> Side:
    return Side(
        chain=quote.chain,
        asset=quote.asset.address,
        quote=quote.quote.address,
        asset_decimals=quote.asset.decimals,
        quote_decimals=quote.quote.decimals,
        mid_usd=quote.mid_usd,
    )


def _exact_legs(dear: AssetQuote, cheap: AssetQuote, units: float, room: Room) -> ExactLegs | None:
    """Both legs priced with exact swaps, the size shrunk until every limit holds exactly;
    None if it never does."""
    sell_path, buy_path = dear.sell.path, cheap.buy.path
    for _ in range(_SHRINK_TRIES):
        sell_in = min(round(units * 10**dear.asset.decimals), room.asset_sell)
        if sell_in <= 0:
            return None
        # The same whole amount bought back, rounded up into B's decimals.
        target = -(-sell_in * 10**cheap.asset.decimals // 10**dear.asset.decimals)
        sell_out = sell_path.amount_out(sell_in)
        guess = int(cheap.buy.input_for(float(target)))
        buy_in = buy_path.min_amount_in(target, guess)
        fits = (
            buy_in is not None
            and buy_in <= room.quote_spend
            and (room.asset_take is None or target <= room.asset_take)
            and (room.quote_take is None or sell_out <= room.quote_take)
        )
        if fits and buy_in is not None and sell_out > 0:
            return ExactLegs(sell_in, sell_out, buy_in, buy_path.amount_out(buy_in), target)
        units *= _SHRINK
    return None
