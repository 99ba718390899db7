"""The Uniswap V4 book on the devnet: hooked pools are skipped and counted, by discovery and by
the live log path alike, while hookless pools initialized beside them are followed.

A hook (EmptyTestHooks' code at an address whose flags say beforeSwap and afterSwap, which is
all the PoolManager checks at `initialize`) is set on the chain; pools are initialized with it
before the book's bootstrap and after, next to hookless ones.
"""

from __future__ import annotations

import json

import pytest
from _receipts import mined_receipt
from _v4_helpers import HOOK_ADDRESS

from omniarb.chain_events import parse_log
from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.kinds.uniswap_v4 import INITIALIZE, load_foundry_artifact
from omniarb.dex.deployments import traded_deployments
from omniarb.dex.uniswap_v4 import KIND, PoolKey, SkipReason, pool_address
from omniarb.dex.uniswap_v4.adapter import ADAPTER
from omniarb.network import ChainManifest

pytestmark = pytest.mark.integration

CHAIN = "ethereum"


async def _initialize(rpc: RpcClient, chain: ChainManifest, key: PoolKey) -> None:
    tx = {
        "from": chain.deployer,
        "to": chain.dex("uniswap-v4").factory,
        "data": encode_call(INITIALIZE, key.as_tuple(), 2**96),
        "gas": hex(1_000_000),
    }
    await mined_receipt(rpc, await rpc.call("eth_sendTransaction", tx))


async def test_hooked_pools_are_skipped_and_counted(devnet_factory) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        usdc, dai, link = (chain.token(s).address for s in ("USDC", "DAI", "LINK"))
        async with RpcClient(chain.rpc_http) as rpc:
            hook = load_foundry_artifact(
                "@uniswap/v4-core/out/EmptyTestHooks.sol/EmptyTestHooks.json"
            )
            runtime = json.loads(hook.source.read_text())["deployedBytecode"]["object"]
            await rpc.call("anvil_setCode", HOOK_ADDRESS, runtime)
            hooked = PoolKey.of(usdc, dai, fee=3000, tick_spacing=60, hooks=HOOK_ADDRESS)
            await _initialize(rpc, chain, hooked)

            (dexes,) = traded_deployments(chain)[KIND]
            book = ADAPTER.book(rpc=rpc, chain_id=chain.chain_id, dexes=[dexes])
            head = await book.head()
            states = await book.discover_at(head)
            addresses = {s.address for s in states}
            assert addresses == {p.address for p in chain.pools if p.kind == KIND}
            assert pool_address(hooked.pool_id) not in addresses
            assert book.skipped == {SkipReason.SWAP_HOOK: 1}
            # Read by its name, the hooked pool is no pool of the book.
            hooked_name = pool_address(hooked.pool_id).lower()
            assert (await book.read([hooked_name], head)) == {hooked_name: None}

            # After the bootstrap: another hooked pool and a hookless one, from their logs.
            later_hooked = PoolKey.of(usdc, link, fee=500, tick_spacing=10, hooks=HOOK_ADDRESS)
            plain = PoolKey.of(usdc, link, fee=500, tick_spacing=10)
            await _initialize(rpc, chain, later_hooked)
            await _initialize(rpc, chain, plain)
            latest = await book.head()
            raw = await rpc.call(
                "eth_getLogs",
                {
                    "address": chain.dex("uniswap-v4").factory,
                    "fromBlock": hex(head.number + 1),
                    "toBlock": hex(latest.number),
                },
            )
            logs = [parse_log(chain.chain_id, entry) for entry in raw]
            pools = {s.address.lower(): s for s in states}
            changes = await book.changes(pools, latest, logs, ())
            plain_name = pool_address(plain.pool_id).lower()
            assert changes.created == (plain_name,)
            assert set(changes.changed) == {plain_name}
            assert changes.changed[plain_name].key == plain
            assert book.skipped == {SkipReason.SWAP_HOOK: 2}
            # The same logs again (a replayed block) count no pool twice.
            await book.replay(pools, latest.number, logs, latest)
            assert book.skipped == {SkipReason.SWAP_HOOK: 2}
