"""Uniswap V3 SwapRouter calls decode into the swaps they ask for: calldata built with the real ABI
from npm `@uniswap/v3-periphery` round-trips for the four exact-in/out functions and a multicall of
them; random and truncated calldata never raises past the decoder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eth_abi import encode
from hypothesis import given
from hypothesis import strategies as st

from omniarb.chains.abi import selector
from omniarb.dex.uniswap_v3.router import ROUTER_KIND, decode_swap_router_call, unpack_path

_ARTIFACT = (
    Path(__file__).resolve().parents[3]
    / "node_modules/@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json"
)
_ABI = {
    entry["name"]: entry
    for entry in json.loads(_ARTIFACT.read_text())["abi"]
    if entry.get("type") == "function"
}
WETH = "0x" + "aa" * 20
USDC = "0x" + "bb" * 20
DAI = "0x" + "cc" * 20
TO = "0x" + "dd" * 20
DEADLINE = 1_765_000_000


def _type(item: dict[str, Any]) -> str:
    if item["type"] == "tuple":
        return "(" + ",".join(_type(c) for c in item["components"]) + ")"
    return str(item["type"])


def _call(name: str, *args: Any) -> bytes:
    """Calldata of `name` as the real ABI types it."""
    types = [_type(item) for item in _ABI[name]["inputs"]]
    return selector(f"{name}({','.join(types)})") + encode(types, list(args))


def _packed(tokens: list[str], fees: list[int]) -> bytes:
    out = bytes.fromhex(tokens[0][2:])
    for fee, token in zip(fees, tokens[1:], strict=True):
        out += fee.to_bytes(3, "big") + bytes.fromhex(token[2:])
    return out


def _lower(path: tuple[str, ...]) -> list[str]:
    return [token.lower() for token in path]


def test_single_pool_swaps_round_trip() -> None:
    (swap,) = decode_swap_router_call(
        _call("exactInputSingle", (WETH, USDC, 500, TO, DEADLINE, 10**18, 2_900 * 10**6, 7))
    )
    assert swap.router_kind == ROUTER_KIND
    assert (swap.function, swap.exact_input) == ("exactInputSingle", True)
    assert _lower(swap.path) == [WETH, USDC]
    assert swap.fees_pips == (500,)
    assert (swap.amount_in, swap.amount_out_min) == (10**18, 2_900 * 10**6)
    assert swap.amount_out is None
    assert swap.amount_in_max is None
    assert (swap.recipient.lower(), swap.deadline, swap.sqrt_price_limit_x96) == (TO, DEADLINE, 7)
    (swap,) = decode_swap_router_call(
        _call("exactOutputSingle", (USDC, WETH, 3000, TO, DEADLINE, 10**18, 3_100 * 10**6, 0))
    )
    assert (swap.function, swap.exact_input) == ("exactOutputSingle", False)
    assert _lower(swap.path) == [USDC, WETH]
    assert (swap.amount_out, swap.amount_in_max) == (10**18, 3_100 * 10**6)
    assert swap.amount_in is None


def test_multi_hop_paths_come_out_in_the_order_tokens_move() -> None:
    path = _packed([WETH, USDC, DAI], [500, 100])
    (swap,) = decode_swap_router_call(_call("exactInput", (path, TO, DEADLINE, 10**18, 1)))
    assert _lower(swap.path) == [WETH, USDC, DAI]
    assert swap.fees_pips == (500, 100)
    # Exact output: the path is encoded from the token out (DAI) back to the token in (WETH).
    backwards = _packed([DAI, USDC, WETH], [100, 500])
    (swap,) = decode_swap_router_call(
        _call("exactOutput", (backwards, TO, DEADLINE, 3_000 * 10**18, 2 * 10**18))
    )
    assert _lower(swap.path) == [WETH, USDC, DAI]
    assert swap.fees_pips == (500, 100)
    assert (swap.amount_out, swap.amount_in_max) == (3_000 * 10**18, 2 * 10**18)


def test_a_multicall_holds_every_swap_it_makes() -> None:
    first = _call("exactInputSingle", (WETH, USDC, 500, TO, DEADLINE, 10**18, 0, 0))
    second = _call("exactInput", (_packed([USDC, DAI], [100]), TO, DEADLINE, 5, 1))
    other = bytes.fromhex("12210e8a")  # refundETH(): not a swap
    swaps = decode_swap_router_call(_call("multicall", [first, other, second]))
    assert [s.function for s in swaps] == ["exactInputSingle", "exactInput"]


def test_bad_paths_and_other_calls_are_no_swaps() -> None:
    assert unpack_path(bytes(20)) is None  # one token, no hop
    assert unpack_path(bytes(44)) is None  # a hop cut short
    assert decode_swap_router_call(_call("exactInput", (bytes(44), TO, 0, 1, 1))) == ()
    assert decode_swap_router_call(bytes.fromhex("12210e8a")) == ()
    assert decode_swap_router_call(b"") == ()


@given(st.binary(max_size=600))
def test_random_calldata_never_raises(data: bytes) -> None:
    assert isinstance(decode_swap_router_call(data), tuple)


@given(st.integers(min_value=0, max_value=700), st.binary(max_size=8))
def test_truncated_multicalls_never_raise(cut: int, tail: bytes) -> None:
    first = _call("exactInputSingle", (WETH, USDC, 500, TO, DEADLINE, 10**18, 0, 0))
    second = _call("exactOutput", (_packed([DAI, USDC], [100]), TO, DEADLINE, 5, 1))
    data = _call("multicall", [first, second])
    assert isinstance(decode_swap_router_call(data[:cut] + tail), tuple)
