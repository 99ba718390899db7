"""`omniarb run --dry-run` finds and simulates a planted gap, records it, and sends nothing:
the bot's only transaction on chain is its executor's deployment."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from _bot_helpers import swap_v2
from _cli_helpers import (
    cli,
    detached_devnet,
    head,
    nonce,
    private_home,
    query,
    transactions_from,
    write_config,
)

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.accounts import BOT_INDEX, dev_account
from omniarb.network import Manifest

pytestmark = pytest.mark.xdist_group("devnet-cli")


async def _plant_gap(manifest: Path) -> str:
    """Sell 600 WETH into sushiswap's WETH/USDC pair; returns the pair's address."""
    chain = Manifest.read(manifest).chain("ethereum")
    async with RpcClient(chain.rpc_http) as rpc:
        receipt = await swap_v2(
            rpc, chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * 10**18
        )
    (pair,) = {
        pool.address
        for pool in chain.pools
        if pool.dex == "sushiswap" and {pool.symbol0, pool.symbol1} == {"WETH", "USDC"}
    }
    assert int(str(receipt["status"]), 16) == 1
    return pair


def test_dry_run_simulates_and_records_but_sends_nothing(
    tmp_path: Path, omniarb_home: Path
) -> None:
    home = private_home(tmp_path, omniarb_home)
    config = write_config(tmp_path / "dry.toml", block_times_s={"ethereum": 0.5})
    bot = dev_account(BOT_INDEX).address
    summary_path = tmp_path / "summary.json"
    with detached_devnet(home, config, through_cli=False) as devnet:
        url = devnet.rpc_http["ethereum"]
        start_block = head(url)
        pair = asyncio.run(_plant_gap(Path(devnet.manifest)))
        done = cli(home, "run", "--dry-run", "--blocks", "3", "--summary", summary_path)
        assert done.returncode == 0, done.stderr[-3000:]
        # The devnet's deployer deploys the executor and hands it to the chain's Safe: the bot
        # itself sends nothing at all.
        assert transactions_from(url, bot, start_block) == [], "the dry run sent a transaction"
        assert nonce(url, bot, "pending") == nonce(url, bot) == 0

    summary = json.loads(summary_path.read_text())
    assert summary["trades"] == []
    (chain,) = summary["chains"]
    assert chain["chain"] == "ethereum"
    assert chain["simulated"] > 0
    assert chain["submitted"] == chain["succeeded"] == chain["reverted"] == 0

    executions = query(
        home,
        "SELECT e.status, e.tx_hash, e.nonce, o.route FROM executions e "
        "JOIN opportunities o ON o.id = e.opportunity_id",
    )
    assert len(executions) == chain["simulated"]
    assert {(status, tx_hash, n) for status, tx_hash, n, _ in executions} == {
        ("simulated", None, None)
    }
    assert any(pair in {hop["pool"] for hop in json.loads(route)} for *_, route in executions)
    assert query(home, "SELECT key FROM submissions") == []
    assert query(home, "SELECT execution_id FROM outcomes") == []
