"""Mining for the deployment node: anvil runs with `--no-mining`, and blocks are mined when
something waits for a receipt (`mined_receipt`) or, in the background, when the pool has
stopped growing (whoever sent last now waits) or holds a few hundred transactions.

anvil recomputes the state root from its whole in-memory state for every block, so a block
costs more the more is deployed: with a block per transaction (automine) the large devnet's
~12,000 transactions a chain took many minutes, and interval mining mines empty or nearly empty
blocks. Mining on demand puts hundreds of transactions in a block (the node's block gas limit
is raised for that) and never mines an empty one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from omniarb.chains.rpc import RpcClient

__all__ = ["DEPLOY_ANVIL_ARGS", "background_miner", "restore_block_gas_limit"]

# anvil's default block gas limit, which the saved chains keep (a node started from a state
# dump takes the dumped one).
_CHAIN_BLOCK_GAS_LIMIT = 30_000_000
# Arbitrum One's headers carry 2^50: ArbOS charges a transaction's L1 data as L2 gas on top of
# its execution, so its gas limit holds both (tens of millions of units when L1 is dear), which a
# 30M block could not take while the market's swaps share it.
_BLOCK_GAS_LIMITS = {"arbitrum": 2**50}
# No automine; blocks big enough for everything one step of the deployment sends; no history
# of states kept beyond the last few (a deployment reads no old block).
DEPLOY_ANVIL_ARGS = ("--no-mining", "--gas-limit", str(10**11), "--prune-history", "64")
# The pool is looked at this often; it is mined once it has stopped growing for a look (someone
# waits for a receipt: the flash lenders and pool kinds wait on their own), or once it holds
# `_MAX_PENDING` transactions while a bulk phase keeps sending (blocks of thousands took anvil
# far longer per transaction than blocks of hundreds: 85 s against 5 s for the last one).
_LOOK_INTERVAL_S = 0.05
_MAX_PENDING = 300


async def _mine_pending(rpc: RpcClient) -> None:
    last_pending = 0
    while True:
        status = await rpc.call("txpool_status")
        pending = int(status["pending"], 16)
        if pending and (pending == last_pending or pending >= _MAX_PENDING):
            await rpc.call("evm_mine")
            pending = 0
        last_pending = pending
        await asyncio.sleep(_LOOK_INTERVAL_S)


@contextlib.asynccontextmanager
async def background_miner(rpc: RpcClient) -> AsyncIterator[None]:
    """Mine the pending transactions while the block runs, whenever nobody adds to them."""
    task = asyncio.ensure_future(_mine_pending(rpc))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def restore_block_gas_limit(rpc: RpcClient, chain: str) -> None:
    """Give the chain its real network's block gas limit (anvil's default where that is near
    it) and mine one block with it, so the saved chain runs with a realistic limit rather than
    the deployment's."""
    limit = _BLOCK_GAS_LIMITS.get(chain, _CHAIN_BLOCK_GAS_LIMIT)
    await rpc.call("evm_setBlockGasLimit", hex(limit))
    await rpc.call("evm_mine")
