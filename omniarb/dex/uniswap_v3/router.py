"""Uniswap V3 SwapRouter calls decoded into `RouterSwap`s: `exactInputSingle`, `exactInput`,
`exactOutputSingle`, `exactOutput` (npm `@uniswap/v3-periphery`), and `multicall` of them.

A multi-hop path is packed: token (20 bytes), then fee (3 bytes) and token for each hop; an
exact-output path runs backwards (from the token out), so it is reversed here into the order the
tokens move. Anything that is not one of these calls, or does not decode, gives no swap: the
calldata of a pending transaction is untrusted and a decoder never raises on it.
"""

from __future__ import annotations

from omniarb.chains.abi import decode, selector
from omniarb.dex.router_decoder import RouterDecoder, split_packed_path
from omniarb.dex.router_swap import RouterSwap

__all__ = ["DECODER", "ROUTER_KIND", "decode_swap_router_call", "unpack_path"]

ROUTER_KIND = "uniswap-v3-swap-router"

_SINGLE = "(address,address,uint24,address,uint256,uint256,uint256,uint160)"
_MULTI = "(bytes,address,uint256,uint256,uint256)"
_EXACT_INPUT_SINGLE = selector(f"exactInputSingle({_SINGLE})")
_EXACT_INPUT = selector(f"exactInput({_MULTI})")
_EXACT_OUTPUT_SINGLE = selector(f"exactOutputSingle({_SINGLE})")
_EXACT_OUTPUT = selector(f"exactOutput({_MULTI})")
_MULTICALL = selector("multicall(bytes[])")
_FEE_BYTES = 3


def unpack_path(path: bytes) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
    """(tokens, fees) of a packed path, or None when it is not one (at least one hop)."""
    tokens, fees = split_packed_path(path, _FEE_BYTES)
    return (tokens, tuple(int.from_bytes(fee, "big") for fee in fees)) if tokens else None


def decode_swap_router_call(
    data: bytes, *, value_wei: int = 0, wrapped_native: str | None = None, depth: int = 0
) -> tuple[RouterSwap, ...]:
    """The swaps `data` asks of a SwapRouter (none when it asks for none we know). Its paths
    name the wrapped native token themselves; `value_wei` and `wrapped_native` are the
    decoders' common arguments (`omniarb.dex.router_decoder`)."""
    head, body = bytes(data[:4]), bytes(data[4:])
    try:
        if head == _MULTICALL and depth == 0:
            (calls,) = decode(["bytes[]"], body)
            return tuple(swap for call in calls for swap in decode_swap_router_call(call, depth=1))
        if head in (_EXACT_INPUT_SINGLE, _EXACT_OUTPUT_SINGLE):
            return (_single(head == _EXACT_INPUT_SINGLE, *decode([_SINGLE], body)[0]),)
        if head in (_EXACT_INPUT, _EXACT_OUTPUT):
            swap = _multi(head == _EXACT_INPUT, *decode([_MULTI], body)[0])
            return () if swap is None else (swap,)
    except Exception:  # untrusted calldata: any decoding failure is "not a swap we know"
        return ()
    return ()


def _single(
    exact_input: bool,
    token_in: str,
    token_out: str,
    fee: int,
    recipient: str,
    deadline: int,
    amount: int,
    limit: int,
    sqrt_price_limit_x96: int,
) -> RouterSwap:
    return RouterSwap(
        router_kind=ROUTER_KIND,
        function="exactInputSingle" if exact_input else "exactOutputSingle",
        path=(str(token_in), str(token_out)),
        exact_input=exact_input,
        amount_in=amount if exact_input else None,
        amount_out=None if exact_input else amount,
        amount_out_min=limit if exact_input else None,
        amount_in_max=None if exact_input else limit,
        recipient=str(recipient),
        deadline=int(deadline),
        fees_pips=(int(fee),),
        sqrt_price_limit_x96=int(sqrt_price_limit_x96),
    )


def _multi(
    exact_input: bool, path: bytes, recipient: str, deadline: int, amount: int, limit: int
) -> RouterSwap | None:
    unpacked = unpack_path(bytes(path))
    if unpacked is None:
        return None
    tokens, fees = unpacked
    if not exact_input:  # an exact-output path is encoded from the token out
        tokens, fees = tokens[::-1], fees[::-1]
    return RouterSwap(
        router_kind=ROUTER_KIND,
        function="exactInput" if exact_input else "exactOutput",
        path=tokens,
        exact_input=exact_input,
        amount_in=amount if exact_input else None,
        amount_out=None if exact_input else amount,
        amount_out_min=limit if exact_input else None,
        amount_in_max=None if exact_input else limit,
        recipient=str(recipient),
        deadline=int(deadline),
        fees_pips=fees,
    )


DECODER = RouterDecoder(
    kind=ROUTER_KIND,
    selectors=frozenset(
        (_EXACT_INPUT_SINGLE, _EXACT_INPUT, _EXACT_OUTPUT_SINGLE, _EXACT_OUTPUT, _MULTICALL)
    ),
    decode=decode_swap_router_call,
)
