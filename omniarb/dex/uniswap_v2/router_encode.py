"""Uniswap V2 Router02 `swapExactTokensForTokens` calldata for a route through one V2 DEX (and
the forks that keep its ABI): the encoding side of `omniarb.dex.uniswap_v2.router`.

Router02 finds each hop's pair from the token pair and its factory
(`UniswapV2Library.getAmountsOut`), so the route names its tokens in order; every hop must be a
pair of the router's own DEX, which the caller (one DEX per leg) guarantees.
"""

from __future__ import annotations

from omniarb.chains.abi import decode, encode_args, selector
from omniarb.dex.router_encoder import ExactInputSwap, RouterEncoder
from omniarb.dex.uniswap_v2.router import ROUTER_KIND

__all__ = ["ENCODER", "decode_amounts_out", "encode_swap_exact_tokens_for_tokens"]

_SIGNATURE = "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)"
_SELECTOR = selector(_SIGNATURE)


def encode_swap_exact_tokens_for_tokens(swap: ExactInputSwap) -> bytes:
    """`swapExactTokensForTokens(amountIn, amountOutMin, path, to, deadline)` along the route."""
    if not swap.route.hops:
        raise ValueError("a swap needs at least one hop")
    path = [swap.route.token_in, *(hop.token_out for hop in swap.route.hops)]
    return _SELECTOR + encode_args(
        ["uint256", "uint256", "address[]", "address", "uint256"],
        [swap.amount_in, swap.min_out, path, swap.recipient, swap.deadline],
    )


def decode_amounts_out(result: bytes) -> int:
    """The output of a `swapExactTokensForTokens` call: the last of its `amounts`."""
    (amounts,) = decode(["uint256[]"], result)
    return int(amounts[-1])


ENCODER = RouterEncoder(
    kind=ROUTER_KIND,
    encode_exact_input=encode_swap_exact_tokens_for_tokens,
    decode_amount_out=decode_amounts_out,
)
