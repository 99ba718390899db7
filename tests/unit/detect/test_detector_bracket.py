"""The detect stage over pools that give it no closed form: routed to the bracketed search, sized
on their exact swaps, priced and re-sized for a loan like every other cycle.

A pool reaches the bracketed search when its state answers None to both `constant_product` and
`piecewise` (a Balancer pool). Here real V2 and V3 states play such pools: the same math, with
both answers withheld (`Opaque*`), so each cycle can also be sized the usual way, through the
untouched states, and the two sizings compared.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from omniarb.detect.exact_hop import ExactHop, screen_bound
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.types import Opportunity

from ._mixed_world import USDC, WETH, Pool, simulate, v2_pool
from .test_detector_mixed import BASE_FEE_WEI, detector, legs_of, v2_world, v3_world, whale


@dataclass(frozen=True, slots=True, kw_only=True)
class OpaqueV3(V3PoolState):
    """A V3 pool that shows the detector no pieces: only its exact swap."""

    def piecewise(self, zero_for_one: bool) -> None:
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class OpaqueV2(V2PoolState):
    """A V2 pair that shows the detector no constant product: only its exact swap."""

    def constant_product(self, zero_for_one: bool) -> None:  # type: ignore[override]
        return None


def opaque_v3(state: V3PoolState) -> OpaqueV3:
    return OpaqueV3(**{f.name: getattr(state, f.name) for f in fields(state)})


def opaque_v2(state: V2PoolState) -> OpaqueV2:
    return OpaqueV2(**{f.name: getattr(state, f.name) for f in fields(state)})


def by_route(found: list[Opportunity]) -> dict[tuple[str, ...], Opportunity]:
    return {o.route.pools: o for o in found}


def check_exact(opportunity: Opportunity, states: dict[str, Pool]) -> None:
    assert opportunity.amount_out == simulate(opportunity.amount_in, legs_of(opportunity, states))
    assert opportunity.gross_profit == opportunity.amount_out - opportunity.amount_in > 0


def test_the_book_takes_pools_without_a_closed_form() -> None:
    d = detector()
    v3 = v3_world()
    hidden = opaque_v3(v3[0])
    d.apply([*v2_world(), hidden, *v3[1:]])
    pool_id = d.graph.pool_id(hidden.address)
    cycles = [d.graph.cycles[i] for i in d.graph.cycles_of(pool_id)]
    assert cycles
    for cycle in cycles:
        route = d.book.bracket_route(cycle)
        assert route is not None
        assert len(route.hops) == len(route.bounds) == len(cycle.pool_ids)
    # The stand-ins follow the states: a new state, new bounds (its screen reserves).
    moved = opaque_v3(whale(v3[0], WETH, 300_000))
    d.apply([moved])
    cycle = cycles[0]
    route = d.book.bracket_route(cycle)
    assert route is not None
    index = cycle.pool_ids.index(pool_id)
    zero_for_one = cycle.zero_for_one[index]
    expected = screen_bound(moved.screen_reserves(), moved.fee_pips, zero_for_one)
    assert (
        route.bounds[index]
        == expected
        != screen_bound(hidden.screen_reserves(), hidden.fee_pips, zero_for_one)
    )
    assert isinstance(route.hops[index], ExactHop)
    assert route.hops[index].state is moved
    # Cycles through none of them keep their usual sizing.
    other = next(c for c in d.graph.cycles if pool_id not in c.pool_ids)
    assert d.book.bracket_route(other) is None
    # The pricer, which values amounts at reserve ratios, does not see them.
    assert d.pair_states(WETH, USDC) == [v2_world()[0]]


def test_a_gap_through_a_pool_without_a_closed_form_is_sized_like_its_walked_twin() -> None:
    v3 = v3_world()
    moved = whale(v3[0], WETH, 300_000)  # WETH gets cheap in the 0.05% pool
    walked, bracketed = detector(), detector()
    walked.apply([*v2_world(), *v3])
    bracketed.apply([*v2_world(), opaque_v3(v3[0]), *v3[1:]])
    plain = walked.detect_states([moved], block_number=2, base_fee_wei=BASE_FEE_WEI)
    found = bracketed.detect_states([opaque_v3(moved)], block_number=2, base_fee_wei=BASE_FEE_WEI)
    assert found
    assert set(by_route(found)) == set(by_route(plain))
    states: dict[str, Pool] = {p.address: p for p in [*v2_world(), moved, *v3[1:]]}
    twins = by_route(plain)
    for opportunity in found:
        check_exact(opportunity, states)
        twin = twins[opportunity.route.pools]
        # Searched or quick alike, within 0.1% of the walk's sizing of the same cycle ...
        assert opportunity.gross_profit * 1000 >= twin.gross_profit * 999
    # ... and the best, which both search in full, within 0.01%.
    best = max(found, key=lambda o: o.net_profit_usd)
    assert best.gross_profit * 10_000 >= twins[best.route.pools].gross_profit * 9_999
    assert bracketed.counters.route_evaluations > 0


def test_a_pair_without_its_constant_product_sizes_like_the_closed_form() -> None:
    skewed = v2_pool(0, WETH, USDC, 5e6, skew=1.02)
    closed, bracketed = detector(), detector()
    closed.apply(v2_world())
    bracketed.apply([opaque_v2(v2_world()[0]), *v2_world()[1:]])
    plain = by_route(closed.detect_states([skewed], block_number=2, base_fee_wei=BASE_FEE_WEI))
    found = bracketed.detect_states([opaque_v2(skewed)], block_number=2, base_fee_wei=BASE_FEE_WEI)
    assert found
    assert set(by_route(found)) == set(plain)
    states: dict[str, Pool] = {p.address: p for p in [skewed, *v2_world()[1:]]}
    for opportunity in found:
        check_exact(opportunity, states)
        assert opportunity.gross_profit * 1000 >= plain[opportunity.route.pools].gross_profit * 999
        # The gas of a hop is its kind's, whatever the sizing.
        assert opportunity.gas_estimate == plain[opportunity.route.pools].gas_estimate
    best = max(found, key=lambda o: o.net_profit_usd)
    assert best.gross_profit * 10_000 >= plain[best.route.pools].gross_profit * 9_999


def test_the_loan_re_sizing_runs_on_the_exact_swaps() -> None:
    v3 = v3_world()
    moved = opaque_v3(whale(v3[0], WETH, 300_000))
    d = detector()
    d.apply([*v2_world(), opaque_v3(v3[0]), *v3[1:]])
    found = d.detect_states([moved], block_number=2, base_fee_wei=BASE_FEE_WEI)
    through = [o for o in found if moved.address in o.route.pools]
    best = max(through, key=lambda o: o.gross_profit)
    resized = d.resize_for_loan(best, lambda amount: amount * 5 // 10_000)
    assert resized is not None
    assert resized.amount_in < best.amount_in
    states: dict[str, Pool] = {p.address: p for p in [*v2_world(), moved, *v3[1:]]}
    assert resized.amount_out == simulate(resized.amount_in, legs_of(resized, states))
    fee = resized.amount_in * 5 // 10_000
    kept = resized.amount_out - resized.amount_in - fee
    assert kept >= best.gross_profit - best.amount_in * 5 // 10_000
