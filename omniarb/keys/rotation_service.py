"""Key rotation inside the running bot: one `Rotator` per chain, the pool grown to its size and
the rotation policy checked on a timer, and rotations an operator asks for (`POST /keys/rotate`,
`omniarb keys rotate`) run in the same process, so they share the pool and its nonces.

    service = KeyRotationService(rotators, policies={"ethereum": RotationPolicy(max_tx_count=5000)},
                                 sizes={"ethereum": 3}, check_interval_s=30)
    await service.run(stop)          # restores, resumes, grows, then checks until `stop` is set
    await service.rotate("ethereum", reason="operator")

A failed rotation is logged and left as the audit log shows it; the next check (or request)
resumes it. It never stops the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import UTC, datetime

from omniarb.errors import NotFoundError, OmniarbError
from omniarb.keys.rotation import RotationResult, Rotator
from omniarb.keys.rotation_policy import RotationPolicy

__all__ = ["KeyRotationService", "UnknownChainError"]

log = logging.getLogger(__name__)


class UnknownChainError(NotFoundError):
    """No rotation runs for this chain in this bot."""


class KeyRotationService:
    """The bot's rotations; see the module docstring."""

    def __init__(
        self,
        rotators: Mapping[str, Rotator],
        *,
        policies: Mapping[str, RotationPolicy] | None = None,
        sizes: Mapping[str, int] | None = None,
        check_interval_s: float = 30.0,
    ) -> None:
        self._rotators = dict(rotators)
        self._policies = dict(policies or {})
        self._sizes = dict(sizes or {})
        self._check_interval_s = check_interval_s

    @property
    def chains(self) -> list[str]:
        return list(self._rotators)

    def _rotator(self, chain: str) -> Rotator:
        try:
            return self._rotators[chain]
        except KeyError:
            raise UnknownChainError(f"no key rotation for chain {chain!r}") from None

    async def rotate(self, chain: str, *, reason: str = "operator") -> RotationResult:
        """Rotate `chain`'s oldest active key now (finishing one cut short first)."""
        return await self._rotator(chain).rotate(reason=reason)

    async def start(self) -> None:
        """Rebuild each chain's pool from the log, finish rotations cut short, grow the pool to
        its size."""
        for chain, rotator in self._rotators.items():
            await rotator.restore()
            await rotator.resume()
            while len(rotator.pool.active_addresses) < self._sizes.get(chain, 1):
                await rotator.grow()

    async def check(self, now: datetime | None = None) -> list[RotationResult]:
        """Rotate every active key its chain's policy says is due; what was rotated."""
        now = now or datetime.now(UTC)
        done = []
        for chain, rotator in self._rotators.items():
            policy = self._policies.get(chain)
            if policy is None:
                continue
            records = await rotator.records()
            for address in rotator.pool.active_addresses:
                record = records.get(address)
                created_at = record.created_at if record is not None else None
                if created_at is None:
                    continue  # not yet in the log: `start` adds it
                tx_count = await rotator.tx_count(address)
                reason = policy.due(created_at=created_at, tx_count=tx_count, now=now)
                if reason is not None:
                    log.info("%s: key %s is due for rotation: %s", chain, address, reason)
                    done.append(await rotator.rotate(old=address, reason=reason))
        return done

    async def run(self, stop: asyncio.Event) -> None:
        """`start`, then `check` every interval until `stop` is set; failures are logged and
        retried at the next check."""
        started = False
        while not stop.is_set():
            try:
                if not started:
                    await self.start()
                    started = True
                await self.check()
            except (OmniarbError, OSError, ValueError) as exc:
                log.warning("key rotation: %s (retried in %.0f s)", exc, self._check_interval_s)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._check_interval_s)
