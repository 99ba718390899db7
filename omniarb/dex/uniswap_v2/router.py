"""Uniswap V2 Router02 calls decoded into `RouterSwap`s (and the forks that keep its ABI).

Every swap function of `UniswapV2Router02` (npm `@uniswap/v2-periphery`), the native-coin and
fee-on-transfer variants included. For a `payable` native-in call the input amount is the
transaction's value, which the decoder is given. Calldata that is not one of these functions, or
does not decode (short, truncated, a path of fewer than two tokens), gives no swap: a pending
transaction is untrusted input and a decoder never raises on it. SushiSwap's V2 and the 25 bps
fork keep this router's ABI, so their routers decode here too.
"""

from __future__ import annotations

from dataclasses import dataclass

from omniarb.chains.abi import decode, selector
from omniarb.dex.router_decoder import RouterDecoder
from omniarb.dex.router_swap import RouterSwap

__all__ = ["DECODER", "ROUTER_KIND", "decode_router_call"]

ROUTER_KIND = "uniswap-v2-router02"


@dataclass(frozen=True, slots=True)
class _Function:
    name: str
    exact_input: bool
    native_in: bool
    native_out: bool
    fee_on_transfer: bool

    @property
    def types(self) -> tuple[str, ...]:
        amounts = () if self.native_in else ("uint256",)
        return ("uint256", *amounts, "address[]", "address", "uint256")

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(self.types)})"


_FUNCTIONS = (
    _Function("swapExactTokensForTokens", True, False, False, False),
    _Function("swapTokensForExactTokens", False, False, False, False),
    _Function("swapExactETHForTokens", True, True, False, False),
    _Function("swapTokensForExactETH", False, False, True, False),
    _Function("swapExactTokensForETH", True, False, True, False),
    _Function("swapETHForExactTokens", False, True, False, False),
    _Function("swapExactTokensForTokensSupportingFeeOnTransferTokens", True, False, False, True),
    _Function("swapExactETHForTokensSupportingFeeOnTransferTokens", True, True, False, True),
    _Function("swapExactTokensForETHSupportingFeeOnTransferTokens", True, False, True, True),
)
_BY_SELECTOR = {selector(f.signature): f for f in _FUNCTIONS}


def decode_router_call(
    data: bytes, *, value_wei: int = 0, wrapped_native: str | None = None
) -> tuple[RouterSwap, ...]:
    """The swap `data` asks of a Router02 (`value_wei`: the transaction's value), or none. Its
    paths name the wrapped native token themselves, so `wrapped_native` is not needed."""
    swap = _swap(data, value_wei)
    return () if swap is None else (swap,)


def _swap(data: bytes, value_wei: int) -> RouterSwap | None:
    function = _BY_SELECTOR.get(bytes(data[:4]))
    if function is None:
        return None
    try:
        args = decode(list(function.types), bytes(data[4:]))
    except Exception:  # untrusted calldata: any decoding failure is "not a swap we know"
        return None
    if function.native_in:
        first, path, recipient, deadline = args
        second = value_wei
    else:
        first, second, path, recipient, deadline = args
    if len(path) < 2:
        return None
    tokens = tuple(str(token) for token in path)
    if function.exact_input:
        amount_in, amount_out_min = (value_wei, first) if function.native_in else (first, second)
        amount_out = amount_in_max = None
    else:
        amount_out = first
        amount_in_max = value_wei if function.native_in else second
        amount_in = amount_out_min = None
    return RouterSwap(
        router_kind=ROUTER_KIND,
        function=function.name,
        path=tokens,
        exact_input=function.exact_input,
        amount_in=amount_in,
        amount_out=amount_out,
        amount_out_min=amount_out_min,
        amount_in_max=amount_in_max,
        recipient=str(recipient),
        deadline=int(deadline),
        native_in=function.native_in,
        native_out=function.native_out,
        fee_on_transfer=function.fee_on_transfer,
    )


DECODER = RouterDecoder(
    kind=ROUTER_KIND, selectors=frozenset(_BY_SELECTOR), decode=decode_router_call
)
