"""`omniarb run` killed outright (SIGKILL) mid-run and started again: no trade is sent twice,
the history stays consistent, the restarted bot keeps its executor and its nonces follow on
from the chain's, and every transaction the bot ever got mined is accounted for by a claim.

Runs through the real command line against a detached two-chain devnet with market activity.
"""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import pytest
from _cli_helpers import (
    cli,
    count,
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

_BLOCK_TIMES_S = {"arbitrum": 0.5, "optimism": 0.5}
# What the node or the submitter says when a nonce was already used or skipped.
_NONCE_TROUBLE = re.compile(r"nonce too (low|high)|invalid nonce|was taken; resynced", re.I)
_SECOND_RUN_BLOCKS = 10


def _submitted(home: Path) -> int:
    return count(home, "SELECT count(*) FROM executions WHERE tx_hash IS NOT NULL")


def _replacements(home: Path) -> dict[str, str]:
    """The hash of each recorded replacement -> the claimed transaction it replaced."""
    return dict(query(home, "SELECT new_tx_hash, original_tx_hash FROM replacements"))


def _assert_history_consistent(home: Path) -> None:
    executions = query(
        home,
        "SELECT id, opportunity_id, decision_id, chain, tx_hash, nonce, error FROM executions",
    )
    sent = [row for row in executions if row[4] is not None]
    assert sent
    assert len({row[1] for row in sent}) == len(sent), "an opportunity was sent twice"
    assert len({row[4] for row in sent}) == len(sent), "a transaction hash repeats"
    # A claim the killed run made but never got to the node: recorded as dropped when another
    # transaction had spent its nonce (checked to be off the chain below), else as cancelled,
    # the restarted bot having spent its nonce with a cancel (a recorded replacement of it).
    dropped = {
        eid for (eid,) in query(home, "SELECT execution_id FROM outcomes WHERE NOT included")
    }
    on_chain = [row for row in sent if row[0] not in dropped]
    assert len({(row[3], row[5]) for row in on_chain}) == len(on_chain), "a (chain, nonce) repeats"
    assert not [row for row in executions if row[6] and "nonce" in row[6].lower()]
    replaced = _replacements(home)

    claims = [key for (key,) in query(home, "SELECT key FROM submissions")]
    assert len(set(claims)) == len(claims)
    assert {row[1] for row in sent} <= set(claims), "a transaction was sent without a claim"

    opportunities = {oid for (oid,) in query(home, "SELECT id FROM opportunities")}
    decisions = {did for (did,) in query(home, "SELECT id FROM decisions")}
    assert all(row[1] in opportunities and row[2] in decisions for row in executions)

    by_id = {row[0]: row for row in executions}
    outcomes = query(
        home,
        "SELECT execution_id, opportunity_id, tx_hash, success, realized_profit, "
        "predicted_profit, touched_earlier_in_block, status FROM outcomes",
    )
    assert outcomes
    for row in outcomes:
        execution_id, opportunity_id, tx_hash, success, realized, predicted, touched, status = row
        execution = by_id.get(execution_id)
        assert execution is not None, f"outcome {execution_id} has no execution"
        assert execution[1] == opportunity_id
        # The hash mined for it: its own, or a recorded replacement of it.
        assert execution[4] in (tx_hash, replaced.get(tx_hash)), row
        if status in ("cancelled", "dropped"):
            assert (success, int(realized)) == (False, 0), row
        elif not touched:
            assert success, tx_hash
            assert int(realized) == int(predicted), (tx_hash, realized, predicted)


def test_killed_bot_restarts_without_double_submission(tmp_path: Path, omniarb_home: Path) -> None:
    home = private_home(tmp_path, omniarb_home)
    config = write_config(tmp_path / "restart.toml", block_times_s=_BLOCK_TIMES_S)
    bot = dev_account(BOT_INDEX).address
    summary_path = tmp_path / "second.json"
    with detached_devnet(home, config) as devnet, market(home, config, tmp_path / "market.log"):
        memo = Path(devnet.manifest).parent / "executors.json"
        start_blocks = {name: head(url) for name, url in devnet.rpc_http.items()}

        first_log = tmp_path / "first.log"
        first = spawn(home, "run", config=config, log=first_log)
        try:
            wait_until(
                lambda: _submitted(home) >= 1,
                timeout_s=90,
                what="the first run to submit a trade",
                watch=first,
                log=first_log,
            )
        finally:
            # Right after a send: its transaction is most likely still in the node's pool.
            stop(first, signal.SIGKILL)
        executors = json.loads(memo.read_text())
        assert set(executors) == set(_BLOCK_TIMES_S)
        killed_claims = {key for (key,) in query(home, "SELECT key FROM submissions")}
        # Every nonce below these was used by the killed run (some may still be pending).
        killed_nonces = {name: nonce(url, bot, "pending") for name, url in devnet.rpc_http.items()}

        second = cli(
            home,
            "run",
            "--blocks",
            str(_SECOND_RUN_BLOCKS),
            "--summary",
            summary_path,
            config=config,
        )
        assert second.returncode == 0, second.stderr[-3000:]
        assert not _NONCE_TROUBLE.search(second.stderr), second.stderr[-3000:]
        assert json.loads(memo.read_text()) == executors, "the restarted bot deployed again"

        # The restarted bot traded, and its nonces followed on from the killed run's.
        summary = json.loads(summary_path.read_text())
        trades = summary["trades"]
        assert trades, summary["chains"]
        assert all(
            t["status"] == "success"
            or t["touched_earlier_in_block"]
            or (t["status"] == "cancelled" and t["tx_hash"] in _replacements(home))
            for t in trades
        ), trades

        executed = {
            tx_hash: (opportunity_id, chain, tx_nonce)
            for tx_hash, opportunity_id, chain, tx_nonce in query(
                home,
                "SELECT tx_hash, opportunity_id, chain, nonce FROM executions "
                "WHERE tx_hash IS NOT NULL",
            )
        }
        orphans = []
        for name, url in devnet.rpc_http.items():
            # Everything the bot sent is mined: nothing is left pending behind a gap (a trade
            # the run left pending at its stop, listed as such in its summary, is mined soon).
            wait_until(
                lambda url=url: nonce(url, bot, "pending") == nonce(url, bot),
                timeout_s=30,
                what=f"{name}: the bot's pending transactions to be mined",
            )
            sent = transactions_from(url, bot, start_blocks[name])
            assert nonce(url, bot) == len(sent)
            # The devnet's deployer deploys the executor (then hands it to the chain's Safe):
            # everything the bot sent is a trade through that one executor, or a recorded
            # replacement of a claimed one (a re-price, or a cancel to itself).
            assert [tx for tx in sent if tx["to"] is None] == [], f"{name}: the bot deployed"
            replacements = _replacements(home)
            claimed = {h for (h,) in query(home, "SELECT tx_hash FROM submissions")}
            for tx in sent:
                if tx["hash"] in replacements:
                    assert replacements[tx["hash"]] in claimed, tx
                    assert tx["to"].lower() in (bot.lower(), executors[name].lower()), tx
            trades_sent = [tx for tx in sent if tx["hash"] not in replacements]
            assert all(tx["to"].lower() == executors[name].lower() for tx in trades_sent)
            assert len({tx["input"] for tx in trades_sent}) == len(trades_sent), (
                f"{name}: the same trade was sent twice"
            )
            for tx in trades_sent:
                if tx["hash"] in executed:
                    assert executed[tx["hash"]][1:] == (name, int(tx["nonce"], 16))
                else:
                    # Sent by the killed run just before it died: its claim is durable, its
                    # records were still queued.
                    assert int(tx["nonce"], 16) < killed_nonces[name], tx
                    orphans.append(tx["hash"])
            chain_second = sorted(t["tx_hash"] for t in trades if t["chain"] == name)
            assert set(chain_second) <= {tx["hash"] for tx in sent}
            for receipt in receipts(url, chain_second):
                trade = next(t for t in trades if t["tx_hash"] == receipt["transactionHash"])
                assert int(receipt["status"], 16) == 1 or trade["touched_earlier_in_block"]
            # Both runs' settled trades: the flag right both ways, untouched ones exact.
            check_trades(url, [t for t in recorded_trades(home) if t.chain == name])
        claims = {key for (key,) in query(home, "SELECT key FROM submissions")}
        executed_opportunities = {opportunity_id for opportunity_id, _, _ in executed.values()}
        assert executed_opportunities <= claims
        # Each transaction without an execution row still had a claim of its own.
        assert len(orphans) <= len(killed_claims - executed_opportunities), orphans

    _assert_history_consistent(home)
    assert "Traceback" not in tail(tmp_path / "market.log", 200)
