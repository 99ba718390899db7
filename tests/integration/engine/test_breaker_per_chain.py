"""Per-chain circuit breakers on the devnet: a pool's price jumping beyond the band trips
ethereum's breaker, which stops ethereum's trading while arbitrum trades on; after ethereum's
breaker is reset, ethereum trades again. The breakers are the ones `[monitor.breaker]` builds,
fed by the engine's update hook, and each chain's guard is what `run_bot` wires."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from _bot_helpers import bot_on, swap_v2
from _waits import eventually

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.config import BreakerSettings
from omniarb.network import ChainManifest
from omniarb.risk import TripReason
from omniarb.services import breaker_board
from omniarb.telemetry import Telemetry

pytestmark = pytest.mark.integration

_HALF_SECOND_BLOCKS = 0.5
# Selling a quarter of a V2 pair's WETH moves its price by about 36%, a fortieth by about 5%:
# one beyond the 15% band, the other (and the arbitrage that follows it) within.
_BAND_PCT = 15.0
_BIG, _SMALL = 4, 40
_OPEN_REASON = "circuit breaker ethereum open (price_jump)"


async def _weth_reserve(rpc: RpcClient, chain: ChainManifest) -> int:
    pair = next(
        p
        for p in chain.pools
        if p.dex == "sushiswap" and {p.symbol0, p.symbol1} == {"WETH", "USDC"}
    )
    raw = await rpc.call("eth_call", {"to": pair.address, "data": encode_call("getReserves()")})
    reserve0, reserve1, _ = decode(["uint112", "uint112", "uint32"], raw)
    return int(reserve0 if pair.symbol0 == "WETH" else reserve1)


def _breaker_declines(db: Path, *, since_block: int) -> int:
    """Ethereum's decisions from `since_block` on that the open breaker declined."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT reasons FROM decisions WHERE chain = 'ethereum' AND approved = 0 "
            "AND block_number >= ?",
            (since_block,),
        ).fetchall()
    return sum(any(r.startswith(_OPEN_REASON) for r in json.loads(row[0])) for row in rows)


async def test_a_chains_breaker_stops_that_chain_until_it_is_reset(
    devnet_factory, tmp_path: Path
) -> None:
    chains = ["ethereum", "arbitrum"]
    board = breaker_board(BreakerSettings(per_chain=True, max_price_jump_pct=_BAND_PCT), chains)
    eth_breaker, arb_breaker = (board.scope_breaker(name) for name in chains)
    db = tmp_path / "h.sqlite"
    async with devnet_factory(dict.fromkeys(chains, _HALF_SECOND_BLOCKS)) as net:
        eth, arb = (net.manifest.chain(name) for name in chains)
        async with (
            RpcClient(eth.rpc_http) as eth_rpc,
            RpcClient(arb.rpc_http) as arb_rpc,
            bot_on(net, db, telemetry=Telemetry(breaker=board)) as bot,
        ):
            eth_weth = await _weth_reserve(eth_rpc, eth)
            arb_weth = await _weth_reserve(arb_rpc, arb)

            # The jump: ethereum's breaker opens (its own block's gap may still be traded:
            # the engine reports an update once that block's trades are out).
            await swap_v2(
                eth_rpc, eth, dex="sushiswap", path=["WETH", "USDC"], amount_in=eth_weth // _BIG
            )

            async def eth_open() -> bool:
                return eth_breaker.is_open

            await eventually(eth_open, what="ethereum's breaker trips", timeout_s=30)
            trip = eth_breaker.trip_record
            assert trip is not None
            assert (trip.scope, trip.reason, trip.tripped_by) == (
                "ethereum",
                TripReason.PRICE_JUMP,
                "auto",
            )
            # What was sent before the trip has been sent and settled a few blocks later.
            opened_at = bot.stats[0].block_number
            await bot.wait_for(lambda s: s[0].block_number >= opened_at + 4, 30)
            eth_sent, eth_traded = bot.stats[0].submitted, bot.stats[0].succeeded

            # A gap on each chain: ethereum's is declined by its breaker, arbitrum's traded.
            receipt = await swap_v2(
                eth_rpc, eth, dex="sushiswap", path=["WETH", "USDC"], amount_in=eth_weth // _SMALL
            )
            gap_block = int(str(receipt["blockNumber"]), 16)
            await swap_v2(
                arb_rpc, arb, dex="sushiswap", path=["WETH", "USDC"], amount_in=arb_weth // _SMALL
            )
            await bot.wait_for(lambda s: s[1].succeeded >= 1, 30)

            async def eth_declined() -> bool:
                await bot.store.flush()
                return _breaker_declines(db, since_block=gap_block) >= 1

            await eventually(
                eth_declined, what="ethereum's gap declined by its breaker", timeout_s=30
            )
            assert bot.stats[0].submitted == eth_sent  # nothing sent on ethereum while open
            assert not board.is_open
            assert not arb_breaker.is_open

            # Reset: ethereum trades the next gap.
            ended = eth_breaker.reset(by="test")
            assert ended is not None
            assert ended.id == trip.id
            await swap_v2(
                eth_rpc, eth, dex="sushiswap", path=["WETH", "USDC"], amount_in=eth_weth // _SMALL
            )
            await bot.wait_for(
                lambda s: s[0].submitted > eth_sent and s[0].succeeded > eth_traded, 30
            )
            assert not eth_breaker.is_open
            for stats in bot.stats:
                assert all(t.realized_profit_wei == t.predicted_profit_wei for t in stats.trades)
