"""Conformance, for every kind of the registry: `PoolState.amount_out` of the states the kind's
own book reads (`adapter.book(...).discover_at(head)`) equals, to the wei, what the deployed
contracts pay, for every DEX of the kind the devnet deploys (Uniswap V2, SushiSwap V2, the
25 bps fork and Biswap; Uniswap V3 on two chains).

Each round first moves the state: the devnet's simulated traders (whales included) and the
kind's own liquidity changes (V2 `addLiquidity`, V3 mints and burns). Then the book reads every
pool at the new head, and seeded random swaps in both directions, from a few wei to three times
what the pool holds of the input token, are predicted from the states and checked by the kind's
oracle (`_conformance.SUPPORT`): the pair's own `swap` for V2, QuoterV2 for V3.
"""

from __future__ import annotations

import asyncio
import math
import random
from dataclasses import dataclass, field, replace

import pytest
from _conformance import (
    CHAINS,
    SUPPORT,
    SwapCase,
    books_of,
    chains_with,
    deployments,
    market_of,
    token_balances,
)

from omniarb.chains.rpc import RpcClient
from omniarb.dex.base import PoolState
from omniarb.dex.registry import ADAPTERS
from omniarb.errors import RevertError
from omniarb.network import Manifest

pytestmark = pytest.mark.integration

ROUNDS = 4
CASES_PER_POOL = 12  # per round, at least
# Cases per round of a kind, at least, across its pools: a kind with few pools on the chains
# (Algebra's four on Polygon) draws more per pool, so every size class is well sampled.
CASES_PER_ROUND = 100
MARKET_STEPS = 4  # per round, four swaps each


@dataclass(slots=True)
class ChainRun:
    chain: str
    cases: list[SwapCase] = field(default_factory=list)
    balances_in: list[int] = field(default_factory=list)  # per case: the pool's input balance
    problems: list[str] = field(default_factory=list)
    moved: int = 0  # cases drawn on a state that differs from the deployment's


def draw(state: PoolState, balances: tuple[int, int], rng: random.Random) -> tuple[SwapCase, int]:
    """A swap in a random direction, sized against what the pool holds of its input token."""
    zero_for_one = rng.random() < 0.5
    token_in = state.token0 if zero_for_one else state.token1
    held = balances[0] if zero_for_one else balances[1]
    roll = rng.random()
    if roll < 0.12:
        size, amount = "tiny", rng.randint(1, 1_000)
    elif roll < 0.6:
        size, amount = "log-uniform", int(10 ** rng.uniform(0, math.log10(max(held, 10))))
    elif roll < 0.9:
        size, amount = "large share", int(held * rng.uniform(0.05, 0.9))
    else:
        size, amount = "beyond the balance", int(held * rng.uniform(1.0, 3.0))
    amount = max(amount, 1)
    try:
        predicted: int | None = state.amount_out(token_in, amount)
    except RevertError as exc:
        # A pool the contract refuses such a swap in (a Balancer weighted pool beyond 30% of
        # its balance in): the oracle must refuse it too, for the same reason.
        with pytest.raises(RevertError):
            state.swap_report(token_in, amount)
        case = SwapCase(
            state=state,
            token_in=token_in,
            amount_in_wei=amount,
            predicted_out_wei=None,
            size=size,
            predicted_revert=getattr(exc, "reason", str(exc)),
        )
        return case, held
    # What `omniarb quote` reports of the swap is the same amount.
    assert state.swap_report(token_in, amount)["amount_out"] == predicted, (state, amount)
    case = SwapCase(
        state=state, token_in=token_in, amount_in_wei=amount, predicted_out_wei=predicted, size=size
    )
    return case, held


