"""Algebra Integral SwapRouter calls decode into the swaps they ask for: calldata built with the
real ABI of npm `@cryptoalgebra/integral-periphery` 1.2.4 round-trips for every exact-in/out
function and a multicall of them (native in and out included); random and truncated calldata
never raises past the decoder."""

from __future__ import annotations

from _abi_calls import AbiCalls
from hypothesis import given
from hypothesis import strategies as st

from omniarb.dex.algebra.router import (
    DECODER,
    ROUTER_KIND,
    decode_algebra_router_call,
    unpack_path,
)

ROUTER = AbiCalls.npm(
    "@cryptoalgebra/integral-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json"
)
WNATIVE = "0x" + "aa" * 20
USDC = "0x" + "bb" * 20
DAI = "0x" + "cc" * 20
TO = "0x" + "dd" * 20
PLUGIN_DEPLOYER = "0x" + "ee" * 20
ZERO = "0x" + "00" * 20
DEADLINE = 1_765_000_000


def _packed(tokens: list[str], deployers: list[str]) -> bytes:
    """A path as `Path.sol` reads it: token, then deployer and token for each hop."""
    out = bytes.fromhex(tokens[0][2:])
    for deployer, token in zip(deployers, tokens[1:], strict=True):
        out += bytes.fromhex(deployer[2:]) + bytes.fromhex(token[2:])
    return out


def _lower(items: tuple[str, ...]) -> list[str]:
    return [item.lower() for item in items]


def test_the_decoder_reads_every_swap_function_of_the_abi() -> None:
    swaps = {name for name in ROUTER.functions if name.startswith("exact")}
    assert swaps == {
        "exactInputSingle",
        "exactInputSingleSupportingFeeOnTransferTokens",
        "exactOutputSingle",
        "exactInput",
        "exactOutput",
    }
    for name in swaps:
        assert DECODER.knows(ROUTER.call(name, _args(name)))
    assert DECODER.knows(ROUTER.call("multicall", []))
    assert not DECODER.knows(ROUTER.call("refundNativeToken"))


def _args(name: str) -> tuple[object, ...]:
    if name.endswith(("Single", "Tokens")):
        return (WNATIVE, USDC, ZERO, TO, DEADLINE, 10**18, 1, 0)
    return (_packed([WNATIVE, USDC], [ZERO]), TO, DEADLINE, 10**18, 1)


def test_single_pool_swaps_round_trip_with_their_deployer() -> None:
    args = (WNATIVE, USDC, PLUGIN_DEPLOYER, TO, DEADLINE, 10**18, 2_900 * 10**6, 7)
    for name in ("exactInputSingle", "exactInputSingleSupportingFeeOnTransferTokens"):
        (swap,) = decode_algebra_router_call(ROUTER.call(name, args))
        assert (swap.router_kind, swap.function, swap.exact_input) == (ROUTER_KIND, name, True)
        assert _lower(swap.path) == [WNATIVE, USDC]
        assert _lower(swap.pool_deployers) == [PLUGIN_DEPLOYER]
        assert (swap.amount_in, swap.amount_out_min) == (10**18, 2_900 * 10**6)
        assert (swap.amount_out, swap.amount_in_max) == (None, None)
        assert (swap.recipient.lower(), swap.deadline) == (TO, DEADLINE)
        assert swap.sqrt_price_limit_x96 == 7
        assert swap.fee_on_transfer == name.endswith("FeeOnTransferTokens")
        assert swap.fees_pips == ()
    (swap,) = decode_algebra_router_call(
        ROUTER.call("exactOutputSingle", (USDC, DAI, ZERO, TO, DEADLINE, 5 * 10**18, 6 * 10**6, 0))
    )
    assert (swap.function, swap.exact_input) == ("exactOutputSingle", False)
    assert _lower(swap.path) == [USDC, DAI]
    assert (swap.amount_out, swap.amount_in_max) == (5 * 10**18, 6 * 10**6)
    assert (swap.amount_in, swap.amount_out_min) == (None, None)


