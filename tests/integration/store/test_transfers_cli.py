"""`omniarb transfers`: in-flight transfers by default, every recent one with `--all`, JSON with
exact amounts, and an empty list (exit 0) before any history exists."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from test_store_bridge_transfers import transfer

from omniarb.bridges.base import TransferStatus
from omniarb.cli.main import main
from omniarb.store import HistoryDatabase
from omniarb.store.bridge_transfers import BridgeTransferStore

pytestmark = pytest.mark.integration


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["transfers", *args])
    return code, capsys.readouterr().out


def test_transfers_lists_in_flight_and_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    assert run(capsys, "--json", "--db", url) == (0, "[]\n")
    assert not (tmp_path / "h.sqlite").exists()  # reading never creates a history
    database = HistoryDatabase.open(url)
    try:
        store = BridgeTransferStore(database.engine)
        store.insert_sync(transfer(1))
        store.insert_sync(replace(transfer(2), status=TransferStatus.STUCK))
        store.insert_sync(replace(transfer(3), status=TransferStatus.ARRIVED, amount_received=9))
    finally:
        database.dispose()
    code, out = run(capsys, "--json", "--db", url)
    listed = json.loads(out)
    assert code == 0
    assert [t["status"] for t in listed] == ["planned", "stuck"]
    assert listed[0]["amount_in"] == str(2**70 + 1)
    code, out = run(capsys, "--json", "--all", "--limit", "2", "--db", url)
    assert [t["status"] for t in json.loads(out)] == ["arrived", "stuck"]
    code, out = run(capsys, "--all", "--db", url)
    assert code == 0
    assert "arrived" in out
    assert "ethereum→arbitrum" in out
    assert "3 recent" in out
