"""`omniarb tokens create|list|revoke` on a real SQLite history: the secret printed once and
accepted by the store, never listed, revocation at once, audit rows, clear usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from omniarb.cli.main import main
from omniarb.store import HistoryDatabase


def test_create_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'history.sqlite'}"
    db = ["tokens", "--db", url]
    assert main([*db, "create", "--name", "grafana", "--scope", "read", "--json"]) == 0
    created = json.loads(capsys.readouterr().out)
    secret = created["token"]
    assert secret.startswith(f"oat_{created['id']}_")
    assert created["scope"] == "read"

    assert main([*db, "create", "--name", "ops desk", "--scope", "control"]) == 0
    printed = capsys.readouterr().out
    assert "shown once" in printed

    assert main([*db, "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(t["name"], t["scope"], t["revoked_at"]) for t in listed] == [
        ("grafana", "read", None),
        ("ops desk", "control", None),
    ]
    assert secret not in json.dumps(listed)
    assert main([*db, "list"]) == 0
    assert "grafana" in capsys.readouterr().out

    database = HistoryDatabase.open(url)
    try:
        verified = database.api_tokens.verify(secret)
        assert verified is not None
        assert verified.active
        assert main([*db, "revoke", created["id"]]) == 0
        assert "revoked" in capsys.readouterr().out
        revoked = database.api_tokens.verify(secret)
        assert revoked is not None
        assert not revoked.active
        audit = [(e.action, e.subject, e.actor.startswith("cli")) for e in database.audit()]
        assert audit[0] == ("api.token.revoke", created["id"], True)
        assert [a for a, _, _ in audit] == [
            "api.token.revoke",
            "api.token.create",
            "api.token.create",
        ]
    finally:
        database.dispose()


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["tokens", "--db", f"sqlite:///{tmp_path / 'history.sqlite'}"]
    assert main([*db, "create", "--name", "x", "--scope", "root"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    assert main([*db, "create", "--name", "<script>", "--scope", "read"]) == 2
    assert "name:" in capsys.readouterr().err
    assert main([*db, "revoke", "not-an-id"]) == 2
    assert "not a token id" in capsys.readouterr().err
    assert main([*db, "revoke", "0123abcd"]) == 2
    assert "no API token '0123abcd'" in capsys.readouterr().err
