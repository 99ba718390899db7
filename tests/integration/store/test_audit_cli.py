"""`omniarb audit [--json]`: the audit log newest first, filtered by action family and chain;
an empty log (no database yet) is `[]` and exit code 0, without creating the database."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from omniarb.cli.main import main
from omniarb.store.audit import AuditEntry
from omniarb.store.database import HistoryDatabase


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in [k for k in os.environ if k.startswith("OMNIARB_")]:
        monkeypatch.delenv(name)
    home = tmp_path / "home"
    monkeypatch.setenv("OMNIARB_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "200")
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield home
    # main() installs a stderr handler on the root logger: take it away again.
    root.handlers[:] = handlers
    root.setLevel(level)


def test_an_absent_database_is_an_empty_log(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert not (home / "history.sqlite").exists()


def test_entries_newest_first_with_filters(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home.mkdir(parents=True)
    database = HistoryDatabase.open(f"sqlite:///{home / 'history.sqlite'}")
    try:
        for action, chain in (("key.create", "ethereum"), ("treasury.sweep", "polygon")):
            database.append_audit(
                AuditEntry.now(actor="cli:test", action=action, chain=chain, subject="0xabc")
            )
    finally:
        database.dispose()
    assert main(["audit", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [e["action"] for e in entries] == ["treasury.sweep", "key.create"]
    assert main(["audit", "--json", "--action", "key."]) == 0
    assert [e["chain"] for e in json.loads(capsys.readouterr().out)] == ["ethereum"]
    assert main(["audit", "--chain", "polygon"]) == 0
    table = capsys.readouterr().out
    assert "treasury.sweep" in table
    assert "key.create" not in table
