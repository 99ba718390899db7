"""A cross-chain trade planted on two devnet chains and priced with the protocols' own math.

Ethereum's Uniswap V2 WETH/USDC pair is pushed up (a trader buys WETH with USDC through its
Router02), so WETH is dear there: the trade sells WETH on Ethereum (V2) and buys it back on
Arbitrum's Uniswap V3 WETH/USDC pool. Each leg's output is predicted from the pool's state read
at the latest block: the V2 pair's reserves through `get_amount_out`, the V3 pool's full state
(`V3PoolReader`) through `V3PoolState.amount_out`, exactly what the contracts will pay.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _receipts import mined_receipt

from omniarb._config_cross_exec import CrossChainExecutionSettings
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import chain_by_id
from omniarb.cross_chain_types import CrossChainOpportunity, LegFee, LegPlan, LegRole
from omniarb.crosschain.exposure import ExposureBook
from omniarb.crosschain.leg_chain import LegChain
from omniarb.crosschain.legs import LegLatency
from omniarb.crosschain.pnl import LegPrices, TradePrices
from omniarb.crosschain.trader import CrossChainTrader
from omniarb.devnet import dev_account
from omniarb.devnet.accounts import TRADER_INDICES
from omniarb.devnet.bot_access import DevnetAccess
from omniarb.dex.base import PoolState
from omniarb.dex.router_encoder import ExactInputSwap
from omniarb.dex.routers import dex_router_encoder
from omniarb.dex.uniswap_v2.math import get_amount_out
from omniarb.dex.uniswap_v3.reader import V3PoolReader
from omniarb.network import ChainManifest, PoolEntry
from omniarb.store.cross_chain import CrossChainStore
from omniarb.store.database import HistoryDatabase
from omniarb.types import Route

SELL, BUY = "ethereum", "arbitrum"
TRADER = dev_account(TRADER_INDICES[0]).address
GAS_ESTIMATE = 300_000
WETH_USD = 3_000.0
# USD per base unit: WETH (18 decimals) at $3,000, USDC (6) at $1, gas coin (ETH) at $3,000.
WETH_UNIT_USD = WETH_USD / 10**18
USDC_UNIT_USD = 1 / 10**6


def pool_of(chain: ChainManifest, kind: str) -> PoolEntry:
    weth, usdc = chain.token("WETH").address, chain.token("USDC").address
    return next(p for p in chain.pools if p.kind == kind and {p.token0, p.token1} == {weth, usdc})


@dataclass
class Net:
    """Both chains, their leg senders, the store and the trader of a test."""

    chains: dict[str, ChainManifest]
    rpcs: dict[str, RpcClient]
    legs: dict[str, LegChain]
    store: CrossChainStore
    book: ExposureBook
    trader: CrossChainTrader
    alerts: list[str]

    async def trader_swap(self, chain: str, kind: str, token_in: str, amount_in: int) -> None:
        """A devnet trader's exact-input swap through the pool of `kind` (moves its price)."""
        manifest = self.chains[chain]
        pool = pool_of(manifest, kind)
        token = manifest.token(token_in).address
        route = Route(chain_id=manifest.chain_id, hops=(pool.hop(token),))
        encoder = dex_router_encoder(kind)
        assert encoder is not None
        data = encoder.encode_exact_input(
            ExactInputSwap(route=route, amount_in=amount_in, min_out=0, recipient=TRADER,
                           deadline=int(time.time()) + 600)
        )  # fmt: skip
        tx = {"from": TRADER, "to": manifest.dex(pool.dex).router, "data": "0x" + data.hex(),
              "gas": hex(1_000_000)}  # fmt: skip
        receipt = await mined_receipt(self.rpcs[chain], await self.rpcs[chain].call(
            "eth_sendTransaction", tx))  # fmt: skip
        assert int(receipt["status"], 16) == 1

    async def opportunity(self, weth_in: int) -> CrossChainOpportunity:
        """Sell `weth_in` WETH on Ethereum's V2 pair, buy WETH with all the USDC on Arbitrum's
        V3 pool; outputs from the pools' states of the latest block, exact."""
        eth, arb = self.chains[SELL], self.chains[BUY]
        v2 = pool_of(eth, "uniswap-v2")
        weth_eth = eth.token("WETH").address
        answer = await self.rpcs[SELL].call(
            "eth_call", {"to": v2.address, "data": encode_call("getReserves()")}, "latest"
        )
        reserve0, reserve1, _ = decode(["uint112", "uint112", "uint32"], answer)
        reserve_in, reserve_out = (
            (reserve0, reserve1) if v2.token0 == weth_eth else (reserve1, reserve0)
        )
        sell_out = get_amount_out(weth_in, reserve_in, reserve_out, v2.fee // 100)
        sell_block = int(await self.rpcs[SELL].call("eth_blockNumber"), 16)
        v3 = pool_of(arb, "uniswap-v3")
        usdc_arb = arb.token("USDC").address
        state = await V3PoolReader(self.rpcs[BUY], chain_id=arb.chain_id).read(
            v3.address, dex=v3.dex
        )
        buy_out = state.amount_out(usdc_arb, sell_out)
        sell = _plan(LegRole.SELL, eth, v2, weth_eth, weth_in, sell_out, sell_block)
        buy = _plan(LegRole.BUY, arb, v3, usdc_arb, sell_out, buy_out, state.block_number)
        gross = (buy_out - weth_in) * WETH_UNIT_USD
        return CrossChainOpportunity(
            id=f"xc-{uuid.uuid4().hex[:16]}",
            asset="ETH",
            quote_asset="USDC",
            sell=sell,
            buy=buy,
            gross_usd=gross,
            fees_usd=sell.fee_usd + buy.fee_usd,
            rebalance_cost_usd=0.0,
            risk_charge_usd=0.0,
            expected_value_usd=gross - sell.fee_usd - buy.fee_usd,
            detected_ns=time.time_ns(),
        )


def _plan(
    role: LegRole,
    chain: ChainManifest,
    pool: PoolEntry,
    token_in: str,
    amount_in: int,
    predicted_out: int,
    block: int,
) -> LegPlan:
    fee_wei = GAS_ESTIMATE * 10**9
    return LegPlan(
        role=role,
        chain=chain.name,
        chain_id=chain.chain_id,
        block_number=block,
        route=Route(chain_id=chain.chain_id, hops=(pool.hop(token_in),)),
        amount_in=amount_in,
        predicted_out=predicted_out,
        min_out=predicted_out,  # exact: any move of the pool before inclusion reverts the leg
        gas_estimate=GAS_ESTIMATE,
        fee_wei=fee_wei,
        fee_usd=fee_wei * WETH_UNIT_USD,
    )


PRICES = TradePrices(
    sell=LegPrices(token_in_usd=WETH_UNIT_USD, token_out_usd=USDC_UNIT_USD,
                   native_usd_per_wei=WETH_UNIT_USD),
    buy=LegPrices(token_in_usd=USDC_UNIT_USD, token_out_usd=WETH_UNIT_USD,
                  native_usd_per_wei=WETH_UNIT_USD),
    asset_usd_by_chain={SELL: WETH_UNIT_USD, BUY: WETH_UNIT_USD},
)  # fmt: skip


@asynccontextmanager
async def cross_chain_net(
    devnet: Any, db_path: Path, settings: CrossChainExecutionSettings
) -> AsyncIterator[Net]:
    """The leg senders of the devnet's inventory account on both chains, and a trader."""
    access = DevnetAccess(devnet.manifest_path)
    database = HistoryDatabase.open(f"sqlite:///{db_path}")
    async with AsyncExitStack() as stack:
        chains = {name: devnet.manifest.chain(name) for name in (SELL, BUY)}
        rpcs = {
            name: await stack.enter_async_context(RpcClient(chain.rpc_http))
            for name, chain in chains.items()
        }
        legs = {
            name: LegChain(
                chain=name,
                rpc=rpcs[name],
                signer=access.inventory_signer(chain),
                fee_model=chain_by_id(chain.chain_id).fee_model,
                routers={d.name: d.router for d in chain.dexes},
                tip_wei=settings.tip_wei,
                deadline_s=settings.deadline_s,
                receipt_timeout_s=settings.receipt_timeout_s,
                gas_limit_factor=settings.gas_limit_factor,
            )
            for name, chain in chains.items()
        }
        store = CrossChainStore(database.engine)
        alerts: list[str] = []
        book = ExposureBook(
            settings=settings, chains=legs, record=store.record_exposure, alert=alerts.append
        )
        trader = CrossChainTrader(
            chains=legs,
            store=store,
            exposures=book,
            latency=LegLatency(alpha=settings.latency_ewma_alpha),
            policy=settings.unwind,
        )
        try:
            yield Net(chains, rpcs, legs, store, book, trader, alerts)
        finally:
            database.dispose()


class PlantedDetector:
    """Answers the first block it is shown with the planted opportunity (every block, with
    `every_block`: the coordinator must trade it once), and notes its calls."""

    def __init__(self, opportunity: CrossChainOpportunity, *, every_block: bool = False) -> None:
        self._waiting = [opportunity]
        self._every_block = every_block
        self.calls: list[dict[str, Any]] = []

    def on_block(
        self,
        chain: str,
        block_number: int,
        states: Iterable[PoolState],
        *,
        inventory: Mapping[tuple[str, str], int],
        bands: Any,
        fees: Mapping[str, LegFee],
        leg_latency_s: float | None,
    ) -> list[CrossChainOpportunity]:
        self.calls.append(
            {"chain": chain, "block": block_number, "inventory": dict(inventory), "fees": fees}
        )
        found = list(self._waiting)
        if not self._every_block:
            self._waiting = []
        return found

    def native_usd(self, chain: str) -> float | None:
        return 3000.0

    def price_usd(self, identity: str, chain: str) -> float | None:
        return None

    def asset_usd(self, identity: str) -> float | None:
        return None
