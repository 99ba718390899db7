"""Waiting for anvil's transaction pool to drain before an `evm_revert`.

anvil takes a mined transaction out of its pool a moment after the receipt shows. Reverted
before that, the chain still has it in the pool and mines it again, so the next transaction of
the same sender gets the following nonce and runs on a state the re-mined one changed. Lives at
the root of tests/ (on sys.path through tests/conftest.py).
"""

from __future__ import annotations

import asyncio

from omniarb.chains.rpc import RpcClient


async def wait_pool_drained(rpc: RpcClient) -> None:
    for _ in range(500):
        status = await rpc.call("txpool_status")
        if int(status["pending"], 16) == 0 and int(status["queued"], 16) == 0:
            return
        await asyncio.sleep(0.002)
    raise AssertionError("anvil's transaction pool does not drain")
