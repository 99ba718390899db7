"""When an executor key is due for rotation: older than a maximum age, or past a maximum count
of transactions sent. A limit of 0 is off; with both off a key is never due by policy (only by
an operator's `omniarb keys rotate`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["RotationPolicy"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RotationPolicy:
    """`max_age_s` seconds since the key was created, `max_tx_count` transactions (its nonce)."""

    max_age_s: float = 0.0
    max_tx_count: int = 0

    def __post_init__(self) -> None:
        if self.max_age_s < 0 or self.max_tx_count < 0:
            raise ValueError("rotation limits must be >= 0 (0 turns a limit off)")

    def due(self, *, created_at: datetime, tx_count: int, now: datetime) -> str | None:
        """Why the key must be rotated now, or None while it may keep trading."""
        if self.max_tx_count and tx_count >= self.max_tx_count:
            return f"sent {tx_count} transactions (limit {self.max_tx_count})"
        age_s = (now - created_at).total_seconds()
        if self.max_age_s and age_s >= self.max_age_s:
            return f"{age_s:.0f} s old (limit {self.max_age_s:.0f} s)"
        return None
