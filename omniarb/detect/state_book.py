"""The detector's state book: the latest state of every pool, and the views of them that the
evaluation reads.

    book = StateBook(chain_id=1, base_tokens=[weth, usdc, usdt, dai], epsilon=1e-9)
    changed = book.apply(states)     # their pool ids; unseen pools add their cycles
    cycle_ids = book.cycles_through(changed)

Applying a state keeps three things in step with it: the `CycleGraph` (a new pool's cycles), the
`CycleScreen`'s reserves (which the screen reads for every cycle at once, and which bound a pool
without a closed form for the bracketed search), and the per-direction `HopReserves` the sizing
reads, rebuilt lazily once per state and shared by all its cycles. The book answers lookups by
address and by token pair (it is the pricer's `PairBook`) and hands out a cycle's or a route's
hops for the sizing. It only holds what the state stage sends: reading pools from the chain is
each kind's `PoolBook` (`omniarb.dex.base`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from omniarb.detect.bracket_sizing import BracketRoute
from omniarb.detect.exact_hop import ExactHop, screen_bound
from omniarb.detect.graph import Cycle, CycleGraph
from omniarb.detect.mixed_hops import MixedHop, RouteHop
from omniarb.detect.screen import CycleScreen, IntArray, ScreenResult
from omniarb.detect.sizing import HopReserves
from omniarb.dex.base import PoolState
from omniarb.types import Route

__all__ = ["StateBook"]


class StateBook:
    """The latest state of every pool on one chain, with their cycles.

    The sizing takes a pool as one constant-product curve for every size (a state's
    `constant_product`: Uniswap V2 and its forks), as a curve of pieces (its `piecewise`:
    V3's tick ranges), walked piece by piece, or, for a pool with neither (a Balancer pool),
    as its exact swap alone, which a bracketed search sizes (`bracket_route`)."""

    def __init__(
        self,
        *,
        chain_id: int,
        base_tokens: Sequence[str],
        epsilon: float,
        first_start: str | None = None,
    ) -> None:
        self.chain_id = chain_id
        self.graph = CycleGraph(chain_id=chain_id, base_tokens=base_tokens, first_start=first_start)
        self.screen = CycleScreen(epsilon=epsilon)
        self._states: list[PoolState] = []
        self._piecewise: list[bool] = []  # per pool id: not one constant-product curve
        self._piecewise_count = 0
        self._opaque: list[bool] = []  # per pool id: neither constant product nor pieces
        self._opaque_count = 0
        self._hops: list[HopReserves | None] = []  # per (pool, direction), for the current state
        self._cycle_arrays: dict[int, IntArray] = {}
        self._views: dict[str, list[int]] = {}  # by lowercase pool address

    @property
    def cycle_count(self) -> int:
        return len(self.graph.cycles)

    def pool_state(self, key: str) -> PoolState:
        """The current state of a pool of any kind, by state key (for a pool with one state,
        its address)."""
        return self.state_by_id(self.graph.pool_id(key))

    def state_by_id(self, pool_id: int) -> PoolState:
        """The state the book's views read for a pool id (an overlay answers its own)."""
        return self._states[pool_id]

    def views_of(self, address: str) -> list[int]:
        """The pool ids of every state of the pool contract at `address` (any case): one for
        most pools, one per pair of a multi-token pool."""
        return self._views.get(address.lower(), [])

    def screen_cycles(self, cycle_ids: IntArray | None) -> ScreenResult:
        """The screen's candidates among `cycle_ids` (all when None) at the book's states."""
        return self.screen.screen(cycle_ids)

    def pair_states(self, token_a: str, token_b: str) -> list[PoolState]:
        """The current states of the constant-product pools between two tokens (the pricer's
        `PairBook`, which values amounts at reserve ratios)."""
        ids = self.graph.pair_pool_ids(token_a, token_b)
        return [self.state_by_id(i) for i in ids if not self._piecewise[i]]

    def apply(self, states: Iterable[PoolState]) -> list[int]:
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
            if state.state_key not in self.graph:
                self._add(state)
            pool_id = self.graph.pool_id(state.state_key)
            if state.kind != self.graph.pools[pool_id].kind:
                raise ValueError(f"pool {state.address} cannot change kind to {state.kind}")
            self._states[pool_id] = state
            self._hops[2 * pool_id] = self._hops[2 * pool_id + 1] = None
            reserve0, reserve1 = state.screen_reserves()
            # Fee rounded down to basis points: the screen may only be optimistic.
            self.screen.set_pool(pool_id, reserve0, reserve1, state.fee_pips // 100)
            changed.append(pool_id)
        return changed

    def _add(self, state: PoolState) -> None:
        piecewise = state.constant_product(True) is None
        opaque = piecewise and state.piecewise(True) is None
        new_cycles = self.graph.add_pools([state])
        self._views.setdefault(state.address.lower(), []).append(len(self._states))
        self._states.append(state)
        self._piecewise.append(piecewise)
        self._piecewise_count += piecewise
        self._opaque.append(opaque)
        self._opaque_count += opaque
        self._hops += [None, None]
        self.screen.add_cycles(
            [list(zip(c.pool_ids, c.zero_for_one, strict=True)) for c in new_cycles]
        )
        for cycle in new_cycles:
            for pool_id in cycle.pool_ids:
                self._cycle_arrays.pop(pool_id, None)

    def cycles_through(self, pool_ids: Sequence[int]) -> IntArray:
        """The ids of the cycles through any of `pool_ids`: those a change to them can move."""
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

    def hop(self, pool_id: int, zero_for_one: bool) -> HopReserves:
        """A constant-product pool's reserves in one direction, built once per state and
        shared by its cycles."""
        slot = 2 * pool_id + (0 if zero_for_one else 1)
        hop = self._hops[slot]
        if hop is None:
            curve = self.state_by_id(pool_id).constant_product(zero_for_one)
            if curve is None:
                raise TypeError(f"pool id {pool_id} has no single constant-product curve")
            hop = HopReserves(reserve_in=curve[0], reserve_out=curve[1], fee_bps=curve[2])
            self._hops[slot] = hop
        return hop

    def reserve_hops(self, cycle: Cycle) -> list[HopReserves]:
        """The hops of a cycle of constant-product pools only, for `sizing`."""
        edges = zip(cycle.pool_ids, cycle.zero_for_one, strict=True)
        return [self.hop(pool_id, zero_for_one) for pool_id, zero_for_one in edges]

    def bracket_route(self, cycle: Cycle) -> BracketRoute | None:
        """The cycle's hops and their screen stand-ins for the bracketed search, when a pool of
        the cycle has neither one constant-product curve nor pieces; None otherwise."""
        opaque = self._opaque
        if not (self._opaque_count and any(opaque[pool_id] for pool_id in cycle.pool_ids)):
            return None
        edges = list(zip(cycle.pool_ids, cycle.zero_for_one, strict=True))
        return BracketRoute(
            tuple(self._route_hop(pool_id, zero_for_one) for pool_id, zero_for_one in edges),
            tuple(self._bound(pool_id, zero_for_one) for pool_id, zero_for_one in edges),
        )

    def _bound(self, pool_id: int, zero_for_one: bool) -> HopReserves:
        """The screen's constant-product stand-in of a pool in one direction (asked of the
        state again rather than kept: only these cycles need it, not every update)."""
        state = self.state_by_id(pool_id)
        return screen_bound(state.screen_reserves(), state.fee_pips, zero_for_one)

    def mixed_hops(self, cycle: Cycle) -> list[MixedHop] | BracketRoute | None:
        """The cycle's hops for the mixed sizing; its `bracket_route` when a pool of the cycle
        has no closed form at all; None when all its pools are one constant-product curve each
        (the closed-form sizing then applies)."""
        piecewise = self._piecewise
        if not (self._piecewise_count and any(piecewise[pool_id] for pool_id in cycle.pool_ids)):
            return None
        if self._opaque_count:
            bracket = self.bracket_route(cycle)
            if bracket is not None:
                return bracket
        edges = zip(cycle.pool_ids, cycle.zero_for_one, strict=True)
        return [self._mixed_hop(pool_id, zero_for_one) for pool_id, zero_for_one in edges]

    def route_hops(self, route: Route, *, priced_at_block: int) -> list[RouteHop] | None:
        """The route's hops at the stored states, if those are still the states of block
        `priced_at_block`: None when a pool of the route is unknown or has changed since."""
        hops: list[RouteHop] = []
        for hop in route.hops:
            pool_id = self.graph.hop_pool_id(hop)
            if pool_id is None:
                return None
            if self.state_by_id(pool_id).block_number > priced_at_block:
                return None
            hops.append(self._route_hop(pool_id, hop.zero_for_one))
        return hops

    def _mixed_hop(self, pool_id: int, zero_for_one: bool) -> MixedHop:
        curve = self.state_by_id(pool_id).piecewise(zero_for_one)
        return self.hop(pool_id, zero_for_one) if curve is None else curve

    def _route_hop(self, pool_id: int, zero_for_one: bool) -> RouteHop:
        if self._opaque[pool_id]:
            return ExactHop.of(self.state_by_id(pool_id), zero_for_one)
        return self._mixed_hop(pool_id, zero_for_one)
