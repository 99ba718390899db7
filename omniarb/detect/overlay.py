"""A what-if view of a `StateBook`: the live states with a few pools replaced, the live book
untouched.

    overlay = OverlayBook(book, {pool_id: post_swap_state, ...})
    evaluator.with_book(overlay).evaluate(book.cycles_through(moved), ...)

A backrun is priced on the state a pending swap leaves behind, before it is mined: the moved
pools' states are the swap's post-states, every other pool is the live one. The overlay shares
the live book's graph, cycles and per-pool flags (a swap changes no pool's kind or tokens) and
reads through to its states and cached hops; what it replaces it keeps to itself, including the
screen's coefficients of those pools (`CycleScreen.screen_patched`). Nothing here writes to the
live book, so the state stage may apply the next block's states while backruns are priced; an
overlay is built per pending transaction and thrown away.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from omniarb.detect.screen import IntArray, ScreenResult
from omniarb.detect.sizing import HopReserves
from omniarb.detect.state_book import StateBook
from omniarb.dex.base import PoolState

__all__ = ["OverlayBook"]


class OverlayBook(StateBook):
    """`base` with the states of `states` (pool id → state) in place of its own."""

    def __init__(self, base: StateBook, states: Mapping[int, PoolState]) -> None:
        # Not `StateBook.__init__`: the overlay shares the base's graph and per-pool facts.
        self.base = base
        self.chain_id = base.chain_id
        self.graph = base.graph
        self.screen = base.screen
        self._piecewise = base._piecewise
        self._piecewise_count = base._piecewise_count
        self._opaque = base._opaque
        self._opaque_count = base._opaque_count
        self._cycle_arrays = base._cycle_arrays  # graph facts only: shared, filled lazily
        self._views = base._views
        self._overrides = dict(states)
        self._override_hops: dict[int, HopReserves] = {}
        for pool_id, state in self._overrides.items():
            if state.state_key != self.graph.pools[pool_id].key:
                raise ValueError(f"state of {state.state_key} given for pool id {pool_id}")

    @property
    def moved(self) -> list[int]:
        """The pool ids the overlay replaces."""
        return list(self._overrides)

    def apply(self, states: Iterable[PoolState]) -> list[int]:
        raise TypeError("an overlay is read-only: apply states to the live book")

    def state_by_id(self, pool_id: int) -> PoolState:
        state = self._overrides.get(pool_id)
        return self.base.state_by_id(pool_id) if state is None else state

    def hop(self, pool_id: int, zero_for_one: bool) -> HopReserves:
        if pool_id not in self._overrides:
            return self.base.hop(pool_id, zero_for_one)
        slot = 2 * pool_id + (0 if zero_for_one else 1)
        hop = self._override_hops.get(slot)
        if hop is None:
            curve = self._overrides[pool_id].constant_product(zero_for_one)
            if curve is None:
                raise TypeError(f"pool id {pool_id} has no single constant-product curve")
            hop = HopReserves(reserve_in=curve[0], reserve_out=curve[1], fee_bps=curve[2])
            self._override_hops[slot] = hop
        return hop

    def screen_cycles(self, cycle_ids: IntArray | None) -> ScreenResult:
        if cycle_ids is None:
            cycle_ids = np.arange(self.cycle_count, dtype=np.int64)
        patches = {}
        for pool_id, state in self._overrides.items():
            reserve0, reserve1 = state.screen_reserves()
            patches[pool_id] = (reserve0, reserve1, state.fee_pips // 100)
        return self.screen.screen_patched(cycle_ids, patches)
