"""Balancer pool state values: the Vault's checks around a swap, the two-token `PoolState`
views (fee in pips, spot price, screen reserves that bound the pool from above), and the
appliers of the Vault's `Swap` and `PoolBalanceChanged` logs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omniarb.chain_events import ChainLog
from omniarb.chains.abi import encode_args
from omniarb.dex.balancer import (
    BalancerRevertError,
    ComposableStablePoolState,
    StablePair,
    WeightedPair,
    WeightedPoolState,
    apply_pool_balance_changed,
    apply_swap,
    fee_pips_of,
)
from omniarb.dex.balancer.events import POOL_BALANCE_CHANGED_TOPIC, SWAP_TOPIC

ONE = 10**18
A = "0x1000000000000000000000000000000000000001"
B = "0x2000000000000000000000000000000000000002"
C = "0x3000000000000000000000000000000000000003"
BPT = "0x2500000000000000000000000000000000000025"
POOL_ID = "0x" + "ab" * 32


def weighted(b0: int, b1: int, w0: int, decimals: tuple[int, int] = (18, 6)) -> WeightedPoolState:
    return WeightedPoolState(
        chain_id=1,
        address="0x00000000000000000000000000000000000000aa",
        dex="balancer-v2",
        vault="0x00000000000000000000000000000000000000bb",
        pool_id=POOL_ID,
        tokens=(A, B),
        balances=(b0, b1),
        scaling_factors=tuple(10 ** (18 - d) * ONE for d in decimals),
        swap_fee_percentage=3 * 10**15,
        block_number=7,
        normalized_weights=(w0, ONE - w0),
    )


def stable(balances: tuple[int, int, int], amp: int) -> ComposableStablePoolState:
    return ComposableStablePoolState(
        chain_id=1,
        address=BPT,
        dex="balancer-v2",
        vault="0x00000000000000000000000000000000000000bb",
        pool_id=POOL_ID,
        tokens=(A, B, BPT, C),
        balances=(balances[0], balances[1], 2**111, balances[2]),
        scaling_factors=(10**12 * ONE, 10**12 * ONE, ONE, ONE),
        swap_fee_percentage=10**14,
        block_number=7,
        amplification_parameter=amp * 1000,
        bpt_index=2,
    )


def test_the_vaults_checks() -> None:
    pool = weighted(100 * ONE, 300_000 * 10**6, ONE // 2)
    with pytest.raises(BalancerRevertError, match="BAL#510"):
        pool.amount_out(A, B, 0)
    with pytest.raises(BalancerRevertError, match="BAL#509"):
        pool.amount_out(A, A.upper().replace("0X", "0x"), 5)
    with pytest.raises(ValueError, match="not a token"):
        pool.amount_out(A, C, 5)
    with pytest.raises(ValueError, match="join or exit"):
        stable((10**12, 10**12, 10**24), 200).amount_out(A, BPT, 5)


def test_fee_pips() -> None:
    assert fee_pips_of(3 * 10**15) == 3000
    assert fee_pips_of(10**12) == 1
    assert fee_pips_of(10**16 + 12345) == 10_001  # rounded up, never understated


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=10**18, max_value=10**26),
    st.integers(min_value=10**6, max_value=10**14),
    st.sampled_from([ONE // 2, 8 * ONE // 10, 2 * ONE // 10, ONE // 100, 99 * ONE // 100]),
    st.floats(min_value=1e-7, max_value=0.35),
    st.booleans(),
)
def test_weighted_screen_reserves_bound_the_pool(
    b0: int, b1: int, w0: int, share: float, zero_for_one: bool
) -> None:
    pair = WeightedPair.of(weighted(b0, b1, w0), B, A)
    assert (pair.token0, pair.token1) == (A, B)
    reserve0, reserve1 = pair.screen_reserves()
    token_in, r_in, r_out = (A, reserve0, reserve1) if zero_for_one else (B, reserve1, reserve0)
    amount = int((b0 if zero_for_one else b1) * share) + 1
    fee_free = amount * (10**6 - pair.fee_pips) // 10**6
    bound = r_out * fee_free / (r_in + fee_free)
    if amount * (10**6 - pair.fee_pips) // 10**6 > (b0 if zero_for_one else b1) * 3 // 10:
        with pytest.raises(BalancerRevertError, match="BAL#304"):
            pair.amount_out(token_in, amount)
        return
    # To within the rounding of the reserves to integers (one part in the smaller one).
    assert pair.amount_out(token_in, amount) <= bound * (1 + 2 / min(r_in, r_out)) + 1


@settings(max_examples=150, deadline=None)
@given(
    st.tuples(*[st.integers(min_value=10**9, max_value=10**15)] * 2),
    st.integers(min_value=10**21, max_value=10**27),
    st.sampled_from([1, 50, 200, 2000, 5000]),
    st.floats(min_value=-9, max_value=1.5),
    st.sampled_from([(A, B), (B, A), (A, C), (C, B)]),
)
def test_stable_screen_reserves_bound_the_pool(
    six_decimals: tuple[int, int], dai: int, amp: int, log_share: float, tokens: tuple[str, str]
) -> None:
    pool = stable((*six_decimals, dai), amp)
    token_in, token_out = tokens
    pair = StablePair.of(pool, token_in, token_out)
    reserve0, reserve1 = pair.screen_reserves()
    r_in, r_out = (reserve0, reserve1) if token_in == pair.token0 else (reserve1, reserve0)
    amount = int(pool.balances[pool.index(token_in)] * 10**log_share) + 1
    fee_free = amount * (10**6 - pair.fee_pips) // 10**6
    try:
        out = pair.amount_out(token_in, amount)
    except BalancerRevertError:
        return
    assert out <= r_out * fee_free / (r_in + fee_free) * (1 + 2 / min(r_in, r_out)) + 1


def test_spot_prices_match_tiny_swaps() -> None:
    pair = WeightedPair.of(weighted(100 * ONE, 300_000 * 10**6, 8 * ONE // 10), A, B)
    price = pair.spot_price()
    assert price is not None
    assert price == pytest.approx(300_000 * 10**6 * 4 / (100 * ONE))
    out = pair.amount_out(A, 10**15)
    assert out / 10**15 == pytest.approx(price * 0.997, rel=1e-4)
    s_pair = StablePair.of(stable((10**12, 3 * 10**12, 2 * 10**24), 200), A, B)
    s_price = s_pair.spot_price()
    assert s_price is not None
    assert s_pair.amount_out(A, 10**6) / 10**6 == pytest.approx(s_price * 0.9999, rel=1e-5)


def _log(topics: tuple[str, ...], data: bytes) -> ChainLog:
    return ChainLog(
        chain_id=1,
        address="0x00000000000000000000000000000000000000bb",
        topics=topics,
        data="0x" + data.hex(),
        block_number=9,
        block_hash="0x" + "00" * 32,
        log_index=0,
        transaction_hash="0x" + "00" * 32,
        removed=False,
        received_ns=0,
    )


def _address_topic(address: str) -> str:
    return "0x" + "00" * 12 + address[2:].lower()


def test_vault_logs_move_the_balances() -> None:
    pool = weighted(100 * ONE, 300_000 * 10**6, ONE // 2)
    swapped = apply_swap(
        pool,
        _log(
            (SWAP_TOPIC, POOL_ID, _address_topic(A), _address_topic(B)),
            encode_args(["uint256", "uint256"], [ONE, 2_900 * 10**6]),
        ),
    )
    assert swapped.balances == (101 * ONE, 297_100 * 10**6)
    assert swapped.block_number == 9
    joined = apply_pool_balance_changed(
        swapped,
        _log(
            (POOL_BALANCE_CHANGED_TOPIC, POOL_ID, _address_topic(C)),
            encode_args(
                ["address[]", "int256[]", "uint256[]"], [[A, B], [5 * ONE, -100 * 10**6], [7, 3]]
            ),
        ),
    )
    assert joined.balances == (106 * ONE - 7, 297_000 * 10**6 - 3)
    with pytest.raises(ValueError, match="log of pool"):
        apply_swap(
            pool,
            _log(
                (SWAP_TOPIC, "0x" + "cd" * 32, _address_topic(A), _address_topic(B)),
                encode_args(["uint256", "uint256"], [1, 1]),
            ),
        )
