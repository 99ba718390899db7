"""A rival that sends bundles to the devnet relay, bribing the coinbase a share of the profit,
lands at the top of the block ahead of a public rival that tips far more; the bribe its
executor paid is the share of the profit, to the wei.

The relay builds each block when the test asks (`build_block()`; no block time): the whale's
signed swap is mined first, both rivals price the gap on that block, and the next block is
built with what they sent.
"""

from __future__ import annotations

import asyncio

import pytest
from _receipts import mined_receipt
from _waits import eventually

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.fees import read_fees
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel
from omniarb.devnet import dev_account
from omniarb.devnet.rivals import Channel, RivalPolicy, RivalRecord, Rivals, RivalsParams
from omniarb.execute import Signer
from omniarb.execute.bribe import bribe_wei
from omniarb.network import ChainManifest
from omniarb.track import BRIBE_PAID_TOPIC

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
GWEI = 10**9
WETH = 10**18
SHARE_BPS = 5_000
BUNDLER = RivalPolicy(
    name="bundler", latency_ms=0, tip_wei=GWEI, bribe_share_bps=SHARE_BPS, channel=Channel.RELAY
)
TIPPER = RivalPolicy(name="tipper", latency_ms=0, tip_wei=200 * GWEI)


async def _whale_swap(rpc: RpcClient, chain: ChainManifest) -> str:
    """A trader's large WETH sale through SushiSwap's router, signed (the relay re-sends the
    public pool's signed bytes)."""
    trader = dev_account(1)
    data = encode_call(
        "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)",
        600 * WETH,
        0,
        [chain.token("WETH").address, chain.token("USDC").address],
        trader.address,
        2**32 - 1,
    )
    nonce = int(await rpc.call("eth_getTransactionCount", trader.address, "pending"), 16)
    fees = await read_fees(rpc, fee_model=FeeModel.EIP1559, tip_wei=GWEI)
    signed = Signer(trader.private_key, chain_id=chain.chain_id).sign(
        nonce=nonce,
        to=chain.dex("sushiswap").router,
        data=bytes.fromhex(data[2:]),
        gas=400_000,
        fees=fees,
    )
    return str(await rpc.call("eth_sendRawTransaction", signed.raw_hex))


async def test_a_bundle_with_a_bribe_beats_a_higher_public_tip(devnet_factory) -> None:
    async with devnet_factory({CHAIN: None}, relays=(CHAIN,)) as net:
        chain, relay = net.manifest.chain(CHAIN), net.relays[CHAIN]
        params = RivalsParams(policies=(TIPPER, BUNDLER))
        async with RpcClient(chain.rpc_http) as rpc:
            preparing = asyncio.create_task(
                Rivals(net.manifest, params, chains=[CHAIN]).__aenter__()
            )
            # The rivals' deployments wait in the public pool for a block.
            await eventually(
                lambda: _pending_count(rpc, 2), what="both deployments pending", timeout_s=20
            )
            await relay.build_block()
            rivals = await preparing
            # The gap is open before the rivals watch: both meet it on their first head.
            whale = await _whale_swap(rpc, chain)
            priced = (await relay.build_block()).number
            await mined_receipt(rpc, whale)
            try:
                race = asyncio.create_task(rivals.run())

                async def both_sent() -> tuple[RivalRecord, ...]:
                    records = rivals.records(CHAIN)
                    return records if len(records) == 2 else ()

                records = await eventually(both_sent, what="both rivals' sends", timeout_s=20)
                built = await relay.build_block()

                async def settled() -> tuple[RivalRecord, ...]:
                    # The two sends of the race (a later head may bring another).
                    done = rivals.records(CHAIN)[:2]
                    return done if all(r.result is not None for r in done) else ()

                records = await eventually(settled, what="both sends settled", timeout_s=20)
            finally:
                race.cancel()
                await asyncio.gather(race, return_exceptions=True)
                await rivals.__aexit__(None, None, None)
        by_rival = {r.sent.rival: r for r in records}
        bundled, tipped = by_rival["bundler"], by_rival["tipper"]
        assert bundled.sent.channel is Channel.RELAY
        assert bundled.sent.target_block == priced + 1 == built.number
        assert tipped.sent.channel is Channel.PUBLIC
        assert built.tx_hashes[0] == bundled.sent.tx_hash
        assert (bundled.result, tipped.result) == ("won", "reverted")
        async with RpcClient(chain.rpc_http) as rpc:
            receipt = await mined_receipt(rpc, bundled.sent.tx_hash)
        bribes = [e for e in receipt["logs"] if e["topics"][0].lower() == BRIBE_PAID_TOPIC]
        assert len(bribes) == 1
        paid = decode(["uint256"], bribes[0]["data"])[0]
        assert bundled.sent.bribe_share_bps == SHARE_BPS
        assert paid == bribe_wei(bundled.sent.expected_profit, SHARE_BPS) > 0


async def _pending_count(rpc: RpcClient, count: int) -> bool:
    status = await rpc.call("txpool_status")
    return int(status["pending"], 16) >= count


async def test_a_relay_rival_backruns_a_pending_swap_right_behind_it(devnet_factory) -> None:
    async with devnet_factory({CHAIN: None}, relays=(CHAIN,)) as net:
        chain, relay = net.manifest.chain(CHAIN), net.relays[CHAIN]
        params = RivalsParams(policies=(BUNDLER,))
        async with RpcClient(chain.rpc_http) as rpc:
            preparing = asyncio.create_task(
                Rivals(net.manifest, params, chains=[CHAIN]).__aenter__()
            )
            await eventually(lambda: _pending_count(rpc, 1), what="the deployment", timeout_s=20)
            await relay.build_block()
            rivals = await preparing
            try:
                race = asyncio.create_task(rivals.run())
                # The rival has seen a head (its backruns are priced on one) before the swap.
                await eventually(
                    lambda: _seen_head(rivals), what="the rival's first head", timeout_s=20
                )
                whale = await _whale_swap(rpc, chain)

                async def sent() -> tuple[RivalRecord, ...]:
                    return rivals.records(CHAIN)

                (record,) = await eventually(sent, what="the rival's backrun", timeout_s=20)
                built = await relay.build_block()

                async def settled() -> RivalRecord | None:
                    # This send's record (the rival may meet another gap on the next head).
                    done = next(r for r in rivals.records(CHAIN) if r.sent == record.sent)
                    return done if done.result is not None else None

                record = await eventually(settled, what="the backrun settled", timeout_s=20)
            finally:
                race.cancel()
                await asyncio.gather(race, return_exceptions=True)
                await rivals.__aexit__(None, None, None)
        assert record.sent.backrun_of == whale
        assert record.sent.channel is Channel.RELAY
        assert built.tx_hashes[:2] == (whale, record.sent.tx_hash)
        assert len(built.included) == 1
        assert record.result == "won"


async def _seen_head(rivals: Rivals) -> bool:
    return all(number is not None for number in rivals.heads().values())
