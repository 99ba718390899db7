"""The V4 pool as the detector's piecewise curve: its pieces bound the exact swaps from above
(the pool rounds in its own favour), meet end to end, and its exact swaps are the pool's."""

from __future__ import annotations

from itertools import pairwise

from _v3_reference import pools
from _v4_reference import protocol_fees, v4_of
from hypothesis import given, settings
from hypothesis import strategies as st

from omniarb.dex.uniswap_v4 import V4RevertError


@settings(max_examples=150, deadline=None)
@given(pools(), st.sampled_from([0, 500, 3000, 10000]), protocol_fees, st.booleans(), st.data())
def test_pieces_bound_the_exact_swaps(v3, lp_fee, protocol_fee, zero_for_one, data) -> None:
    state = v4_of(v3, lp_fee=lp_fee, protocol_fee=protocol_fee)
    curve = state.piecewise(zero_for_one)
    assert curve.fee_pips == state.swap_fee_pips(zero_for_one)
    pieces = [piece for _, piece in zip(range(6), curve.pieces(), strict=False)]
    for before, after in pairwise(pieces):
        assert before.amount_in_end == after.amount_in_before
    for piece in pieces:
        if piece.amount_in_end <= piece.amount_in_before:
            continue
        amount = data.draw(st.integers(max(piece.amount_in_before, 1), piece.amount_in_end))
        exact = curve.exact_out(amount)
        work = curve.swap_exact_in(amount)
        if exact is None:
            continue
        assert work is not None
        assert work.amount_out == exact
        try:
            direct = state.swap_exact_input(zero_for_one=zero_for_one, amount_in=amount)
        except V4RevertError:
            continue
        assert direct.amount_out == exact
        assert exact <= piece.map().value_floor(amount)


def test_full_fee_pool_has_no_pieces() -> None:
    from test_v4_swap import small_pool

    curve = small_pool(lp_fee=1_000_000).piecewise(True)
    assert list(curve.pieces()) == []
    assert curve.exact_out(10**15) == 0
