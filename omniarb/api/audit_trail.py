"""The API's entries in the audit log: every control and admin call, and denied attempts.

Actions are `api.<what>` (`api.breaker.trip`, `api.breaker.reset`, `api.config.read`, ...);
the actor is the caller (`token:<id>:<name>`, `env-token` for `OMNIARB_API_TOKEN`, `loopback`,
or `anonymous` when no valid token was shown). The token itself is never written: only its
public id. Text a caller supplied (a trip's reason) is stored with any run of 64 hex digits
redacted: the audit log refuses a value shaped like a private key, and a caller must not be able
to keep its own call out of the log by writing one. The write runs in a worker thread; a
database that refuses it is logged loudly and does not undo the action, which has already
happened.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from omniarb.errors import OmniarbError
from omniarb.store import HistoryDatabase
from omniarb.store.audit import AuditEntry, AuditOutcome

__all__ = ["ApiAudit"]

log = logging.getLogger(__name__)

_KEY_SHAPE = re.compile(r"(0x)?[0-9a-fA-F]{64,}")


def _redacted(details: dict[str, Any]) -> dict[str, Any]:
    return {
        key: _KEY_SHAPE.sub("[64 hex redacted]", value) if isinstance(value, str) else value
        for key, value in details.items()
    }


class ApiAudit:
    """Writes the API's audit entries to the history database."""

    def __init__(self, history: HistoryDatabase) -> None:
        self._history = history

    async def record(
        self,
        *,
        actor: str,
        action: str,
        subject: str,
        outcome: AuditOutcome = "ok",
        chain: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Append one entry; a failure to store it is logged, never raised."""
        entry = AuditEntry.now(
            actor=actor,
            action=action,
            subject=subject,
            outcome=outcome,
            chain=chain,
            details=_redacted(details or {}),
        )
        try:
            await asyncio.to_thread(self._history.append_audit, entry)
        except (OmniarbError, ValueError) as exc:
            log.error(  # noqa: TRY400 - the cause is in the message; a traceback adds noise
                "audit entry %s by %s (%s) not stored: %s", action, actor, outcome, exc
            )
