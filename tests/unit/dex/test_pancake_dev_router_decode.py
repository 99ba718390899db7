"""The devnet's PancakeSwap V3 router calls decode into the swap they ask for: `swap` built with
the ABI of our compiled `PancakeV3DevRouter` (build/contracts) round-trips, naming its pool;
its other functions, random and truncated calldata give no swap and never raise."""

from __future__ import annotations

from _abi_calls import AbiCalls
from hypothesis import given
from hypothesis import strategies as st

from omniarb.dex.pancakeswap_v3.router import DECODER, ROUTER_KIND, decode_dev_router_call

ROUTER = AbiCalls.built("PancakeV3DevRouter")
POOL = "0x" + "a1" * 20
USDC = "0x" + "bb" * 20
TO = "0x" + "dd" * 20


def test_swap_round_trips_and_names_its_pool() -> None:
    (swap,) = decode_dev_router_call(ROUTER.call("swap", POOL, USDC, 10**9, TO))
    assert (swap.router_kind, swap.function, swap.exact_input) == (ROUTER_KIND, "swap", True)
    assert [t.lower() for t in swap.path] == [USDC]  # the token out is the pool's other token
    assert [p.lower() for p in swap.pool_ids] == [POOL]
    assert (swap.amount_in, swap.amount_out_min, swap.amount_out) == (10**9, 0, None)
    assert (swap.recipient.lower(), swap.deadline) == (TO, None)


def test_its_other_functions_are_not_swaps() -> None:
    assert DECODER.knows(ROUTER.call("swap", POOL, USDC, 1, TO))
    assert set(ROUTER.functions) >= {"mint", "quote"}
    for call in (
        ROUTER.call("mint", POOL, TO, -60, 60, 10**6),
        ROUTER.call("quote", POOL, True, 10**6, 0),
    ):
        assert not DECODER.knows(call)
        assert decode_dev_router_call(call) == ()
    assert decode_dev_router_call(ROUTER.call("swap", POOL, USDC, 1, TO)[:100]) == ()


@given(st.binary(max_size=300))
def test_random_calldata_never_raises(data: bytes) -> None:
    assert isinstance(decode_dev_router_call(data), tuple)


@given(st.integers(min_value=0, max_value=140), st.binary(max_size=8))
def test_truncated_swaps_never_raise(cut: int, tail: bytes) -> None:
    data = ROUTER.call("swap", POOL, USDC, 10**9, TO)
    assert isinstance(decode_dev_router_call(data[:cut] + tail), tuple)
