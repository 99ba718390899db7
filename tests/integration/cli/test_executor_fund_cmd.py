"""`omniarb executor fund`: the key's account sends the executor of a described network an
inventory of a token, exactly the amount asked (whole tokens to base units without rounding),
wrapping the native coin first with `--wrap`; bad input is a clear error and sends nothing.

A devnet chain stands in for the real network; dev account 10 (a public test key) owns a fresh
executor written into a copy of the network description.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _lender_helpers import balance_of

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.accounts import dev_account
from omniarb.execute import deploy_devnet_executor
from omniarb.network import write_executor

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
KEY_ACCOUNT = 10


def fund(home: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["OMNIARB_HOME"] = str(home)
    env["OMNIARB_PRIVATE_KEY"] = "0x" + dev_account(KEY_ACCOUNT).private_key.hex()
    return subprocess.run(
        [sys.executable, "-m", "omniarb", "executor", "fund", *(str(a) for a in args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_fund_sends_the_executor_exactly_the_amount(
    devnet_factory: Any, tmp_path: Path
) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        owner = dev_account(KEY_ACCOUNT).address
        network = tmp_path / "network.json"
        network.write_text(net.manifest_path.read_text())
        async with RpcClient(chain.rpc_http) as rpc:
            executor = (await deploy_devnet_executor(rpc, chain, bot=owner)).address
            write_executor(network, chain=CHAIN, address=executor)
            weth = chain.token("WETH").address
            base = ["--manifest", network, "--chain", CHAIN]

            # Wrapped from the account's coin, then sent: 1.25 WETH to the wei.
            done = fund(tmp_path, *base, "--token", "WETH", "--amount", "1.25", "--wrap", "--json")
            assert done.returncode == 0, done.stderr[-2000:]
            answer = json.loads(done.stdout)
            assert answer["executor"] == executor
            assert answer["amount"] == str(125 * 10**16)
            assert len(answer["tx_hashes"]) == 2
            assert await balance_of(rpc, weth, executor) == 125 * 10**16
            assert answer["balance"] == str(125 * 10**16)
            assert dev_account(KEY_ACCOUNT).private_key.hex() not in done.stdout + done.stderr

            # Now the account holds no WETH of its own: without --wrap it cannot send more.
            short = fund(tmp_path, *base, "--token", "WETH", "--amount", "1")
            assert short.returncode != 0
            assert "less than the" in short.stderr
            for bad, message in (
                (["--token", "WETH", "--amount", "0.0000000000000000001"], "base units"),
                (["--token", "WETH", "--amount", "lots"], "not a number"),
                (["--token", "NOPE", "--amount", "1"], "not a token of"),
                (["--token", "USDC", "--amount", "1", "--wrap"], "not the wrapped native"),
            ):
                refused = fund(tmp_path, *base, *bad)
                assert refused.returncode != 0, bad
                assert message in refused.stderr, (bad, refused.stderr[-1000:])
            assert await balance_of(rpc, weth, executor) == 125 * 10**16
