"""Evaluating cycles at a `StateBook`'s states: screen, size and price them into opportunities.

    evaluator = CycleEvaluator(book=book, pricer=pricer, gas_model=gas, priority_fee_wei=tip)
    found = evaluator.evaluate(book.cycles_through(changed), block_number=n, base_fee_wei=fee)

A NumPy screen of the given cycles picks the candidates; each is sized in exact integers (a V2
cycle by `sizing`, one through a V3 pool by `mixed_sizing`, which walks its tick ranges, one
through a pool with no closed form by `bracket_sizing`, a bracketed search on the exact swaps),
then priced: gas from the gas model at the block's base fee plus the priority fee, and on an
L2 the L1 data fee of the route's transaction (from the chain's per-block `FeeQuote`, plain
arithmetic: no node round trip per cycle), both converted into the start token, the net
profit in USD, and the depth of the route's shallowest pool (`depth`). Every cycle with a
positive gross profit comes back, best net profit (USD) first, so the caller can also record
the ones too small to pay for gas.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

from omniarb.chains.fee_models import FeeQuote, route_tx_bytes
from omniarb.detect.bracket_sizing import BracketRoute, size_bracketed
from omniarb.detect.depth import route_depth
from omniarb.detect.graph import Cycle
from omniarb.detect.loan_sizing import resized_opportunity
from omniarb.detect.mixed_hops import MixedHop, RouteHop, route_work
from omniarb.detect.mixed_sizing import size_mixed_at_optimum, size_mixed_route
from omniarb.detect.pricing import TokenPricer
from omniarb.detect.screen import IntArray, ScreenResult
from omniarb.detect.sizing import Sizing, size_at_optimum, size_route
from omniarb.detect.state_book import StateBook
from omniarb.gas import GasModel, HopWork, RouteGas
from omniarb.types import Opportunity, OpportunitySource

__all__ = ["CycleEvaluator", "DetectorCounters", "QuoteSource", "opportunity_id"]

log = logging.getLogger(__name__)

# Per start token, per evaluation: (start-token units per native wei, USD per start-token unit),
# None when the token has no price path.
_StartPrices = dict[str, tuple[Fraction, float] | None]


class QuoteSource(Protocol):
    """Where the chain's current fee prices come from (`omniarb.chains.fee_models.FeeOracle`,
    refreshed once per block)."""

    @property
    def quote(self) -> FeeQuote: ...


@dataclass(slots=True)
class DetectorCounters:
    """Running totals of the detector's work, for metrics and for tests that count evaluations."""

    cycles_screened: int = 0
    candidates: int = 0
    sized: int = 0
    searched: int = 0  # sized with the full integer search
    proven: int = 0  # ... whose profit is proven the integer maximum
    route_evaluations: int = 0
    opportunities: int = 0
    unpriced: int = 0


