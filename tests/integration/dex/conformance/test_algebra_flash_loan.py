"""An Algebra Integral pool lends a route its start token through `flash` (plan source 3, a
lender record of kind 0x82), and the executor repays it the pool's own flash fee: the trade
keeps, to the wei, the route's exact profit minus ceil(amount · 100 / 10^6)
(`Constants.FLASH_FEE`), whatever the pool's swap fee, and the pool's balance grows by that fee.

On Polygon (whose devnet has Algebra pools beside V2 and V3 ones), a whale's sale of the native
coin into the Uniswap V3 pool of the native coin and USDC opens a gap; the product's detector
prices the cycles; the best one that opens with a V2 pair and passes through no Algebra pool is
executed twice from the same state: borrowing from its own first pair (no fee), and from an
Algebra pool holding its start token. The second's extra gas is what the gas model prices an
Algebra loan at (`GasModel.algebra_flash_loan_gas`), or less.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _conformance import BOT, books_of
from _lender_helpers import balance_of
from _plans import FAR_DEADLINE_BLOCK
from _receipts import mined_receipt
from _snapshots import snapshot
from test_conformance_execution import SUPPORT, TX_GAS, detector_for, flash_swapped, season

from omniarb.allocate import flash_fee
from omniarb.chains.rpc import RpcClient
from omniarb.devnet import Devnet
from omniarb.dex.algebra import FLASH_FEE_PIPS
from omniarb.dex.registry import adapter
from omniarb.execute import RouteCodec
from omniarb.execute.executor_calldata import dex_factories
from omniarb.execute.executor_contract import deploy_devnet_executor
from omniarb.execute.route_codec import decode_plan, plan_source
from omniarb.types import FlashLoan, FlashPool, Opportunity
from omniarb.wiring import EXECUTOR_GAS

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

CHAIN = "polygon"
ALGEBRA = "algebra-integral"


async def _run(
    rpc: RpcClient, executor: str, calldata: bytes, token: str
) -> tuple[int, int, dict[str, object]]:
    """(profit kept by the executor, gas used, receipt) of one trade; it must succeed."""
    tx = {"from": BOT, "to": executor, "data": "0x" + calldata.hex(), "gas": hex(TX_GAS)}
    before = await balance_of(rpc, token, executor)
    receipt = await mined_receipt(rpc, await rpc.call("eth_sendTransaction", tx))
    assert int(receipt["status"], 16) == 1
    return await balance_of(rpc, token, executor) - before, int(receipt["gasUsed"], 16), receipt


async def test_an_algebra_pool_lends_at_its_flash_fee(omniarb_home: Path) -> None:
    async with Devnet(block_times_s={CHAIN: None}, home=omniarb_home) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            await season(rpc, chain)
            executor = (await deploy_devnet_executor(rpc, chain, bot=BOT)).address
            codec = RouteCodec(dex_factories(chain))
            native = next(token for token in chain.tokens if token.wrapped_native)
            pair = {native.symbol, "USDC"}
            whale_pool = next(
                p for p in chain.pools if p.kind == "uniswap-v3" and {p.symbol0, p.symbol1} == pair
            )
            held = await balance_of(rpc, native.address, whale_pool.address)
            await SUPPORT[whale_pool.kind].trade(rpc, chain, whale_pool, native.address, held // 3)
            books = list(books_of(chain, rpc).values())
            head = await books[0].head()
            states = [state for book in books for state in await book.discover_at(head)]
            found = detector_for(chain).detect_states(
                states, block_number=head.number, base_fee_wei=head.base_fee_wei
            )
            algebra_pools = [p for p in chain.pools if p.kind == ALGEBRA]

            def lender_for(o: Opportunity) -> FlashPool | None:
                start = o.route.token_in.lower()
                for pool in algebra_pools:
                    if start in (pool.token0.lower(), pool.token1.lower()):
                        return pool.flash_pool()
                return None

            opportunity, lender = next(
                (o, lender_for(o))
                for o in found
                if flash_swapped(o)
                and all(hop.kind != ALGEBRA for hop in o.route.hops)
                and lender_for(o) is not None
            )
            assert lender is not None
            route, amount_in, gross = (
                opportunity.route,
                opportunity.amount_in,
                opportunity.gross_profit,
            )
            start = route.token_in
            fee = flash_fee(adapter(ALGEBRA).pool_loan, FLASH_FEE_PIPS, amount_in)
            assert adapter(ALGEBRA).pool_loan is FlashLoan.ALGEBRA_POOL
            assert fee == -(-amount_in * 100 // 1_000_000) > 0
            own = codec.calldata(
                route,
                amount_in,
                gross,
                plan_source(FlashLoan.OWN_PAIR),
                deadline_block=FAR_DEADLINE_BLOCK,
            )
            source = plan_source(FlashLoan.ALGEBRA_POOL)
            borrowed = codec.calldata(
                route,
                amount_in,
                gross - fee,
                source,
                flash_pool=lender,
                deadline_block=FAR_DEADLINE_BLOCK,
            )
            plan = decode_plan(
                codec.plan(
                    route,
                    amount_in,
                    gross - fee,
                    source,
                    flash_pool=lender,
                    deadline_block=FAR_DEADLINE_BLOCK,
                )
            )
            assert plan.flash_source == 3
            assert plan.flash_pool is not None
            assert plan.flash_pool.kind == 0x82

            async with snapshot(rpc):
                kept_own, gas_own, _ = await _run(rpc, executor, own, start)
            async with snapshot(rpc):
                lender_before = await balance_of(rpc, start, lender.pool)
                kept, gas, _ = await _run(rpc, executor, borrowed, start)
                lender_after = await balance_of(rpc, start, lender.pool)

            assert kept_own == gross
            assert kept == gross - fee
            assert lender_after - lender_before == fee
            loan_gas = gas - gas_own
            assert 0 < loan_gas <= EXECUTOR_GAS.algebra_flash_loan_gas, loan_gas
            print(f"algebra flash loan: {amount_in} borrowed, fee {fee}, extra gas {loan_gas}")
