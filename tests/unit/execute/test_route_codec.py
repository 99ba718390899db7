"""The packed plan and `execute(bytes)` calldata: byte layout, ABI wrapping, validation."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_utils.crypto import keccak
from hypothesis import given
from hypothesis import strategies as st

from omniarb.chains.abi import decode
from omniarb.execute.route_codec import (
    FlashSource,
    RouteCodec,
    RouteEncodingError,
    decode_plan,
    encode_execute_calldata,
)
from omniarb.types import Hop, Route

WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
USDT = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
FACTORIES = {
    "uniswap-v2": "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f",
    "sushiswap": "0xC0AEe478e3658e2610c5F7A4A2E1777cE9e4f2Ac",
}
POOLS = {
    ("uniswap-v2", WETH, USDC): "0xB4e16d0168e52d35CaCD2c6185b44281Ec28C9Dc",
    ("sushiswap", WETH, USDC): "0x397FF1542f962076d0BFE58eA045FfA2d347ACa0",
    ("uniswap-v2", USDC, USDT): "0x3041CbD36888bECc7bbCBc0045E3B1f144466f5f",
    ("uniswap-v2", WETH, USDT): "0x0d4a11d5EEaaC28EC3F61d100daF4d40471f1852",
}


def make_hop(dex: str, token_in: str, token_out: str, fee_pips: int = 3000) -> Hop:
    key = next(k for k in POOLS if k[0] == dex and {k[1], k[2]} == {token_in, token_out})
    return Hop(
        pool=POOLS[key],
        dex=dex,
        kind="uniswap-v2",
        token_in=token_in,
        token_out=token_out,
        zero_for_one=int(token_in, 16) < int(token_out, 16),
        fee_pips=fee_pips,
    )


TWO_HOP = Route(
    chain_id=1,
    hops=(make_hop("sushiswap", WETH, USDC, 2500), make_hop("uniswap-v2", USDC, WETH)),
)
THREE_HOP = Route(
    chain_id=1,
    hops=(
        make_hop("uniswap-v2", WETH, USDT),
        make_hop("uniswap-v2", USDT, USDC),
        make_hop("sushiswap", USDC, WETH),
    ),
)


def test_plan_layout_matches_the_contract() -> None:
    codec = RouteCodec(FACTORIES)
    plan = codec.plan(
        TWO_HOP, amount_in=10**18 + 7, min_profit=12_345, flash_source=FlashSource.V2_PAIR
    )
    assert len(plan) == 33 + 2 * 64
    assert plan[0] == 0
    assert int.from_bytes(plan[1:17], "big") == 10**18 + 7
    assert int.from_bytes(plan[17:33], "big") == 12_345
    first = plan[33:97]
    assert first[0:20] == bytes.fromhex(POOLS[("sushiswap", WETH, USDC)][2:])
    assert first[20:40] == bytes.fromhex(WETH[2:])
    assert first[40:60] == bytes.fromhex(FACTORIES["sushiswap"][2:])
    assert first[60] == 0  # kind: Uniswap V2
    assert int.from_bytes(first[61:64], "big") == 2500  # a 0.25% fork, in pips
    second = plan[97:161]
    assert second[20:40] == bytes.fromhex(USDC[2:])
    assert int.from_bytes(second[61:64], "big") == 3000


def test_calldata_is_execute_bytes_abi_encoded() -> None:
    codec = RouteCodec(FACTORIES)
    plan = codec.plan(THREE_HOP, 5 * 10**6, 1)
    calldata = codec.calldata(THREE_HOP, 5 * 10**6, 1)
    assert calldata[:4] == keccak(text="execute(bytes)")[:4]
    assert (len(calldata) - 4) % 32 == 0
    assert decode(["bytes"], calldata[4:]) == (plan,)
    assert encode_execute_calldata(THREE_HOP, 5 * 10**6, 1, factories=FACTORIES) == calldata


def test_flash_source_byte_and_hop_cache() -> None:
    codec = RouteCodec(FACTORIES)
    plan = codec.plan(TWO_HOP, 1, 0, FlashSource.AAVE_V3)
    assert plan[0] == 2
    # Packed once: the same hop value gives the very same bytes object.
    assert codec.hop_bytes(TWO_HOP.hops[0]) is codec.hop_bytes(TWO_HOP.hops[0])


@given(
    amount_in=st.integers(1, 2**128 - 1),
    min_profit=st.integers(0, 2**128 - 1),
    fees=st.lists(st.integers(0, 999_999), min_size=3, max_size=3),
)
def test_decode_plan_reads_back_what_was_encoded(
    amount_in: int, min_profit: int, fees: list[int]
) -> None:
    hops = tuple(
        Hop(
            pool=h.pool,
            dex=h.dex,
            kind=h.kind,
            token_in=h.token_in,
            token_out=h.token_out,
            zero_for_one=h.zero_for_one,
            fee_pips=fee,
        )
        for h, fee in zip(THREE_HOP.hops, fees, strict=True)
    )
    route = Route(chain_id=1, hops=hops)
    decoded = decode_plan(RouteCodec(FACTORIES).plan(route, amount_in, min_profit))
    assert (decoded.flash_source, decoded.amount_in, decoded.min_profit) == (
        0,
        amount_in,
        min_profit,
    )
    assert [h.pool for h in decoded.hops] == [h.pool.lower() for h in hops]
    assert [h.token_in for h in decoded.hops] == [h.token_in.lower() for h in hops]
    assert [h.factory for h in decoded.hops] == [FACTORIES[h.dex].lower() for h in hops]
    assert [h.fee_pips for h in decoded.hops] == fees
    assert all(h.kind == 0 for h in decoded.hops)


@pytest.mark.parametrize(
    ("route", "amount_in", "min_profit", "message"),
    [
        (Route(chain_id=1, hops=TWO_HOP.hops[:1]), 1, 0, "at least 2 hops"),
        (Route(chain_id=1, hops=THREE_HOP.hops[:2]), 1, 0, "not a cycle"),
        (TWO_HOP, 0, 0, "amount_in"),
        (TWO_HOP, 2**128, 0, "amount_in"),
        (TWO_HOP, 1, -1, "min_profit"),
        (TWO_HOP, 1, 2**128, "min_profit"),
        (
            Route(chain_id=1, hops=(replace(TWO_HOP.hops[0], dex="pancake"), TWO_HOP.hops[1])),
            1,
            0,
            "no factory",
        ),
        (
            Route(chain_id=1, hops=(replace(TWO_HOP.hops[0], kind="curve"), TWO_HOP.hops[1])),
            1,
            0,
            "unknown pool kind",
        ),
        (
            Route(chain_id=1, hops=(replace(TWO_HOP.hops[0], fee_pips=10**6), TWO_HOP.hops[1])),
            1,
            0,
            "fee",
        ),
        (
            Route(
                chain_id=1,
                hops=(
                    replace(TWO_HOP.hops[0], zero_for_one=not TWO_HOP.hops[0].zero_for_one),
                    TWO_HOP.hops[1],
                ),
            ),
            1,
            0,
            "contradicts its tokens",
        ),
    ],
)
def test_routes_the_contract_cannot_run_are_refused(
    route: Route, amount_in: int, min_profit: int, message: str
) -> None:
    with pytest.raises(RouteEncodingError, match=message):
        RouteCodec(FACTORIES).calldata(route, amount_in, min_profit)


def test_decode_plan_refuses_a_wrong_length() -> None:
    plan = RouteCodec(FACTORIES).plan(TWO_HOP, 1, 0)
    with pytest.raises(ValueError, match="33"):
        decode_plan(plan[:-1])
