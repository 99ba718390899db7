"""The rotation policy: a key is due past its maximum age or transaction count, never with both
limits off, and the audit log's record of a key gives the age it is judged by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniarb.keys.rotation_log import chain_keys
from omniarb.keys.rotation_policy import RotationPolicy
from omniarb.store.audit import AuditEntry

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_due_by_transaction_count() -> None:
    policy = RotationPolicy(max_tx_count=100)
    assert policy.due(created_at=T0, tx_count=99, now=T0) is None
    assert policy.due(created_at=T0, tx_count=100, now=T0) == "sent 100 transactions (limit 100)"


def test_due_by_age() -> None:
    policy = RotationPolicy(max_age_s=3600)
    assert policy.due(created_at=T0, tx_count=0, now=T0 + timedelta(seconds=3599)) is None
    reason = policy.due(created_at=T0, tx_count=0, now=T0 + timedelta(hours=2))
    assert reason == "7200 s old (limit 3600 s)"


@given(age_s=st.integers(0, 10**9), tx_count=st.integers(0, 10**9))
def test_both_limits_off_is_never_due(age_s: int, tx_count: int) -> None:
    now = T0 + timedelta(seconds=age_s)
    assert RotationPolicy().due(created_at=T0, tx_count=tx_count, now=now) is None


def test_negative_limits_are_refused() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        RotationPolicy(max_age_s=-1)
    with pytest.raises(ValueError, match=">= 0"):
        RotationPolicy(max_tx_count=-1)


def _row(
    row_id: int, action: str, subject: str, outcome: str = "ok", **details: object
) -> AuditEntry:
    return AuditEntry(
        id=row_id,
        at=T0 + timedelta(seconds=row_id),
        actor="bot",
        action=action,
        subject=subject,
        outcome=outcome,  # type: ignore[arg-type]
        chain="ethereum",
        details=dict(details),
    )


def test_the_log_tells_each_keys_state() -> None:
    new = "0x" + "11" * 20
    old = "0x" + "22" * 20
    rows = [
        _row(1, "key.activate", old),
        _row(2, "key.create", new),
        _row(3, "key.authorize", new, outcome="failed"),
        _row(4, "key.authorize", new, block_number=42),
        _row(5, "key.fund", new),
        _row(6, "key.drain", old),
        _row(7, "key.rotate.requested", old),  # not a step: ignored
    ]
    records = chain_keys(list(reversed(rows)))  # the store reads newest first
    by_lower = {a.lower(): r for a, r in records.items()}
    added, drained = by_lower[new], by_lower[old]
    assert added.being_added
    assert not added.live
    assert added.created_at == T0 + timedelta(seconds=2)
    assert added.authorized_block == 42
    assert list(added.done) == ["create", "authorize", "fund"]
    assert drained.live
    assert drained.draining
    assert not drained.being_added
    # A key made elsewhere (the first, from the environment) is as old as its joining the pool.
    assert drained.created_at == T0 + timedelta(seconds=1)
