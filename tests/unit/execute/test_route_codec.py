"""The packed plan and `execute(bytes)` calldata: byte layout (V2 and V3 hops, flash sources,
lender records), ABI wrapping, validation."""

from __future__ import annotations

from dataclasses import replace

import pytest
from _plans import FAR_DEADLINE_BLOCK
from eth_utils.crypto import keccak
from hypothesis import given
from hypothesis import strategies as st

from omniarb.chains.abi import decode
from omniarb.dex.uniswap_v4 import PoolKey, pool_address
from omniarb.execute.route_codec import (
    PLAN_SOURCE,
    FlashPool,
    FlashSource,
    RouteCodec,
    RouteEncodingError,
    decode_plan,
    encode_execute_calldata,
    plan_source,
)
from omniarb.types import FlashLoan, Hop, Route

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
        TWO_HOP,
        amount_in=10**18 + 7,
        min_profit=12_345,
        flash_source=FlashSource.V2_PAIR,
        deadline_block=FAR_DEADLINE_BLOCK,
    )
    assert len(plan) == 41 + 2 * 64
    assert plan[0] == 0
    assert int.from_bytes(plan[1:17], "big") == 10**18 + 7
    assert int.from_bytes(plan[17:33], "big") == 12_345
    assert int.from_bytes(plan[33:41], "big") == FAR_DEADLINE_BLOCK
    first = plan[41:105]
    assert first[0:20] == bytes.fromhex(POOLS[("sushiswap", WETH, USDC)][2:])
    assert first[20:40] == bytes.fromhex(WETH[2:])
    assert first[40:60] == bytes.fromhex(FACTORIES["sushiswap"][2:])
    assert first[60] == 0  # kind: Uniswap V2
    assert int.from_bytes(first[61:64], "big") == 2500  # a 0.25% fork, in pips
    second = plan[105:169]
    assert second[20:40] == bytes.fromhex(USDC[2:])
    assert int.from_bytes(second[61:64], "big") == 3000


def test_calldata_is_execute_bytes_abi_encoded() -> None:
    codec = RouteCodec(FACTORIES)
    plan = codec.plan(THREE_HOP, 5 * 10**6, 1, deadline_block=FAR_DEADLINE_BLOCK)
    calldata = codec.calldata(THREE_HOP, 5 * 10**6, 1, deadline_block=FAR_DEADLINE_BLOCK)
    assert calldata[:4] == keccak(text="execute(bytes)")[:4]
    assert (len(calldata) - 4) % 32 == 0
    assert decode(["bytes"], calldata[4:]) == (plan,)
    assert (
        encode_execute_calldata(
            THREE_HOP, 5 * 10**6, 1, factories=FACTORIES, deadline_block=FAR_DEADLINE_BLOCK
        )
        == calldata
    )


def test_flash_source_byte_and_hop_cache() -> None:
    codec = RouteCodec(FACTORIES)
    plan = codec.plan(TWO_HOP, 1, 0, FlashSource.AAVE_V3, deadline_block=FAR_DEADLINE_BLOCK)
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
    decoded = decode_plan(
        RouteCodec(FACTORIES).plan(route, amount_in, min_profit, deadline_block=FAR_DEADLINE_BLOCK)
    )
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
        RouteCodec(FACTORIES).calldata(
            route, amount_in, min_profit, deadline_block=FAR_DEADLINE_BLOCK
        )


def test_decode_plan_refuses_a_wrong_length() -> None:
    plan = RouteCodec(FACTORIES).plan(TWO_HOP, 1, 0, deadline_block=FAR_DEADLINE_BLOCK)
    with pytest.raises(ValueError, match="41"):
        decode_plan(plan[:-1])


# ---------------------------------------------------------------------------- V3 hops, lenders

V3_FACTORY = "0x1F98431c8aD98523631AE4a59f267346ea31F984"
FACTORIES_V3 = {**FACTORIES, "uniswap-v3": V3_FACTORY}
V3_WETH_USDC_500 = "0x88e6A0c2dDD26FEEb64F039a2c41296FcB3f5640"
V3_WETH_USDT_500 = "0x11b815efB8f581194ae79006d24E0d814B7697F6"


