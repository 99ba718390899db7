"""Logging a failing poll by its state changes, not by its attempts.

    outage = OutageLog(log, "chain polygon: receipt poll for 0xab…")
    while True:
        try:
            answer = await poll()
        except RpcTransportError as exc:
            outage.failed(exc)       # "down" once, then "still down" once a minute
            continue
        outage.recovered()           # "back up", only after a failure
        ...

A poll that retries four times a second against a dead node would otherwise write four warnings
a second; the operator needs three lines: when it went down, that it is still down, when it came
back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ["OutageLog"]

_STILL_DOWN_EVERY_S = 60.0


class OutageLog:
    """Tracks whether `what` is failing and logs only when that changes, plus a reminder every
    `repeat_s` while it stays down. `clock` is monotonic seconds (injectable for tests)."""

    def __init__(
        self,
        logger: logging.Logger,
        what: str,
        *,
        repeat_s: float = _STILL_DOWN_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = logger
        self.what = what
        self._repeat_s = repeat_s
        self._clock = clock
        self.down_since: float | None = None
        self.failures = 0
        self._last_logged = 0.0

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def failed(self, error: BaseException | str) -> bool:
        """Count one failed attempt; True when this one was logged."""
        now = self._clock()
        self.failures += 1
        if self.down_since is None:
            self.down_since = self._last_logged = now
            self._log.warning("%s: down: %s", self.what, error)
            return True
        if now - self._last_logged >= self._repeat_s:
            self._last_logged = now
            self._log.warning(
                "%s: still down after %.0f s (%d failed attempts): %s",
                self.what,
                now - self.down_since,
                self.failures,
                error,
            )
            return True
        return False

    def recovered(self) -> bool:
        """An attempt succeeded; True (and logged) when it had been down."""
        if self.down_since is None:
            return False
        self._log.warning(
            "%s: back up after %.1f s (%d failed attempts)",
            self.what,
            self._clock() - self.down_since,
            self.failures,
        )
        self.down_since = None
        self.failures = 0
        return True
