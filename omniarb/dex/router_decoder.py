"""A router's calldata decoder as the rest of omni-arb sees it: the router kind, the functions
it decodes (by selector) and the function that decodes them.

Every decoder takes the calldata, the transaction's value (a native-coin input is paid as value)
and the chain's wrapped native token (a router that takes the native coin as address 0, such as
Balancer's Vault and Uniswap V4, names it by the wrapped token in the path, as the pools meet
the other pools in cycles; None leaves address 0), and returns the swaps the call asks for:
none for anything it cannot read. It never raises on untrusted calldata. The selectors let the
dispatcher (`omniarb.dex.router_book`) tell a function the decoder does not know from a known
one whose arguments do not decode.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from omniarb.dex.router_swap import RouterSwap

__all__ = ["NATIVE_COIN", "DecodeFunction", "RouterDecoder", "named_native", "split_packed_path"]

# The native coin where a router takes it as an address (Balancer's Vault, v4-core's Currency).
NATIVE_COIN = "0x0000000000000000000000000000000000000000"


class DecodeFunction(Protocol):
    def __call__(
        self, data: bytes, *, value_wei: int, wrapped_native: str | None
    ) -> tuple[RouterSwap, ...]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RouterDecoder:
    """The decoder of one kind of router (`uniswap-v2-router02`, `balancer-v2-vault`, ...)."""

    kind: str
    selectors: frozenset[bytes]
    decode: DecodeFunction

    def knows(self, data: bytes) -> bool:
        """Whether `data` calls one of the functions this decoder reads."""
        return bytes(data[:4]) in self.selectors


def named_native(token: str, wrapped_native: str | None) -> tuple[str, bool]:
    """(`token` as a path names it, whether it is the native coin): the wrapped native token
    stands in for address 0 where it is known."""
    if token.lower() != NATIVE_COIN:
        return token, False
    return (wrapped_native or token), True


_ADDRESS_BYTES = 20


def split_packed_path(path: bytes, link_bytes: int) -> tuple[tuple[str, ...], tuple[bytes, ...]]:
    """(tokens, the bytes linking each pair) of a packed path: token, then (link, token) per
    hop — a fee for Uniswap V3, a pool deployer for Algebra Integral. Empty tuples when `path`
    is not one (at least one hop)."""
    step = link_bytes + _ADDRESS_BYTES
    if len(path) < _ADDRESS_BYTES + step or (len(path) - _ADDRESS_BYTES) % step:
        return (), ()
    tokens = ["0x" + path[:_ADDRESS_BYTES].hex()]
    links = []
    for start in range(_ADDRESS_BYTES, len(path), step):
        links.append(path[start : start + link_bytes])
        tokens.append("0x" + path[start + link_bytes : start + step].hex())
    return tuple(tokens), tuple(links)
