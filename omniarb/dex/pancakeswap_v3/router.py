"""The devnet's PancakeSwap V3 router calls decoded into `RouterSwap`s: `swap(pool, tokenIn,
amountIn, recipient)` of `contracts/devnet/PancakeV3DevRouter.sol` (PancakeSwap's npm periphery
ships no bytecode, so the devnet routes its pools through this contract of ours).

The call names its pool itself (`pool_ids`: the pool's address) and only the token in: the
token out is the pool's other token, which the calldata does not say, so the path holds the
token in alone and the dispatcher (`omniarb.dex.router_book`) completes it from the pools it
knows. The router swaps exactly `amountIn` with no minimum out, no price limit and no deadline.
Anything else gives no swap: a decoder never raises on untrusted calldata.
"""

from __future__ import annotations

from omniarb.chains.abi import decode, selector
from omniarb.dex.router_decoder import RouterDecoder
from omniarb.dex.router_swap import RouterSwap

__all__ = ["DECODER", "ROUTER_KIND", "decode_dev_router_call"]

ROUTER_KIND = "pancakeswap-v3-dev-router"

_TYPES = ("address", "address", "uint256", "address")
_SWAP = selector(f"swap({','.join(_TYPES)})")


def decode_dev_router_call(
    data: bytes, *, value_wei: int = 0, wrapped_native: str | None = None
) -> tuple[RouterSwap, ...]:
    """The swap `data` asks of the dev router (none when it asks for none)."""
    if bytes(data[:4]) != _SWAP:
        return ()
    try:
        pool, token_in, amount_in, recipient = decode(_TYPES, bytes(data[4:]))
    except Exception:  # untrusted calldata: any decoding failure is "not a swap we know"
        return ()
    return (
        RouterSwap(
            router_kind=ROUTER_KIND,
            function="swap",
            path=(str(token_in),),
            exact_input=True,
            amount_in=int(amount_in),
            amount_out=None,
            amount_out_min=0,
            amount_in_max=None,
            recipient=str(recipient),
            deadline=None,
            pool_ids=(str(pool),),
        ),
    )


DECODER = RouterDecoder(
    kind=ROUTER_KIND, selectors=frozenset((_SWAP,)), decode=decode_dev_router_call
)
