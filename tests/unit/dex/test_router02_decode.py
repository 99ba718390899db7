"""Uniswap SwapRouter02 calls decode into the swaps they ask for: calldata built with the real ABI
from npm `@uniswap/swap-router-contracts` round-trips for its V3 and V2 swap functions, the three
multicalls (the deadline taken from the one that has it), the recipient constants, and the native
coin folded in from the value, `wrapETH`, `unwrapWETH9` and `sweepToken`; random and truncated
calldata never raises past the decoder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eth_abi import encode
from hypothesis import given
from hypothesis import strategies as st

from omniarb.chains.abi import selector
from omniarb.dex.uniswap_v3.router02 import (
    ADDRESS_THIS,
    MSG_SENDER,
    ROUTER_KIND,
    decode_swap_router02_call,
)

_ARTIFACT = (
    Path(__file__).resolve().parents[3]
    / "node_modules/@uniswap/swap-router-contracts/artifacts/contracts/"
    "SwapRouter02.sol/SwapRouter02.json"
)
_FUNCTIONS = [e for e in json.loads(_ARTIFACT.read_text())["abi"] if e.get("type") == "function"]
WETH = "0x" + "aa" * 20
USDC = "0x" + "bb" * 20
DAI = "0x" + "cc" * 20
TO = "0x" + "dd" * 20
SENDER = "0x" + "ee" * 20
ROUTER = "0x" + "ff" * 20
DEADLINE = 1_765_000_000


def _type(item: dict[str, Any]) -> str:
    if item["type"].startswith("tuple"):
        inner = "(" + ",".join(_type(c) for c in item["components"]) + ")"
        return inner + item["type"][len("tuple") :]
    return str(item["type"])


def _call(name: str, *args: Any, first: str | None = None) -> bytes:
    """Calldata of the overload of `name` with as many inputs as `args` (and a first input of
    type `first`, where two such overloads exist), as the ABI types it."""
    (entry,) = [
        f
        for f in _FUNCTIONS
        if f["name"] == name
        and len(f["inputs"]) == len(args)
        and (first is None or f["inputs"][0]["type"] == first)
    ]
    types = [_type(item) for item in entry["inputs"]]
    return selector(f"{name}({','.join(types)})") + encode(types, list(args))


def _multicall_by(deadline_or_blockhash: int | bytes, calls: list[bytes]) -> bytes:
    """`multicall(uint256 deadline, bytes[])` or `multicall(bytes32 previousBlockhash, bytes[])`."""
    first = "uint256" if isinstance(deadline_or_blockhash, int) else "bytes32"
    return _call("multicall", deadline_or_blockhash, calls, first=first)


def _packed(tokens: list[str], fees: list[int]) -> bytes:
    out = bytes.fromhex(tokens[0][2:])
    for fee, token in zip(fees, tokens[1:], strict=True):
        out += fee.to_bytes(3, "big") + bytes.fromhex(token[2:])
    return out


def _decode(data: bytes, value_wei: int = 0, weth: str | None = WETH) -> Any:
    return decode_swap_router02_call(
        data, sender=SENDER, router=ROUTER, value_wei=value_wei, weth=weth
    )


def _lower(path: tuple[str, ...]) -> list[str]:
    return [token.lower() for token in path]


def test_v3_single_pool_swaps_round_trip() -> None:
    (swap,) = _decode(_call("exactInputSingle", (WETH, USDC, 500, TO, 10**18, 2_900, 7)))
    assert (swap.router_kind, swap.function, swap.pool_kind) == (
        ROUTER_KIND,
        "exactInputSingle",
        "uniswap-v3",
    )
    assert _lower(swap.path) == [WETH, USDC]
    assert (swap.amount_in, swap.amount_out_min, swap.amount_out, swap.amount_in_max) == (
        10**18,
        2_900,
        None,
        None,
    )
    assert (swap.fees_pips, swap.sqrt_price_limit_x96, swap.deadline) == ((500,), 7, None)
    assert swap.recipient.lower() == TO
    assert not swap.native_in
    (swap,) = _decode(_call("exactOutputSingle", (USDC, WETH, 3000, TO, 10**18, 3_100, 0)))
    assert (swap.function, swap.exact_input) == ("exactOutputSingle", False)
    assert (swap.amount_out, swap.amount_in_max, swap.amount_in) == (10**18, 3_100, None)


def test_v3_paths_come_out_in_the_order_tokens_move() -> None:
    (swap,) = _decode(_call("exactInput", (_packed([WETH, USDC, DAI], [500, 100]), TO, 5, 1)))
    assert (_lower(swap.path), swap.fees_pips) == ([WETH, USDC, DAI], (500, 100))
    backwards = _packed([DAI, USDC, WETH], [100, 500])
    (swap,) = _decode(_call("exactOutput", (backwards, TO, 3_000, 2)))
    assert (_lower(swap.path), swap.fees_pips) == ([WETH, USDC, DAI], (500, 100))
    assert (swap.amount_out, swap.amount_in_max) == (3_000, 2)


def test_v2_swaps_round_trip() -> None:
    (swap,) = _decode(_call("swapExactTokensForTokens", 10**18, 5, [WETH, USDC, DAI], TO))
    assert (swap.function, swap.pool_kind, swap.exact_input) == (
        "swapExactTokensForTokens",
        "uniswap-v2",
        True,
    )
    assert _lower(swap.path) == [WETH, USDC, DAI]
    assert (swap.amount_in, swap.amount_out_min, swap.fees_pips) == (10**18, 5, ())
    (swap,) = _decode(_call("swapTokensForExactTokens", 7, 10**18, [USDC, WETH], TO))
    assert (swap.function, swap.exact_input) == ("swapTokensForExactTokens", False)
    assert (swap.amount_out, swap.amount_in_max) == (7, 10**18)


def test_multicalls_carry_their_deadline_or_none() -> None:
    first = _call("exactInputSingle", (WETH, USDC, 500, TO, 10**18, 0, 0))
    second = _call("swapExactTokensForTokens", 5, 1, [USDC, DAI], TO)
    swaps = _decode(_multicall_by(DEADLINE, [first, second]))
    assert [(s.function, s.deadline) for s in swaps] == [
        ("exactInputSingle", DEADLINE),
        ("swapExactTokensForTokens", DEADLINE),
    ]
    swaps = _decode(_call("multicall", [first, second]))
    assert [s.deadline for s in swaps] == [None, None]
    swaps = _decode(_multicall_by(b"\x11" * 32, [second]))
    assert [(s.function, s.deadline) for s in swaps] == [("swapExactTokensForTokens", None)]


def test_recipient_constants_name_the_sender_and_the_router() -> None:
    (swap,) = _decode(_call("swapExactTokensForTokens", 5, 1, [USDC, DAI], MSG_SENDER))
    assert swap.recipient == SENDER
    (swap,) = _decode(_call("exactInputSingle", (USDC, DAI, 100, ADDRESS_THIS, 5, 0, 0)))
    assert swap.recipient == ROUTER


def test_the_native_coin_in_and_out_is_folded_into_the_swaps() -> None:
    # Coin in: the value pays a WETH-input swap (the router wraps it), refundETH returns the rest.
    buy = _call("exactInputSingle", (WETH, USDC, 500, MSG_SENDER, 10**18, 9, 0))
    (swap,) = _decode(_multicall_by(DEADLINE, [buy, _call("refundETH")]), value_wei=10**18)
    assert (swap.native_in, swap.native_out, swap.recipient) == (True, False, SENDER)
    # wrapETH does the same without naming WETH; a swap of another input is not paid by it.
    other = _call("swapExactTokensForTokens", 5, 1, [USDC, DAI], TO)
    v2_buy = _call("swapExactTokensForTokens", 10**18, 1, [WETH, DAI], TO)
    swaps = _decode(_call("multicall", [_call("wrapETH", 10**18), other, v2_buy]))
    assert [s.native_in for s in swaps] == [False, True]
    # Coin out: the swap pays the router, which unwraps to the named recipient.
    sell = _call("exactInputSingle", (USDC, WETH, 500, ADDRESS_THIS, 3_000, 0, 0))
    (swap,) = _decode(_call("multicall", [sell, _call("unwrapWETH9", 1, TO)]))
    assert (swap.native_out, swap.recipient.lower()) == (True, TO)
    (swap,) = _decode(_call("multicall", [sell, _call("unwrapWETH9", 1)]))
    assert (swap.native_out, swap.recipient) == (True, SENDER)
    # sweepToken forwards the token without unwrapping it; another token's sweep leaves it.
    to_router = _call("exactInputSingle", (WETH, USDC, 500, ADDRESS_THIS, 5, 0, 0))
    (swap,) = _decode(_call("multicall", [to_router, _call("sweepToken", DAI, 0, TO)]))
    assert (swap.recipient, swap.native_out) == (ROUTER, False)
    (swap,) = _decode(_call("multicall", [to_router, _call("sweepToken", USDC, 0, TO)]))
    assert (swap.recipient.lower(), swap.native_out) == (TO, False)
    (swap,) = _decode(_call("multicall", [to_router, _call("sweepToken", USDC, 0)]))
    assert swap.recipient == SENDER


def test_other_calls_are_no_swaps() -> None:
    assert _decode(_call("refundETH")) == ()
    assert _decode(_call("exactInput", (bytes(44), TO, 1, 1))) == ()
    assert _decode(_call("swapExactTokensForTokens", 5, 1, [USDC], TO)) == ()
    assert _decode(b"") == ()


@given(st.binary(max_size=600), st.integers(min_value=0, max_value=10**18))
def test_random_calldata_never_raises(data: bytes, value_wei: int) -> None:
    assert isinstance(_decode(data, value_wei=value_wei), tuple)


@given(st.integers(min_value=0, max_value=900), st.binary(max_size=8))
def test_truncated_multicalls_never_raise(cut: int, tail: bytes) -> None:
    first = _call("exactInputSingle", (WETH, USDC, 500, ADDRESS_THIS, 10**18, 0, 0))
    second = _call("swapExactTokensForTokens", 5, 1, [USDC, DAI], TO)
    data = _multicall_by(DEADLINE, [first, second, _call("unwrapWETH9", 1, TO)])
    assert isinstance(_decode(data[:cut] + tail, weth=None), tuple)
