"""The cycle graph with a pool of three tokens (a Balancer composable stable pool): each of its
pairs is an edge of its own, no cycle swaps twice in the pool, and a route's hop finds its pair
again by the pool's address and its tokens."""

from __future__ import annotations

import itertools

from omniarb.detect.graph import CycleGraph
from omniarb.dex.balancer import ComposableStablePoolState
from omniarb.dex.balancer.pair import pair_views
from omniarb.dex.uniswap_v2.pool import V2PoolState

ONE = 10**18
A, B, C = (f"0x{i:040x}" for i in (1, 2, 3))
STABLE_POOL = f"0x{0x5000:040x}"


def stable_pool() -> ComposableStablePoolState:
    bpt = STABLE_POOL
    return ComposableStablePoolState(
        chain_id=1,
        address=bpt,
        dex="balancer-stable",
        vault="0x" + "bb" * 20,
        pool_id="0x" + bpt[2:] + "00" * 12,
        tokens=(A, B, C, bpt),
        balances=(10**24, 10**24, 10**24, 2**111),
        scaling_factors=(ONE, ONE, ONE, ONE),
        swap_fee_percentage=10**14,
        block_number=1,
        amplification_parameter=200_000,
        bpt_index=3,
    )


def pair(index: int, a: str, b: str) -> V2PoolState:
    token0, token1 = sorted((a, b))
    return V2PoolState(
        chain_id=1,
        address=f"0x{0xAA00 + index:040x}",
        dex="dex-a",
        factory="0x" + "f" * 40,
        token0=token0,
        token1=token1,
        reserve0=10**18,
        reserve1=10**18,
        fee_bps=30,
        block_number=1,
    )


def test_no_cycle_swaps_twice_in_one_pool() -> None:
    graph = CycleGraph(chain_id=1, base_tokens=[A, B, C])
    views = pair_views(stable_pool())
    pairs = [pair(0, A, B), pair(1, B, C), pair(2, A, C)]
    graph.add_pools([*views, *pairs])
    assert len(graph.pools) == 6
    routes = [cycle.route for cycle in graph.cycles]
    for route in routes:
        assert len(set(route.pools)) == len(route.hops)
    # Every directed cycle through distinct pools is there, and no other: per pair of tokens,
    # the pool's pair against the V2 pair both ways (6); per triangle, each choice of one
    # edge from the pool with two V2 pairs, or three V2 pairs, both ways (8).
    two_hop = [r for r in routes if len(r.hops) == 2]
    three_hop = [r for r in routes if len(r.hops) == 3]
    assert len(two_hop) == 6
    assert len(three_hop) == 8
    assert sum(STABLE_POOL in r.pools for r in three_hop) == 6
    expected = {
        frozenset(edges)
        for edges in itertools.product(*[[STABLE_POOL, p.address] for p in pairs])
        if sum(e == STABLE_POOL for e in edges) <= 1
    }
    assert {frozenset(r.pools) for r in three_hop} == expected


def test_a_hop_finds_its_pair_of_the_pool() -> None:
    graph = CycleGraph(chain_id=1, base_tokens=[A, B, C])
    views = pair_views(stable_pool())
    graph.add_pools([*views, pair(0, B, C)])
    for view in views:
        pool = graph.pool(view.state_key)
        assert pool.key == view.state_key
        assert pool.address == STABLE_POOL
        for hop in (pool.forward, pool.backward):
            assert graph.hop_pool_id(hop) == pool.id
    assert STABLE_POOL not in graph  # the pool's address names none of its pairs alone
    assert graph.pool(pair(0, B, C).address).key == pair(0, B, C).address.lower()
