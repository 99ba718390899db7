"""A router's calldata encoder as the rest of omni-arb sees it: the encoding side of
`omniarb.dex.router_decoder`.

A cross-chain leg is one exact-input swap through one DEX's router, paid from and to the
inventory account (`omniarb.crosschain`): each pool kind that can carry a leg names how its
router's exact-input call is encoded from a `Route`, so another protocol adds its encoder in its
own package and one line of `omniarb.dex.routers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from omniarb.types import Route

__all__ = ["DecodeAmountOut", "EncodeExactInput", "ExactInputSwap", "RouterEncoder"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ExactInputSwap:
    """Swap `amount_in` of `route.token_in` along `route` for at least `min_out` of
    `route.token_out`, paid to `recipient`, valid until `deadline` (unix seconds)."""

    route: Route
    amount_in: int
    min_out: int
    recipient: str
    deadline: int


class EncodeExactInput(Protocol):
    def __call__(self, swap: ExactInputSwap) -> bytes: ...


class DecodeAmountOut(Protocol):
    def __call__(self, result: bytes) -> int: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RouterEncoder:
    """The encoder of one kind of router (`uniswap-v2-router02`, `uniswap-v3-swap-router`), and
    the reader of its exact-input call's return value (the output, what an `eth_call` of the
    call quotes at the current state)."""

    kind: str
    encode_exact_input: EncodeExactInput
    decode_amount_out: DecodeAmountOut
