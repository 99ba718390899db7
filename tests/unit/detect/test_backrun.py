"""Backruns on plain values: a pending swap's post-states, the search on them, and the skips.

The reference for the search is the block path: a second detector that is handed the same
post-states as a block's update must find the very same opportunities (route, size, profit,
gas) as the backrun search finds on its overlay, and the live book must not move.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from omniarb.chain_events import NewHead
from omniarb.detect.backrun import BackrunSearch, backrun_id
from omniarb.detect.detector import CycleDetector
from omniarb.detect.overlay import OverlayBook
from omniarb.detect.pending_swaps import SkippedSwapError, SkipReason, apply_swaps
from omniarb.dex.base import PoolState
from omniarb.dex.router_swap import RouterSwap
from omniarb.dex.uniswap_v2.math import get_amount_in, get_amount_out
from omniarb.gas import GasModel
from omniarb.types import Opportunity, OpportunitySource

from ._balancer_world import stable_pool, weighted_pair
from ._mixed_world import DAI, USDC, USDT, WETH, Band, v2_pool, v3_pool

NOW = 1_700_000_000
HEAD = NewHead(
    chain_id=1,
    number=7,
    hash="0x" + "77" * 32,
    parent_hash="0x" + "66" * 32,
    timestamp=NOW,
    base_fee_wei=10**9,
    logs_bloom=b"\x00" * 256,
    received_ns=0,
)
TX = "0x" + "ab" * 32
V2_DEXES = frozenset({"dex-a"})
V3_DEXES = frozenset({"uniswap-v3"})
BALANCER = frozenset({"balancer-v2"})
_STABLE = stable_pool(1, (2e6, 2e6, 2e6), amp=200)
# A Vault pool id as the Vault makes them: the pool's address, its specialization, a nonce.
STABLE = replace(_STABLE, pool_id=_STABLE.address.lower() + "0000" + "00" * 9 + "07")


def world() -> list[PoolState]:
    from omniarb.dex.balancer import StablePair

    return [
        v2_pool(0, WETH, USDC, 2e6),
        v2_pool(1, USDC, DAI, 1e6),
        v2_pool(2, WETH, DAI, 1e6),
        v2_pool(3, WETH, USDT, 1e6),
        v3_pool(4, WETH, USDC, fee_pips=3000, bands=[Band(width=30, depth_usd=3e6)]),
        weighted_pair(5, WETH, USDT, weight_a=0.5, depth_usd=2e6),
        StablePair.of(STABLE, USDC, USDT),
        StablePair.of(STABLE, USDC, DAI),
        StablePair.of(STABLE, USDT, DAI),
    ]


def detector() -> CycleDetector:
    found = CycleDetector(
        chain_id=1,
        base_tokens=[WETH, USDC, USDT, DAI],
        wrapped_native=WETH,
        stablecoin_decimals={USDC: 6, USDT: 6, DAI: 18},
        gas_model=GasModel(),
        priority_fee_wei=10**9,
    )
    found.apply(world())
    return found


def swap(path: tuple[str, ...], **fields: object) -> RouterSwap:
    values: dict[str, object] = {
        "router_kind": "test",
        "function": "swapExactTokensForTokens",
        "path": path,
        "exact_input": True,
        "amount_in": None,
        "amount_out": None,
        "amount_out_min": 0,
        "amount_in_max": None,
        "recipient": "0x" + "99" * 20,
        "deadline": NOW + 60,
    }
    values.update(fields)
    return RouterSwap(**values)  # type: ignore[arg-type]


def essence(opportunity: Opportunity) -> tuple[object, ...]:
    return (
        opportunity.route,
        opportunity.amount_in,
        opportunity.amount_out,
        opportunity.gross_profit,
        opportunity.gas_estimate,
        opportunity.net_profit,
        opportunity.block_number,
        # Priced on the post-states: its pools' depths are theirs, not the live book's.
        opportunity.min_pool_depth,
    )


def live_snapshot(found: CycleDetector) -> tuple[list[PoolState], list[np.ndarray]]:
    book = found.book
    states = [book.state_by_id(i) for i in range(len(book.graph.pools))]
    arrays = [a.copy() for a in (book.screen._k, book.screen._m, book.screen._rate)]
    return states, arrays


CASES = {
    "v2 exact input": (swap((WETH, USDC), amount_in=200 * 10**18), V2_DEXES),
    "v2 exact output, two hops": (
        swap(
            (WETH, USDC, DAI),
            exact_input=False,
            function="swapTokensForExactTokens",
            amount_out=150_000 * 10**18,
            amount_out_min=None,
            amount_in_max=10**30,
        ),
        V2_DEXES,
    ),
    "v3 exact input by fee": (
        swap((USDC, WETH), amount_in=100_000 * 10**6, fees_pips=(3000,)),
        V3_DEXES,
    ),
    "balancer by pool id": (
        swap((USDC, USDT), amount_in=1_000_000 * 10**6, pool_ids=(STABLE.pool_id,)),
        BALANCER,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_backrun_equals_the_block_path_on_the_post_state(name: str) -> None:
    pending, dexes = CASES[name]
    live = detector()
    before = live_snapshot(live)
    search = BackrunSearch(detector=live)
    found = search.search(TX, [pending], router_dexes=dexes, head=HEAD)
    effect = search.effect([pending], router_dexes=dexes, head=HEAD)

    reference = detector()
    expected = reference.detect_states(
        list(effect.states.values()), block_number=HEAD.number, base_fee_wei=HEAD.base_fee_wei
    )
    assert found, "a large swap leaves a gap to backrun"
    assert [essence(o) for o in found] == [essence(o) for o in expected]
    assert all(o.source is OpportunitySource.MEMPOOL and o.trigger_tx == TX for o in found)
    assert [o.id for o in found] == [backrun_id(o.id, TX) for o in expected]
    after = live_snapshot(live)
    assert after[0] == before[0]
    for old, new in zip(before[1], after[1], strict=True):
        np.testing.assert_array_equal(old, new)


def test_v2_moves_are_router02_amounts() -> None:
    live = detector()
    amount_out = 150_000 * 10**18
    pending = CASES["v2 exact output, two hops"][0]
    effect = apply_swaps(live.book, [pending], router_dexes=V2_DEXES, next_timestamp=NOW + 1)
    weth_usdc, usdc_dai = world()[0], world()[1]
    # Router02.getAmountsIn, from the last hop back, on the states before the swap.
    usdc_in = get_amount_in(amount_out, *usdc_dai.constant_product(usdc_dai.token0 == USDC))
    weth_in = get_amount_in(usdc_in, *weth_usdc.constant_product(weth_usdc.token0 == WETH))
    assert [(m.amount_in, m.amount_out) for m in effect.moves] == [
        (weth_in, usdc_in),
        (usdc_in, amount_out),
    ]
    moved = effect.states[effect.moves[0].pool_id]
    assert moved.constant_product(moved.token0 == WETH)[:2] == (  # type: ignore[index]
        weth_usdc.constant_product(weth_usdc.token0 == WETH)[0] + weth_in,  # type: ignore[index]
        weth_usdc.constant_product(weth_usdc.token0 == WETH)[1] - usdc_in,  # type: ignore[index]
    )
    exact_in = swap((WETH, USDC), amount_in=10**18)
    effect = apply_swaps(live.book, [exact_in], router_dexes=V2_DEXES, next_timestamp=NOW + 1)
    assert effect.moves[0].amount_out == get_amount_out(
        10**18, *weth_usdc.constant_product(weth_usdc.token0 == WETH)
    )


def test_a_swap_through_one_pair_moves_every_pair_of_the_pool() -> None:
    live = detector()
    pending = CASES["balancer by pool id"][0]
    effect = apply_swaps(live.book, [pending], router_dexes=BALANCER, next_timestamp=NOW + 1)
    assert len(effect.moves) == 1
    moved_pools = {state.pool for state in effect.states.values()}  # type: ignore[attr-defined]
    assert len(effect.states) == 3
    assert len(moved_pools) == 1
    (pool,) = moved_pools
    move = effect.moves[0]
    assert pool.balances[STABLE.index(USDC)] == STABLE.balances[STABLE.index(USDC)] + move.amount_in
    assert (
        pool.balances[STABLE.index(USDT)] == STABLE.balances[STABLE.index(USDT)] - move.amount_out
    )
    assert move.amount_out == STABLE.amount_out(USDC, USDT, move.amount_in)


def test_multicall_swaps_run_in_order_on_each_other() -> None:
    live = detector()
    first = swap((WETH, USDC), amount_in=50 * 10**18)
    effect = apply_swaps(live.book, [first, first], router_dexes=V2_DEXES, next_timestamp=NOW + 1)
    one = apply_swaps(live.book, [first], router_dexes=V2_DEXES, next_timestamp=NOW + 1)
    assert effect.moves[1].amount_out < effect.moves[0].amount_out == one.moves[0].amount_out


SKIPS = {
    SkipReason.DEADLINE: (swap((WETH, USDC), amount_in=10**18, deadline=NOW), V2_DEXES),
    SkipReason.OUTPUT_BELOW_MINIMUM: (
        swap((WETH, USDC), amount_in=10**18, amount_out_min=10**12),
        V2_DEXES,
    ),
    SkipReason.INPUT_ABOVE_MAXIMUM: (
        swap(
            (WETH, USDC),
            exact_input=False,
            amount_out=1000 * 10**6,
            amount_out_min=None,
            amount_in_max=10**15,
        ),
        V2_DEXES,
    ),
    SkipReason.UNKNOWN_POOL: (swap((USDT, "0x" + "f0" * 20), amount_in=10**18), V2_DEXES),
    SkipReason.AMBIGUOUS_POOL: (
        swap((WETH, USDC), amount_in=10**18),
        frozenset({"dex-a", "uniswap-v3"}),
    ),
    SkipReason.FEE_ON_TRANSFER: (
        swap((WETH, USDC), amount_in=10**18, fee_on_transfer=True),
        V2_DEXES,
    ),
    SkipReason.PRICE_LIMIT: (
        swap((USDC, WETH), amount_in=10**6, fees_pips=(3000,), sqrt_price_limit_x96=5),
        V3_DEXES,
    ),
    SkipReason.REPEATED_POOL: (swap((WETH, USDC, WETH), amount_in=10**18), V2_DEXES),
    SkipReason.NO_AMOUNT: (swap((WETH, USDC), amount_in=0), V2_DEXES),
    SkipReason.REVERTS: (
        swap((WETH, USDC), exact_input=False, amount_out=10**30, amount_out_min=None),
        V2_DEXES,
    ),
}


@pytest.mark.parametrize("reason", list(SKIPS))
def test_a_swap_that_would_revert_or_cannot_be_known_is_skipped_and_counted(
    reason: SkipReason,
) -> None:
    pending, dexes = SKIPS[reason]
    live = detector()
    with pytest.raises(SkippedSwapError) as raised:
        apply_swaps(live.book, [pending], router_dexes=dexes, next_timestamp=NOW + 1)
    assert raised.value.reason is reason
    search = BackrunSearch(detector=live)
    # A good swap first in the same transaction: the bad one still skips it all.
    good = swap((WETH, USDT), amount_in=10**18)
    assert search.search(TX, [good, pending], router_dexes=dexes | V2_DEXES, head=HEAD) == []
    assert search.counters.skipped == {reason: 1}


def test_the_overlay_is_read_only_and_checks_its_keys() -> None:
    live = detector()
    state = live.book.state_by_id(0)
    overlay = OverlayBook(live.book, {0: state})
    with pytest.raises(TypeError):
        overlay.apply([state])
    with pytest.raises(ValueError, match="pool id 1"):
        OverlayBook(live.book, {1: state})


def test_screen_patched_equals_the_screen_after_set_pool() -> None:
    live = detector()
    moved = replace(world()[0], reserve0=world()[0].reserve0 * 2)  # type: ignore[type-var]
    cycle_ids = live.book.cycles_through([0])
    patched = live.book.screen.screen_patched(cycle_ids, {0: (moved.reserve0, moved.reserve1, 30)})
    live.book.apply([moved])
    plain = live.book.screen.screen(cycle_ids)
    assert len(plain) > 0
    np.testing.assert_array_equal(patched.cycle_ids, plain.cycle_ids)
    np.testing.assert_array_equal(patched.estimated_profit, plain.estimated_profit)


def test_a_backrun_resized_for_a_loan_is_sized_on_the_post_state() -> None:
    pending, dexes = CASES["v3 exact input by fee"]
    live = detector()
    search = BackrunSearch(detector=live)
    effect = search.effect([pending], router_dexes=dexes, head=HEAD)
    (best, *_) = search.search_effect(TX, effect, head=HEAD)
    free = search.resize_for_loan(best, effect, lambda amount: 0)
    assert free is not None
    # A free loan keeps the whole profit (the optimum is flat: the size may move a little).
    assert free.gross_profit >= best.gross_profit
    fee = search.resize_for_loan(best, effect, lambda amount: amount * 9 // 10_000)
    assert fee is not None
    assert fee.trigger_tx == TX
    assert fee.source is OpportunitySource.MEMPOOL
    assert 0 < fee.amount_in < best.amount_in
    assert fee.gross_profit < best.gross_profit
    # The detector's own re-sizing refuses it: it sizes on the live states, before the swap.
    assert live.resize_for_loan(best, lambda amount: 0) is None
