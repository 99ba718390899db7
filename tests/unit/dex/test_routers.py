"""Every traded pool kind has its DEXes' router decoder, and each router kind names one decoder."""

from __future__ import annotations

from omniarb.dex.registry import ADAPTERS
from omniarb.dex.routers import DEX_ROUTERS, ROUTER_DECODERS, SHARED_ROUTERS, dex_router


def test_every_traded_kind_has_a_router_decoder() -> None:
    assert set(DEX_ROUTERS) == set(ADAPTERS)
    assert dex_router("velodrome") is None


def test_router_kinds_are_unique_and_all_listed() -> None:
    decoders = [*DEX_ROUTERS.values(), *SHARED_ROUTERS.values()]
    by_kind = {d.kind: d for d in decoders}
    assert all(by_kind[d.kind] is d for d in decoders)  # one decoder per router kind
    assert by_kind == ROUTER_DECODERS
    assert set(ROUTER_DECODERS) == {
        "uniswap-v2-router02",
        "uniswap-v3-swap-router",
        "pancakeswap-v3-dev-router",
        "algebra-integral-swap-router",
        "uniswap-v4-pool-swap-test",
        "balancer-v2-vault",
    }
