"""`omniarb run` killed with SIGKILL while a trade is in flight, then restarted on the same
database: the restart reconciles the trade from the chain, so no trade is lost, none is sent
twice, and the account's nonces stay consecutive."""

from __future__ import annotations

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

from omniarb.devnet.accounts import BOT_INDEX, dev_account

pytestmark = pytest.mark.xdist_group("devnet-cli")

# Slow enough blocks that a trade just sent is still waiting for its block when it is killed.
_BLOCK_TIMES_S = {"polygon": 1.0}


def _in_flight(home: Path, url: str) -> str | None:
    """A recorded, sent trade the chain has not mined yet, if there is one."""
    sent = [h for (h,) in query(home, "SELECT tx_hash FROM executions WHERE tx_hash IS NOT NULL")]
    if not sent:
        return None
    pending = [h for h, r in zip(sent, receipts(url, sent), strict=True) if r is None]
    return pending[0] if pending else None


def _outcome_of(home: Path, tx_hash: str) -> tuple[str, str] | None:
    rows = query(
        home,
        "SELECT o.status, o.tx_hash FROM executions e JOIN outcomes o ON o.execution_id = e.id "
        "WHERE e.tx_hash = ?",
        (tx_hash,),
    )
    return rows[0] if rows else None


def test_killed_mid_trade_and_restarted_nothing_lost_nothing_doubled(
    tmp_path: Path, omniarb_home: Path
) -> None:
    home = private_home(tmp_path, omniarb_home)
    config = write_config(tmp_path / "kill.toml", block_times_s=_BLOCK_TIMES_S)
    bot = dev_account(BOT_INDEX).address
    first_log, second_log = tmp_path / "run-1.log", tmp_path / "run-2.log"
    with (
        detached_devnet(home, config, through_cli=False) as devnet,
        market(home, config, tmp_path / "market.log"),
    ):
        (url,) = devnet.rpc_http.values()
        start_block = head(url)
        run = spawn(home, "run", config=config, log=first_log)
        try:
            in_flight = wait_until(
                lambda: _in_flight(home, url),
                timeout_s=90,
                what="a trade in flight",
                interval_s=0.02,
                watch=run,
                log=first_log,
            )
            run.send_signal(signal.SIGKILL)
            run.wait(timeout=10)
        finally:
            if run.poll() is None:
                run.kill()
        assert run.returncode == -signal.SIGKILL
        # The killed run never settled it.
        assert _outcome_of(home, in_flight) is None

        rerun = spawn(home, "run", config=config, log=second_log)
        try:
            settled = wait_until(
                lambda: _outcome_of(home, in_flight),
                timeout_s=60,
                what="the killed run's trade to be reconciled",
                watch=rerun,
                log=second_log,
            )
            code = stop(rerun, signal.SIGTERM, timeout_s=60)
        finally:
            if rerun.poll() is None:
                rerun.kill()
        assert code == 0, tail(second_log)
        sent = transactions_from(url, bot, start_block)
        # Nonces consecutive: every nonce up to the count is mined, none pending, none skipped.
        assert nonce(url, bot, "pending") == nonce(url, bot) == len(sent)
        assert [int(tx["nonce"], 16) for tx in sent] == list(range(len(sent)))

    status, mined_hash = settled
    assert status in {"succeeded", "reverted", "cancelled", "dropped"}
    executions = query(
        home,
        "SELECT e.opportunity_id, e.tx_hash, o.tx_hash, o.status FROM executions e "
        "LEFT JOIN outcomes o ON o.execution_id = e.id WHERE e.tx_hash IS NOT NULL",
    )
    # No record lost: every trade sent, by either run, has its outcome.
    unsettled = [row[1] for row in executions if row[2] is None]
    assert not unsettled, f"sent but never settled: {unsettled}"
    # None doubled: one sent execution per opportunity, one outcome per execution.
    opportunities = [row[0] for row in executions]
    assert len(opportunities) == len(set(opportunities))
    # Every transaction of the bot on chain is one record's: a trade's outcome, or a recorded
    # replacement (re-price, cancel, gap fill) of one. (The first run's set-up created the
    # executor: a contract creation, no trade.)
    replacements = {h for (h,) in query(home, "SELECT new_tx_hash FROM replacements")}
    outcomes = [row[2] for row in executions if row[3] != "dropped"]
    assert len(outcomes) == len(set(outcomes))
    on_chain = {tx["hash"] for tx in sent if tx["to"] is not None}
    assert on_chain == set(outcomes) | (replacements & on_chain)
    if status != "dropped":
        assert mined_hash in on_chain
    assert "Traceback" not in tail(first_log, 500) + tail(second_log, 500)