def v3_hop(token_in: str, token_out: str, pool: str = V3_WETH_USDC_500, fee: int = 500) -> Hop:
    return Hop(
        pool=pool,
        dex="uniswap-v3",
        kind="uniswap-v3",
        token_in=token_in,
        token_out=token_out,
        zero_for_one=int(token_in, 16) < int(token_out, 16),
        fee_pips=fee,
    )


MIXED = Route(chain_id=1, hops=(make_hop("uniswap-v2", WETH, USDC), v3_hop(USDC, WETH)))
V3_FIRST = Route(chain_id=1, hops=(v3_hop(USDC, WETH), make_hop("uniswap-v2", WETH, USDC)))


def lender(dex: str, pool: str, token0: str, token1: str, fee: int) -> FlashPool:
    kind = "uniswap-v3" if dex == "uniswap-v3" else "uniswap-v2"
    return FlashPool(pool=pool, dex=dex, kind=kind, token0=token0, token1=token1, fee_pips=fee)


V3_LENDER = lender("uniswap-v3", V3_WETH_USDT_500, USDT, WETH, 500)
V2_LENDER = lender("sushiswap", POOLS[("sushiswap", WETH, USDC)], USDC, WETH, 3000)
V2_USDC_LENDER = lender("uniswap-v2", POOLS[("uniswap-v2", USDC, USDT)], USDC, USDT, 3000)


def test_a_v3_hop_packs_kind_1_its_fee_and_its_factory() -> None:
    plan = RouteCodec(FACTORIES_V3).plan(
        MIXED, 10**18, 0, FlashSource.BALANCER_VAULT, deadline_block=FAR_DEADLINE_BLOCK
    )
    assert plan[0] == 1
    second = plan[41 + 64 :]
    assert len(second) == 64
    assert second[0:20] == bytes.fromhex(V3_WETH_USDC_500[2:])
    assert second[20:40] == bytes.fromhex(USDC[2:])
    assert second[40:60] == bytes.fromhex(V3_FACTORY[2:])
    assert second[60] == 1
    assert int.from_bytes(second[61:64], "big") == 500


@pytest.mark.parametrize(
    ("source", "route", "flash_pool", "kind_byte"),
    [
        (FlashSource.UNISWAP_V3, MIXED, V3_LENDER, 0x81),  # lends WETH, the other token USDT
        (FlashSource.V2_PAIR, V3_FIRST, V2_USDC_LENDER, 0x80),  # lends USDC, the other USDT
    ],
)
def test_a_lender_record_follows_the_hops(
    source: FlashSource, route: Route, flash_pool: FlashPool, kind_byte: int
) -> None:
    codec = RouteCodec(FACTORIES_V3)
    plan = codec.plan(
        route, 5 * 10**6, 7, source, flash_pool=flash_pool, deadline_block=FAR_DEADLINE_BLOCK
    )
    assert len(plan) == 41 + 3 * 64
    record = plan[-64:]
    assert record[0:20] == bytes.fromhex(flash_pool.pool[2:])
    assert record[20:40] == bytes.fromhex(USDT[2:])  # the pool's token that is NOT borrowed
    assert record[40:60] == bytes.fromhex(FACTORIES_V3[flash_pool.dex][2:])
    assert record[60] == kind_byte
    assert int.from_bytes(record[61:64], "big") == flash_pool.fee_pips
    decoded = decode_plan(plan)
    assert len(decoded.hops) == 2
    assert decoded.flash_pool is not None
    assert decoded.flash_pool.pool == flash_pool.pool.lower()
    assert decoded.flash_pool.kind == kind_byte
    assert (
        decode_plan(
            codec.plan(MIXED, 1, 0, FlashSource.AAVE_V3, deadline_block=FAR_DEADLINE_BLOCK)
        ).flash_pool
        is None
    )


