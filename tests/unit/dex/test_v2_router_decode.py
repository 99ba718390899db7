"""Uniswap V2 Router02 calls decode into the swap they ask for: every swap function, built with
the real ABI from npm `@uniswap/v2-periphery`, round-trips; random and truncated calldata never
raises past the decoder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eth_abi import encode
from hypothesis import given
from hypothesis import strategies as st

from omniarb.chains.abi import selector
from omniarb.dex.uniswap_v2.router import ROUTER_KIND, decode_router_call

_ARTIFACT = (
    Path(__file__).resolve().parents[3]
    / "node_modules/@uniswap/v2-periphery/build/UniswapV2Router02.json"
)
_ABI = [
    entry
    for entry in json.loads(_ARTIFACT.read_text())["abi"]
    if entry.get("type") == "function" and entry["name"].startswith("swap")
]
WETH = "0x" + "aa" * 20
USDC = "0x" + "bb" * 20
DAI = "0x" + "cc" * 20
TO = "0x" + "dd" * 20
VALUE = {
    "amountIn": 10**18,
    "amountOutMin": 2_900 * 10**6,
    "amountOut": 3_000 * 10**6,
    "amountInMax": 2 * 10**18,
    "path": [WETH, USDC, DAI],
    "to": TO,
    "deadline": 1_765_000_000,
}


def _calldata(function: dict[str, Any]) -> bytes:
    """Calldata for `function` as the real ABI describes it, with the arguments by name."""
    types = [item["type"] for item in function["inputs"]]
    signature = f"{function['name']}({','.join(types)})"
    args = [VALUE[item["name"]] for item in function["inputs"]]
    return selector(signature) + encode(types, args)


def test_the_abi_has_the_nine_swap_functions() -> None:
    assert len(_ABI) == 9


def test_every_swap_function_round_trips() -> None:
    native_value = 5 * 10**18
    for function in _ABI:
        name = function["name"]
        (swap,) = decode_router_call(_calldata(function), value_wei=native_value)
        assert swap.router_kind == ROUTER_KIND
        assert swap.function == name
        assert [t.lower() for t in swap.path] == [WETH, USDC, DAI]
        assert swap.recipient.lower() == TO
        assert swap.deadline == VALUE["deadline"]
        assert swap.fee_on_transfer == name.endswith("SupportingFeeOnTransferTokens")
        assert swap.native_in == name.startswith(("swapExactETH", "swapETH"))
        assert swap.native_out == ("ForETH" in name or "ForExactETH" in name)
        assert swap.exact_input == name.startswith(("swapExactTokens", "swapExactETH"))
        if swap.exact_input:
            expected_in = native_value if swap.native_in else VALUE["amountIn"]
            assert (swap.amount_in, swap.amount_out_min) == (expected_in, VALUE["amountOutMin"])
            assert swap.amount_out is None
            assert swap.amount_in_max is None
        else:
            expected_max = native_value if swap.native_in else VALUE["amountInMax"]
            assert (swap.amount_out, swap.amount_in_max) == (VALUE["amountOut"], expected_max)
            assert swap.amount_in is None
            assert swap.amount_out_min is None


def test_other_calls_and_short_paths_are_not_swaps() -> None:
    assert decode_router_call(b"") == ()
    assert decode_router_call(bytes.fromhex("a9059cbb") + bytes(64)) == ()  # transfer()
    function = next(f for f in _ABI if f["name"] == "swapExactTokensForTokens")
    types = [item["type"] for item in function["inputs"]]
    one_token = selector(f"swapExactTokensForTokens({','.join(types)})") + encode(
        types, [1, 0, [WETH], TO, 0]
    )
    assert decode_router_call(one_token) == ()


@given(st.binary(max_size=400))
def test_random_calldata_never_raises(data: bytes) -> None:
    assert isinstance(decode_router_call(data), tuple)


@given(st.sampled_from(_ABI), st.integers(min_value=0, max_value=400), st.binary(max_size=8))
def test_truncated_or_garbled_swaps_never_raise(
    function: dict[str, Any], cut: int, tail: bytes
) -> None:
    data = _calldata(function)
    garbled = data[: min(cut, len(data))] + tail
    swaps = decode_router_call(garbled)
    if len(garbled) < len(data) - 32:
        # Too short to hold the arguments: never a swap.
        assert swaps == ()
