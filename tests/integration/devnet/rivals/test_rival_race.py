"""Rivals race for a planted gap on a real devnet chain, and the chain decides who lands first.

Mining is in the test's hands (`evm_setAutomine false`, `evm_mine`): a whale's swap through one
pair opens a gap and is mined; every rival watching the chain sees that block, prices the gap
with the product's detector and sends through its own executor; the test mines the next block.
The fast rival (no latency, a high tip) lands first and keeps the profit; the slow one (300 ms,
a thin tip) runs after it, finds the gap closed and reverts.
"""

from __future__ import annotations

import asyncio

import pytest
from _receipts import mined_receipt
from _waits import eventually

from omniarb.chains.abi import encode_call
from omniarb.chains.blocks import read_head
from omniarb.chains.rpc import RpcClient
from omniarb.devnet import dev_account
from omniarb.devnet.rivals import ChainSight, Rival, RivalPolicy, RivalRecord, Rivals, RivalsParams
from omniarb.network import ChainManifest

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
GWEI = 10**9
WETH = 10**18
FAST = RivalPolicy(name="fast", latency_ms=0, tip_wei=40 * GWEI)
SLOW = RivalPolicy(name="slow", latency_ms=300, tip_wei=2 * GWEI)


def _whale_swap(chain: ChainManifest) -> dict[str, str]:
    """A trader's large WETH sale through SushiSwap's router: the gap the rivals race for."""
    trader = dev_account(1).address
    data = encode_call(
        "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)",
        600 * WETH,
        0,
        [chain.token("WETH").address, chain.token("USDC").address],
        trader,
        2**32 - 1,
    )
    return {"from": trader, "to": chain.dex("sushiswap").router, "data": data, "gas": hex(400_000)}


async def _mine(rpc: RpcClient) -> int:
    await rpc.call("evm_mine")
    return int(await rpc.call("eth_blockNumber"), 16)


async def test_the_fast_rival_takes_the_gap_and_the_slow_one_reverts(devnet_factory) -> None:
    async with devnet_factory({CHAIN: 0.5}) as net:
        chain = net.manifest.chain(CHAIN)
        params = RivalsParams(policies=(SLOW, FAST))
        async with (
            RpcClient(chain.rpc_http) as rpc,
            Rivals(net.manifest, params, chains=[CHAIN]) as rivals,
        ):
            await rpc.call("evm_setIntervalMining", 0)
            await rpc.call("evm_setAutomine", False)
            race = asyncio.create_task(rivals.run())
            try:
                whale = await rpc.call("eth_sendTransaction", _whale_swap(chain))
                priced = await _mine(rpc)
                await mined_receipt(rpc, whale)

                async def both_sent() -> tuple[RivalRecord, ...]:
                    records = rivals.records(CHAIN)
                    return records if len(records) == 2 else ()

                records = await eventually(both_sent, what="both rivals' sends", timeout_s=20)
                landed = await _mine(rpc)

                async def settled() -> tuple[RivalRecord, ...]:
                    # The two sends of the race (a later head may bring another).
                    done = rivals.records(CHAIN)[:2]
                    return done if all(r.result is not None for r in done) else ()

                records = await eventually(settled, what="both sends settled", timeout_s=20)
            finally:
                race.cancel()
                await asyncio.gather(race, return_exceptions=True)
            by_rival = {r.sent.rival: r for r in records}
            assert by_rival["fast"].sent.seen_block == by_rival["slow"].sent.seen_block == priced
            assert by_rival["fast"].sent.opportunity_id == by_rival["slow"].sent.opportunity_id
            fast = await mined_receipt(rpc, by_rival["fast"].sent.tx_hash)
            slow = await mined_receipt(rpc, by_rival["slow"].sent.tx_hash, succeeded=False)
            assert int(fast["blockNumber"], 16) == int(slow["blockNumber"], 16) == landed
            assert int(fast["transactionIndex"], 16) < int(slow["transactionIndex"], 16)
            assert int(slow["status"], 16) == 0
            assert (by_rival["fast"].result, by_rival["slow"].result) == ("won", "reverted")
            figures = {s.rival: s for s in rivals.snapshot().rivals}
            assert (figures["fast"].sent, figures["fast"].won) == (1, 1)
            assert (figures["slow"].sent, figures["slow"].reverted) == (1, 1)
            fast_rival: Rival = rivals.rivals(CHAIN)[1]
            assert fast_rival.name == "fast"


async def test_the_same_seed_makes_the_same_decisions_on_the_same_block(devnet_factory) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            await mined_receipt(rpc, await rpc.call("eth_sendTransaction", _whale_swap(chain)))
            head = await read_head(rpc, chain.chain_id)

            async def decisions(seed: int) -> list[tuple[object, ...]]:
                sight = ChainSight(chain, rpc)  # a fresh view: nothing carried over
                found = await sight.look(head)
                made = []
                for i, policy in enumerate(RivalsParams(seed=seed, count=4).resolved()):
                    chosen = Rival(policy, index=i, chain=chain, rpc=rpc).choose(found)
                    made.append(
                        (policy, None)
                        if chosen is None
                        else (policy, chosen.route, chosen.amount_in, chosen.gross_profit)
                    )
                return made

            first, again, other = await decisions(4), await decisions(4), await decisions(5)
    assert first == again
    assert sum(d[1] is not None for d in first) >= 2, first
    assert [d[0] for d in first] != [d[0] for d in other]
