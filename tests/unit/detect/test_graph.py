"""Cycle enumeration against an independent brute force over every ordered pool sequence."""

from __future__ import annotations

import itertools
import random

import pytest

from omniarb.detect.graph import CycleGraph
from omniarb.dex.uniswap_v2.pool import V2PoolState

TOKENS = [f"0x{i:040x}" for i in range(1, 9)]
BASES = [TOKENS[0], TOKENS[1], TOKENS[2]]  # priority order: wrapped native first


def pool(index: int, a: str, b: str, dex: str = "dex-a", fee_bps: int = 30) -> V2PoolState:
    token0, token1 = sorted((a, b))
    return V2PoolState(
        chain_id=1,
        address=f"0x{0xAA00 + index:040x}",
        dex=dex,
        factory="0x" + "f" * 40,
        token0=token0,
        token1=token1,
        reserve0=10**18,
        reserve1=10**18,
        fee_bps=fee_bps,
        block_number=1,
    )


def random_pools(rng: random.Random, count: int) -> list[V2PoolState]:
    """`count` pools over six tokens (three of them bases), so cycles of every kind occur."""
    pools = []
    for index in range(count):
        a, b = rng.sample(TOKENS[:6], 2)
        pools.append(pool(index, a, b, dex=rng.choice(["dex-a", "dex-b"])))
    return pools


Key = tuple[tuple[str, bool], ...]


def brute_force_cycles(pools: list[V2PoolState], bases: list[str]) -> set[Key]:
    """Every directed 2- and 3-hop cycle through a base token, rotated to its best base."""
    rank = {token: i for i, token in enumerate(bases)}
    directed = [(p, zfo) for p in pools for zfo in (True, False)]

    def ends(edge: tuple[V2PoolState, bool]) -> tuple[str, str]:
        p, zfo = edge
        return (p.token0, p.token1) if zfo else (p.token1, p.token0)

    found: set[Key] = set()
    for length in (2, 3):
        for edges in itertools.permutations(directed, length):
            if len({p.address for p, _ in edges}) != length:
                continue
            path = [ends(e) for e in edges]
            if any(path[i][1] != path[(i + 1) % length][0] for i in range(length)):
                continue
            tokens = [start for start, _ in path]
            if len(set(tokens)) != length:
                continue
            base_positions = [i for i, t in enumerate(tokens) if t in rank]
            if not base_positions:
                continue
            first = min(base_positions, key=lambda i: rank[tokens[i]])
            rotated = edges[first:] + edges[:first]
            found.add(tuple((p.address, zfo) for p, zfo in rotated))
    return found


def graph_cycles(graph: CycleGraph) -> list[Key]:
    return [tuple((h.pool, h.zero_for_one) for h in c.route.hops) for c in graph.cycles]


@pytest.mark.parametrize("seed", range(15))
def test_cycles_equal_the_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    pools = random_pools(rng, rng.randint(6, 16))
    graph = CycleGraph(chain_id=1, base_tokens=BASES)
    graph.add_pools(pools)
    listed = graph_cycles(graph)
    assert listed or len(pools) < 8
    assert len(listed) == len(set(listed)), "a cycle was listed twice"
    assert set(listed) == brute_force_cycles(pools, BASES)


@pytest.mark.parametrize("seed", range(10))
def test_adding_pools_in_any_order_and_batches_gives_the_same_cycles(seed: int) -> None:
    rng = random.Random(100 + seed)
    pools = random_pools(rng, 10)
    at_once = CycleGraph(chain_id=1, base_tokens=BASES)
    at_once.add_pools(pools)
    shuffled = pools[:]
    rng.shuffle(shuffled)
    bit_by_bit = CycleGraph(chain_id=1, base_tokens=BASES)
    new_total = 0
    while shuffled:
        size = rng.randint(1, 3)
        batch, shuffled = shuffled[:size], shuffled[size:]
        new = bit_by_bit.add_pools(batch)
        assert [c.id for c in new] == list(range(new_total, new_total + len(new)))
        new_total += len(new)
    assert new_total == len(bit_by_bit.cycles)
    assert set(graph_cycles(bit_by_bit)) == set(graph_cycles(at_once))
    # A pool seen again adds nothing.
    assert bit_by_bit.add_pools(pools) == []


def test_routes_are_well_formed_cycles_and_the_index_is_exact() -> None:
    pools = random_pools(random.Random(7), 14)
    graph = CycleGraph(chain_id=5, base_tokens=BASES)
    graph.add_pools(pools)
    assert graph.cycles
    rank = {t: i for i, t in enumerate(BASES)}
    for cycle in graph.cycles:
        route = cycle.route
        assert route.chain_id == 5
        assert route.is_cycle
        assert len(route.hops) in (2, 3)
        for hop, following in zip(route.hops, route.hops[1:] + route.hops[:1], strict=True):
            assert hop.token_out == following.token_in
            state = graph.pool(hop.pool)
            assert hop.zero_for_one == (hop.token_in == state.token0)
            assert hop.kind == "uniswap-v2"
            assert hop.fee_pips == state.fee_bps * 100
            assert hop.dex == state.dex
        bases_on_route = [h.token_in for h in route.hops if h.token_in in rank]
        assert cycle.start_token == min(bases_on_route, key=rank.__getitem__)
        assert cycle.pool_ids == tuple(graph.pool_id(p) for p in route.pools)
        for pool_id in cycle.pool_ids:
            assert cycle.id in graph.cycles_of(pool_id)
    for p in graph.pools:
        for cycle_id in graph.cycles_of(p.id):
            assert p.id in graph.cycles[cycle_id].pool_ids


def test_two_hop_cycles_need_two_pools_of_the_pair() -> None:
    weth, usdc = BASES[0], BASES[1]
    graph = CycleGraph(chain_id=1, base_tokens=BASES)
    assert graph.add_pools([pool(0, weth, usdc)]) == []
    cycles = graph.add_pools([pool(1, weth, usdc, dex="dex-b")])
    # One cycle per direction, each starting at WETH (listed first among the bases).
    assert len(cycles) == 2
    assert {c.route.pools for c in cycles} == {
        (pool(0, weth, usdc).address, pool(1, weth, usdc).address),
        (pool(1, weth, usdc).address, pool(0, weth, usdc).address),
    }
    assert all(c.start_token == weth for c in cycles)


def test_cycles_without_a_base_token_are_ignored_and_bases_match_any_case() -> None:
    a, b, c = TOKENS[5], TOKENS[6], TOKENS[7]
    graph = CycleGraph(chain_id=1, base_tokens=[a.upper().replace("0X", "0x")])
    graph.add_pools([pool(0, b, c), pool(1, b, c, dex="dex-b"), pool(2, a, b), pool(3, a, c)])
    # b–c twice has no base; the triangle a-b-c (two b–c pools, two directions) starts at a.
    assert len(graph.cycles) == 4
    assert all(cycle.start_token == a for cycle in graph.cycles)


def test_a_graph_needs_base_tokens() -> None:
    with pytest.raises(ValueError, match="base token"):
        CycleGraph(chain_id=1, base_tokens=[])
