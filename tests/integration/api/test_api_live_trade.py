"""End to end: a devnet chain, the real bot, a planted gap, and a WebSocket client of the API
that receives the opportunity and then the executed trade, realized profit equal to predicted.

The engine's two publish calls (`hub.publish_opportunity`, `hub.publish_trade`) are made here
by a store that publishes what the engine records, at the same two points of the pipeline.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import websockets
from _api_server import AUTH, TOKEN, serving, ws_url
from _bot_helpers import swap_v2

from omniarb.api import ApiState, LiveFigures, LiveHub
from omniarb.api.schemas import OpportunityItem, TradeItem
from omniarb.bot import run_bot
from omniarb.chains.rpc import RpcClient
from omniarb.config import Settings
from omniarb.devnet.bot_access import DevnetAccess
from omniarb.engine import Engine
from omniarb.stage_times import SEGMENTS
from omniarb.store import HistoryDatabase, HistoryStore
from omniarb.store.history import Record
from omniarb.types import Opportunity, Outcome, Token

_HALF_SECOND_BLOCKS = 0.5


@dataclass(slots=True)
class _Names:
    symbols: dict[str, str] = field(default_factory=dict)
    decimals: dict[str, int] = field(default_factory=dict)


class _PublishingStore(HistoryStore):
    """The real history store that also publishes opportunities and outcomes into the hub."""

    def __init__(self, database: HistoryDatabase, hub: LiveHub) -> None:
        super().__init__(database)
        self._hub = hub
        self._names: defaultdict[int, _Names] = defaultdict(_Names)

    async def record(self, value: Record) -> None:
        await super().record(value)
        if isinstance(value, Token):
            names = self._names[value.chain_id]
            names.symbols[value.address.lower()] = value.symbol
            names.decimals[value.address.lower()] = value.decimals
        elif isinstance(value, Opportunity):
            self._hub.publish_opportunity(value, self._names[value.chain_id])
        elif isinstance(value, Outcome):
            chain_id = value.execution.decision.opportunity.chain_id
            self._hub.publish_trade(value, self._names[chain_id])


async def test_a_websocket_client_receives_the_trade_the_bot_executes(
    devnet_factory, tmp_path: Path
) -> None:
    hub = LiveHub()
    store = _PublishingStore(HistoryDatabase.open(f"sqlite:///{tmp_path / 'h.sqlite'}"), hub)
    engines: list[Engine] = []
    stop = asyncio.Event()

    def figures() -> LiveFigures:
        return LiveFigures(chains=engines[0].stats if engines else [])

    state = ApiState(history=store.database, hub=hub, live=figures)
    try:
        async with devnet_factory({"ethereum": _HALF_SECOND_BLOCKS}) as net:
            chain = net.manifest.chain("ethereum")
            async with (
                serving(state) as server,
                websockets.connect(ws_url(server, f"token={TOKEN}&types=opportunity,trade")) as ws,
                RpcClient(chain.rpc_http) as rpc,
            ):
                bot = asyncio.create_task(
                    run_bot(
                        net.manifest,
                        Settings(),
                        access=DevnetAccess(net.manifest_path),
                        store=store,
                        dry_run=False,
                        stop_when=lambda _: stop.is_set(),
                        on_start=engines.append,
                    )
                )
                try:
                    async with asyncio.timeout(60):
                        while not (engines and engines[0].stats[0].first_block is not None):
                            await asyncio.sleep(0.05)
                    # Sell 600 WETH into sushiswap's WETH/USDC pair: WETH gets cheap there.
                    await swap_v2(
                        rpc, chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * 10**18
                    )
                    seen: list[dict[str, object]] = []
                    async with asyncio.timeout(30):
                        while not seen or seen[-1]["type"] != "trade":
                            seen.append(json.loads(await ws.recv()))
                finally:
                    stop.set()
                    await bot
                trade = TradeItem.model_validate(seen[-1]["data"])
                found = [
                    OpportunityItem.model_validate(m["data"])
                    for m in seen
                    if m["type"] == "opportunity"
                ]
                assert trade.opportunity_id in {o.id for o in found}
                assert trade.chain == "ethereum"
                assert trade.status == "succeeded"
                assert trade.realized_profit_wei == trade.predicted_profit_wei
                assert int(trade.predicted_profit_wei) > 0
                assert trade.route[0] == trade.route[-1] == trade.profit_symbol
                (executed,) = engines[0].stats[0].trades[:1]
                assert trade.tx_hash == executed.tx_hash
                assert int(trade.amount_in) == executed.amount_in
                assert trade.gas_used == executed.gas_used
                # Every segment of the live path was timed, and the history keeps the stamps.
                assert trade.segments is not None
                assert [s.name for s in trade.segments] == list(SEGMENTS)
                assert trade.stage_offsets_ns == executed.stage_offsets_ns

                # The same trade, read back from the history through the REST API.
                await store.flush()
                async with httpx.AsyncClient(base_url=server.url, headers=AUTH) as client:
                    listed = (await client.get("/trades", params={"chain": "ethereum"})).json()
                recorded = next(t for t in listed if t["tx_hash"] == trade.tx_hash)
                keys = ("status", "amount_in", "realized_profit_wei", "gas_cost_wei", "route")
                for key in (*keys, "stage_offsets_ns", "segments"):
                    assert recorded[key] == trade.model_dump()[key], key
    finally:
        await store.close()
