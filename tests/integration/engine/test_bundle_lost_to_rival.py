"""The bot's backrun bundle loses to a rival's: both backrun the same pending swap through
Ethereum's devnet relay, the rival bribing nearly all of its profit; the relay puts the rival's
bundle in the block, the bot's bundle never lands, and the bot records the trade as dropped and
lost to that rival (the rival's transaction ran in the block the bundle targeted and paid the
coinbase).

No block time: the relay builds a block only when told, so nothing is mined before both bundles
are in.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from _bot_helpers import bot_on, swap_v2_tx
from _receipts import mined_receipt
from _relay_miner import mine_what_is_sent
from _waits import eventually

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.rivals import Channel, RivalPolicy, RivalRecord, Rivals, RivalsParams
from omniarb.track import TradeSummary

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
WETH = 10**18
GREEDY = RivalPolicy(
    name="greedy", latency_ms=0, tip_wei=10**9, bribe_share_bps=9_900, channel=Channel.RELAY
)


async def test_the_bots_bundle_loses_to_a_rivals_higher_bribe(
    devnet_factory, tmp_path: Path
) -> None:
    async with devnet_factory({CHAIN: None}, relays=(CHAIN,)) as net:
        relay, chain = net.relays[CHAIN], net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            started = asyncio.Event()
            miner = asyncio.create_task(mine_what_is_sent(rpc, relay, until=started))
            try:
                async with (
                    Rivals(net.manifest, RivalsParams(policies=(GREEDY,))) as rivals,
                    bot_on(net, tmp_path / "history.sqlite") as bot,
                ):
                    started.set()
                    await miner
                    race = asyncio.create_task(rivals.run())
                    try:
                        await eventually(
                            lambda: _watching(rivals), what="the rival's first head", timeout_s=20
                        )
                        victim = await rpc.call(
                            "eth_sendTransaction",
                            swap_v2_tx(
                                chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * WETH
                            ),
                        )

                        async def both_bundles() -> bool:
                            return relay.stats().bundles_received >= 2

                        await eventually(both_bundles, what="both bundles", timeout_s=30)

                        async def rival_sent() -> tuple[RivalRecord, ...]:
                            return rivals.records(CHAIN)

                        (record,) = await eventually(rival_sent, what="the rival's send")
                        built = await relay.build_block()
                        assert built.tx_hashes[:2] == (victim.lower(), record.sent.tx_hash)
                        # The bot's bundle targets a few blocks: each drops it, until the bot
                        # settles the trade.

                        async def settled() -> bool:
                            if _backrun_of(bot.stats[0].trades, victim) is not None:
                                return True
                            await relay.build_block()
                            return False

                        await eventually(settled, what="the bot's trade settled", timeout_s=30)
                    finally:
                        race.cancel()
                        await asyncio.gather(race, return_exceptions=True)
            finally:
                started.set()
                await miner
        # The bot's backrun of the swap (it may have traded what the gap left since).
        trade = _backrun_of(bot.stats[0].trades, victim)
        assert trade is not None
        assert trade.status == "dropped", trade
        assert trade.channel == "bundle"
        assert trade.lost_to_rival, trade
        assert trade.rival_tx_hash == record.sent.tx_hash
        stats = bot.stats[0]
        assert stats.lost_to_rival == sum(t.lost_to_rival for t in stats.trades) >= 1
        assert (record.sent.backrun_of or "").lower() == victim.lower()
        async with RpcClient(chain.rpc_http) as rpc:
            assert (await mined_receipt(rpc, record.sent.tx_hash))["status"] == "0x1"


async def _watching(rivals: Rivals) -> bool:
    return all(number is not None for number in rivals.heads().values())


def _backrun_of(trades: list[TradeSummary], victim: str) -> TradeSummary | None:
    return next((t for t in trades if (t.trigger_tx or "").lower() == victim.lower()), None)
