"""A devnet run gives the executor it deploys the inventory of `[devnet.executor_inventory]`:
whole tokens by symbol (the deployer mints them, or wraps its coin for the wrapped native
token), on top of the one unit of each start token every new executor gets; a symbol the chain
does not have is skipped; a restarted run keeps the executor and seeds nothing again."""

from __future__ import annotations

from typing import Any

import pytest
from _lender_helpers import balance_of

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.bot_access import DevnetAccess
from omniarb.wiring import STABLECOINS

pytestmark = pytest.mark.integration

CHAIN = "ethereum"


async def test_a_new_devnet_executor_holds_the_configured_inventory(devnet_factory: Any) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        seeded_once = {chain.tokens[0].symbol, *STABLECOINS}
        access = DevnetAccess(net.manifest_path, {"WETH": 3, "USDC": 1000.5, "NOTATOKEN": 7})
        async with RpcClient(chain.rpc_http) as rpc:
            signer = access.signer(chain)
            executor = await access.executor(chain, rpc, signer)
            weth, usdc = chain.token("WETH"), chain.token("USDC")
            assert weth.wrapped_native
            expected = {
                "WETH": 3 * 10**18 + ("WETH" in seeded_once),
                "USDC": 1_000_500_000 + ("USDC" in seeded_once),
            }
            for token in (weth, usdc):
                held = await balance_of(rpc, token.address, executor)
                assert held == expected[token.symbol], token.symbol
            # The same executor on a restart: remembered, not seeded again.
            again = await DevnetAccess(net.manifest_path, {"WETH": 3}).executor(chain, rpc, signer)
            assert again == executor
            assert await balance_of(rpc, weth.address, executor) == expected["WETH"]
