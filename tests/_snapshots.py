"""Trying something on a devnet chain and taking it back: anvil's state snapshots.

Lives at the root of tests/ (on sys.path through tests/conftest.py): the devnet contract tests,
the executor tests and the adapter conformance suite all run transactions they then undo.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.anvil import wait_pool_drained


@asynccontextmanager
async def snapshot(rpc: RpcClient) -> AsyncIterator[None]:
    """Run the block against the current state, then put the chain back exactly as it was."""
    snapshot_id = await rpc.call("evm_snapshot")
    try:
        yield
    finally:
        await wait_pool_drained(rpc)
        reverted = await rpc.call("evm_revert", snapshot_id)
        assert reverted is True, f"evm_revert {snapshot_id} failed"
