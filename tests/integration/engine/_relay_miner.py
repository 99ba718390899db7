"""A devnet relay that builds a block whenever the node's pool holds transactions: the engine
tests' chain with a relay and no block time (each block is built when there is something to
put in it, so the tests decide when the races happen)."""

from __future__ import annotations

import asyncio

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.relay import RelayServer

# How often an empty pool is looked at again: the relay's block cadence while idle.
_IDLE_S = 0.05


async def mine_what_is_sent(rpc: RpcClient, relay: RelayServer, until: asyncio.Event) -> None:
    """Have `relay` build a block whenever the node's pool holds transactions, until `until`
    is set."""
    while not until.is_set():
        status = await rpc.call("txpool_status")
        if int(status["pending"], 16):
            await relay.build_block()
        else:
            await asyncio.sleep(_IDLE_S)
