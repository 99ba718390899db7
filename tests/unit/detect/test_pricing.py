"""Gas and USD conversion through pool states, with a plain in-memory pair book."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import pytest

from omniarb.detect.pricing import TokenPricer
from omniarb.dex.base import HopGas
from omniarb.dex.registry import ADAPTERS
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.gas import GasModel, HopWork

WETH = "0x" + "1" * 40
USDC = "0x" + "2" * 40
DAI = "0x" + "3" * 40
LINK = "0x" + "4" * 40
ORPHAN = "0x" + "5" * 40
STABLES = {USDC: 6, DAI: 18}


class Book:
    """The pair book the detector provides, over a plain list of states."""

    def __init__(self, states: Sequence[V2PoolState]) -> None:
        self.states = list(states)

    def pair_states(self, token_a: str, token_b: str) -> list[V2PoolState]:
        wanted = {token_a.lower(), token_b.lower()}
        return [s for s in self.states if {s.token0.lower(), s.token1.lower()} == wanted]


def state(index: int, token_a: str, amount_a: int, token_b: str, amount_b: int) -> V2PoolState:
    (t0, r0), (t1, r1) = sorted([(token_a, amount_a), (token_b, amount_b)])
    return V2PoolState(
        chain_id=1,
        address=f"0x{index:040x}",
        dex="dex",
        factory="0x" + "f" * 40,
        token0=t0,
        token1=t1,
        reserve0=r0,
        reserve1=r1,
        fee_bps=30,
        block_number=1,
    )


def pricer() -> TokenPricer:
    return TokenPricer(wrapped_native=WETH, stablecoin_decimals=STABLES)


V2, V3 = "uniswap-v2", "uniswap-v3"


def test_gas_model_is_linear_in_hops() -> None:
    model = GasModel(base_gas=60_000, hop_gas={V2: HopGas(hop_gas=45_000)})
    assert model.estimate([HopWork(kind=V2)] * 2) == 150_000
    assert model.estimate([HopWork(kind=V2)] * 3) == 195_000
    assert GasModel().estimate([]) == GasModel().base_gas


def test_gas_model_charges_each_v3_crossing_and_extra_step() -> None:
    model = GasModel(
        base_gas=6_000,
        hop_gas={
            V2: HopGas(hop_gas=88_000),
            V3: HopGas(hop_gas=88_000, route_gas=26_000, crossing_gas=65_000, step_gas=9_000),
        },
    )
    plain = model.estimate([HopWork(kind=V2), HopWork(kind=V3)])
    assert plain == 6_000 + 88_000 + 88_000 + 26_000
    worked = model.estimate([HopWork(kind=V2), HopWork(kind=V3, crossings=2, steps=1)])
    assert worked == plain + 2 * 65_000 + 9_000
    # A route pays a kind's route gas once, however many of its hops are of that kind.
    assert model.estimate([HopWork(kind=V3)] * 2) == 6_000 + 2 * 88_000 + 26_000


def test_the_default_hop_gas_is_each_adapter_s() -> None:
    assert GasModel().hop_gas == {kind: a.hop_gas for kind, a in ADAPTERS.items()}


def test_native_needs_no_conversion_into_itself() -> None:
    assert pricer().native_in_token(123_456, WETH, Book([])) == 123_456


def test_gas_converts_at_the_deepest_wrapped_native_pool() -> None:
    shallow = state(1, WETH, 10 * 10**18, USDC, 40_000 * 10**6)  # $4000: shallow and off-price
    deep = state(2, WETH, 1_000 * 10**18, USDC, 3_000_000 * 10**6)  # $3000
    book = Book([shallow, deep])
    # 0.01 ETH of gas is 30 USDC at the deep pool's mid price.
    assert pricer().native_in_token(10**16, USDC, book) == 30 * 10**6
    # Rounded up: it is a cost.
    assert pricer().native_in_token(1, USDC, book) == 1
    assert pricer().native_rate(USDC, book) == Fraction(3_000_000 * 10**6, 1_000 * 10**18)


def test_gas_converts_through_a_stablecoin_when_there_is_no_direct_pool() -> None:
    book = Book(
        [
            state(1, WETH, 1_000 * 10**18, USDC, 3_000_000 * 10**6),
            state(2, LINK, 100_000 * 10**18, USDC, 1_500_000 * 10**6),  # LINK = $15
        ]
    )
    # 0.01 ETH = $30 = 2 LINK.
    assert pricer().native_in_token(10**16, LINK, book) == 2 * 10**18
    assert pricer().native_in_token(10**16, ORPHAN, book) is None


def test_stablecoins_are_one_dollar_per_whole_token() -> None:
    book = Book([])
    assert pricer().unit_usd(USDC, book) == Fraction(1, 10**6)
    assert pricer().to_usd(2_500_000, USDC, book) == pytest.approx(2.5)
    assert pricer().to_usd(3 * 10**18, DAI, book) == pytest.approx(3.0)


def test_other_tokens_are_priced_at_their_deepest_stable_pool_or_through_native() -> None:
    book = Book(
        [
            state(1, WETH, 1_000 * 10**18, USDC, 3_000_000 * 10**6),
            state(2, WETH, 1 * 10**18, DAI, 9_000 * 10**18),  # tiny and off-price
            state(3, LINK, 200 * 10**18, WETH, 1 * 10**18),  # LINK = $15 through WETH
        ]
    )
    assert pricer().to_usd(10**18, WETH, book) == pytest.approx(3000.0)
    assert pricer().to_usd(10**18, LINK, book) == pytest.approx(15.0)
    assert pricer().unit_usd(ORPHAN, book) is None
    assert pricer().to_usd(1, ORPHAN, book) is None


def test_empty_pools_are_not_prices() -> None:
    book = Book([state(1, WETH, 0, USDC, 0)])
    assert pricer().native_rate(USDC, book) is None
    assert pricer().unit_usd(WETH, book) is None
