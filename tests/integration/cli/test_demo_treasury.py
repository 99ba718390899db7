"""The demo's periodic sweep: every `[treasury] demo_sweep_every_blocks` blocks of a chain the
executor's profit above its float goes to the Safe, and the summary adds up what moved."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from _custody_setup import CHAIN, balance_of, mint, safe_owned_executor
from _waits import eventually

from omniarb.chains.rpc import RpcClient
from omniarb.cli.demo_treasury import DemoTreasury
from omniarb.config import Settings, TreasurySettings

pytestmark = pytest.mark.integration

_FLOAT_USDC = 250_000 * 10**6  # the default float: the demo's inventory
_PROFIT = 12_345_678  # 12.345678 USDC


async def test_the_periodic_sweep_moves_profit_every_n_blocks(
    devnet_factory: Any, tmp_path: Path
) -> None:
    settings = Settings(treasury=TreasurySettings(demo_sweep_every_blocks=3))
    treasury = DemoTreasury(settings, f"sqlite:///{tmp_path / 'history.db'}")
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            owned = await safe_owned_executor(net.manifest_path, chain, rpc)
            usdc = chain.token("USDC").address
            # One unit is there already (DevnetAccess); the float plus the profit on top.
            await mint(rpc, usdc, owned.executor, _FLOAT_USDC + _PROFIT - 1)
            treasury.attach(net.manifest_path)
            sweeping = asyncio.create_task(treasury.every_blocks())
            try:

                async def swept() -> bool:
                    await rpc.call("evm_mine")
                    return await balance_of(rpc, usdc, owned.safe) == _PROFIT

                await eventually(swept, what="the periodic sweep of the profit", timeout_s=30.0)
            finally:
                treasury.stop()
                await asyncio.wait_for(sweeping, timeout=30.0)
            assert await balance_of(rpc, usdc, owned.executor) == _FLOAT_USDC
            # The end-of-run sweep finds nothing more.
            await treasury.sweep()
    summary = treasury.summary()
    assert f"  {CHAIN}: 12.345678 USDC to Safe {owned.safe}" in summary, summary
    assert "failed" not in summary
