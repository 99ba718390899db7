"""Uniswap V3 SwapRouter `exactInput` calldata for a route through one V3 DEX: the encoding side
of `omniarb.dex.uniswap_v3.router`.

SwapRouter (npm `@uniswap/v3-periphery`, the router the devnet's Uniswap V3 DEX names) takes
`ExactInputParams(path, recipient, deadline, amountIn, amountOutMinimum)`; the path is packed as
token (20 bytes), then fee (3 bytes) and token per hop (`Path.sol`). The pool of each hop is the
factory's pool of that token pair and fee, which the caller (one DEX per leg) guarantees.
"""

from __future__ import annotations

from omniarb.chains.abi import decode, encode_args, selector
from omniarb.dex.router_encoder import ExactInputSwap, RouterEncoder
from omniarb.dex.uniswap_v3.router import ROUTER_KIND
from omniarb.types import Route

__all__ = ["ENCODER", "decode_amount_out", "encode_exact_input", "pack_path"]

_PARAMS = "(bytes,address,uint256,uint256,uint256)"
_SELECTOR = selector(f"exactInput({_PARAMS})")
_FEE_BYTES = 3


def _address_bytes(address: str) -> bytes:
    raw = bytes.fromhex(address.removeprefix("0x"))
    if len(raw) != 20:
        raise ValueError(f"not a 20-byte address: {address!r}")
    return raw


def pack_path(route: Route) -> bytes:
    """The packed path of `route`: token, then (fee, token) per hop (`Path.sol`)."""
    if not route.hops:
        raise ValueError("a swap needs at least one hop")
    parts = [_address_bytes(route.token_in)]
    for hop in route.hops:
        parts.append(hop.fee_pips.to_bytes(_FEE_BYTES, "big"))
        parts.append(_address_bytes(hop.token_out))
    return b"".join(parts)


def encode_exact_input(swap: ExactInputSwap) -> bytes:
    """`exactInput((path, recipient, deadline, amountIn, amountOutMinimum))` along the route."""
    params = (pack_path(swap.route), swap.recipient, swap.deadline, swap.amount_in, swap.min_out)
    return _SELECTOR + encode_args([_PARAMS], [params])


def decode_amount_out(result: bytes) -> int:
    """The output of an `exactInput` call (`returns (uint256 amountOut)`)."""
    (amount_out,) = decode(["uint256"], result)
    return int(amount_out)


ENCODER = RouterEncoder(
    kind=ROUTER_KIND, encode_exact_input=encode_exact_input, decode_amount_out=decode_amount_out
)
