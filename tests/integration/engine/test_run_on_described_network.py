"""`omniarb run --manifest FILE` on a network described by a file, driven only through the path a
real network takes: `omniarb executor deploy` signs the deployment with OMNIARB_PRIVATE_KEY, and
the run trades with that key through the file's executor, deploying and seeding nothing.

A detached devnet stands in for the real network (none can be reached from here); its bot
account (dev account 9) must stay untouched, and the key is dev account 10's public test key.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _bot_helpers import swap_v2
from _cli_helpers import (
    cli,
    detached_devnet,
    env_for,
    head,
    nonce,
    private_home,
    receipts,
    rpc_batch,
    transactions_from,
    write_config,
)
from _touch_check import check_trades, recorded_trades

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.accounts import BOT_INDEX, dev_account
from omniarb.execute import ExecutorContract, deploy_devnet_executor
from omniarb.network import Manifest

pytestmark = pytest.mark.xdist_group("devnet-cli")

_CHAIN = "ethereum"
_KEY_ACCOUNT = 10
_STRANGER_ACCOUNT = 11
# The searcher's relay reputation key (the devnet relays Ethereum's blocks, and a described
# network that sends bundles needs it): a key that holds nothing.
_RELAY_KEY = bytes(31) + b"\x07"


def _leaks_a_key(text: str) -> bool:
    """Whether `text` shows any private key the test knows (the signer's, the bot's, another's)."""
    keys = [dev_account(i).private_key.hex() for i in (BOT_INDEX, _KEY_ACCOUNT, _STRANGER_ACCOUNT)]
    return any(key in text.lower() for key in (*keys, _RELAY_KEY.hex()))


def _with_key(
    home: Path, key: bytes, *args: str | Path, timeout_s: float = 120.0
) -> subprocess.CompletedProcess[str]:
    """`omniarb ARGS…` with OMNIARB_PRIVATE_KEY (and the relay key) set, as a user on a real
    network runs it."""
    env = env_for(home) | {
        "OMNIARB_PRIVATE_KEY": "0x" + key.hex(),
        "OMNIARB_RELAY_KEY": "0x" + _RELAY_KEY.hex(),
    }
    return subprocess.run(
        [sys.executable, "-m", "omniarb", *(str(a) for a in args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def _describe(manifest: Path, path: Path, **overrides: Any) -> Path:
    """A network description from the devnet's manifest: no pools (they are discovered), no
    devnet accounts, no executor; `overrides` set fields of the chain entry."""
    data = json.loads(manifest.read_text())
    (entry,) = data["chains"]
    for devnet_only in ("pools", "deployer", "traders", "executor"):
        entry.pop(devnet_only, None)
    entry.update(overrides)
    path.write_text(json.dumps(data, indent=2))
    return path


async def _plant_gap(manifest: Path) -> None:
    """Sell 600 WETH into sushiswap's WETH/USDC pair."""
    chain = Manifest.read(manifest).chain(_CHAIN)
    async with RpcClient(chain.rpc_http) as rpc:
        await swap_v2(rpc, chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * 10**18)


async def _stranger_executor(manifest: Path) -> str:
    """An executor deployed, owned and used by another account than the key's."""
    chain = Manifest.read(manifest).chain(_CHAIN)
    async with RpcClient(chain.rpc_http) as rpc:
        stranger = dev_account(_STRANGER_ACCOUNT).address
        return (await deploy_devnet_executor(rpc, chain, bot=stranger)).address


async def _vault_allowances(network: Path, executor: str) -> set[int]:
    """The executor's allowances of every token of the file for the Vault it swaps through."""
    chain = Manifest.read(network).chain(_CHAIN)
    vault = chain.dex("balancer-weighted").factory
    async with RpcClient(chain.rpc_http) as rpc:
        contract = ExecutorContract(rpc, executor)
        return {await contract.allowance(t.address, vault) for t in chain.tokens}


async def _owner(url: str, executor: str) -> str:
    async with RpcClient(url) as rpc:
        return await ExecutorContract(rpc, executor).owner()


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def test_run_trades_on_a_described_network_with_the_key_from_the_environment(
    tmp_path: Path, omniarb_home: Path
) -> None:
    home = private_home(tmp_path, omniarb_home)
    config = write_config(tmp_path / "devnet.toml", block_times_s={_CHAIN: 0.5})
    account = dev_account(_KEY_ACCOUNT)
    bot = dev_account(BOT_INDEX).address
    summary_path = tmp_path / "summary.json"
    with detached_devnet(home, config, through_cli=False) as devnet:
        url = devnet.rpc_http[_CHAIN]
        manifest = Path(devnet.manifest)
        network = _describe(manifest, tmp_path / "network.json")
        start_block = head(url)
        bot_nonce = nonce(url, bot)

        deployed = _with_key(
            home, account.private_key, "executor", "deploy", "--manifest", network,
            "--chain", _CHAIN, "--json",
        )  # fmt: skip
        assert deployed.returncode == 0, deployed.stderr[-3000:]
        assert not _leaks_a_key(deployed.stdout + deployed.stderr)
        answer = json.loads(deployed.stdout)
        executor = answer["executor"]
        assert answer["chain"] == _CHAIN
        assert Manifest.read(network).chain(_CHAIN).executor == executor
        (creation,) = receipts(url, [answer["tx_hash"]])
        assert creation["from"].lower() == account.address.lower()
        assert creation["contractAddress"].lower() == executor.lower()
        assert asyncio.run(_owner(url, executor)) == account.address
        # No standing allowance to the Balancer Vault (a contract we do not own): each hop
        # approves exactly what it sells, and the Vault's pull spends it to zero.
        assert asyncio.run(_vault_allowances(network, executor)) == {0}

        asyncio.run(_plant_gap(manifest))
        ran = _with_key(
            home, account.private_key, "run", "--manifest", network, "--blocks", "4",
            "--summary", summary_path,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr[-3000:]
        assert not _leaks_a_key(ran.stdout + ran.stderr)

        sent = transactions_from(url, account.address, start_block)
        assert [tx["hash"] for tx in sent if tx["to"] is None] == [answer["tx_hash"]], (
            "the run deployed a contract"
        )
        assert {tx["to"].lower() for tx in sent if tx["to"] is not None} == {executor.lower()}
        assert nonce(url, bot, "pending") == nonce(url, bot) == bot_nonce, "account 9 was used"
        assert not (manifest.parent / "executors.json").exists()
        summary = json.loads(summary_path.read_text())
        trades = summary["trades"]
        assert any(t["status"] == "success" for t in trades), summary["chains"]
        for trade in trades:
            assert trade["status"] == "success", trade
            assert trade["realized_profit_wei"] == trade["predicted_profit_wei"], trade
            # The network's relay_url: Ethereum's trades go to its relay, never to the node.
            assert trade["channel"] == "bundle", trade
        # And the flag of each, both ways, from the chain's receipts (none may be touched).
        assert check_trades(url, recorded_trades(home)) == 0
        traded = rpc_batch(url, [("eth_getTransactionByHash", [t["tx_hash"]]) for t in trades])
        assert {tx["from"].lower() for tx in traded} == {account.address.lower()}
        assert {tx["to"].lower() for tx in traded} == {executor.lower()}

        # Without the key: refused before anything else, and no key in the one error line.
        keyless = cli(home, "run", "--manifest", network, "--blocks", "1")
        assert keyless.returncode == 4, keyless.stderr[-3000:]
        (line,) = _error_lines(keyless.stderr)
        assert "OMNIARB_PRIVATE_KEY" in line
        assert not _leaks_a_key(keyless.stdout + keyless.stderr)

        # An executor the key may not use: a clear error naming the chain and the way out. The
        # file's endpoints are dead; the config's [chains.ethereum] reaches the node instead.
        stranger = asyncio.run(_stranger_executor(manifest))
        foreign = _describe(
            manifest,
            tmp_path / "foreign.json",
            executor=stranger,
            rpc_http="http://127.0.0.1:9",
            rpc_ws="ws://127.0.0.1:9",
        )
        endpoints = tmp_path / "endpoints.toml"
        ws = Manifest.read(manifest).chain(_CHAIN).rpc_ws
        endpoints.write_text(f'[chains.{_CHAIN}]\nrpc_http = "{url}"\nrpc_ws = "{ws}"\n')
        refused = _with_key(
            home, account.private_key, "--config", endpoints, "run", "--manifest", foreign,
            "--blocks", "1",
        )  # fmt: skip
        assert refused.returncode == 1, refused.stderr[-3000:]
        (line,) = _error_lines(refused.stderr)
        assert line.startswith(f"error: {_CHAIN}: executor {stranger} is owned by "), line
        assert account.address in line
        assert "setExecutor" in line
        assert "omniarb executor deploy" in line
        assert not _leaks_a_key(refused.stdout + refused.stderr)
        assert nonce(url, account.address) == len(sent), "the refused run sent something"
