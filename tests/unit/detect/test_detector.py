"""The detect stage with plain values: no gap, a planted gap, gas, and incremental evaluation."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from omniarb.detect.detector import CycleDetector
from omniarb.detect.evaluator import opportunity_id
from omniarb.dex.base import HopGas
from omniarb.dex.uniswap_v2.math import get_amount_out
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.gas import GasModel, HopWork
from omniarb.types import Opportunity, OpportunitySource, PoolUpdate

CHAIN = 1
WETH = "0x" + "a1" * 20
USDC = "0x" + "b2" * 20
USDT = "0x" + "c3" * 20
DAI = "0x" + "d4" * 20
PRICE_USD = {WETH: 3000, USDC: 1, USDT: 1, DAI: 1}
DECIMALS = {WETH: 18, USDC: 6, USDT: 6, DAI: 18}
GAS = GasModel(base_gas=60_000, hop_gas={"uniswap-v2": HopGas(hop_gas=45_000)})
BASE_FEE_WEI = 20 * 10**9
TIP_WEI = 10**9


def fair_pool(index: int, dex: str, a: str, b: str, depth_usd: int) -> V2PoolState:
    """A pool holding `depth_usd` of each token at the reference prices."""
    token0, token1 = sorted((a, b))
    return V2PoolState(
        chain_id=CHAIN,
        address=f"0x{0xBEEF0000 + index:040x}",
        dex=dex,
        factory=f"0x{0xFAC0 + (dex == 'dex-b'):040x}",
        token0=token0,
        token1=token1,
        reserve0=depth_usd * 10 ** DECIMALS[token0] // PRICE_USD[token0],
        reserve1=depth_usd * 10 ** DECIMALS[token1] // PRICE_USD[token1],
        fee_bps=30,
        block_number=1,
    )


def world() -> list[V2PoolState]:
    """Two DEXes of WETH/USDC and USDC/DAI, plus shallow legs that close 3-hop loops."""
    return [
        fair_pool(0, "dex-a", WETH, USDC, 20_000_000),
        fair_pool(1, "dex-b", WETH, USDC, 6_000_000),
        fair_pool(2, "dex-a", USDC, DAI, 2_000_000),
        fair_pool(3, "dex-b", USDC, DAI, 600_000),
        fair_pool(4, "dex-a", WETH, DAI, 300_000),
        fair_pool(5, "dex-a", WETH, USDT, 300_000),
        fair_pool(6, "dex-a", USDC, USDT, 300_000),
    ]


def detector(**overrides: object) -> CycleDetector:
    settings: dict[str, object] = {
        "chain_id": CHAIN,
        "base_tokens": [WETH, USDC, USDT, DAI],
        "wrapped_native": WETH,
        "stablecoin_decimals": {USDC: 6, USDT: 6, DAI: 18},
        "gas_model": GAS,
        "priority_fee_wei": TIP_WEI,
    }
    settings.update(overrides)
    return CycleDetector(**settings)  # type: ignore[arg-type]


def update(block: int, *states: V2PoolState, new: bool = False) -> PoolUpdate:
    return PoolUpdate(
        chain_id=CHAIN,
        block_number=block,
        block_hash=f"0x{block:064x}",
        base_fee_wei=BASE_FEE_WEI,
        pools=states,
        new_pools=tuple(s.address for s in states) if new else (),
    )


def swapped(state: V2PoolState, token_in: str, amount_in: int, block: int) -> V2PoolState:
    """The pool after someone swaps `amount_in` of `token_in` through it."""
    if token_in == state.token0:
        out = get_amount_out(amount_in, state.reserve0, state.reserve1, state.fee_bps)
        r0, r1 = state.reserve0 + amount_in, state.reserve1 - out
    else:
        out = get_amount_out(amount_in, state.reserve1, state.reserve0, state.fee_bps)
        r0, r1 = state.reserve0 - out, state.reserve1 + amount_in
    return replace(state, reserve0=r0, reserve1=r1, block_number=block)


def route_profit(opportunity: Opportunity, states: dict[str, V2PoolState], amount: int) -> int:
    """Independent replay of a route through the pair math."""
    out = amount
    for hop in opportunity.route.hops:
        s = states[hop.pool]
        r_in, r_out = (s.reserve0, s.reserve1) if hop.zero_for_one else (s.reserve1, s.reserve0)
        out = get_amount_out(out, r_in, r_out, s.fee_bps)
    return out - amount


def cheapest_input(amount_out: int, r_in: int, r_out: int) -> int:
    """The least input buying `amount_out`, by binary search over get_amount_out."""
    lo, hi = 1, 2 * r_in
    while lo < hi:
        middle = (lo + hi) // 2
        if get_amount_out(middle, r_in, r_out) >= amount_out:
            hi = middle
        else:
            lo = middle + 1
    return lo


async def test_no_gap_no_opportunity() -> None:
    d = detector()
    assert await d.process(update(1, *world(), new=True)) == []
    assert d.scan() == []
    assert d.cycle_count > 0


async def test_a_planted_gap_is_found_with_its_exact_optimum() -> None:
    d = detector()
    states = {s.address: s for s in world()}
    await d.process(update(1, *states.values(), new=True))
    # Someone buys WETH with 600k USDC on dex-a: WETH is now dearer there than on dex-b.
    moved = swapped(states[fair_pool(0, "dex-a", WETH, USDC, 1).address], USDC, 600_000 * 10**6, 2)
    states[moved.address] = moved
    searched = d.counters.searched
    found = await d.process(update(2, moved))
    assert len(found) > 1
    # Every candidate shares the moved pool, so only the best gets the full integer search.
    assert d.counters.searched - searched == 1
    best = found[0]
    dex_a, dex_b = moved.address, fair_pool(1, "dex-b", WETH, USDC, 1).address
    # WETH is dear on dex-a: start in WETH, sell it there, buy it back on dex-b.
    assert best.route.pools == (dex_a, dex_b)
    assert best.route.token_in == WETH
    assert [h.token_in for h in best.route.hops] == [WETH, USDC]
    assert best.source is OpportunitySource.BLOCK
    assert best.block_number == 2
    assert best.gross_profit == route_profit(best, states, best.amount_in) > 0
    assert best.amount_out == best.amount_in + best.gross_profit
    # Independently: every maximiser buys some USDC amount u at least cost on dex-a; try all u
    # near the one the answer buys.
    pool_b = states[dex_b]
    weth_in_a, usdc_out_a = (
        (moved.reserve0, moved.reserve1)
        if moved.token0 == WETH
        else (moved.reserve1, moved.reserve0)
    )
    usdc_in_b, weth_out_b = (
        (pool_b.reserve0, pool_b.reserve1)
        if pool_b.token0 == USDC
        else (pool_b.reserve1, pool_b.reserve0)
    )
    u_star = get_amount_out(best.amount_in, weth_in_a, usdc_out_a)
    best_found = (0, 0)
    for u in range(u_star - 1_000, u_star + 1_000):
        x = cheapest_input(u, weth_in_a, usdc_out_a)
        profit = get_amount_out(u, usdc_in_b, weth_out_b) - x
        if profit > best_found[0] or (profit == best_found[0] and x < best_found[1]):
            best_found = (profit, x)
    assert (best.gross_profit, best.amount_in) == best_found
    # Gas: the route's estimate at base fee + tip, paid in WETH, so no conversion.
    assert best.gas_estimate == GAS.estimate([HopWork(kind="uniswap-v2")] * 2)
    assert best.gas_price_wei == BASE_FEE_WEI + TIP_WEI
    assert best.gas_cost_wei == best.gas_estimate * best.gas_price_wei
    assert best.net_profit == best.gross_profit - best.gas_cost_wei
    # USD through the deepest WETH/stable pool: the moved dex-a pool, at its new mid price.
    usd_per_weth = usdc_out_a / 10**6 / (weth_in_a / 10**18)
    assert best.net_profit_usd == pytest.approx(best.net_profit / 10**18 * usd_per_weth)
    assert [o.net_profit_usd for o in found] == sorted(
        (o.net_profit_usd for o in found), reverse=True
    )
    assert d.shortfall(best) is None


async def test_ids_are_deterministic() -> None:
    first, second = detector(), detector()
    moved = swapped(world()[0], USDC, 600_000 * 10**6, 2)
    for d in (first, second):
        await d.process(update(1, *world(), new=True))
    a = await first.process(update(2, moved))
    b = await second.process(update(2, moved))
    assert [o.id for o in a] == [o.id for o in b]
    assert len({o.id for o in a}) == len(a)
    cycle = first.graph.cycles[first.graph.cycles_of(first.graph.pool_id(moved.address))[0]]
    assert opportunity_id(CHAIN, 2, cycle, 10) != opportunity_id(CHAIN, 3, cycle, 10)
    assert opportunity_id(CHAIN, 2, cycle, 10) != opportunity_id(CHAIN, 2, cycle, 11)


async def test_an_update_re_evaluates_only_the_cycles_through_changed_pools() -> None:
    d = detector()
    pools = world()
    await d.process(update(1, *pools, new=True))
    assert d.counters.cycles_screened == d.cycle_count
    for changed in ([pools[0]], [pools[2], pools[4]], [pools[5]]):
        before = d.counters.cycles_screened
        await d.process(update(2, *(replace(p, block_number=2) for p in changed)))
        touching = set()
        for p in changed:
            touching.update(d.graph.cycles_of(d.graph.pool_id(p.address)))
        assert d.counters.cycles_screened - before == len(touching)
        assert 0 < len(touching) < d.cycle_count
    # A gap stored without an update touching it stays unseen until a touching update comes.
    gap = swapped(pools[2], USDC, 200_000 * 10**6, 3)
    d.apply([gap])
    unrelated = replace(pools[5], block_number=3)
    assert not set(d.graph.cycles_of(d.graph.pool_id(unrelated.address))) & set(
        d.graph.cycles_of(d.graph.pool_id(gap.address))
    )
    assert await d.process(update(3, unrelated)) == []
    assert d.scan()


async def test_a_gap_too_small_to_pay_for_gas_is_reported_with_its_reason() -> None:
    d = detector()
    await d.process(update(1, *world(), new=True))
    # A 0.7% move on the USDC/DAI pool: a gap just above the two fees, worth a few cents.
    small = swapped(world()[2], USDC, 7_000 * 10**6, 2)
    found = await d.process(update(2, small))
    assert found
    assert all(o.gross_profit > 0 for o in found)
    worst = found[-1]
    assert worst.net_profit < 0
    reason = d.shortfall(worst)
    assert reason is not None
    assert "too small to pay for gas" in reason
    # USDC/DAI two-hop cycles start in USDC: the gas is converted at the WETH/USDC mid price.
    usdc_cycles = [o for o in found if o.route.token_in == USDC and len(o.route.hops) == 2]
    assert usdc_cycles
    o = usdc_cycles[0]
    usdc_per_wei_num, usdc_per_wei_den = 20_000_000 * 10**6, 20_000_000 * 10**18 // 3000
    gas_in_usdc = -(-o.gas_cost_wei * usdc_per_wei_num // usdc_per_wei_den)
    assert o.net_profit == o.gross_profit - gas_in_usdc
    assert o.net_profit_usd == pytest.approx(o.net_profit / 10**6)


async def test_min_net_profit_and_max_amount_in_are_per_start_token() -> None:
    moved = swapped(world()[0], USDC, 600_000 * 10**6, 2)
    strict = detector(min_net_profit={WETH: 10**24}, max_amount_in={WETH: 10**18})
    await strict.process(update(1, *world(), new=True))
    found = await strict.process(update(2, moved))
    weth_start = [o for o in found if o.route.token_in == WETH]
    assert weth_start
    assert all(o.amount_in <= 10**18 for o in weth_start)
    assert all(strict.shortfall(o) is not None for o in weth_start)
    # Capped at 1 WETH: profit still rises there, so the best input is the cheapest one buying
    # what 1 WETH buys on the first hop.
    states = {p.address: p for p in world()}
    states[moved.address] = moved
    best = weth_start[0]
    assert 10**18 - 10**12 < best.amount_in <= 10**18
    assert best.gross_profit == route_profit(best, states, best.amount_in)
    assert best.gross_profit >= route_profit(best, states, 10**18)


async def test_new_pools_in_an_update_bring_their_cycles() -> None:
    d = detector()
    only_dex_a = [p for p in world() if p.dex == "dex-a"]
    await d.process(update(1, *only_dex_a, new=True))
    two_hop = sum(1 for c in d.graph.cycles if len(c.pool_ids) == 2)
    assert two_hop == 0
    cheap_weth = replace(world()[1], reserve1=world()[1].reserve1 * 103 // 100)
    found = await d.process(update(2, cheap_weth, new=True))
    assert sum(1 for c in d.graph.cycles if len(c.pool_ids) == 2) == 2
    assert any(cheap_weth.address in o.route.pools for o in found)


async def test_updates_for_another_chain_are_refused() -> None:
    d = detector()
    with pytest.raises(ValueError, match="chain"):
        await d.process(replace(update(1, *world()), chain_id=56))
    with pytest.raises(ValueError, match="chain"):
        d.apply([replace(world()[0], chain_id=56)])
    assert d.scan() == []


async def test_opportunity_timestamps_are_monotonic_ns() -> None:
    d = detector()
    await d.process(update(1, *world(), new=True))
    before = time.monotonic_ns()
    found = await d.process(update(2, swapped(world()[0], USDC, 600_000 * 10**6, 2)))
    after = time.monotonic_ns()
    assert found
    assert all(before <= o.detected_ns <= after for o in found)
    assert all(o.trigger_tx is None for o in found)


async def test_the_live_steps_give_the_searched_best_first_and_the_same_opportunities() -> None:
    """`steps` (the engine's live path) yields what `process` finds, one sizing at a time: the
    fully searched, pool-disjoint candidates first, then the rest, None for a cycle sized to
    nothing; `process` sorts the same opportunities by net profit."""
    states = {s.address: s for s in world()}
    moved = swapped(states[fair_pool(0, "dex-a", WETH, USDC, 1).address], USDC, 600_000 * 10**6, 2)
    moved_dai = swapped(
        states[fair_pool(2, "dex-a", USDC, DAI, 1).address], DAI, 150_000 * 10**18, 2
    )
    batch, live = detector(), detector()
    for d in (batch, live):
        await d.process(update(1, *states.values(), new=True))
    found = await batch.process(update(2, moved, moved_dai))
    searched = live.counters.searched
    steps = list(live.steps(update(2, moved, moved_dai)))
    streamed = [step for step in steps if step is not None]
    assert len(streamed) > 1

    def by_profit(opportunities: list[Opportunity]) -> list[Opportunity]:
        ranked = sorted(opportunities, key=lambda o: (-o.net_profit_usd, o.id))
        return [replace(o, detected_ns=0) for o in ranked]

    assert by_profit(streamed) == by_profit(found)
    assert live.counters.searched - searched == batch.counters.searched - searched
    # The first step is the screen's best, fully searched: the best trade of the block.
    assert streamed[0].id == found[0].id
    fully_searched = live.counters.searched - searched
    first_pools = [set(o.route.pools) for o in streamed[:fully_searched]]
    for i, pools in enumerate(first_pools):
        for other in first_pools[:i]:
            assert pools.isdisjoint(other)
