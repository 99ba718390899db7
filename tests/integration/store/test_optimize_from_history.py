"""`omniarb optimize --from-history` on SQLite and PostgreSQL: bundles that lost their race at
a low bribe share and won at a higher one; the replay proposes the higher share, with every
share's evidence, and lists the recorded changes."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from _store_values import decision, execution, opportunity, outcome

from omniarb.cli.main import main
from omniarb.optimize import ParamChange
from omniarb.store import HistoryStore
from omniarb.types import Outcome, SubmitChannel


def bundled(n: int, share_bps: int, *, won: bool) -> Outcome:
    """A bundle trade offering `share_bps` of its profit; it lost its block unless `won`."""
    opp = opportunity(n)
    bribe = opp.gross_profit * share_bps // 10_000
    sent = replace(execution(replace(decision(opp), bribe_wei=bribe)), channel=SubmitChannel.BUNDLE)
    return outcome(sent, included=won, realized_profit=opp.gross_profit - bribe)


@pytest.fixture
def quiet_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("quiet_root_logger")
async def test_the_replay_proposes_the_share_that_won(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    change = ParamChange(
        id="c1",
        chain="ethereum",
        param="bribe_share_bps",
        old_value=1_000,
        new_value=5_000,
        reason="explore",
        baseline_reward_usd=0.0,
        baseline_samples=3,
        changed_at=datetime(2026, 12, 6, 14, tzinfo=UTC),
    )
    async with HistoryStore.open(db_url) as store:
        for n in range(3):
            await store.record(bundled(n, 1_000, won=False))
        await store.record(change)
        for n in range(3, 6):
            await store.record(bundled(n, 5_000, won=True))
        await store.flush()
    for name in [k for k in os.environ if k.startswith("OMNIARB_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("COLUMNS", "250")
    argv = ["optimize", "--from-history", "--db", db_url, "--min-samples", "3"]
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (share,) = [p for p in out["proposals"] if p["param"] == "bribe_share_bps"]
    assert share["chain"] == "ethereum"
    assert share["proposed"] == 5_000
    assert [(e["value"], e["trades"]) for e in share["evidence"]] == [(1_000, 3), (5_000, 3)]
    lost, won = share["evidence"]
    assert lost["mean_reward_usd"] == 0.0
    assert won["mean_reward_usd"] > 0
    assert [c["id"] for c in out["changes"]] == ["c1"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "proposed parameters" in text
    assert "1000 → 5000" in text


@pytest.mark.usefixtures("quiet_root_logger")
def test_too_few_trades_propose_nothing(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["optimize", "--from-history", "--db", db_url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"proposals": [], "changes": []}