@pytest.mark.parametrize(
    ("route", "source", "flash_pool", "message"),
    [
        (MIXED, FlashSource.UNISWAP_V3, None, "needs the flash_pool"),
        (MIXED, FlashSource.BALANCER_VAULT, V3_LENDER, "cannot lend for flash source"),
        (MIXED, FlashSource.UNISWAP_V3, V2_LENDER, "cannot lend for flash source"),
        (MIXED, FlashSource.V2_PAIR, V3_LENDER, "cannot lend for flash source"),
        (V3_FIRST, FlashSource.UNISWAP_V3, V3_LENDER, "does not hold the start token"),
        (
            MIXED,
            FlashSource.UNISWAP_V3,
            lender("uniswap-v3", V3_WETH_USDC_500, USDC, WETH, 500),
            "is a pool of the route",
        ),
        (V3_FIRST, FlashSource.V2_PAIR, None, "must be a V2 pair"),
        (MIXED, FlashSource.INVENTORY, V3_LENDER, "cannot lend for flash source"),
    ],
)
def test_lenders_the_contract_would_refuse_are_refused(
    route: Route, source: FlashSource, flash_pool: FlashPool | None, message: str
) -> None:
    with pytest.raises(RouteEncodingError, match=message):
        RouteCodec(FACTORIES_V3).plan(
            route, 1, 0, source, flash_pool=flash_pool, deadline_block=FAR_DEADLINE_BLOCK
        )


def test_a_v2_flash_swap_needs_no_record_when_the_first_hop_is_v2() -> None:
    plan = RouteCodec(FACTORIES_V3).plan(
        MIXED, 1, 0, FlashSource.V2_PAIR, deadline_block=FAR_DEADLINE_BLOCK
    )
    assert len(plan) == 41 + 2 * 64
    assert decode_plan(plan).flash_pool is None


@pytest.mark.parametrize("route", [MIXED, V3_FIRST])
def test_inventory_is_source_5_with_no_record_whatever_the_first_hop(route: Route) -> None:
    plan = RouteCodec(FACTORIES_V3).plan(
        route, 10**18, 3, FlashSource.INVENTORY, deadline_block=FAR_DEADLINE_BLOCK
    )
    assert plan[0] == 5
    assert int.from_bytes(plan[1:17], "big") == 10**18
    assert int.from_bytes(plan[17:33], "big") == 3
    assert len(plan) == 41 + 2 * 64
    assert decode_plan(plan).flash_pool is None
    assert plan_source(FlashLoan.INVENTORY) is FlashSource.INVENTORY


def test_every_loan_has_a_plan_byte_and_a_stable_name() -> None:
    assert set(PLAN_SOURCE) == set(FlashLoan)
    assert set(PLAN_SOURCE.values()) == set(FlashSource)
    assert plan_source(FlashLoan.OWN_PAIR) is plan_source(FlashLoan.V2_PAIR) is FlashSource.V2_PAIR
    assert plan_source(FlashLoan.V3_POOL) is FlashSource.UNISWAP_V3
    assert FlashLoan.OWN_PAIR == "uniswap-v2-flash-swap"
    with pytest.raises(RouteEncodingError, match="no flash source"):
        plan_source(None)


V4_MANAGER = "0x000000000004444c5dc75cB358380D2e3dE08A90"
# Mainnet ETH/USDC 0.05% has the native coin; this key pairs WETH with USDC the same way.
V4_KEY_TICK_SPACING = 10


def _v4_hop(token_in: str, token_out: str) -> Hop:
    key = PoolKey.of(WETH, USDC, fee=500, tick_spacing=V4_KEY_TICK_SPACING)
    return Hop(
        pool=pool_address(key.pool_id),
        dex="uniswap-v4",
        kind="uniswap-v4",
        token_in=token_in,
        token_out=token_out,
        zero_for_one=int(token_in, 16) < int(token_out, 16),
        fee_pips=500,
        tick_spacing=V4_KEY_TICK_SPACING,
    )