def test_multi_hop_paths_carry_deployers_and_come_out_in_the_order_tokens_move() -> None:
    path = _packed([WNATIVE, USDC, DAI], [ZERO, PLUGIN_DEPLOYER])
    (swap,) = decode_algebra_router_call(ROUTER.call("exactInput", (path, TO, DEADLINE, 10**18, 1)))
    assert _lower(swap.path) == [WNATIVE, USDC, DAI]
    assert _lower(swap.pool_deployers) == [ZERO, PLUGIN_DEPLOYER]
    assert (swap.amount_in, swap.amount_out_min) == (10**18, 1)
    # Exact output: the path is encoded from the token out (DAI) back to the token in.
    backwards = _packed([DAI, USDC, WNATIVE], [PLUGIN_DEPLOYER, ZERO])
    (swap,) = decode_algebra_router_call(
        ROUTER.call("exactOutput", (backwards, TO, DEADLINE, 3_000 * 10**18, 2 * 10**18))
    )
    assert _lower(swap.path) == [WNATIVE, USDC, DAI]
    assert _lower(swap.pool_deployers) == [ZERO, PLUGIN_DEPLOYER]
    assert (swap.amount_out, swap.amount_in_max) == (3_000 * 10**18, 2 * 10**18)


def test_native_in_is_value_paid_for_the_wrapped_token_and_native_out_an_unwrap() -> None:
    buy = ROUTER.call("exactInputSingle", (WNATIVE, USDC, ZERO, TO, DEADLINE, 10**18, 0, 0))
    (swap,) = decode_algebra_router_call(buy, value_wei=10**18, wrapped_native=WNATIVE)
    assert (swap.native_in, swap.native_out) == (True, False)
    (swap,) = decode_algebra_router_call(buy, value_wei=0, wrapped_native=WNATIVE)
    assert (swap.native_in, swap.native_out) == (False, False)
    router_itself = "0x" + "99" * 20
    sell = ROUTER.call("exactInputSingle", (USDC, WNATIVE, ZERO, router_itself, DEADLINE, 5, 0, 0))
    unwrap = ROUTER.call("unwrapWNativeToken", 0, TO)
    (swap,) = decode_algebra_router_call(
        ROUTER.call("multicall", [sell, unwrap]), wrapped_native=WNATIVE
    )
    assert (swap.native_in, swap.native_out) == (False, True)
    (swap,) = decode_algebra_router_call(ROUTER.call("multicall", [sell]), wrapped_native=WNATIVE)
    assert swap.native_out is False


def test_a_multicall_holds_every_swap_it_makes() -> None:
    first = ROUTER.call("exactInputSingle", (WNATIVE, USDC, ZERO, TO, DEADLINE, 10**18, 0, 0))
    second = ROUTER.call("exactInput", (_packed([USDC, DAI], [ZERO]), TO, DEADLINE, 5, 1))
    other = ROUTER.call("refundNativeToken")
    swaps = decode_algebra_router_call(ROUTER.call("multicall", [first, other, second]))
    assert [s.function for s in swaps] == ["exactInputSingle", "exactInput"]


def test_bad_paths_and_other_calls_are_no_swaps() -> None:
    assert unpack_path(bytes(20)) is None  # one token, no hop
    assert unpack_path(bytes(43)) is None  # a V3-style hop (fee bytes): not Integral's
    assert unpack_path(bytes(80)) is None  # a hop cut short
    assert decode_algebra_router_call(ROUTER.call("exactInput", (bytes(43), TO, 0, 1, 1))) == ()
    assert decode_algebra_router_call(ROUTER.call("refundNativeToken")) == ()
    assert decode_algebra_router_call(b"") == ()


@given(st.binary(max_size=600), st.integers(min_value=0, max_value=10**20))
def test_random_calldata_never_raises(data: bytes, value_wei: int) -> None:
    assert isinstance(
        decode_algebra_router_call(data, value_wei=value_wei, wrapped_native=WNATIVE), tuple
    )


@given(st.integers(min_value=0, max_value=900), st.binary(max_size=8))
def test_truncated_multicalls_never_raise(cut: int, tail: bytes) -> None:
    first = ROUTER.call("exactInputSingle", (WNATIVE, USDC, ZERO, TO, DEADLINE, 10**18, 0, 0))
    second = ROUTER.call("exactOutput", (_packed([DAI, USDC], [ZERO]), TO, DEADLINE, 5, 1))
    data = ROUTER.call("multicall", [first, second])
    assert isinstance(decode_algebra_router_call(data[:cut] + tail, wrapped_native=WNATIVE), tuple)
