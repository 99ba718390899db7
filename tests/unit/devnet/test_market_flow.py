"""The market's decisions lean toward the reference, are heavy-tailed and capped, and replay."""

from __future__ import annotations

import random
import statistics

from hypothesis import given
from hypothesis import strategies as st

from omniarb.devnet.market.flow import FlowModel, SwapIntent, decide_swaps, deviation_bps
from omniarb.devnet.market.state import ChainState, PoolState

REFERENCE_USD = {"ETH": 3000.0, "USDC": 1.0}


def weth_usdc(*, price_usd: float = 3000.0, depth_usd: float = 20_000_000.0) -> PoolState:
    """A V2 WETH/USDC pair holding `depth_usd` per side at `price_usd` per WETH."""
    reserve0 = int(depth_usd / price_usd * 10**18)
    reserve1 = int(depth_usd * 10**6)
    return PoolState(
        address="0x" + "01" * 20,
        dex="uniswap-v2",
        kind="uniswap-v2",
        fee_pips=3000,
        symbol0="WETH",
        symbol1="USDC",
        asset0="ETH",
        asset1="USDC",
        decimals0=18,
        decimals1=6,
        balance0=reserve0,
        balance1=reserve1,
        virtual0=reserve0,
        virtual1=reserve1,
    )


def chain(*pools: PoolState) -> ChainState:
    return ChainState(chain_id=1, block_number=1, base_fee_wei=7, pools=pools)


def draw(
    state: ChainState,
    *,
    seed: int = 1,
    rounds: int = 500,
    swaps: int = 4,
    whale_probability: float = 0.0,
    model: FlowModel | None = None,
) -> list[SwapIntent]:
    rng = random.Random(seed)
    intents: list[SwapIntent] = []
    for _ in range(rounds):
        intents += decide_swaps(
            state,
            REFERENCE_USD,
            rng,
            swaps=swaps,
            whale_probability=whale_probability,
            traders=6,
            model=model,
        )
    return intents


def test_deviation_is_the_pools_premium_over_the_reference_in_bps() -> None:
    assert abs(deviation_bps(weth_usdc(), REFERENCE_USD)) < 0.01
    assert 99 < deviation_bps(weth_usdc(price_usd=3030.0), REFERENCE_USD) < 100
    assert -102 < deviation_bps(weth_usdc(price_usd=2970.0), REFERENCE_USD) < -100


def test_direction_leans_toward_the_reference() -> None:
    at_reference = draw(chain(weth_usdc()))
    too_high = draw(chain(weth_usdc(price_usd=3060.0)))  # WETH dear in the pool: sell WETH
    too_low = draw(chain(weth_usdc(price_usd=2940.0)))

    def sells_token0(intents: list[SwapIntent]) -> float:
        return sum(i.zero_for_one for i in intents) / len(intents)

    assert 0.45 < sells_token0(at_reference) < 0.55
    assert sells_token0(too_high) > 0.9
    assert sells_token0(too_low) < 0.1


def test_trades_toward_the_reference_are_larger_the_wider_the_gap() -> None:
    small_gap = draw(chain(weth_usdc(price_usd=3015.0)))
    wide_gap = draw(chain(weth_usdc(price_usd=3090.0)))

    def mean_toward(intents: list[SwapIntent]) -> float:
        return statistics.mean(i.amount_in for i in intents if i.zero_for_one)

    assert mean_toward(wide_gap) > 3 * mean_toward(small_gap)


def test_sizes_are_heavy_tailed() -> None:
    # A pool so deep the cap never binds, at the reference: pure uninformed noise.
    intents = draw(chain(weth_usdc(depth_usd=1e12)), rounds=1500)
    usdc_in = sorted(i.amount_in / 10**6 for i in intents if not i.zero_for_one)
    median = usdc_in[len(usdc_in) // 2]
    p99 = usdc_in[int(len(usdc_in) * 0.99)]
    assert 250 < median < 450  # Pareto(α 1.3) × $200 has its median near $341
    assert p99 > 10 * median
    assert usdc_in[-1] > 100 * median


def test_ordinary_trades_are_capped_to_a_share_of_the_pool() -> None:
    model = FlowModel(cap_bps=20)
    pool = weth_usdc(depth_usd=500_000.0)
    intents = draw(chain(pool), model=model, rounds=1000)
    caps = {True: pool.balance0 * 20 // 10_000, False: pool.balance1 * 20 // 10_000}
    assert all(0 < i.amount_in <= caps[i.zero_for_one] for i in intents)
    assert sum(i.amount_in == caps[i.zero_for_one] for i in intents) > 10


def test_a_whale_trades_one_to_five_percent_of_the_pool_after_the_ordinary_flow() -> None:
    pool = weth_usdc()
    rng = random.Random(3)
    for _ in range(200):
        intents = decide_swaps(
            chain(pool), REFERENCE_USD, rng, swaps=2, whale_probability=1.0, traders=6
        )
        *ordinary, whale = intents
        assert whale.whale
        assert not any(i.whale for i in ordinary)
        held = pool.balance0 if whale.zero_for_one else pool.balance1
        assert held // 100 <= whale.amount_in <= held * 5 // 100
    assert not any(i.whale for i in draw(chain(pool), whale_probability=0.0))


def test_same_seed_same_swaps_other_seed_other_swaps() -> None:
    state = chain(weth_usdc(), weth_usdc(price_usd=3050.0, depth_usd=1_000_000.0))
    first = draw(state, seed=42, rounds=50, whale_probability=0.3)
    again = draw(state, seed=42, rounds=50, whale_probability=0.3)
    other = draw(state, seed=43, rounds=50, whale_probability=0.3)
    assert first == again
    assert first != other


def test_no_tradable_pool_means_no_swaps() -> None:
    empty = weth_usdc(depth_usd=0.0)
    intents = decide_swaps(
        chain(empty), REFERENCE_USD, random.Random(1), swaps=5, whale_probability=1.0, traders=1
    )
    assert intents == ()


@given(
    price_usd=st.floats(min_value=100.0, max_value=100_000.0),
    depth_usd=st.floats(min_value=1_000.0, max_value=1e10),
    seed=st.integers(min_value=0, max_value=2**32),
    traders=st.integers(min_value=1, max_value=8),
)
def test_every_intent_is_sendable(
    price_usd: float, depth_usd: float, seed: int, traders: int
) -> None:
    pool = weth_usdc(price_usd=price_usd, depth_usd=depth_usd)
    intents = decide_swaps(
        chain(pool),
        REFERENCE_USD,
        random.Random(seed),
        swaps=5,
        whale_probability=0.5,
        traders=traders,
    )
    for intent in intents:
        held = pool.balance0 if intent.zero_for_one else pool.balance1
        limit = held * 5 // 100 if intent.whale else held * FlowModel().cap_bps // 10_000
        assert intent.pool == pool.key
        assert 0 < intent.amount_in <= limit
        assert 0 <= intent.trader < traders
