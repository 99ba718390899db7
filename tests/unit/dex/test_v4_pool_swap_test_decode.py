"""v4-core's PoolSwapTest calls decode into the swap they ask for: `swap` built with the real ABI
of npm `@uniswap/v4-core` 1.0.2 round-trips both ways and both signs of `amountSpecified`,
naming its pool by PoolId (keccak256 of the key as eth-abi encodes it); the native currency is
named by the wrapped token; keys the PoolManager refuses, zero amounts, random and truncated
calldata give no swap and never raise."""

from __future__ import annotations

from _abi_calls import AbiCalls
from eth_abi import encode
from eth_utils.crypto import keccak
from hypothesis import given
from hypothesis import strategies as st

from omniarb.dex.uniswap_v4.router import DECODER, ROUTER_KIND, decode_pool_swap_test_call

ROUTER = AbiCalls.npm("@uniswap/v4-core/out/PoolSwapTest.sol/PoolSwapTest.json")
NATIVE = "0x" + "00" * 20
USDC = "0x" + "bb" * 20
WETH = "0x" + "cc" * 20
HOOKS = "0x" + "00" * 20
KEY = (USDC, WETH, 500, 10, HOOKS)
SETTINGS = (False, False)
LIMIT = 4295128740


def _pool_id(key: tuple[str, str, int, int, str]) -> str:
    """keccak256(abi.encode(key)), as `PoolIdLibrary.toId` hashes the five words."""
    return "0x" + keccak(encode(["(address,address,uint24,int24,address)"], [key])).hex()


def test_swap_round_trips_exact_input_and_exact_output_both_ways() -> None:
    (swap,) = decode_pool_swap_test_call(
        ROUTER.call("swap", KEY, (True, -(10**9), LIMIT), SETTINGS, b"")
    )
    assert (swap.router_kind, swap.function, swap.exact_input) == (ROUTER_KIND, "swap", True)
    assert [t.lower() for t in swap.path] == [USDC, WETH]
    assert (swap.amount_in, swap.amount_out_min, swap.amount_out) == (10**9, 0, None)
    assert swap.pool_ids == (_pool_id(KEY),)
    assert (swap.fees_pips, swap.sqrt_price_limit_x96) == ((500,), LIMIT)
    assert (swap.recipient, swap.deadline) == ("", None)
    (swap,) = decode_pool_swap_test_call(
        ROUTER.call("swap", KEY, (False, 7 * 10**18, 0), SETTINGS, b"\x01")
    )
    assert swap.exact_input is False
    assert [t.lower() for t in swap.path] == [WETH, USDC]
    assert (swap.amount_out, swap.amount_in_max, swap.amount_in) == (7 * 10**18, None, None)


def test_the_native_currency_is_named_by_the_wrapped_token() -> None:
    key = (NATIVE, USDC, 3000, 60, HOOKS)
    call = ROUTER.call("swap", key, (True, -(10**18), LIMIT), SETTINGS, b"")
    (swap,) = decode_pool_swap_test_call(call, value_wei=10**18, wrapped_native=WETH)
    assert [t.lower() for t in swap.path] == [WETH, USDC]
    assert (swap.native_in, swap.native_out) == (True, False)
    assert swap.pool_ids == (_pool_id(key),)  # the id is the key's, with address 0
    (swap,) = decode_pool_swap_test_call(
        ROUTER.call("swap", key, (False, -5, 0), SETTINGS, b""), wrapped_native=WETH
    )
    assert (swap.native_in, swap.native_out) == (False, True)


def test_keys_the_pool_manager_refuses_and_zero_amounts_are_no_swaps() -> None:
    assert DECODER.knows(ROUTER.call("swap", KEY, (True, 0, LIMIT), SETTINGS, b""))
    assert decode_pool_swap_test_call(ROUTER.call("swap", KEY, (True, 0, 0), SETTINGS, b"")) == ()
    unordered = (WETH, USDC, 500, 10, HOOKS)
    call = ROUTER.call("swap", unordered, (True, -1, LIMIT), SETTINGS, b"")
    assert decode_pool_swap_test_call(call) == ()
    assert not DECODER.knows(ROUTER.call("manager"))


@given(st.binary(max_size=500), st.integers(min_value=0, max_value=10**20))
def test_random_calldata_never_raises(data: bytes, value_wei: int) -> None:
    assert isinstance(
        decode_pool_swap_test_call(data, value_wei=value_wei, wrapped_native=WETH), tuple
    )


@given(
    st.integers(min_value=0, max_value=420),
    st.binary(max_size=8),
    st.integers(min_value=-(2**255), max_value=2**255 - 1),
    st.integers(min_value=-(2**23), max_value=2**23 - 1),
)
def test_truncated_and_random_swaps_never_raise(
    cut: int, tail: bytes, amount: int, tick_spacing: int
) -> None:
    key = (USDC, WETH, 500, tick_spacing, HOOKS)
    data = ROUTER.call("swap", key, (True, amount, LIMIT), SETTINGS, b"")
    swaps = decode_pool_swap_test_call(data)
    assert len(swaps) == (1 if amount else 0)
    assert all(swap.exact_input == (amount < 0) for swap in swaps)
    assert isinstance(decode_pool_swap_test_call(data[:cut] + tail), tuple)
