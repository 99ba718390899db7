"""The stored route column: a hop's tick spacing (a V4 hop's key needs it) and its pool's own
currencies (the native coin of a V4 pool) are kept where the hop has them, and rows written
before hops carried them read back as they were."""

from __future__ import annotations

from dataclasses import replace

from omniarb.store._rows import route_from_json, route_json
from omniarb.types import Hop, Route

WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


def _hop(token_in: str, token_out: str, *, kind: str, spacing: int | None) -> Hop:
    return Hop(
        pool="0x21C67e77068de97969BA93D4aaB21826d33Ca12B",
        dex=kind,
        kind=kind,
        token_in=token_in,
        token_out=token_out,
        zero_for_one=int(token_in, 16) < int(token_out, 16),
        fee_pips=500,
        tick_spacing=spacing,
    )


def test_a_route_round_trips_with_its_tick_spacings() -> None:
    route = Route(
        chain_id=1,
        hops=(
            _hop(WETH, USDC, kind="uniswap-v2", spacing=None),
            _hop(USDC, WETH, kind="uniswap-v4", spacing=10),
        ),
    )
    stored = route_json(route)
    assert "tick_spacing" not in stored[0]
    assert stored[1]["tick_spacing"] == 10
    assert route_from_json(1, stored) == route


def test_a_row_without_tick_spacings_reads_back() -> None:
    old = route_json(Route(chain_id=1, hops=(_hop(WETH, USDC, kind="uniswap-v2", spacing=None),)))
    assert route_from_json(1, old).hops[0].tick_spacing is None


def test_a_hop_of_the_native_coin_keeps_the_pool_s_currency() -> None:
    native = "0x0000000000000000000000000000000000000000"
    sell = _hop(WETH, USDC, kind="uniswap-v4", spacing=60)
    route = Route(
        chain_id=1,
        hops=(
            replace(sell, zero_for_one=True, currency_in=native),
            _hop(USDC, WETH, kind="uniswap-v2", spacing=None),
        ),
    )
    stored = route_json(route)
    assert stored[0]["currency_in"] == native
    assert "currency_out" not in stored[0]
    assert "currency_in" not in stored[1]
    assert "currency_out" not in stored[1]
    assert route_from_json(1, stored) == route
