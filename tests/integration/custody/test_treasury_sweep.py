"""The treasury sweep on a devnet chain whose executor the Safe owns: it leaves exactly each
token's float in the executor and moves the rest to the Safe through 2-of-3 Safe transactions,
one audit row each; a dry run sends nothing and writes nothing; a second sweep finds nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _custody_setup import CHAIN, DEPLOYER, balance_of, mint, safe_owned_executor, send

from omniarb._config_treasury import TreasurySettings
from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.custody.safe_owner import read_safe
from omniarb.custody.treasury import SWEEP_ACTION, TreasurySweep
from omniarb.devnet.custody import devnet_safe_owner
from omniarb.store import HistoryDatabase

pytestmark = pytest.mark.integration

_USDC_HELD = 1_234_567_890_123  # 1,234,567.890123 USDC
_WETH_HELD = 7 * 10**18 + 3
_NATIVE_HELD = 2 * 10**18 + 11
_SETTINGS = TreasurySettings(floats={"USDC": 1000.5, "WETH": 1.25, "ETH": 0.5})


async def test_the_sweep_leaves_exactly_the_float(devnet_factory: Any, tmp_path: Path) -> None:
    database = HistoryDatabase.open(f"sqlite:///{tmp_path / 'audit.db'}")
    try:
        async with devnet_factory({CHAIN: None}) as net:
            chain = net.manifest.chain(CHAIN)
            async with RpcClient(chain.rpc_http) as rpc:
                owned = await safe_owned_executor(net.manifest_path, chain, rpc)
                usdc, weth = chain.token("USDC").address, chain.token("WETH").address
                executor, safe = owned.executor, owned.safe
                # The executor holds one unit of each start token already (DevnetAccess).
                await mint(rpc, usdc, executor, _USDC_HELD - 1)
                deposit = await send(
                    rpc, DEPLOYER, weth, encode_call("deposit()"), value=_WETH_HELD - 1
                )
                assert int(deposit["status"], 16) == 1
                moved = encode_call("transfer(address,uint256)", executor, _WETH_HELD - 1)
                assert int((await send(rpc, DEPLOYER, weth, moved))["status"], 16) == 1
                # The executor takes the coin only from WETH or a V4 pool manager; set it.
                await rpc.call("anvil_setBalance", executor, hex(_NATIVE_HELD))
                safe_native = int(await rpc.call("eth_getBalance", safe, "latest"), 16)
                sweep = TreasurySweep(
                    rpc=rpc,
                    chain=chain,
                    executor=executor,
                    owner=devnet_safe_owner(rpc, chain),
                    settings=_SETTINGS,
                    audit=database,
                    actor="test",
                )
                nonce = (await read_safe(rpc, safe))[2]

                dry = await sweep.run(dry_run=True)
                excess = {h.symbol: h.excess for h in dry.holdings}
                assert excess == {
                    "WETH": _WETH_HELD - 125 * 10**16,
                    "USDC": _USDC_HELD - 1_000_500_000,
                    "USDT": 0,
                    "DAI": 0,
                    "ETH": _NATIVE_HELD - 5 * 10**17,
                }
                assert dry.swept == ()
                assert (await read_safe(rpc, safe))[2] == nonce
                assert await balance_of(rpc, usdc, executor) == _USDC_HELD
                assert database.audit(action=SWEEP_ACTION) == []

                done = await sweep.run()
                assert {h.symbol for h in done.swept} == {"WETH", "USDC", "ETH"}
                assert (await read_safe(rpc, safe))[2] == nonce + 3
                assert await balance_of(rpc, usdc, executor) == 1_000_500_000
                assert await balance_of(rpc, weth, executor) == 125 * 10**16
                native = int(await rpc.call("eth_getBalance", executor, "latest"), 16)
                assert native == 5 * 10**17
                assert await balance_of(rpc, usdc, safe) == excess["USDC"]
                assert await balance_of(rpc, weth, safe) == excess["WETH"]
                after = int(await rpc.call("eth_getBalance", safe, "latest"), 16)
                assert after - safe_native == excess["ETH"]

                rows = database.audit(action=SWEEP_ACTION)
                assert len(rows) == 3
                by_symbol = {row.details["symbol"]: row for row in rows}
                for holding in done.swept:
                    row = by_symbol[holding.symbol]
                    assert row.outcome == "ok"
                    assert row.actor == "test"
                    assert row.chain == CHAIN
                    assert row.subject == executor
                    assert row.details["amount"] == str(excess[holding.symbol])
                    assert row.details["tx_hash"] == holding.tx_hash
                    assert row.details["destination"] == safe

                again = await sweep.run()
                assert again.swept == ()
                assert len(database.audit(action=SWEEP_ACTION)) == 3
    finally:
        database.dispose()
