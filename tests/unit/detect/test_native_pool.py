"""A Uniswap V4 pool of the native coin, as its book hands it over (traded as the wrapped
native token), joins cycles with the wrapped token's other pools: the detector sizes a gap
between it and a V2 pair exactly, its hops name the native coin as the pool's currency, the gas
estimate adds the V4 adapter's native gas, and the codec flags the side the executor unwraps
or wraps."""

from __future__ import annotations

import math

from _plans import FAR_DEADLINE_BLOCK
from eth_utils.address import to_checksum_address

from omniarb.detect.detector import CycleDetector
from omniarb.detect.graph import CycleGraph
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.dex.uniswap_v3.tick_table import TickTable
from omniarb.dex.uniswap_v4 import PoolKey, V4PoolState, pool_address
from omniarb.dex.uniswap_v4.adapter import HOP_GAS
from omniarb.dex.uniswap_v4.pool import route_tokens
from omniarb.execute.route_codec import RouteCodec, decode_plan
from omniarb.gas import GasModel, HopWork

NATIVE = "0x0000000000000000000000000000000000000000"
# WETH sorts above USDC here, as on several chains: the native pool's token0 does not.
WETH = str(to_checksum_address("0x" + "c0" * 20))
USDC = str(to_checksum_address("0x" + "a0" * 20))
MANAGER = "0x00000000000000000000000000000000000000F0"
V2_FACTORY = "0x00000000000000000000000000000000000000F2"
KEY = PoolKey(currency0=NATIVE, currency1=USDC, fee=3000, tick_spacing=60)
LIQUIDITY = 10**21  # about 330 ETH and 1M USDC at $3,000 across the full range
FULL_RANGE = 887_220


def native_pool() -> V4PoolState:
    """ETH/USDC 0.3% at $3,000 (6 decimals against 18), one full-range position."""
    sqrt_price_x96 = int(math.sqrt(3000 * 10**6 / 10**18) * 2**96)
    token0, token1 = route_tokens(KEY, WETH)
    return V4PoolState(
        chain_id=1,
        address=pool_address(KEY.pool_id),
        dex="uniswap-v4",
        factory=MANAGER,
        token0=token0,
        token1=token1,
        pool_id=KEY.pool_id,
        key=KEY,
        sqrt_price_x96=sqrt_price_x96,
        tick=int(math.log(3000 * 10**6 / 10**18, 1.0001)),
        liquidity=LIQUIDITY,
        protocol_fee=0,
        fee_pips=3000,
        ticks=TickTable.from_ticks(
            {-FULL_RANGE: (LIQUIDITY, LIQUIDITY), FULL_RANGE: (LIQUIDITY, -LIQUIDITY)}
        ),
        block_number=1,
    )


def v2_pair(usd_per_eth: int) -> V2PoolState:
    """WETH/USDC, 1,000 ETH deep, pricing ETH at `usd_per_eth`."""
    return V2PoolState(
        chain_id=1,
        address="0x00000000000000000000000000000000000000B2",
        dex="uniswap-v2",
        factory=V2_FACTORY,
        token0=USDC,
        token1=WETH,
        reserve0=1000 * usd_per_eth * 10**6,
        reserve1=1000 * 10**18,
        fee_bps=30,
        block_number=1,
    )


def test_the_native_pool_meets_the_wrapped_token_s_pools_in_cycles() -> None:
    graph = CycleGraph(chain_id=1, base_tokens=[WETH, USDC])
    cycles = graph.add_pools([native_pool(), v2_pair(3000)])
    assert len(cycles) == 2
    native = graph.pool(pool_address(KEY.pool_id))
    sell, buy = native.forward, native.backward
    # Selling WETH through it sells the native coin: zero-for-one, though WETH > USDC.
    assert (sell.token_in, sell.token_out, sell.zero_for_one) == (WETH, USDC, True)
    assert (sell.currency_in, sell.currency_out, sell.wraps) == (NATIVE, None, True)
    assert (buy.currency_in, buy.currency_out, buy.wraps) == (None, NATIVE, True)
    pair = graph.pool(v2_pair(3000).address)
    assert not pair.forward.wraps
    assert pair.forward.currency_in is None


def test_a_gap_with_a_v2_pair_is_sized_exactly_and_priced_with_the_native_gas() -> None:
    detector = CycleDetector(
        chain_id=1,
        base_tokens=[WETH, USDC],
        wrapped_native=WETH,
        stablecoin_decimals={USDC: 6},
        gas_model=GasModel(),
        priority_fee_wei=10**9,
    )
    pool, pair = native_pool(), v2_pair(3100)  # ETH 3.3% dearer in the pair
    found = detector.detect_states([pool, pair], block_number=2, base_fee_wei=10**9)
    assert found
    best = found[0]
    hops = best.route.hops
    # Sell WETH into the pair, buy ETH back from the native pool (wrapped out of it); both
    # pools lend by flash swap, so the cycle starts at the first base token, WETH.
    assert [h.pool for h in hops] == [pair.address, pool.address]
    assert best.route.token_in == WETH
    assert (hops[1].currency_in, hops[1].currency_out) == (None, NATIVE)
    amount = best.amount_in
    for hop, state in zip(hops, (pair, pool), strict=True):
        amount = state.amount_out(hop.token_in, amount)
    assert amount - best.amount_in == best.gross_profit > 0
    plain = GasModel().estimate([HopWork(kind=h.kind) for h in hops])
    assert best.gas_estimate - plain == HOP_GAS.native_gas > 0
    assert best.gas_estimate == GasModel().estimate([HopWork.of(h) for h in hops])
    # The plan flags the native output side of the V4 hop; its token is the wrapped one.
    codec = RouteCodec({"uniswap-v4": MANAGER, "uniswap-v2": V2_FACTORY})
    plan = decode_plan(codec.plan(best.route, best.amount_in, 0, deadline_block=FAR_DEADLINE_BLOCK))
    assert [h.kind for h in plan.hops] == [0, 0x23]
    assert [h.token_in for h in plan.hops] == [WETH.lower(), USDC.lower()]
