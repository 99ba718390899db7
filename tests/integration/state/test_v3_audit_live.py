"""The V3 consistency check does not trust a drift it saw while the chain moved on.

A node may answer a read pinned to its latest block with the state after a block mined during
the read (anvil does), so "repairing" a pool from such a read could put a later block's state
into ours, and that block's logs would then be applied twice. A real HTTP proxy in front of the
devnet node mines a block right after it forwards the check's pinned lens read: the check that
finds a drift then is discarded and counted, the pool is left alone, and the next check, made
when our head is no longer the node's latest, repairs it from the chain.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from _rpc_proxy import RpcProxy
from _syncs import v3_book
from _v3_sync_helpers import make_v3_sync
from aiohttp import web

from omniarb.chains.rpc import RpcClient

pytestmark = pytest.mark.integration

CHAIN = "ethereum"


class MiningProxy(RpcProxy):
    """Forwards every JSON-RPC request to the node; while `mine_after_pinned_reads` is set, it
    mines a block after forwarding each `eth_call` pinned to a block hash, before answering."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.mine_after_pinned_reads = False
        self.mined = 0

    def _pinned_read(self, payload: Any) -> bool:
        calls = payload if isinstance(payload, list) else [payload]
        return any(
            call.get("method") == "eth_call"
            and len(call.get("params", ())) > 1
            and isinstance(call["params"][1], dict)
            and "blockHash" in call["params"][1]
            for call in calls
        )

    async def respond(self, body: bytes) -> web.Response:
        answer = await super().respond(body)
        if self.mine_after_pinned_reads and self._pinned_read(json.loads(body)):
            mine = {"jsonrpc": "2.0", "id": 1, "method": "evm_mine", "params": []}
            await self.forward(json.dumps(mine).encode())
            self.mined += 1
        return answer


async def test_a_drift_seen_while_a_block_is_mined_is_discarded_then_repaired(
    devnet_factory: Any,
) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with MiningProxy(chain.rpc_http) as proxy, RpcClient(proxy.url) as rpc:
            sync = make_v3_sync(rpc, chain, check_every_blocks=0, check_sample=64)
            await sync.bootstrap()
            head = sync.head
            assert head is not None
            key, truth = next((k, s) for k, s in sync.pools.items() if s.liquidity > 0)
            # Our state of one pool goes wrong, as a lost `Mint` would leave it.
            wrong = replace(truth, liquidity=truth.liquidity + 1)
            sync._pools[key] = wrong

            proxy.mine_after_pinned_reads = True
            discarded = await sync.audit_now()
            proxy.mine_after_pinned_reads = False
            assert proxy.mined >= 1
            assert discarded == {}
            assert sync.pool(key) == wrong
            counters = v3_book(sync).counters
            assert (counters.checks, counters.discarded_checks, counters.drifts) == (1, 1, 0)

            # Our head is now behind the node's, so a read pinned to it is history: trusted.
            repaired = await sync.audit_now()
    assert set(repaired) == {key}
    assert repaired[key] == truth
    assert sync.pool(key) == truth
    assert (counters.checks, counters.discarded_checks, counters.drifts) == (2, 1, 1)
