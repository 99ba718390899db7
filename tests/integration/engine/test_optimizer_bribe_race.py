"""The issue's experiment: the optimizer moves toward the better bribe share in a controlled
devnet race.

Ethereum's blocks are built by the devnet relay, one per `build_block()`, and it ranks bundles
by what they pay the coinbase. One rival sends every gap in a relay bundle bribing a fixed
4,000 bps of its profit; the bot starts at 1,000 bps with the optimizer online over the arms
1,000, 3,000, 5,000 and 7,000 bps, 2 trades per measurement. Each round a whale's swap opens a
gap and is mined; the rival and the bot both send a bundle for the next block; the relay builds
it (the higher bribe lands, the other bundle reverts and is dropped unpaid) and the block
after (the bot's bundle targets two). Below 4,000 bps the bot loses every race (reward 0);
above it, it wins and keeps the rest. (The rival's `Rival` is driven by hand, round by round,
and takes only gaps from WETH, so every race is one bribe against the other.) The optimizer
must walk the share up past the rival's, keep the first winning share with a positive
measured effect, revert the over-bid 7,000 bps, and store every change with its reason and
effect.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from _bot_helpers import RunningBot, bot_on, swap_v2_tx
from _relay_miner import mine_what_is_sent
from _waits import eventually

from omniarb.chains.blocks import read_head
from omniarb.chains.rpc import RpcClient
from omniarb.config import Settings
from omniarb.devnet.accounts import RIVAL_FIRST_INDEX, dev_account
from omniarb.devnet.relay import RelayServer
from omniarb.devnet.rivals import ChainSight, Channel, Rival, RivalPolicy
from omniarb.execute.relay_auth import RelayAuth
from omniarb.execute.relay_client import RelayClient
from omniarb.network import ChainManifest
from omniarb.optimize import Tuner

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
WETH = 10**18
GWEI = 10**9
RIVAL_BPS = 4_000
START_BPS = 1_000
ROUNDS = 8
RIVAL = RivalPolicy(
    name="briber",
    latency_ms=0,
    tip_wei=GWEI,
    bribe_share_bps=RIVAL_BPS,
    channel=Channel.RELAY,
)
SETTINGS = Settings.model_validate(
    {
        "submission": {CHAIN: {"bribe_share_bps": START_BPS, "watch_mempool": False}},
        "optimize": {
            "online": True,
            "min_samples": 2,
            "bounds": {"bribe_share_bps": {"min": 1000.0, "max": 7000.0, "step": 2000.0}},
        },
    }
)


@contextlib.asynccontextmanager
async def _race_course(
    devnet_factory: Any, db: Path
) -> AsyncIterator[tuple[RpcClient, RelayServer, ChainManifest, RunningBot, Rival]]:
    async with devnet_factory({CHAIN: None}, relays=(CHAIN,)) as net:
        relay = net.relays[CHAIN]
        chain = net.manifest.chain(CHAIN)
        assert chain.relay_url is not None
        key = dev_account(RIVAL_FIRST_INDEX + 32).private_key
        async with (
            RpcClient(chain.rpc_http) as rpc,
            RelayClient(chain.relay_url, RelayAuth(key)) as relay_client,
        ):
            # The rival deploys its executor as an impersonated (unsigned) sender, which only
            # the node's own mining takes: automine for that, then the relay builds again.
            rival = Rival(RIVAL, index=0, chain=chain, rpc=rpc, relay=relay_client)
            await rpc.call("evm_setAutomine", True)
            try:
                await rival.prepare()
            finally:
                await rpc.call("evm_setAutomine", False)
            ready = asyncio.Event()
            miner = asyncio.create_task(mine_what_is_sent(rpc, relay, until=ready))
            try:
                async with bot_on(net, db, SETTINGS) as bot:
                    ready.set()
                    await miner
                    yield rpc, relay, chain, bot, rival
            finally:
                ready.set()
                await miner


def _tuner(bot: RunningBot) -> Tuner:
    (pipeline,) = bot.engine[0].pipelines
    assert pipeline.optimizer is not None
    assert pipeline.optimizer.tuner is not None
    return pipeline.optimizer.tuner


async def test_the_optimizer_raises_the_bribe_share_past_the_rivals(
    devnet_factory, tmp_path: Path
) -> None:
    db = tmp_path / "history.sqlite"
    async with _race_course(devnet_factory, db) as (rpc, relay, chain, bot, rival):
        tuner = _tuner(bot)
        sight = ChainSight(chain, rpc)
        weth = chain.token("WETH").address.lower()
        # Per round: the bot's share when it sent, whether the rival won the race, and
        # whether the bot landed a trade (it may also send a second, smaller trade on what
        # is left of a gap; that one is dropped when the first gap was lost).
        rounds: list[tuple[int, bool, bool]] = []
        for n in range(1, ROUNDS + 1):
            share_bps = tuner.live.current.bribe_share_bps
            settled_before = len(bot.stats[0].trades)
            sent_before = bot.stats[0].submitted
            whale = await rpc.call(
                "eth_sendTransaction",
                swap_v2_tx(chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=300 * WETH),
            )
            opened = await relay.build_block()
            assert whale.lower() in opened.tx_hashes
            head = await read_head(rpc, chain.chain_id, opened.number)
            # The rival takes the gap from WETH, the bribe's currency, as the bot must.
            found = [o for o in await sight.look(head) if o.route.token_in.lower() == weth]
            chosen = rival.choose(found)
            assert chosen is not None, f"round {n}: no gap for the rival"
            sent = await rival.take(chosen, head)
            assert sent is not None
            await bot.wait_for(lambda s, b=sent_before: s[0].submitted > b, timeout_s=30)

            # The bundles' blocks, one at a time, until every trade the bot sent has settled
            # (a trade it sends on what is left of the gap targets later blocks).
            async def all_settled() -> bool:
                stats = bot.stats[0]
                if len(stats.trades) >= stats.submitted:
                    return True
                await relay.build_block()
                return False

            await eventually(
                all_settled, what="the bot's trades settled", timeout_s=30, interval_s=0.2
            )
            rival_won = await rival.settle(sent) == "won"
            landed = any(t.status == "success" for t in bot.stats[0].trades[settled_before:])
            rounds.append((share_bps, rival_won, landed))

        # Below the rival's share the rival won every race and the bot landed nothing; above
        # it, the bot won every one.
        below = [r for r in rounds if r[0] < RIVAL_BPS]
        above = [r for r in rounds if r[0] > RIVAL_BPS]
        assert below, rounds
        assert above, rounds
        assert all(rival_won and not landed for _, rival_won, landed in below), rounds
        assert all(landed and not rival_won for _, rival_won, landed in above), rounds
        assert rounds[0][0] == START_BPS
        # The search moved up, kept the first winning share for its measured gain and ends
        # above the rival's share.
        history = tuner.history
        assert history[0].old_value == START_BPS
        assert history[0].new_value > START_BPS
        winning = [c for c in history if c.measured and c.new_value > RIVAL_BPS and not c.reverted]
        assert winning, history
        gain = winning[0]
        assert gain.effect_reward_usd is not None
        assert gain.effect_reward_usd > 0
        assert gain.effect_samples == 2
        assert gain.reason
        assert tuner.live.current.bribe_share_bps > RIVAL_BPS
        await bot.store.flush()
        stored = {c.id: c for c in bot.store.param_changes(chain=CHAIN)}
        assert stored[gain.id].effect_reward_usd == gain.effect_reward_usd
        assert set(stored) == {c.id for c in history}
