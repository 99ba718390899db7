"""WeightedMath and StableMath ported from Balancer V2: hand-derived vectors, the swap limits,
and the rounding always in the pool's favour."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniarb.dex.balancer import stable_math, weighted_math
from omniarb.dex.balancer.errors import BalancerRevertError

ONE = 10**18
HALF = ONE // 2


def test_50_50_out_given_in_is_the_constant_product_with_balancer_rounding() -> None:
    """With equal weights the exponent is 1 (powUp's shortcut): out = bO·(1 - bI/(bI + aI)),
    the ratio rounded up, the product down."""
    b_in, b_out, a_in = 1000 * ONE, 2000 * ONE, 10 * ONE
    ratio_up = -(-b_in * ONE // (b_in + a_in))
    expected = b_out * (ONE - ratio_up) // ONE
    assert weighted_math.calc_out_given_in(b_in, HALF, b_out, HALF, a_in) == expected
    assert expected < b_out * a_in // (b_in + a_in) + 1


def test_weighted_swaps_stop_at_30_percent() -> None:
    b = 1000 * ONE
    weighted_math.calc_out_given_in(b, HALF, b, HALF, 300 * ONE)
    with pytest.raises(BalancerRevertError, match="BAL#304"):
        weighted_math.calc_out_given_in(b, HALF, b, HALF, 300 * ONE + 1)
    with pytest.raises(BalancerRevertError, match="BAL#305"):
        weighted_math.calc_in_given_out(b, HALF, b, HALF, 300 * ONE + 1)


WEIGHTS = st.sampled_from(
    [
        (HALF, HALF),
        (8 * ONE // 10, 2 * ONE // 10),
        (7 * ONE // 10, 3 * ONE // 10),
        (2 * ONE // 10, 8 * ONE // 10),
        (4 * ONE // 10, 35 * ONE // 100),
    ]
)


@given(
    st.integers(min_value=10**18, max_value=10**30),
    st.integers(min_value=10**18, max_value=10**30),
    WEIGHTS,
    st.floats(min_value=1e-9, max_value=0.29),
)
def test_weighted_swaps_round_in_the_pools_favour(
    b_in: int, b_out: int, weights: tuple[int, int], share: float
) -> None:
    """Paid out never more, and taken in never less, than the exact curve gives."""
    w_in, w_out = weights
    amount = int(min(b_in, b_out) * share) + 1
    with localcontext() as ctx:
        ctx.prec = 60
        exponent = Decimal(w_in) / Decimal(w_out)
        true_out = Decimal(b_out) * (1 - (Decimal(b_in) / (b_in + amount)) ** exponent)
        true_in = Decimal(b_in) * ((Decimal(b_out) / (b_out - amount)) ** (1 / exponent) - 1)
    assert weighted_math.calc_out_given_in(b_in, w_in, b_out, w_out, amount) <= true_out
    assert weighted_math.calc_in_given_out(b_in, w_in, b_out, w_out, amount) >= true_in


def test_balanced_stable_invariant_is_the_sum() -> None:
    """For equal balances D = Σx is a fixed point of the Newton step: the invariant is exact."""
    balances = [10**24] * 3
    assert stable_math.calculate_invariant(200 * stable_math.AMP_PRECISION, balances) == 3 * 10**24
    assert stable_math.calculate_invariant(5000 * stable_math.AMP_PRECISION, [7, 7]) == 14


def test_stable_balance_given_invariant_recovers_the_balance() -> None:
    amp = 500 * stable_math.AMP_PRECISION
    balances = [3 * 10**24, 2 * 10**24, 25 * 10**23]
    invariant = stable_math.calculate_invariant(amp, balances)
    for k in range(3):
        found = stable_math.get_token_balance_given_invariant_and_all_other_balances(
            amp, balances, invariant, k
        )
        # Newton stops within 1 of the invariant's balance, which D itself misses by ~1.
        assert abs(found - balances[k]) <= balances[k] // 10**18


@given(
    st.lists(st.integers(min_value=10**20, max_value=10**26), min_size=2, max_size=5),
    st.integers(min_value=1, max_value=5000),
    st.floats(min_value=1e-9, max_value=0.9),
    st.data(),
)
def test_stable_swaps_round_in_the_pools_favour(
    balances: list[int], amp: int, share: float, data: st.DataObject
) -> None:
    amp *= stable_math.AMP_PRECISION
    i, j = data.draw(st.permutations(range(len(balances))))[:2]
    amount = int(balances[i] * share) + 1
    """The output is below the balance, and the invariant after the swap is not below the
    invariant before (up to Newton's ±1): the trader never takes value out of the pool."""
    try:
        invariant = stable_math.calculate_invariant(amp, balances)
        out = stable_math.calc_out_given_in(amp, balances, i, j, amount, invariant)
        after = list(balances)
        after[i] += amount
        after[j] -= out
        invariant_after = stable_math.calculate_invariant(amp, after)
    except BalancerRevertError as exc:
        reason = exc.reason
    else:
        assert out < balances[j]
        assert invariant_after >= invariant - 1
        return
    assert reason in {"BAL#321", "BAL#322"}  # far out of balance, Newton may not converge
