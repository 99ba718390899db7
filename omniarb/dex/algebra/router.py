"""Algebra Integral SwapRouter calls decoded into `RouterSwap`s (npm
`@cryptoalgebra/integral-periphery` 1.2.4): `exactInputSingle`, its fee-on-transfer variant,
`exactOutputSingle`, `exactInput`, `exactOutput`, and `multicall` of them.

Integral names a pool by its two tokens and its deployer (address 0: the factory's own pools; a
custom pool deployer's address: a plugin's pools), not by a fee: the single-swap struct is
(tokenIn, tokenOut, deployer, recipient, deadline, amount, limit, limitSqrtPrice), and a packed
path is token (20 bytes), then deployer (20 bytes) and token for each hop (`libraries/Path.sol`:
`NEXT_OFFSET = ADDR_SIZE + DEPLOYER_OFFSET`), with no fee bytes. An exact-output path runs from
the token out and is reversed here. The router pays a wrapped-native input from the call's value
(`PeripheryPayments.pay`), so a call with value whose path starts with the wrapped native token
is native in; a multicall that unwraps (`unwrapWNativeToken`) pays a path ending with it out as
the native coin. Anything else gives no swap: a decoder never raises on untrusted calldata.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from omniarb.chains.abi import decode, selector
from omniarb.dex.router_decoder import RouterDecoder, split_packed_path
from omniarb.dex.router_swap import RouterSwap

__all__ = ["DECODER", "ROUTER_KIND", "decode_algebra_router_call", "unpack_path"]

ROUTER_KIND = "algebra-integral-swap-router"

_SINGLE = "(address,address,address,address,uint256,uint256,uint256,uint160)"
_MULTI = "(bytes,address,uint256,uint256,uint256)"
_SINGLES = {
    selector(f"exactInputSingle({_SINGLE})"): ("exactInputSingle", True, False),
    selector(f"exactInputSingleSupportingFeeOnTransferTokens({_SINGLE})"): (
        "exactInputSingleSupportingFeeOnTransferTokens",
        True,
        True,
    ),
    selector(f"exactOutputSingle({_SINGLE})"): ("exactOutputSingle", False, False),
}
_MULTIS = {
    selector(f"exactInput({_MULTI})"): ("exactInput", True),
    selector(f"exactOutput({_MULTI})"): ("exactOutput", False),
}
_MULTICALL = selector("multicall(bytes[])")
_UNWRAPS = frozenset(
    (
        selector("unwrapWNativeToken(uint256,address)"),
        selector("unwrapWNativeTokenWithFee(uint256,address,uint256,address)"),
    )
)
_DEPLOYER_BYTES = 20


def unpack_path(path: bytes) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(tokens, deployers) of a packed Integral path, or None when it is not one (one hop at
    least)."""
    tokens, deployers = split_packed_path(path, _DEPLOYER_BYTES)
    return (tokens, tuple("0x" + deployer.hex() for deployer in deployers)) if tokens else None


def decode_algebra_router_call(
    data: bytes, *, value_wei: int = 0, wrapped_native: str | None = None
) -> tuple[RouterSwap, ...]:
    """The swaps `data` asks of an Integral SwapRouter (none when it asks for none we know)."""
    try:
        if bytes(data[:4]) != _MULTICALL:
            swap = _one(bytes(data))
            return () if swap is None else (_native(swap, value_wei, wrapped_native, False),)
        (calls,) = decode(["bytes[]"], bytes(data[4:]))
        unwraps = any(bytes(call[:4]) in _UNWRAPS for call in calls)
        swaps = (_one(bytes(call)) for call in calls)
        return tuple(
            _native(swap, value_wei, wrapped_native, unwraps) for swap in swaps if swap is not None
        )
    except Exception:  # untrusted calldata: any decoding failure is "not a swap we know"
        return ()


def _one(data: bytes) -> RouterSwap | None:
    head, body = data[:4], data[4:]
    if head in _SINGLES:
        name, exact_input, fee_on_transfer = _SINGLES[head]
        return _single(name, exact_input, fee_on_transfer, *decode([_SINGLE], body)[0])
    if head in _MULTIS:
        name, exact_input = _MULTIS[head]
        return _multi(name, exact_input, *decode([_MULTI], body)[0])
    return None


def _single(
    name: str,
    exact_input: bool,
    fee_on_transfer: bool,
    token_in: str,
    token_out: str,
    deployer: str,
    recipient: str,
    deadline: int,
    amount: int,
    limit: int,
    limit_sqrt_price: int,
) -> RouterSwap:
    return RouterSwap(
        router_kind=ROUTER_KIND,
        function=name,
        path=(str(token_in), str(token_out)),
        pool_deployers=(str(deployer),),
        recipient=str(recipient),
        deadline=int(deadline),
        fee_on_transfer=fee_on_transfer,
        sqrt_price_limit_x96=int(limit_sqrt_price),
        **_amounts(exact_input, amount, limit),
    )


def _multi(
    name: str,
    exact_input: bool,
    path: bytes,
    recipient: str,
    deadline: int,
    amount: int,
    limit: int,
) -> RouterSwap | None:
    unpacked = unpack_path(bytes(path))
    if unpacked is None:
        return None
    tokens, deployers = unpacked
    if not exact_input:  # an exact-output path is encoded from the token out
        tokens, deployers = tokens[::-1], deployers[::-1]
    return RouterSwap(
        router_kind=ROUTER_KIND,
        function=name,
        path=tokens,
        pool_deployers=deployers,
        recipient=str(recipient),
        deadline=int(deadline),
        **_amounts(exact_input, amount, limit),
    )


def _amounts(exact_input: bool, amount: int, limit: int) -> dict[str, Any]:
    if exact_input:
        return {
            "exact_input": True,
            "amount_in": int(amount),
            "amount_out_min": int(limit),
            "amount_out": None,
            "amount_in_max": None,
        }
    return {
        "exact_input": False,
        "amount_out": int(amount),
        "amount_in_max": int(limit),
        "amount_in": None,
        "amount_out_min": None,
    }


def _native(
    swap: RouterSwap, value_wei: int, wrapped_native: str | None, unwraps: bool
) -> RouterSwap:
    if wrapped_native is None:
        return swap
    wrapped = wrapped_native.lower()
    native_in = value_wei > 0 and swap.path[0].lower() == wrapped
    native_out = unwraps and swap.path[-1].lower() == wrapped
    return replace(swap, native_in=native_in, native_out=native_out)


DECODER = RouterDecoder(
    kind=ROUTER_KIND,
    selectors=frozenset((*_SINGLES, *_MULTIS, _MULTICALL)),
    decode=decode_algebra_router_call,
)
