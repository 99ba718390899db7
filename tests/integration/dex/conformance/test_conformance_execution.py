"""Conformance, for every kind of the registry: hops through pools of the kind, encoded by the
product's `RouteCodec`, execute through the bot's executor contract on the devnet and realize
exactly the profit predicted from the kinds' pool states, using no more gas than the product's
gas model (`wiring.EXECUTOR_GAS`) estimated.

For every DEX of the kind on the devnet chains (the four V2 DEXes, three builds among them;
Uniswap V3 on two chains) take its pools of the native coin and USDC: of the wrapped native
coin, and (Uniswap V4) of the native coin itself, which routes carry as the wrapped token and
the executor unwraps and wraps; for a DEX without such a pool (Balancer's stable pool), its
pools of two stablecoins (a pair of its pool of three each). From a snapshot each, a trader's
whale sale of the native coin into a pool of the coin and USDC (each DEX's, wrapped or not, in
turn), or of a stablecoin into a pool of two, opens a gap; every kind's book
reads its pools at the new head (built as the product builds them); the product's detector
(`CycleDetector`, configured as `wiring.chain_pipeline` configures it) sizes and prices every
cycle; and for each of the DEX's pools and each shape of route (its hops' kinds, two or three
hops) the best cycle through that pool whose first pool lends its input by flash swap (no loan
fee, and none of the loan gas the detector assumes for other openings) is executed by the bot
from that state. The predicted profit is the detector's exact
gross profit, which the kinds' `PoolState.amount_out` chained hop by hop must confirm; the gas
estimate is the detector's for the route, V3 ticks crossed and extra steps included.

The chains' pools are first swapped a little each way (`season`), as pools on a live chain have
been, and the executor is fresh: each trade is its first in its start token.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from _conformance import BOT, CHAINS, SUPPORT, books_of, chains_with, deployments, pool_holds
from _lender_helpers import balance_of
from _plans import FAR_DEADLINE_BLOCK
from _receipts import mined_receipt
from _snapshots import snapshot

from omniarb.chains.abi import decode
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import chain_by_id
from omniarb.detect import CycleDetector
from omniarb.devnet import Devnet
from omniarb.dex.registry import ADAPTERS
from omniarb.execute import RouteCodec
from omniarb.execute.executor_calldata import dex_factories
from omniarb.execute.executor_contract import deploy_devnet_executor
from omniarb.execute.route_codec import plan_source
from omniarb.gas import HopWork
from omniarb.network import ChainManifest, DexEntry, PoolEntry
from omniarb.types import FlashLoan, Opportunity
from omniarb.wiring import EXECUTOR_GAS, STABLECOINS

pytestmark = [
    pytest.mark.integration,
    # One devnet serves both tests of a kind: they read the same executions.
    pytest.mark.xdist_group("dex-conformance-execution"),
    pytest.mark.asyncio(loop_scope="module"),
]

WHALE_SHARE = 3  # the whale sells a third of what the pool holds of the token, or what it takes
TX_GAS = 3_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Execution:
    """One trade through the executor: what was predicted, and what the chain did."""

    chain: str
    dex: str
    pool: str  # a DEX's pool of the native coin (or its wrapped token) and USDC: on the route
    whale_pool: str  # the pool the whale's sale moved
    opportunity: Opportunity
    adapters_profit_wei: int  # the states' amount_out chained over the route, minus amount in
    simulated_profit_wei: int  # `execute` as an eth_call on the state it was sent on
    realized_profit_wei: int  # the executor's balance of the start token, after minus before
    head_number: int
    receipt: dict[str, Any]

    @property
    def gas_used(self) -> int:
        return int(self.receipt["gasUsed"], 16)

    @property
    def v3_work_gas(self) -> int:
        """What the estimate adds for the V3 hops' ticks crossed and extra steps."""
        hops = self.opportunity.route.hops
        plain = EXECUTOR_GAS.estimate([HopWork.of(hop) for hop in hops], free_loan=True)
        return self.opportunity.gas_estimate - plain

    def describe(self) -> str:
        hops = " -> ".join(
            f"{h.dex}({h.kind}{', native' if h.wraps else ''})" for h in self.opportunity.route.hops
        )
        return f"{self.chain} {self.dex} (whale in {self.whale_pool}): {hops}"


def detector_for(chain: ChainManifest) -> CycleDetector:
    """The product's detector for `chain`, with the bot's base tokens and gas model."""
    wrapped = next(t for t in chain.tokens if t.wrapped_native)
    stables = {chain.token(s).address: chain.token(s).decimals for s in STABLECOINS}
    return CycleDetector(
        chain_id=chain.chain_id,
        base_tokens=[wrapped.address, *stables],
        wrapped_native=wrapped.address,
        stablecoin_decimals=stables,
        gas_model=EXECUTOR_GAS,
        # A fixed tip: this suite checks amounts against the contracts, not how tips are chosen.
        priority_fee_wei=3 * 10**9,
    )