def cases_per_pool(manifest: Manifest, kind: str) -> int:
    pools = sum(p.kind == kind for name in CHAINS for p in manifest.chain(name).pools)
    return max(CASES_PER_POOL, -(-CASES_PER_ROUND // pools))


async def run_chain(manifest: Manifest, name: str, kind: str, seed: int) -> ChainRun:
    chain = manifest.chain(name)
    support = SUPPORT[kind]
    rng = random.Random(seed)
    market = market_of(manifest, name, seed)
    run = ChainRun(chain=name)
    async with RpcClient(chain.rpc_http) as rpc:
        book = books_of(chain, rpc)[kind]
        mover = support.liquidity(rpc, chain)
        await support.oracle.prepare(rpc, chain)
        states = list(await book.discover_at(await book.head()))
        deployed = {s.state_key: s for s in states}
        for _ in range(ROUNDS):
            await market.run(steps=MARKET_STEPS)
            await mover.move(states, rng, create=False)
            head = await book.head()
            states = list(await book.discover_at(head))
            balances = await token_balances(rpc, states, head.number, support.holdings)
            cases = []
            for state in states:
                first = deployed[state.state_key]
                moved = replace(first, block_number=state.block_number) != state
                for _ in range(cases_per_pool(manifest, kind)):
                    case, held = draw(state, balances[state.state_key], rng)
                    cases.append(case)
                    run.balances_in.append(held)
                    run.moved += moved
            run.problems += await support.oracle.disagreements(rpc, chain, head, cases)
            run.cases += cases
    return run


@pytest.mark.parametrize("kind", list(ADAPTERS))
async def test_amount_out_equals_what_the_deployed_contracts_pay(devnet_factory, kind: str) -> None:
    async with devnet_factory(dict.fromkeys(CHAINS)) as net:
        names = chains_with(net.manifest, kind)
        runs = await asyncio.gather(
            *(run_chain(net.manifest, name, kind, 4_100 + i) for i, name in enumerate(names))
        )
        chains = [net.manifest.chain(name) for name in CHAINS]
        per_pool = cases_per_pool(net.manifest, kind)

    problems = [problem for run in runs for problem in run.problems]
    assert not problems, f"{len(problems)} disagreements, e.g.:\n" + "\n".join(problems[:10])
    cases = [case for run in runs for case in run.cases]
    # Every DEX of the kind on the chains, every one of its pools (each pair of a pool of more
    # tokens; a state names a native-coin side by the wrapped token, its `currency` the coin),
    # every round.
    per_dex: dict[tuple[int, str], set[tuple[str, frozenset[str]]]] = {}
    for case in cases:
        state = case.state
        coins = frozenset(state.currency(t).lower() for t in (state.token0, state.token1))
        pair = (state.address, coins)
        per_dex.setdefault((state.chain_id, state.dex), set()).add(pair)
    expected = {(c.chain_id, d.name) for c in chains for d in deployments(c, kind)}
    assert set(per_dex) == expected
    for chain in chains:
        for pool in chain.pools:
            if pool.kind == kind:
                pair = (pool.address, frozenset((pool.token0.lower(), pool.token1.lower())))
                assert pair in per_dex[(chain.chain_id, pool.dex)], pool
    assert len(cases) == ROUNDS * per_pool * sum(len(p) for p in per_dex.values())
    # The states are the market's, not the deployment's.
    assert sum(run.moved for run in runs) >= len(cases) // 2
    assert {case.token_in == case.state.token0 for case in cases} == {True, False}
    sizes = [case.size for case in cases]
    assert min(sizes.count(s) for s in ("tiny", "large share", "beyond the balance")) >= 20
    balances_in = [held for run in runs for held in run.balances_in]
    assert sum(c.amount_in_wei >= h // 2 for c, h in zip(cases, balances_in, strict=True)) >= 50
    # At most a quarter of the swaps are too small to pay anything, and at least a hundred pay
    # something; those the pools refuse (a Balancer weighted pool beyond 30% of a balance in,
    # a stable pool asked for a few wei: BAL#304, BAL#001) were each refused by the oracle too,
    # for the same reason.
    assert sum(case.predicted_out_wei == 0 for case in cases) <= len(cases) // 4
    assert sum((case.predicted_out_wei or 0) > 0 for case in cases) >= 100
