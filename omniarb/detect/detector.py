"""The detect stage: pool updates in, sized and priced cycle opportunities out.

    detector = CycleDetector(chain_id=1, base_tokens=[weth, usdc, usdt, dai], ...)
    opportunities = await detector.process(update)

It keeps the latest state of every pool, enumerates cycles when pools first appear, and on each
update re-evaluates only the cycles through a changed pool: a NumPy screen of all of them, then
exact integer sizing of the candidates, then gas and USD pricing. It returns every cycle with a
positive gross profit, best net profit (USD) first, so the caller can also record the ones too
small to pay for gas; `shortfall(opportunity)` says why one is not worth sending.

Pools are Uniswap V2 pairs (`V2PoolState`) and Uniswap V3 pools (`V3PoolState`), and cycles may
mix them. The screen sees a V3 pool as a V2 pair at its current price with its deepest range's
liquidity (`v3_segments.screen_reserves`: never less profitable than the pool, so the screen
only drops cycles that cannot earn); a cycle through any V3 pool is sized by `mixed_sizing`,
which walks the tick ranges. V2-only cycles take the V2 path unchanged.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

import numpy as np

from omniarb.detect.gas import GasModel
from omniarb.detect.graph import Cycle, CycleGraph
from omniarb.detect.loan_sizing import resized_opportunity
from omniarb.detect.mixed_hops import MixedHop, V3Hop, route_v3_work
from omniarb.detect.mixed_sizing import size_mixed_at_optimum, size_mixed_route
from omniarb.detect.pricing import TokenPricer
from omniarb.detect.screen import CycleScreen, IntArray
from omniarb.detect.sizing import HopReserves, Sizing, size_at_optimum, size_route
from omniarb.detect.v3_segments import screen_reserves
from omniarb.dex.base import PoolState
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.types import Opportunity, OpportunitySource

__all__ = ["CycleDetector", "DetectorCounters", "PoolStates", "opportunity_id"]

log = logging.getLogger(__name__)


class PoolStates(Protocol):
    """What the detector reads from a state update: `omniarb.types.PoolUpdate`, whose `pools`
    mixes V2 and V3 states, fits; so does any value with these fields."""

    @property
    def chain_id(self) -> int: ...
    @property
    def block_number(self) -> int: ...
    @property
    def base_fee_wei(self) -> int: ...
    @property
    def pools(self) -> Sequence[PoolState]: ...


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


class CycleDetector:
    """Finds 2- and 3-hop cycles of Uniswap V2 and V3 pools through base tokens on one chain.

    `stablecoin_decimals` maps each USD stablecoin to its decimals ($1 per whole token).
    In each evaluation, candidates are taken best float estimate (in USD) first; one gets the full
    integer search (`size_route`, proven optimal within `certify_budget`) when it shares no pool
    with a candidate already searched, up to `certify_top` of them. The others compete for a gap
    that a better cycle will close, so they get the exact outcome at the continuous optimum
    (`size_at_optimum`): a large price move touching hundreds of cycles stays cheap.
    `max_amount_in` and `min_net_profit` are per start token, in its base units; the gas price
    assumed is the block's base fee plus `priority_fee_wei` (on legacy-fee chains, where the base
    fee is 0, make `priority_fee_wei` the gas price).
    """

    def __init__(
        self,
        *,
        chain_id: int,
        base_tokens: Sequence[str],
        wrapped_native: str,
        stablecoin_decimals: Mapping[str, int],
        gas_model: GasModel,
        priority_fee_wei: int,
        min_net_profit: Mapping[str, int] | None = None,
        max_amount_in: Mapping[str, int] | None = None,
        epsilon: float = 1e-9,
        certify_budget: int = 256,
        certify_top: int = 16,
    ) -> None:
        self.chain_id = chain_id
        self.graph = CycleGraph(chain_id=chain_id, base_tokens=base_tokens)
        self.screen = CycleScreen(epsilon=epsilon)
        self.pricer = TokenPricer(
            wrapped_native=wrapped_native, stablecoin_decimals=stablecoin_decimals
        )
        self.gas_model = gas_model
        self.priority_fee_wei = priority_fee_wei
        self._min_net_profit = {t.lower(): v for t, v in (min_net_profit or {}).items()}
        self._max_amount_in = {t.lower(): v for t, v in (max_amount_in or {}).items()}
        self.certify_budget = certify_budget
        self.certify_top = certify_top
        self.counters = DetectorCounters()
        self._states: list[V2PoolState | V3PoolState] = []
        self._is_v3: list[bool] = []  # per pool id
        self._v3_count = 0
        self._hops: list[HopReserves | None] = []  # per (pool, direction), for the current state
        self._cycle_arrays: dict[int, IntArray] = {}
        self.block_number = 0
        self.base_fee_wei = 0

    @property
    def cycle_count(self) -> int:
        return len(self.graph.cycles)

    def state(self, address: str) -> V2PoolState:
        """The current state of a V2 pair (`pool_state` for either kind)."""
        state = self.pool_state(address)
        if not isinstance(state, V2PoolState):
            raise TypeError(f"pool {address} is a Uniswap V3 pool; use pool_state()")
        return state

    def pool_state(self, address: str) -> V2PoolState | V3PoolState:
        """The current state of a pool of either kind."""
        return self._states[self.graph.pool_id(address)]

    def pair_states(self, token_a: str, token_b: str) -> list[V2PoolState]:
        """The current states of the V2 pairs between two tokens (the pricer's `PairBook`,
        which values amounts at reserve ratios)."""
        states = [self._states[i] for i in self.graph.pair_pool_ids(token_a, token_b)]
        return [state for state in states if isinstance(state, V2PoolState)]

    def apply(self, states: Iterable[V2PoolState | V3PoolState]) -> list[int]:
        """Store new pool states (adding unseen pools and their cycles); return their pool ids.

        The state stage is authoritative (it also unwinds reorgs), so a state always replaces
        the stored one.
        """
        changed: list[int] = []
        for state in states:
            if state.chain_id != self.chain_id:
                raise ValueError(
                    f"pool {state.address} is on chain {state.chain_id}, not {self.chain_id}"
                )
            if state.address not in self.graph:
                self._add(state)
            pool_id = self.graph.pool_id(state.address)
            is_v3 = isinstance(state, V3PoolState)
            if is_v3 != self._is_v3[pool_id]:
                raise ValueError(f"pool {state.address} cannot change kind (V2 pair / V3 pool)")
            self._states[pool_id] = state
            self._hops[2 * pool_id] = self._hops[2 * pool_id + 1] = None
            if isinstance(state, V3PoolState):
                reserve0, reserve1 = screen_reserves(state)
                # Fee rounded down to basis points: the screen may only be optimistic.
                self.screen.set_pool(pool_id, reserve0, reserve1, state.fee_pips // 100)
            else:
                self.screen.set_pool(pool_id, state.reserve0, state.reserve1, state.fee_bps)
            changed.append(pool_id)
        return changed

    def _add(self, state: V2PoolState | V3PoolState) -> None:
        new_cycles = self.graph.add_pools([state])
        self._states.append(state)
        is_v3 = isinstance(state, V3PoolState)
        self._is_v3.append(is_v3)
        self._v3_count += is_v3
        self._hops += [None, None]
        self.screen.add_cycles(
            [list(zip(c.pool_ids, c.zero_for_one, strict=True)) for c in new_cycles]
        )
        for cycle in new_cycles:
            for pool_id in cycle.pool_ids:
                self._cycle_arrays.pop(pool_id, None)

    def _cycles_through(self, pool_ids: Sequence[int]) -> IntArray:
        arrays = []
        for pool_id in set(pool_ids):
            cached = self._cycle_arrays.get(pool_id)
            if cached is None:
                cached = np.asarray(self.graph.cycles_of(pool_id), dtype=np.int64)
                self._cycle_arrays[pool_id] = cached
            arrays.append(cached)
        if len(arrays) == 1:
            return arrays[0]
        if not arrays:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate(arrays))

    def detect(self, update: PoolStates) -> list[Opportunity]:
        """`process` without the coroutine: apply the update, evaluate the affected cycles."""
        if update.chain_id != self.chain_id:
            raise ValueError(f"update for chain {update.chain_id} sent to chain {self.chain_id}")
        states: list[V2PoolState | V3PoolState] = []
        for state in update.pools:
            if not isinstance(state, V2PoolState | V3PoolState):
                raise TypeError(f"pool {state.address}: the detector cannot price {type(state)}")
            states.append(state)
        return self.detect_states(
            states, block_number=update.block_number, base_fee_wei=update.base_fee_wei
        )

    def detect_states(
        self,
        states: Sequence[V2PoolState | V3PoolState],
        *,
        block_number: int,
        base_fee_wei: int,
    ) -> list[Opportunity]:
        """`detect` on plain values: apply the states of `block_number` (pools of either kind),
        evaluate the cycles through them."""
        self.block_number = block_number
        self.base_fee_wei = base_fee_wei
        changed = self.apply(states)
        found = self.evaluate(self._cycles_through(changed))
        log.debug(
            "detect chain=%d block=%d pools=%d opportunities=%d",
            self.chain_id,
            block_number,
            len(changed),
            len(found),
        )
        return found

    async def process(self, update: PoolStates) -> list[Opportunity]:
        """The stage: opportunities in the cycles through the pools `update` changed."""
        return self.detect(update)

    def scan(self) -> list[Opportunity]:
        """Evaluate every cycle at the stored states (the first block, benchmarks)."""
        return self.evaluate(None)

    def evaluate(self, cycle_ids: IntArray | None) -> list[Opportunity]:
        """Screen the given cycles (all when None), size and price the candidates."""
        if self.cycle_count == 0:
            return []
        result = self.screen.screen(cycle_ids)
        self.counters.cycles_screened += result.screened
        self.counters.candidates += len(result)
        found: list[Opportunity] = []
        # Prices of the start tokens at these states, computed once per evaluation.
        prices: dict[str, tuple[Fraction, float] | None] = {}
        # The screen's estimates are in each cycle's start token: rank them in USD.
        ranked = []
        for cycle_id, estimate in zip(
            result.cycle_ids.tolist(), result.estimated_profit.tolist(), strict=True
        ):
            cycle = self.graph.cycles[cycle_id]
            start_prices = self._start_prices(cycle.start_token, prices)
            ranked.append((-estimate * (start_prices[1] if start_prices else 0.0), cycle_id))
        ranked.sort()
        searched_pools: set[int] = set()
        searched = 0
        for _, cycle_id in ranked:
            cycle = self.graph.cycles[cycle_id]
            # Full search for the best candidate and for each later one that could be traded
            # beside those already searched (no shared pool); the rest compete for a gap that a
            # better cycle will close.
            search = searched < self.certify_top and searched_pools.isdisjoint(cycle.pool_ids)
            if search:
                searched += 1
                searched_pools.update(cycle.pool_ids)
            opportunity = self._size_and_price(cycle, prices, search=search)
            if opportunity is not None:
                found.append(opportunity)
        found.sort(key=lambda o: (-o.net_profit_usd, o.id))
        self.counters.opportunities += len(found)
        return found

    def _hop(self, pool_id: int, zero_for_one: bool) -> HopReserves:
        """A pool's reserves in one direction, built once per state and shared by its cycles."""
        slot = 2 * pool_id + (0 if zero_for_one else 1)
        hop = self._hops[slot]
        if hop is None:
            state = self._states[pool_id]
            assert isinstance(state, V2PoolState)  # V3 pools take the mixed path
            r_in, r_out = (
                (state.reserve0, state.reserve1)
                if zero_for_one
                else (state.reserve1, state.reserve0)
            )
            hop = HopReserves(reserve_in=r_in, reserve_out=r_out, fee_bps=state.fee_bps)
            self._hops[slot] = hop
        return hop

    def _start_prices(
        self, token: str, prices: dict[str, tuple[Fraction, float] | None]
    ) -> tuple[Fraction, float] | None:
        """(start-token units per native wei, USD per start-token unit), cached per evaluation."""
        if token not in prices:
            native_rate = self.pricer.native_rate(token, self)
            unit_usd = self.pricer.unit_usd(token, self)
            if native_rate is None or unit_usd is None:
                prices[token] = None
            else:
                prices[token] = (native_rate, float(unit_usd))
        return prices[token]

    def _mixed_hop(self, pool_id: int, zero_for_one: bool) -> MixedHop:
        state = self._states[pool_id]
        if isinstance(state, V3PoolState):
            return V3Hop(state=state, zero_for_one=zero_for_one)
        return self._hop(pool_id, zero_for_one)

    def _mixed_hops(self, cycle: Cycle) -> list[MixedHop] | None:
        """The cycle's hops for the mixed sizing, or None when all its pools are V2 pairs."""
        if not (self._v3_count and any(self._is_v3[pool_id] for pool_id in cycle.pool_ids)):
            return None
        edges = zip(cycle.pool_ids, cycle.zero_for_one, strict=True)
        return [self._mixed_hop(pool_id, zero_for_one) for pool_id, zero_for_one in edges]

    def _size(self, cycle: Cycle, mixed: list[MixedHop] | None, *, search: bool) -> Sizing | None:
        """The cycle's sizing: the V2 sizing, or the mixed one over `mixed` when a V3 pool is
        on the way."""
        cap = self._max_amount_in.get(cycle.start_token.lower())
        if mixed is not None:
            if search:
                return size_mixed_route(
                    mixed, max_amount_in=cap, certify_budget=self.certify_budget
                )
            return size_mixed_at_optimum(mixed, max_amount_in=cap)
        edges = zip(cycle.pool_ids, cycle.zero_for_one, strict=True)
        hops = [self._hop(pool_id, zero_for_one) for pool_id, zero_for_one in edges]
        if search:
            return size_route(hops, max_amount_in=cap, certify_budget=self.certify_budget)
        return size_at_optimum(hops, max_amount_in=cap)

    def _gas(self, cycle: Cycle, mixed: list[MixedHop] | None, amount_in: int) -> int:
        """The gas model's estimate for the cycle at `amount_in`: its hops by kind, the ticks
        its V3 hops (in `mixed`) cross and their other extra steps, and the loan it can take
        (free from a first V2 pair)."""
        v3_hops = sum(self._is_v3[pool_id] for pool_id in cycle.pool_ids)
        ticks_crossed, extra_steps = (0, 0) if mixed is None else route_v3_work(amount_in, mixed)
        return self.gas_model.estimate(
            len(cycle.pool_ids) - v3_hops,
            v3_hops,
            ticks_crossed=ticks_crossed,
            extra_steps=extra_steps,
            first_hop_v2=not self._is_v3[cycle.pool_ids[0]],
        )

    def _size_and_price(
        self, cycle: Cycle, prices: dict[str, tuple[Fraction, float] | None], *, search: bool
    ) -> Opportunity | None:
        start = cycle.start_token
        self.counters.sized += 1
        mixed = self._mixed_hops(cycle)
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
        gas_price_wei = self.base_fee_wei + self.priority_fee_wei
        gas_cost_wei = gas_estimate * gas_price_wei
        native_rate, unit_usd = start_prices
        # The gas cost in the start token, rounded up: it is a cost.
        gas_in_token = -(-(gas_cost_wei * native_rate.numerator) // native_rate.denominator)
        net_profit = sizing.profit - gas_in_token
        return Opportunity(
            id=opportunity_id(self.chain_id, self.block_number, cycle, sizing.amount_in),
            chain_id=self.chain_id,
            block_number=self.block_number,
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
        )

    def resize_for_loan(
        self, opportunity: Opportunity, loan_fee: Callable[[int], int]
    ) -> Opportunity | None:
        """`opportunity` re-sized for a loan charging `loan_fee`(amount)
        (`loan_sizing.resized_opportunity`) on the pool states it was priced on; None when it
        was not priced on this detector's states (a pool of its route has changed since, or
        it did not come from a block) or keeps nothing after the fee."""
        if opportunity.source is not OpportunitySource.BLOCK:
            return None
        hops: list[MixedHop] = []
        for hop in opportunity.route.hops:
            if hop.pool not in self.graph:
                return None
            pool_id = self.graph.pool_id(hop.pool)
            if self._states[pool_id].block_number > opportunity.block_number:
                return None
            hops.append(self._mixed_hop(pool_id, hop.zero_for_one))
        resized = resized_opportunity(opportunity, hops, loan_fee)
        if resized is not None:
            self.counters.route_evaluations += resized.evaluated
            return resized.opportunity
        return None

    def shortfall(self, opportunity: Opportunity) -> str | None:
        """Why an opportunity is not worth sending (None when it is)."""
        minimum = max(self._min_net_profit.get(opportunity.route.token_in.lower(), 0), 1)
        if opportunity.net_profit >= minimum:
            return None
        return (
            f"net profit {opportunity.net_profit} < minimum {minimum} "
            f"(gross {opportunity.gross_profit}, gas {opportunity.gas_cost_wei} wei): "
            "too small to pay for gas"
        )


def opportunity_id(chain_id: int, block_number: int, cycle: Cycle, amount_in: int) -> str:
    """A deterministic id: the same cycle, block and amount always give the same id."""
    hops = ",".join(f"{h.pool.lower()}:{int(h.zero_for_one)}" for h in cycle.route.hops)
    text = f"{chain_id}:{block_number}:{hops}:{amount_in}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