def test_a_v4_hop_packs_its_id_prefix_and_tick_spacing_kind_3_and_its_manager() -> None:
    codec = RouteCodec({**FACTORIES, "uniswap-v4": V4_MANAGER})
    hop = _v4_hop(USDC, WETH)
    route = Route(chain_id=1, hops=(make_hop("uniswap-v2", WETH, USDC), hop))
    plan = codec.plan(route, amount_in=10**18, min_profit=0, deadline_block=FAR_DEADLINE_BLOCK)
    packed = plan[41 + 64 :]
    pool_id = bytes.fromhex(PoolKey.of(WETH, USDC, fee=500, tick_spacing=10).pool_id[2:])
    assert packed[0:17] == pool_id[:17]
    assert int.from_bytes(packed[17:20], "big", signed=True) == V4_KEY_TICK_SPACING
    assert packed[20:40] == bytes.fromhex(USDC[2:])
    assert packed[40:60] == bytes.fromhex(V4_MANAGER[2:])
    assert packed[60] == 3
    assert int.from_bytes(packed[61:64], "big") == 500
    # A negative spacing is an int24 in two's complement; a hop without one is refused.
    negative = replace(hop, tick_spacing=-7)
    assert codec.hop_bytes(negative)[17:20] == (-7).to_bytes(3, "big", signed=True)
    with pytest.raises(RouteEncodingError, match="no tick spacing"):
        codec.hop_bytes(replace(hop, tick_spacing=None))


def test_a_v4_pool_manager_loan_is_source_4_with_a_0x83_record() -> None:
    codec = RouteCodec({**FACTORIES, "uniswap-v4": V4_MANAGER})
    lender = FlashPool(
        pool=V4_MANAGER, dex="uniswap-v4", kind="uniswap-v4", token0=WETH, token1=WETH, fee_pips=0
    )
    plan = codec.plan(
        TWO_HOP,
        10**18,
        1,
        FlashSource.UNISWAP_V4,
        flash_pool=lender,
        deadline_block=FAR_DEADLINE_BLOCK,
    )
    decoded = decode_plan(plan)
    assert decoded.flash_source == 4 == plan_source(FlashLoan.V4_POOL_MANAGER)
    assert decoded.flash_pool is not None
    record = decoded.flash_pool
    assert (record.pool, record.factory) == (V4_MANAGER.lower(), V4_MANAGER.lower())
    assert (record.token_in, record.kind, record.fee_pips) == (WETH.lower(), 0x83, 0)
    with pytest.raises(RouteEncodingError, match="UNISWAP_V4 needs the flash_pool"):
        codec.plan(TWO_HOP, 10**18, 1, FlashSource.UNISWAP_V4, deadline_block=FAR_DEADLINE_BLOCK)
    # A V4 PoolManager cannot lend for another source, nor a V3 pool for source 4.
    with pytest.raises(RouteEncodingError, match="cannot lend for flash source"):
        codec.plan(
            TWO_HOP,
            10**18,
            1,
            FlashSource.UNISWAP_V3,
            flash_pool=lender,
            deadline_block=FAR_DEADLINE_BLOCK,
        )


def test_a_route_opening_with_a_v4_hop_borrows_from_its_swap() -> None:
    # Source 0 without a record: the opening V4 swap lends the input, as a V2 flash swap.
    codec = RouteCodec({**FACTORIES, "uniswap-v4": V4_MANAGER})
    route = Route(chain_id=1, hops=(_v4_hop(WETH, USDC), make_hop("uniswap-v2", USDC, WETH)))
    assert (
        decode_plan(codec.plan(route, 10**18, 0, deadline_block=FAR_DEADLINE_BLOCK)).flash_pool
        is None
    )


# Mainnet's ETH/USDC 0.05% V4 pool: currency 0 is the native coin, which routes carry as WETH.
NATIVE = "0x0000000000000000000000000000000000000000"
NATIVE_KEY = PoolKey.of(NATIVE, USDC, fee=500, tick_spacing=10)