def flash_swapped(opportunity: Opportunity) -> bool:
    """Whether the route's opening pool lends its input by flash swap (its adapter's
    `flash_swap_hop`): the loan is the hop itself, with no fee and no gas of its own."""
    return ADAPTERS[opportunity.route.hops[0].kind].flash_swap_hop


async def season(rpc: RpcClient, chain: ChainManifest) -> None:
    """Every pool of the chain, of every kind, swapped a little each way, as pools on a live
    chain have been: a pool's first swaps write storage slots from zero (a V2 pair's price
    accumulators, a V3 pool's fee growth in that direction), over 20,000 gas each, which the
    gas model, measured on pools that had traded, leaves out; the devnet deploys pools that
    never traded."""
    for pool in chain.pools:
        for token in (pool.token0, pool.token1):
            held = await pool_holds(rpc, chain, pool, token)
            await SUPPORT[pool.kind].trade(rpc, chain, pool, token, held // 10**6 + 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class Trading:
    """What every execution on one chain shares."""

    rpc: RpcClient
    chain: ChainManifest
    executor: str
    codec: RouteCodec


@dataclass(frozen=True, slots=True, kw_only=True)
class Gap:
    """The state a whale left: where it sold, and every pool as the books read it then."""

    whale_pool: str
    head_number: int
    states: list[Any]


async def execute(
    t: Trading, dex: DexEntry, pool: str, gap: Gap, opportunity: Opportunity
) -> Execution:
    """Send the bot's trade of `opportunity` and measure what the executor kept."""
    route, amount_in = opportunity.route, opportunity.amount_in
    # A state by its pool and tokens: the pairs of a pool of more tokens share its address.
    by_pair = {
        (state.address, frozenset((state.token0.lower(), state.token1.lower()))): state
        for state in gap.states
    }
    amount = amount_in
    for hop in route.hops:
        pair = frozenset((hop.token_in.lower(), hop.token_out.lower()))
        amount = by_pair[hop.pool, pair].amount_out(hop.token_in, amount)
    loan = plan_source(FlashLoan.OWN_PAIR)
    calldata = (
        "0x"
        + t.codec.calldata(
            route, amount_in, opportunity.gross_profit, loan, deadline_block=FAR_DEADLINE_BLOCK
        ).hex()
    )
    tx = {"from": BOT, "to": t.executor, "data": calldata, "gas": hex(TX_GAS)}
    (simulated,) = decode(["uint256"], await t.rpc.call("eth_call", tx, "latest"))
    before = await balance_of(t.rpc, route.token_in, t.executor)
    receipt = await mined_receipt(t.rpc, await t.rpc.call("eth_sendTransaction", tx))
    after = await balance_of(t.rpc, route.token_in, t.executor)
    return Execution(
        chain=t.chain.name,
        dex=dex.name,
        pool=pool,
        whale_pool=gap.whale_pool,
        opportunity=opportunity,
        adapters_profit_wei=amount - amount_in,
        simulated_profit_wei=simulated,
        realized_profit_wei=after - before,
        head_number=gap.head_number,
        receipt=receipt,
    )


def coin_pools(chain: ChainManifest) -> list[PoolEntry]:
    """The chain's pools of the native coin, wrapped or itself, and USDC."""
    native = next(token for token in chain.tokens if token.wrapped_native)
    coin = chain_by_id(chain.chain_id).native_symbol
    return [
        p
        for p in chain.pools
        if {p.symbol0, p.symbol1} in ({native.symbol, "USDC"}, {coin, "USDC"})
    ]


def coin_side(pool: PoolEntry) -> str:
    """The pool's token of the native coin: its wrapped token, or the coin itself (address 0)."""
    return pool.token1 if pool.symbol0 == "USDC" else pool.token0


def stable_pools(chain: ChainManifest) -> list[PoolEntry]:
    """The chain's pools of two stablecoins (each pair of a pool of three among them)."""
    return [p for p in chain.pools if {p.symbol0, p.symbol1} <= set(STABLECOINS)]


def stable_side(pool: PoolEntry) -> str:
    """The stablecoin a whale sells into a pool of two: USDC where it is one of them, else
    the pool's first token."""
    return pool.token1 if pool.symbol1 == "USDC" else pool.token0


def whales(chain: ChainManifest) -> list[tuple[PoolEntry, str]]:
    """Where whales open gaps, and what each sells: each pool of the native coin and USDC, the
    coin; each pool of two stablecoins, one of them."""
    return [(p, coin_side(p)) for p in coin_pools(chain)] + [
        (p, stable_side(p)) for p in stable_pools(chain)
    ]


def gap_pools(chain: ChainManifest, dex: str) -> list[PoolEntry]:
    """The DEX's pools traded after each whale: its pools of the native coin and USDC; for a
    DEX without one (a stable pool's), its pools of two stablecoins."""
    ours = [p for p in coin_pools(chain) if p.dex == dex]
    return ours or [p for p in stable_pools(chain) if p.dex == dex]


async def trades_through(t: Trading, kind: str, dex: DexEntry) -> list[Execution]:
    """For each pool of the native coin (wrapped or not) and USDC and each pool of two
    stablecoins, of any DEX and kind, a whale's sale into it opens a gap (`whales`); for each
    of `dex`'s pools (`gap_pools`), the detector's best cycle of each shape (its hops' kinds)
    through it that opens with a flash swap is executed, each from the state after the
    whale."""
    chain = t.chain
    wrapped = next(token for token in chain.tokens if token.wrapped_native).address.lower()
    ours = gap_pools(chain, dex.name)
    books = list(books_of(chain, t.rpc).values())
    done = []
    for whale_pool, coin in whales(chain):
        async with snapshot(t.rpc):
            held = await pool_holds(t.rpc, chain, whale_pool, coin)
            support = SUPPORT[whale_pool.kind]
            amount = min(held // WHALE_SHARE, int(held * support.max_in_share))
            await support.trade(t.rpc, chain, whale_pool, coin, amount)
            head = await books[0].head()
            states = [state for book in books for state in await book.discover_at(head)]
            found = detector_for(chain).detect_states(
                states, block_number=head.number, base_fee_wei=head.base_fee_wei
            )
            gap = Gap(whale_pool=whale_pool.address, head_number=head.number, states=states)
            sent: set[str] = set()  # a route through two of the DEX's pools is sent once
            for pool in ours:
                best: dict[tuple[str, ...], Opportunity] = {}
                for o in found:  # the detector ranks the best net profit first
                    if _through(o, pool, wrapped) and flash_swapped(o):
                        best.setdefault(tuple(hop.kind for hop in o.route.hops), o)
                for opportunity in best.values():
                    if opportunity.id in sent:
                        continue
                    sent.add(opportunity.id)
                    async with snapshot(t.rpc):
                        done.append(await execute(t, dex, pool.address, gap, opportunity))
    return done


def _through(opportunity: Opportunity, pool: PoolEntry, wrapped: str) -> bool:
    """Whether the route swaps through `pool`: its address, between its two tokens (a pool of
    more tokens has a pair per entry; a route names a native-coin side by `wrapped`)."""
    tokens = {wrapped if int(t, 16) == 0 else t.lower() for t in (pool.token0, pool.token1)}
    return any(
        hop.pool == pool.address and {hop.token_in.lower(), hop.token_out.lower()} == tokens
        for hop in opportunity.route.hops
    )


async def execute_on(chain: ChainManifest, kind: str) -> list[Execution]:
    done = []
    async with RpcClient(chain.rpc_http) as rpc:
        await season(rpc, chain)
        executor = (await deploy_devnet_executor(rpc, chain, bot=BOT)).address
        trading = Trading(
            rpc=rpc, chain=chain, executor=executor, codec=RouteCodec(dex_factories(chain))
        )
        for dex in deployments(chain, kind):
            done += await trades_through(trading, kind, dex)
    return done


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=list(ADAPTERS))
async def executions(request: pytest.FixtureRequest, omniarb_home: Path) -> list[Execution]:
    """Every DEX of the kind on the conformance chains, executed once for both tests."""
    kind: str = request.param
    async with Devnet(block_times_s=dict.fromkeys(CHAINS), home=omniarb_home) as net:
        names = chains_with(net.manifest, kind)
        runs = await asyncio.gather(*(execute_on(net.manifest.chain(n), kind) for n in names))
        expected = {(n, d.name) for n in CHAINS for d in deployments(net.manifest.chain(n), kind)}
        pools = {
            (n, p.address)
            for n in names
            for d in deployments(net.manifest.chain(n), kind)
            for p in gap_pools(net.manifest.chain(n), d.name)
        }
    done = [execution for run in runs for execution in run]
    assert {(e.chain, e.dex) for e in done} == expected
    # Every DEX's pool of the coin traded, the V4 pool of the native coin itself among them.
    assert {(e.chain, e.pool) for e in done} == pools
    return done


async def test_hop_encoding_executes_and_realizes_the_predicted_profit(
    executions: list[Execution],
) -> None:
    for e in executions:
        where = e.describe()
        opportunity = e.opportunity
        assert opportunity.gross_profit > 0, where
        assert opportunity.amount_out - opportunity.amount_in == opportunity.gross_profit, where
        assert e.adapters_profit_wei == opportunity.gross_profit, where
        assert e.simulated_profit_wei == opportunity.gross_profit, where
        assert e.realized_profit_wei == opportunity.gross_profit, where
        # Mined in the block after the states were read: nothing came between.
        assert int(e.receipt["blockNumber"], 16) == e.head_number + 1, where
    # Routes of several shapes: two and three hops, with and without the other kind.
    shapes = {tuple(hop.kind for hop in e.opportunity.route.hops) for e in executions}
    assert {len(shape) for shape in shapes} == {2, 3}, shapes
    assert len(shapes) >= 3, shapes


async def test_gas_estimate_covers_the_gas_used(executions: list[Execution]) -> None:
    for e in executions:
        assert e.opportunity.gas_estimate >= e.gas_used, (e.describe(), e.gas_used)
    # The estimates priced V3 work beyond the hops themselves (ticks crossed, extra steps).
    assert any(e.v3_work_gas > 0 for e in executions)
