"""The allocator against the devnet's real lenders: it reads what each can lend and picks the
cheapest (fee + extra gas in the start token) that covers the amount.

The opportunity is a V3 → V3 cycle from WETH through the WETH/USDC 0.3% and 0.05% pools, so no
pool of the route can lend and the route has no V2 pair to flash-swap from. The lenders of
WETH on the chain: the Uniswap V4 PoolManager (no fee, the least gas: it holds its WETH pools'
WETH), Aave V3 (5 bps), V3 pools outside the route (WETH/USDT 0.05%, WBTC/WETH 0.3%, the
flavour token's 1%), V2 pairs (0.3%), and the Balancer Vault (no fee: it holds its weighted
pools' WETH, and the devnet funds it with stablecoins). Filling or emptying a lender
(`_lender_helpers`) moves the choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from _lender_helpers import balance_of, empty, fill_wrapped_native, v3_pool

from omniarb.allocate import FlashLoanAllocator, LenderBook
from omniarb.chains.blocks import read_head
from omniarb.chains.rpc import RpcClient, RpcRequest
from omniarb.gas import HopWork
from omniarb.network import ChainManifest
from omniarb.state import LenderBalances
from omniarb.types import Decision, Opportunity, OpportunitySource, Route
from omniarb.wiring import EXECUTOR_GAS

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
GWEI = 10**9
WETH = 10**18


def _decision(route: Route, *, amount_in: int, gross: int, gas_price_wei: int) -> Decision:
    """An approved decision as the risk stage hands it on; gas priced 1:1 in WETH."""
    first_v2 = route.hops[0].kind == "uniswap-v2"
    gas = EXECUTOR_GAS.estimate([HopWork(kind=h.kind) for h in route.hops], free_loan=first_v2)
    net = gross - gas * gas_price_wei
    opportunity = Opportunity(
        id="planted",
        chain_id=route.chain_id,
        block_number=1,
        route=route,
        amount_in=amount_in,
        amount_out=amount_in + gross,
        gross_profit=gross,
        gas_estimate=gas,
        gas_price_wei=gas_price_wei,
        gas_cost_wei=gas * gas_price_wei,
        net_profit=net,
        net_profit_usd=net * 3000 / WETH,
        source=OpportunitySource.BLOCK,
        detected_ns=1,
    )
    return Decision(
        opportunity=opportunity,
        approved=True,
        reasons=("net profit clears gas and the floor",),
        amount_in=amount_in,
        min_profit=0,
        p_success=1.0,
        expected_value_usd=opportunity.net_profit_usd,
        bribe_wei=0,
        flash_source="",
        decided_ns=2,
    )


def _v3_v3_route(chain: ChainManifest) -> Route:
    weth, usdc = chain.token("WETH").address, chain.token("USDC").address
    dear = v3_pool(chain, {"WETH", "USDC"}, 3000)
    cheap = v3_pool(chain, {"WETH", "USDC"}, 500)
    return Route(chain_id=chain.chain_id, hops=(dear.hop(weth), cheap.hop(usdc)))


async def test_the_cheapest_lender_that_can_lend_is_chosen(devnet_factory) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        route = _v3_v3_route(chain)
        weth = chain.token("WETH").address
        async with RpcClient(chain.rpc_http) as rpc:
            allocate = FlashLoanAllocator(
                book=LenderBook.from_manifest(chain, rpc, EXECUTOR_GAS), gas_model=EXECUTOR_GAS
            )
            vault = chain.lender("balancer-v2").address
            manager = chain.dex("uniswap-v4").factory
            usdt_pool = v3_pool(chain, {"WETH", "USDT"}, 500)
            big = 100 * WETH

            # As deployed, the V4 PoolManager lends for free with the least gas: chosen, and
            # the detector assumed exactly that loan.
            in_manager = await balance_of(rpc, weth, manager)
            assert in_manager > big
            v4 = await allocate.process(
                _decision(route, amount_in=big, gross=WETH, gas_price_wei=GWEI)
            )
            assert v4.approved
            assert (v4.flash_source, v4.flash_fee) == ("uniswap-v4-flash", 0)
            assert v4.flash_pool is not None
            assert (v4.flash_pool.pool, v4.flash_pool.token0) == (manager, weth)
            assert v4.gas_estimate == v4.opportunity.gas_estimate
            assert v4.expected_profit == WETH
            # WETH in the Vault too, as much as the manager holds and more: both lend for
            # free, and the manager's loan burns less gas ...
            await fill_wrapped_native(rpc, chain, vault, 2 * in_manager)
            both = await allocate.process(
                _decision(route, amount_in=big, gross=WETH, gas_price_wei=GWEI)
            )
            assert both.flash_source == "uniswap-v4-flash"
            # ... but more than the manager holds comes from the Vault, for the Vault's gas.
            beyond = await allocate.process(
                _decision(route, amount_in=in_manager + 1, gross=50 * WETH, gas_price_wei=GWEI)
            )
            assert (beyond.flash_source, beyond.flash_fee, beyond.flash_pool) == (
                "balancer-v2",
                0,
                None,
            )
            assert beyond.gas_estimate == beyond.opportunity.gas_estimate + (
                EXECUTOR_GAS.balancer_loan_gas - EXECUTOR_GAS.v4_flash_loan_gas
            )
            await empty(rpc, weth, vault)
            await empty(rpc, weth, manager)

            # Neither holds WETH now: the 0.05% V3 pool outside the route is the cheapest
            # (Aave charges the same 5 bps with more gas; the rest charge more).
            assert await balance_of(rpc, weth, vault) == 0
            v3 = await allocate.process(
                _decision(route, amount_in=big, gross=WETH, gas_price_wei=GWEI)
            )
            assert v3.approved
            assert v3.flash_source == "uniswap-v3-flash"
            assert v3.flash_pool is not None
            assert v3.flash_pool.pool == usdt_pool.address
            assert v3.flash_fee == big * 500 // 1_000_000
            # The detector assumed the cheapest possible loan (the V4 PoolManager's): the
            # allocator adds the V3 loan's extra gas, and the trade must pay for that gas.
            assert v3.gas_estimate == v3.opportunity.gas_estimate + (
                EXECUTOR_GAS.v3_flash_loan_gas - EXECUTOR_GAS.v4_flash_loan_gas
            )
            assert v3.expected_profit == WETH - v3.flash_fee

            # WETH put into the Vault (as a pool join would): the Vault lends any token it
            # holds, for free and with the least gas.
            pool_held = await balance_of(rpc, weth, usdt_pool.address)
            await fill_wrapped_native(rpc, chain, vault, 2 * pool_held)
            chosen = await allocate.process(
                _decision(route, amount_in=big, gross=WETH, gas_price_wei=GWEI)
            )
            assert chosen.approved
            assert (chosen.flash_source, chosen.flash_fee, chosen.flash_pool) == (
                "balancer-v2",
                0,
                None,
            )
            # The detector assumed the V4 loan, which burns less gas than the Vault's.
            assert chosen.gas_estimate == chosen.opportunity.gas_estimate + (
                EXECUTOR_GAS.balancer_loan_gas - EXECUTOR_GAS.v4_flash_loan_gas
            )
            assert chosen.min_profit > chosen.opportunity.gross_profit - (
                chosen.opportunity.net_profit
            )
            assert chosen.expected_profit == WETH

            # More than the Vault holds, which is more than the 0.05% V3 pool outside the
            # route holds: Aave (5 bps, $25M of each token) is next.
            held = await balance_of(rpc, weth, vault)
            more = await allocate.process(
                _decision(route, amount_in=held + 1, gross=50 * WETH, gas_price_wei=GWEI)
            )
            assert more.flash_source == "aave-v3"
            assert more.flash_pool is None
            assert more.flash_fee == ((held + 1) * 5 + 5_000) // 10_000
            await empty(rpc, weth, vault)

            # That pool emptied too: PancakeSwap V3's 0.05% WETH/USDT pool lends the same way
            # (its `flash`, the same fee rule) ...
            await empty(rpc, weth, usdt_pool.address)
            pancake = await allocate.process(
                _decision(route, amount_in=big, gross=WETH, gas_price_wei=GWEI)
            )
            pancake_pool = next(
                p
                for p in chain.pools
                if p.kind == "pancakeswap-v3" and {p.symbol0, p.symbol1} == {"WETH", "USDT"}
            )
            assert pancake.flash_source == "uniswap-v3-flash"
            assert pancake.flash_pool is not None
            assert pancake.flash_pool.pool == pancake_pool.address
            assert pancake.flash_fee == big * 500 // 1_000_000

            # ... and emptied as well: the V3 pools left charge 0.25% or more, so Aave's 5 bps
            # wins on a large loan despite its gas ...
            await empty(rpc, weth, pancake_pool.address)
            aave = await allocate.process(
                _decision(route, amount_in=big, gross=WETH, gas_price_wei=GWEI)
            )
            assert aave.flash_source == "aave-v3"
            assert aave.flash_fee == (big * 5 + 5_000) // 10_000
            # ... while on a small loan at a high gas price Aave's extra gas costs more than
            # the fee of a 0.25% PancakeSwap V3 pool (the cheapest left).
            small = await allocate.process(
                _decision(route, amount_in=WETH // 100, gross=WETH, gas_price_wei=100 * GWEI)
            )
            assert small.flash_source == "uniswap-v3-flash"
            assert small.flash_pool is not None
            assert (small.flash_pool.kind, small.flash_pool.fee_pips) == ("pancakeswap-v3", 2500)
            assert weth in (small.flash_pool.token0, small.flash_pool.token1)

            # Nobody can lend that much: declined with the reason, nothing allocated.
            huge = await allocate.process(
                _decision(route, amount_in=10**30, gross=WETH, gas_price_wei=GWEI)
            )
            assert not huge.approved
            assert "no flash lender" in huge.reasons[0]

            # A loan whose fee eats the profit is declined.
            thin = await allocate.process(
                _decision(route, amount_in=big, gross=big * 5 // 10_000, gas_price_wei=GWEI)
            )
            assert not thin.approved
            assert "leaves no profit" in thin.reasons[0]


async def test_a_route_opening_with_a_v2_pair_borrows_from_it(devnet_factory) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        weth, usdc = chain.token("WETH").address, chain.token("USDC").address
        pair = next(
            p
            for p in chain.pools
            if p.dex == "uniswap-v2" and {p.symbol0, p.symbol1} == {"WETH", "USDC"}
        )
        route = Route(
            chain_id=chain.chain_id,
            hops=(pair.hop(weth), v3_pool(chain, {"WETH", "USDC"}, 500).hop(usdc)),
        )
        async with RpcClient(chain.rpc_http) as rpc:
            allocate = FlashLoanAllocator(
                book=LenderBook.from_manifest(chain, rpc, EXECUTOR_GAS), gas_model=EXECUTOR_GAS
            )
            chosen = await allocate.process(
                _decision(route, amount_in=10 * WETH, gross=WETH, gas_price_wei=GWEI)
            )
        assert chosen.approved
        assert (chosen.flash_source, chosen.flash_fee, chosen.flash_pool) == (
            "uniswap-v2-flash-swap",
            0,
            None,
        )
        assert chosen.gas_estimate == chosen.opportunity.gas_estimate


async def test_the_vault_lends_to_no_route_through_its_pools(devnet_factory) -> None:
    """From USDC, which the Vault holds: once the V4 PoolManager (cheaper still) holds none, a
    V3 → V3 cycle borrows it from the Vault, free; the same cycle opening with the Balancer
    weighted pool instead borrows elsewhere, at a fee: the Vault swaps and lends under one
    lock (BAL#400), which the kind's adapter says (`locked_lenders`)."""
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        weth, usdc = chain.token("WETH").address, chain.token("USDC").address
        dear = v3_pool(chain, {"WETH", "USDC"}, 3000)
        weighted = next(
            p
            for p in chain.pools
            if p.kind == "balancer-weighted" and {p.symbol0, p.symbol1} == {"WETH", "USDC"}
        )
        v3_only = Route(
            chain_id=chain.chain_id,
            hops=(v3_pool(chain, {"WETH", "USDC"}, 500).hop(usdc), dear.hop(weth)),
        )
        through_vault = Route(chain_id=chain.chain_id, hops=(weighted.hop(usdc), dear.hop(weth)))
        amount, gross = 100_000 * 10**6, 1_000 * 10**6  # USDC; gas at 1 wei a unit
        async with RpcClient(chain.rpc_http) as rpc:
            allocate = FlashLoanAllocator(
                book=LenderBook.from_manifest(chain, rpc, EXECUTOR_GAS), gas_model=EXECUTOR_GAS
            )
            await empty(rpc, usdc, chain.dex("uniswap-v4").factory)
            assert await balance_of(rpc, usdc, chain.lender("balancer-v2").address) > amount
            free = await allocate.process(
                _decision(v3_only, amount_in=amount, gross=gross, gas_price_wei=1)
            )
            assert (free.flash_source, free.flash_fee) == ("balancer-v2", 0)
            locked = await allocate.process(
                _decision(through_vault, amount_in=amount, gross=gross, gas_price_wei=1)
            )
        assert locked.approved
        assert locked.flash_source not in ("balancer-v2", "")
        assert locked.flash_fee > 0


class _CountingRpc(RpcClient):
    """Counts the batched requests the allocator sends."""

    batches = 0

    async def batch(self, requests: Sequence[RpcRequest]) -> list[Any]:
        self.batches += 1
        return await super().batch(requests)


async def test_balances_are_read_in_cost_order_until_a_lender_can_lend(devnet_factory) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with _CountingRpc(chain.rpc_http) as rpc:
            # The V4 PoolManager's and the Vault's WETH lent out: they lead the cost order,
            # holding none.
            await empty(rpc, chain.token("WETH").address, chain.dex("uniswap-v4").factory)
            await empty(rpc, chain.token("WETH").address, chain.lender("balancer-v2").address)
            book = LenderBook.from_manifest(chain, rpc, EXECUTOR_GAS)
            decision = _decision(
                _v3_v3_route(chain), amount_in=100 * WETH, gross=WETH, gas_price_wei=GWEI
            )
            chosen: dict[int, tuple[str, str | None]] = {}
            requests: dict[int, int] = {}
            for per_read in (1, 2, 16, 1_000):
                allocate = FlashLoanAllocator(
                    book=book, gas_model=EXECUTOR_GAS, balances_per_read=per_read
                )
                before = rpc.batches
                decided = await allocate.process(decision)
                requests[per_read] = rpc.batches - before
                pool = None if decided.flash_pool is None else decided.flash_pool.pool
                chosen[per_read] = (decided.flash_source, pool)
    # However the reads are cut, the same lender: the 0.05% WETH/USDT pool, third in cost
    # order after the PoolManager and the Vault (free, but holding no WETH), so one-at-a-time
    # reads stop at three, two at a time at two.
    usdt_pool = v3_pool(chain, {"WETH", "USDT"}, 500).address
    assert set(chosen.values()) == {("uniswap-v3-flash", usdt_pool)}
    assert requests == {1: 3, 2: 2, 16: 1, 1_000: 1}
    with pytest.raises(ValueError, match="balances_per_read"):
        FlashLoanAllocator(book=book, gas_model=EXECUTOR_GAS, balances_per_read=0)


async def test_balances_from_the_book_cost_no_request_per_trade(devnet_factory) -> None:
    """With the state stage's lender balances, the allocator asks the node nothing and
    chooses as it does from balances read at the node, whatever the lenders hold."""
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        weth = chain.token("WETH").address
        manager = chain.dex("uniswap-v4").factory
        vault = chain.lender("balancer-v2").address
        async with _CountingRpc(chain.rpc_http) as rpc, RpcClient(chain.rpc_http) as node:
            book = LenderBook.from_manifest(chain, rpc, EXECUTOR_GAS)
            balances = LenderBalances(rpc=node, chain_id=chain.chain_id, pairs=book.holdings())
            await balances.bootstrap()
            from_memory = FlashLoanAllocator(book=book, gas_model=EXECUTOR_GAS, balances=balances)
            from_node = FlashLoanAllocator(book=book, gas_model=EXECUTOR_GAS)
            decision = _decision(
                _v3_v3_route(chain), amount_in=100 * WETH, gross=WETH, gas_price_wei=GWEI
            )
            chosen = []
            for emptied in (None, manager, vault):
                if emptied is not None:
                    await empty(node, weth, emptied)
                    await balances.process(await read_head(node, chain.chain_id))
                before = rpc.batches
                memory = await from_memory.process(decision)
                assert rpc.batches == before, "a balance was read from the node"
                read = await from_node.process(decision)
                assert rpc.batches > before
                assert (memory.flash_source, memory.flash_pool, memory.flash_fee) == (
                    read.flash_source,
                    read.flash_pool,
                    read.flash_fee,
                )
                chosen.append(memory.flash_source)
            assert from_memory.balance_reads == 0
    # The manager, then the Vault, then a V3 pool: each choice moved with the balances.
    assert chosen == ["uniswap-v4-flash", "balancer-v2", "uniswap-v3-flash"]