def _native_hop(token_in: str, token_out: str) -> Hop:
    """A hop through the native pool as the detector builds it: WETH on the native side."""
    selling = token_in == WETH
    return Hop(
        pool=pool_address(NATIVE_KEY.pool_id),
        dex="uniswap-v4",
        kind="uniswap-v4",
        token_in=token_in,
        token_out=token_out,
        zero_for_one=selling,  # the native coin is currency 0
        fee_pips=500,
        tick_spacing=10,
        currency_in=NATIVE if selling else None,
        currency_out=None if selling else NATIVE,
    )


def test_a_v4_hop_of_the_native_coin_flags_its_side_and_names_the_wrapped_token() -> None:
    codec = RouteCodec({**FACTORIES, "uniswap-v4": V4_MANAGER})
    sell, buy = _native_hop(WETH, USDC), _native_hop(USDC, WETH)
    route = Route(chain_id=1, hops=(sell, make_hop("uniswap-v2", USDC, WETH)))
    decoded = decode_plan(codec.plan(route, 10**18, 0, deadline_block=FAR_DEADLINE_BLOCK))
    first = decoded.hops[0]
    # Bit 6: the input side is the native coin; the plan names WETH, which the executor
    # unwraps. WETH sorts above USDC, yet selling the native coin is zero-for-one.
    assert (first.kind, first.token_in, first.fee_pips) == (0x43, WETH.lower(), 500)
    assert codec.hop_bytes(sell)[:17] == bytes.fromhex(NATIVE_KEY.pool_id[2:36])
    back = Route(chain_id=1, hops=(make_hop("uniswap-v2", WETH, USDC), buy))
    second = decode_plan(codec.plan(back, 10**18, 0, deadline_block=FAR_DEADLINE_BLOCK)).hops[1]
    assert (second.kind, second.token_in) == (0x23, USDC.lower())  # bit 5: the output side
    # The direction is the native coin's, not the wrapped token's address order.
    with pytest.raises(RouteEncodingError, match="contradicts its tokens"):
        codec.hop_bytes(replace(sell, zero_for_one=False))
    assert int(WETH, 16) > int(USDC, 16)
    with pytest.raises(RouteEncodingError, match="contradicts its tokens"):
        codec.hop_bytes(replace(sell, currency_in=None))


def test_only_a_v4_hop_trades_a_currency_for_the_route_s_token_and_only_the_native_coin() -> None:
    codec = RouteCodec({**FACTORIES, "uniswap-v4": V4_MANAGER})
    v2 = make_hop("uniswap-v2", WETH, USDC)
    with pytest.raises(RouteEncodingError, match="trades no uniswap-v2 pool's currency"):
        codec.hop_bytes(replace(v2, currency_in=NATIVE))
    with pytest.raises(RouteEncodingError, match="trades no uniswap-v4 pool's currency"):
        codec.hop_bytes(replace(_native_hop(WETH, USDC), currency_in=USDT))
    with pytest.raises(RouteEncodingError, match="both sides are the native coin"):
        codec.hop_bytes(replace(_native_hop(WETH, USDC), currency_out=NATIVE))


def test_the_deadline_block_is_8_bytes_after_min_profit_and_decodes_back() -> None:
    codec = RouteCodec(FACTORIES)
    plan = codec.plan(TWO_HOP, 10**18, 5, deadline_block=2**64 - 1)
    assert plan[33:41] == b"\xff" * 8
    assert decode_plan(
        codec.plan(TWO_HOP, 10**18, 5, deadline_block=19_000_123)
    ).deadline_block == (19_000_123)


@pytest.mark.parametrize("deadline", [-1, 2**64])
def test_a_deadline_outside_uint64_is_refused(deadline: int) -> None:
    with pytest.raises(RouteEncodingError, match="deadline_block"):
        RouteCodec(FACTORIES).plan(TWO_HOP, 10**18, 5, deadline_block=deadline)
