"""The chaos suite: the RPC client against real anvil nodes behind the fault-injecting proxy
(`tests/_rpc_proxy.FaultyRpcProxy`), nodes killed and left behind, and the bot on a devnet
whose endpoints fail. Every wait is on a condition, with a deadline that fails loudly."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest

from omniarb.devnet.anvil import AnvilNode, AnvilOptions

# The engine tests' helpers (running the bot, planting a gap) serve the bot-level chaos tests.
sys.path.insert(0, str(Path(__file__).parents[1] / "integration" / "engine"))

CHAIN_ID = 31337

Nodes = Callable[[int], AbstractAsyncContextManager[list[AnvilNode]]]


@pytest.fixture
def anvil_nodes() -> Nodes:
    """`async with anvil_nodes(2) as (a, b):` bare automine anvil nodes of one chain id (no
    contracts: these tests need answers, reverts and heads, not DEXes)."""

    @asynccontextmanager
    async def start(count: int) -> AsyncIterator[list[AnvilNode]]:
        async with AsyncExitStack() as stack:
            nodes = []
            for _ in range(count):
                node = await AnvilNode.start(AnvilOptions(chain_id=CHAIN_ID, accounts=2))
                stack.push_async_callback(node.stop)
                nodes.append(node)
            yield nodes

    return start
