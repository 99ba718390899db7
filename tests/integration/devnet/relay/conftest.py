"""Fixtures of the relay tests: a chain with `CoinbasePayer`, and a relay building its blocks
on demand (`await relay.build_block()`), so each test decides what is in the pool first."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from _relay_chain import BLOCK_TIME_S, CHAIN_ID, RelayChain, relay_chain

from omniarb.devnet.accounts import dev_account
from omniarb.devnet.relay import RelayServer
from omniarb.execute.relay_auth import RelayAuth

# The searcher's reputation key: anvil dev account 11's public test key, never funded here
# and never the key that signs transactions.
REPUTATION_INDEX = 11


@pytest.fixture
async def chain() -> AsyncIterator[RelayChain]:
    async with relay_chain() as running:
        yield running


@pytest.fixture
async def relay(chain: RelayChain) -> AsyncIterator[RelayServer]:
    async with RelayServer(
        chain.node.rpc_http,
        chain_id=CHAIN_ID,
        block_time_s=None,
        restore_block_time_s=BLOCK_TIME_S,
    ) as server:
        yield server


@pytest.fixture
def auth() -> RelayAuth:
    return RelayAuth(dev_account(REPUTATION_INDEX).private_key)