class CycleEvaluator:
    """Turns a `StateBook`'s cycles into priced opportunities at its current states.

    In each evaluation, candidates are taken best float estimate (in USD) first; one gets the full
    integer search (`size_route`, proven optimal within `certify_budget`) when it shares no pool
    with a candidate already searched, up to `certify_top` of them. The others compete for a gap
    that a better cycle will close, so they get the exact outcome at the continuous optimum
    (`size_at_optimum`): a large price move touching hundreds of cycles stays cheap.
    `max_amount_in` is per start token, in its base units. With `fees`, the tip and the L1
    data price are the chain's current quote's; without, the tip is `priority_fee_wei` and
    there is no L1 fee.
    """

    def __init__(
        self,
        *,
        book: StateBook,
        pricer: TokenPricer,
        gas_model: GasModel,
        priority_fee_wei: int,
        max_amount_in: Mapping[str, int] | None = None,
        certify_budget: int = 256,
        certify_top: int = 16,
        fees: QuoteSource | None = None,
    ) -> None:
        self.book = book
        self.fees = fees
        self.pricer = pricer
        self.gas_model = gas_model
        self.priority_fee_wei = priority_fee_wei
        self._max_amount_in = {t.lower(): v for t, v in (max_amount_in or {}).items()}
        self.certify_budget = certify_budget
        self.certify_top = certify_top
        self.counters = DetectorCounters()
        # By cycle id (a cycle's hops never change), built once per shape (kinds, wraps).
        self._route_gas: dict[int, RouteGas] = {}
        self._gas_by_shape: dict[tuple[HopWork, ...], RouteGas] = {}

    def with_book(self, book: StateBook) -> CycleEvaluator:
        """An evaluator of another book over the same graph (an `OverlayBook` of this one's),
        with the same settings and gas caches, and counters of its own."""
        twin = CycleEvaluator(
            book=book,
            pricer=self.pricer,
            gas_model=self.gas_model,
            priority_fee_wei=self.priority_fee_wei,
            certify_budget=self.certify_budget,
            certify_top=self.certify_top,
            fees=self.fees,
        )
        twin._max_amount_in = self._max_amount_in
        twin._route_gas = self._route_gas  # by cycle id: the graph is shared
        twin._gas_by_shape = self._gas_by_shape
        return twin

    def evaluate(
        self,
        cycle_ids: IntArray | None,
        *,
        block_number: int,
        base_fee_wei: int,
        screened: ScreenResult | None = None,
    ) -> list[Opportunity]:
        """Screen the given cycles (all when None), size and price the candidates as of
        `block_number`, whose base fee is `base_fee_wei`; best net profit (USD) first.
        `screened`: the book's screen of `cycle_ids`, when the caller has it already."""
        found = list(
            self.candidates(
                cycle_ids, block_number=block_number, base_fee_wei=base_fee_wei, screened=screened
            )
        )
        found.sort(key=lambda o: (-o.net_profit_usd, o.id))
        return found

    def candidates(
        self,
        cycle_ids: IntArray | None,
        *,
        block_number: int,
        base_fee_wei: int,
        screened: ScreenResult | None = None,
    ) -> Iterator[Opportunity]:
        """`steps` without the cycles that came to nothing."""
        for step in self.steps(
            cycle_ids, block_number=block_number, base_fee_wei=base_fee_wei, screened=screened
        ):
            if step is not None:
                yield step

    def steps(
        self,
        cycle_ids: IntArray | None,
        *,
        block_number: int,
        base_fee_wei: int,
        screened: ScreenResult | None = None,
    ) -> Iterator[Opportunity | None]:
        """`evaluate`'s opportunities one at a time, as each is sized: first the cycles that
        get the full search (the best by the screen's estimate in USD, and each later one that
        shares no pool with those before it), in that order, then the rest, which compete
        for a gap a better cycle will close; None for a cycle sized to nothing. A consumer can
        act on the first before the others are sized, and do other work between two steps."""
        book = self.book
        if book.cycle_count == 0:
            return
        result = book.screen_cycles(cycle_ids) if screened is None else screened
        self.counters.cycles_screened += result.screened
        self.counters.candidates += len(result)
        quote = self.fees.quote if self.fees is not None else None
        tip_wei = quote.tip_wei if quote is not None else self.priority_fee_wei
        gas_price_wei = base_fee_wei + tip_wei
        # The L1 fee of a route's transaction depends on its hop count only: priced once each.
        l1_fees: dict[int, int] = {}
        # Prices of the start tokens at these states, computed once per evaluation.
        prices: _StartPrices = {}
        # The screen's estimates are in each cycle's start token: rank them in USD.
        ranked = []
        for cycle_id, estimate in zip(
            result.cycle_ids.tolist(), result.estimated_profit.tolist(), strict=True
        ):
            cycle = book.graph.cycles[cycle_id]
            start_prices = self._start_prices(cycle.start_token, prices)
            ranked.append((-estimate * (start_prices[1] if start_prices else 0.0), cycle_id))
        ranked.sort()
        searched_pools: set[int] = set()
        first: list[int] = []
        rest: list[int] = []
        for _, cycle_id in ranked:
            pool_ids = book.graph.cycles[cycle_id].pool_ids
            if len(first) < self.certify_top and searched_pools.isdisjoint(pool_ids):
                first.append(cycle_id)
                searched_pools.update(pool_ids)
            else:
                rest.append(cycle_id)
        for search, cycle_ids_in_turn in ((True, first), (False, rest)):
            for cycle_id in cycle_ids_in_turn:
                cycle = book.graph.cycles[cycle_id]
                hops = len(cycle.route.hops)
                l1_fee_wei = l1_fees.get(hops)
                if l1_fee_wei is None:
                    l1_fee_wei = l1_fees[hops] = (
                        quote.l1_fee_estimate_wei(route_tx_bytes(hops)) if quote is not None else 0
                    )
                opportunity = self._size_and_price(
                    cycle,
                    prices,
                    search=search,
                    block_number=block_number,
                    gas_price_wei=gas_price_wei,
                    l1_fee_wei=l1_fee_wei,
                )
                if opportunity is not None:
                    self.counters.opportunities += 1
                yield opportunity

    def _start_prices(self, token: str, prices: _StartPrices) -> tuple[Fraction, float] | None:
        """(start-token units per native wei, USD per start-token unit), cached per evaluation."""
        if token not in prices:
            native_rate = self.pricer.native_rate(token, self.book)
            unit_usd = self.pricer.unit_usd(token, self.book)
            if native_rate is None or unit_usd is None:
                prices[token] = None
            else:
                prices[token] = (native_rate, float(unit_usd))
        return prices[token]

    def _size(
        self, cycle: Cycle, mixed: list[MixedHop] | BracketRoute | None, *, search: bool
    ) -> Sizing | None:
        """The cycle's sizing: the V2 sizing when `mixed` is None, the bracketed search when
        it is a `BracketRoute` (a pool without a closed form is on the way), else the mixed
        one (a V3 pool is)."""
        cap = self._max_amount_in.get(cycle.start_token.lower())
        if mixed is None:
            hops = self.book.reserve_hops(cycle)
            if search:
                return size_route(hops, max_amount_in=cap, certify_budget=self.certify_budget)
            return size_at_optimum(hops, max_amount_in=cap)
        if isinstance(mixed, BracketRoute):
            return size_bracketed(mixed, max_amount_in=cap, precise=search)
        if search:
            return size_mixed_route(mixed, max_amount_in=cap, certify_budget=self.certify_budget)
        return size_mixed_at_optimum(mixed, max_amount_in=cap)

    def _gas(
        self, cycle: Cycle, mixed: list[MixedHop] | BracketRoute | None, amount_in: int
    ) -> int:
        """The gas model's estimate for the cycle at `amount_in`: its hops by kind, the ticks
        its V3 hops (in `mixed`) cross and their other extra steps, and the loan it can take
        (free when its opening pool lends by flash swap)."""
        route_gas = self._route_gas.get(cycle.id)
        if route_gas is None:
            shape = tuple(HopWork.of(hop) for hop in cycle.route.hops)
            route_gas = self._gas_by_shape.get(shape)
            if route_gas is None:
                route_gas = self._gas_by_shape[shape] = self.gas_model.route(shape)
            self._route_gas[cycle.id] = route_gas
        if mixed is None:
            return route_gas.total(None)
        hops: Sequence[RouteHop] = mixed.hops if isinstance(mixed, BracketRoute) else mixed
        return route_gas.total(route_work(amount_in, hops))

    def _size_and_price(
        self,
        cycle: Cycle,
        prices: _StartPrices,
        *,
        search: bool,
        block_number: int,
        gas_price_wei: int,
        l1_fee_wei: int,
    ) -> Opportunity | None:
        start = cycle.start_token
        self.counters.sized += 1
        mixed = self.book.mixed_hops(cycle)
        sizing = self._size(cycle, mixed, search=search)
        if sizing is None:
            return None
        self.counters.route_evaluations += sizing.evaluated
        self.counters.searched += search
        self.counters.proven += sizing.exact
        start_prices = self._start_prices(start, prices)
        if start_prices is None:
            self.counters.unpriced += 1
            log.debug("cycle %d: start token %s has no price path; skipped", cycle.id, start)
            return None
        gas_estimate = self._gas(cycle, mixed, sizing.amount_in)
        gas_cost_wei = gas_estimate * gas_price_wei
        native_rate, unit_usd = start_prices
        # The gas cost in the start token, rounded up: it is a cost.
        gas_in_token = -(-(gas_cost_wei * native_rate.numerator) // native_rate.denominator)
        l1_fee_in_token = -(-(l1_fee_wei * native_rate.numerator) // native_rate.denominator)
        net_profit = sizing.profit - gas_in_token - l1_fee_in_token
        chain_id = self.book.chain_id
        states = [self.book.state_by_id(pool_id) for pool_id in cycle.pool_ids]
        min_pool_depth = route_depth([s.screen_reserves() for s in states], cycle.zero_for_one)
        return Opportunity(
            id=opportunity_id(chain_id, block_number, cycle, sizing.amount_in),
            chain_id=chain_id,
            block_number=block_number,
            route=cycle.route,
            amount_in=sizing.amount_in,
            amount_out=sizing.amount_out,
            gross_profit=sizing.profit,
            gas_estimate=gas_estimate,
            gas_price_wei=gas_price_wei,
            gas_cost_wei=gas_cost_wei,
            net_profit=net_profit,
            net_profit_usd=net_profit * unit_usd,
            source=OpportunitySource.BLOCK,
            detected_ns=time.monotonic_ns(),
            l1_fee_wei=l1_fee_wei,
            l1_fee_in_token=l1_fee_in_token,
            min_pool_depth=min_pool_depth,
        )

    def resize_for_loan(
        self, opportunity: Opportunity, loan_fee: Callable[[int], int]
    ) -> Opportunity | None:
        """`opportunity` re-sized for a loan charging `loan_fee`(amount)
        (`loan_sizing.resized_opportunity`) on the pool states it was priced on; None when it
        was not priced on the book's states (a pool of its route has changed since, or it did
        not come from a block) or keeps nothing after the fee."""
        if opportunity.source is not OpportunitySource.BLOCK:
            return None
        hops = self.book.route_hops(opportunity.route, priced_at_block=opportunity.block_number)
        if hops is None:
            return None
        resized = resized_opportunity(opportunity, hops, loan_fee)
        if resized is not None:
            self.counters.route_evaluations += resized.evaluated
            return resized.opportunity
        return None


def opportunity_id(chain_id: int, block_number: int, cycle: Cycle, amount_in: int) -> str:
    """A deterministic id: the same cycle, block and amount always give the same id."""
    # A hop is its pool and the token it sells: the pairs of a multi-token pool share its
    # address, and one direction of each is named by its token in alone.
    hops = ",".join(f"{h.pool.lower()}:{h.token_in.lower()}" for h in cycle.route.hops)
    text = f"{chain_id}:{block_number}:{hops}:{amount_in}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
