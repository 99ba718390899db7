"""The exact-input encoders of the DEX routers, read back by the routers' own decoders."""

from __future__ import annotations

import pytest

from omniarb.dex.router_encoder import ExactInputSwap
from omniarb.dex.routers import dex_router, dex_router_encoder
from omniarb.types import Hop, Route

_A = "0x" + "11" * 20
_B = "0x" + "22" * 20
_C = "0x" + "33" * 20
_ME = "0x" + "44" * 20


def _route(kind: str, fees: tuple[int, int]) -> Route:
    hops = (
        Hop(pool="0x" + "aa" * 20, dex="d", kind=kind, token_in=_A, token_out=_B,
            zero_for_one=True, fee_pips=fees[0]),
        Hop(pool="0x" + "bb" * 20, dex="d", kind=kind, token_in=_B, token_out=_C,
            zero_for_one=False, fee_pips=fees[1]),
    )  # fmt: skip
    return Route(chain_id=1, hops=hops)


@pytest.mark.parametrize("kind", ["uniswap-v2", "uniswap-v3"])
def test_exact_input_round_trips_through_the_decoder(kind: str) -> None:
    encoder, decoder = dex_router_encoder(kind), dex_router(kind)
    assert encoder is not None
    assert decoder is not None
    swap = ExactInputSwap(
        route=_route(kind, (3000, 500)),
        amount_in=10**18 + 7,
        min_out=123_456_789,
        recipient=_ME,
        deadline=1_900_000_000,
    )
    data = encoder.encode_exact_input(swap)
    assert decoder.knows(data)
    (decoded,) = decoder.decode(data, value_wei=0, wrapped_native=None)
    assert decoded.router_kind == encoder.kind == decoder.kind
    assert decoded.exact_input
    assert [t.lower() for t in decoded.path] == [_A, _B, _C]
    assert decoded.amount_in == swap.amount_in
    assert decoded.amount_out_min == swap.min_out
    assert decoded.recipient.lower() == _ME
    assert decoded.deadline == swap.deadline
    if kind == "uniswap-v3":
        assert decoded.fees_pips == (3000, 500)


def test_a_kind_without_an_encoder_has_none() -> None:
    assert dex_router_encoder("balancer-v2-weighted") is None


def test_an_empty_route_is_refused() -> None:
    encoder = dex_router_encoder("uniswap-v3")
    assert encoder is not None
    with pytest.raises(ValueError, match="at least one hop"):
        encoder.encode_exact_input(
            ExactInputSwap(route=Route(chain_id=1, hops=()), amount_in=1, min_out=0,
                           recipient=_ME, deadline=0)
        )  # fmt: skip
