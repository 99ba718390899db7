"""`omniarb run` stopped by SIGTERM while a trade is in flight exits 0 and first settles it:
every transaction it sent has its outcome in the history and in the `--summary` file."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
from _cli_helpers import (
    detached_devnet,
    head,
    market,
    nonce,
    private_home,
    query,
    receipts,
    spawn,
    stop,
    tail,
    transactions_from,
    wait_until,
    write_config,
)
from _touch_check import check_trades, recorded_trades

from omniarb.devnet.accounts import BOT_INDEX, dev_account

pytestmark = pytest.mark.xdist_group("devnet-cli")

# Slow enough blocks that a trade just sent is still waiting for its block when the signal lands.
_BLOCK_TIMES_S = {"polygon": 1.0}


def _in_flight(home: Path, url: str) -> str | None:
    """A sent trade the chain has not mined yet, if there is one."""
    sent = [h for (h,) in query(home, "SELECT tx_hash FROM executions WHERE tx_hash IS NOT NULL")]
    if not sent:
        return None
    pending = [h for h, r in zip(sent, receipts(url, sent), strict=True) if r is None]
    return pending[0] if pending else None


def test_sigterm_settles_trades_in_flight(tmp_path: Path, omniarb_home: Path) -> None:
    home = private_home(tmp_path, omniarb_home)
    config = write_config(tmp_path / "sigterm.toml", block_times_s=_BLOCK_TIMES_S)
    bot = dev_account(BOT_INDEX).address
    log = tmp_path / "run.log"
    summary_path = tmp_path / "summary.json"
    with (
        detached_devnet(home, config, through_cli=False) as devnet,
        market(home, config, tmp_path / "market.log"),
    ):
        (url,) = devnet.rpc_http.values()
        start_block = head(url)
        run = spawn(home, "run", "--summary", summary_path, config=config, log=log)
        try:
            in_flight = wait_until(
                lambda: _in_flight(home, url),
                timeout_s=90,
                what="a trade in flight",
                interval_s=0.02,
                watch=run,
                log=log,
            )
            code = stop(run, signal.SIGTERM, timeout_s=60)
        finally:
            if run.poll() is None:
                run.kill()
        assert code == 0, tail(log)
        sent = transactions_from(url, bot, start_block)
        assert nonce(url, bot, "pending") == nonce(url, bot) == len(sent)
        # Every settled trade's flag, both ways, against the chain's receipts.
        check_trades(url, recorded_trades(home))

    executions = query(
        home,
        "SELECT e.tx_hash, o.tx_hash, o.success, o.realized_profit, o.predicted_profit, "
        "o.touched_earlier_in_block FROM executions e LEFT JOIN outcomes o "
        "ON o.execution_id = e.id WHERE e.tx_hash IS NOT NULL",
    )
    assert in_flight in {row[0] for row in executions}
    unsettled = [row[0] for row in executions if row[1] is None]
    assert not unsettled, f"sent but never settled: {unsettled}"
    # Every trade the bot got mined is one it recorded, so nothing sent was left untracked.
    assert {tx["hash"] for tx in sent if tx["to"] is not None} == {row[0] for row in executions}
    for _, _, success, realized, predicted, touched in executions:
        assert touched or (success and int(realized) == int(predicted))

    summary = json.loads(summary_path.read_text())
    assert in_flight in {trade["tx_hash"] for trade in summary["trades"]}
    assert len(summary["trades"]) == len(executions)
    assert "Traceback" not in tail(log, 500)
