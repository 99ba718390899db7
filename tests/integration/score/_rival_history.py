"""A bot's history with real failures: the bot and a rival searcher race for planted gaps on a
devnet chain that orders its blocks by tip. The test mines: a trader's swap opens a gap and is
mined; the rival (the product's detector, its own executor, a 200 gwei tip) sends for every
gap past its profit floor, the bot sends for every gap it finds; the next block lands the
rival first, so the bot's trade for a contested gap reverts and pays its gas, while the gaps
too small for the rival are the bot's."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from _bot_helpers import bot_on, swap_v2_tx
from _receipts import mined_receipt

from omniarb.chains.blocks import read_head
from omniarb.chains.rpc import RpcClient
from omniarb.config import Settings
from omniarb.devnet import Devnet
from omniarb.devnet.rivals import ChainSight, Rival, RivalPolicy
from omniarb.track import ChainBotStats

CHAIN = "ethereum"
GWEI = 10**9
WETH = 10**18
_DEXES = ("sushiswap", "uniswap-v2")
# USDC per WETH near the devnet's starting price: the reverse swaps' size in USDC.
_USDC_PER_WETH = 2_000
# Every gap pays the bot's gas many times over (the bot trades each); the larger ones clear
# the rival's floor.
_MIN_WETH, _MAX_WETH = 10, 60


@dataclass(frozen=True, slots=True)
class Race:
    """What the bot and the rival did over the run."""

    succeeded: int
    reverted: int
    rival_sent: int


def _settled(stats: list[ChainBotStats]) -> int:
    return stats[0].succeeded + stats[0].reverted


async def race_history(
    net: Devnet,
    db: Path,
    *,
    gaps: int,
    rival_floor_usd: float,
    settings: Settings | None = None,
    seed: int = 7,
) -> Race:
    """Plant `gaps` gaps of random size (seeded) on alternating pairs and sides; the bot's
    history goes to `db` (SQLite); `settings` are the bot's."""
    chain = net.manifest.chain(CHAIN)
    policy = RivalPolicy(
        name="fast", latency_ms=0, tip_wei=200 * GWEI, min_profit_usd=rival_floor_usd
    )
    rng = random.Random(seed)
    rival_sent = 0
    async with RpcClient(chain.rpc_http) as rpc, bot_on(net, db, settings) as bot:
        rival = Rival(policy, index=0, chain=chain, rpc=rpc)
        await rival.prepare()
        sight = ChainSight(chain, rpc)
        await rpc.call("evm_setIntervalMining", 0)
        await rpc.call("evm_setAutomine", False)
        engine = bot.engine[0]
        for i in range(gaps):
            weth = rng.randint(_MIN_WETH, _MAX_WETH) * WETH
            # Alternate sides so prices wander around where they started.
            path = ["WETH", "USDC"] if (i // 2) % 2 == 0 else ["USDC", "WETH"]
            amount = weth if path[0] == "WETH" else weth * _USDC_PER_WETH // 10**12
            tx = swap_v2_tx(chain, dex=_DEXES[i % 2], path=path, amount_in=amount)
            sent_before = bot.stats[0].submitted
            settled_before = _settled(bot.stats)
            swap = await rpc.call("eth_sendTransaction", tx)
            await rpc.call("evm_mine")
            gap_block = int((await mined_receipt(rpc, swap))["blockNumber"], 16)
            head = await read_head(rpc, chain.chain_id, gap_block)
            chosen = rival.choose(await sight.look(head))
            if chosen is not None and await rival.take(chosen, head) is not None:
                rival_sent += 1
            # The bot has decided the gap's block and its sends for it are done.
            await bot.wait_for(
                lambda s, b=gap_block, e=engine: s[0].block_number >= b and not e.busy_deciding,
                timeout_s=30,
            )
            sent = bot.stats[0].submitted - sent_before
            await rpc.call("evm_mine")
            await bot.wait_for(lambda s, n=settled_before + sent: _settled(s) >= n, timeout_s=20)
        await bot.store.flush()
        stats = bot.stats[0]
        return Race(succeeded=stats.succeeded, reverted=stats.reverted, rival_sent=rival_sent)
