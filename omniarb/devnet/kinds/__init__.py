"""The pool kinds the devnet deploys and trades, by name: adding a kind to the devnet is one
module (a `DevnetKind`, `omniarb.devnet.kinds.base`) and one line here.

A DEX of the chain table whose kind is not here (Velodrome) is not deployed.
"""

from __future__ import annotations

from collections.abc import Mapping

from omniarb.devnet.kinds.algebra import KIND as ALGEBRA_INTEGRAL
from omniarb.devnet.kinds.balancer import STABLE as BALANCER_STABLE
from omniarb.devnet.kinds.balancer import WEIGHTED as BALANCER_WEIGHTED
from omniarb.devnet.kinds.base import DevnetKind
from omniarb.devnet.kinds.pancakeswap_v3 import KIND as PANCAKESWAP_V3
from omniarb.devnet.kinds.uniswap_v2 import KIND as UNISWAP_V2
from omniarb.devnet.kinds.uniswap_v3 import KIND as UNISWAP_V3
from omniarb.devnet.kinds.uniswap_v4 import KIND as UNISWAP_V4
from omniarb.errors import DevnetError

__all__ = ["DEVNET_KINDS", "DevnetKind", "devnet_kind", "is_deployed"]

DEVNET_KINDS: Mapping[str, DevnetKind] = {
    k.kind: k
    for k in (
        UNISWAP_V2,
        UNISWAP_V3,
        PANCAKESWAP_V3,
        ALGEBRA_INTEGRAL,
        UNISWAP_V4,
        BALANCER_WEIGHTED,
        BALANCER_STABLE,
    )
}


def devnet_kind(kind: str) -> DevnetKind:
    """The devnet's module for pool kind `kind`."""
    found = DEVNET_KINDS.get(kind)
    if found is None:
        known = ", ".join(DEVNET_KINDS)
        raise DevnetError(f"the devnet has no pool kind {kind!r} (known: {known})")
    return found


def is_deployed(kind: str) -> bool:
    """Whether the devnet deploys DEXes of pool kind `kind`."""
    return kind in DEVNET_KINDS
