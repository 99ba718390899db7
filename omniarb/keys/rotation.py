"""Rotating a chain's executor key without stopping its trades.

    rotator = Rotator(chain=..., rpc=rpc, pool=pool, backend=backend, owner=owner,
                      executor=executor, audit=store.database, settings=...)
    result = await rotator.rotate(reason="operator")   # or resume() after a crash

The steps, each written to the audit log (`key.<step>`, outcome ok or failed, tx hashes under
`*_hash` keys) with the key's address as subject:

1. create — a new key in the backend;
2. authorize — `setExecutor(new, true)` through the owner (`OwnerActions`);
3. fund — the gas float moved to it (from the funder, else the old key);
4. activate — it joins the live pool: the next trades may use it;
5. drain — the old key takes no new trade; its pending ones settle;
6. deauthorize — once every nonce it sent is mined, `setExecutor(old, false)`;
7. sweep — its native balance less the sweep's exact fee goes back (`gas_float.sweep_gas`);
8. retire — the backend marks it retired and the pool forgets it.

Every step first looks whether it was already done — in the audit log and, for what the chain
holds, on the chain (is it authorized, does it have its float, is its balance gone) — so running
`rotate` again after a crash finishes the rotation that was cut short: it never authorizes twice,
never funds twice and never loses the float. A failed step raises `RotationStepError` after its
failed row; the keys stay in the state the log shows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from omniarb.execute.key_pool import KeyState
from omniarb.keys._rotation_steps import RotationSettings, RotationStepError, RotationSteps
from omniarb.keys.rotation_log import KeyRecord

__all__ = ["RotationResult", "RotationSettings", "RotationStepError", "Rotator"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class RotationResult:
    new_address: str
    old_address: str | None


class Rotator(RotationSteps):
    """Runs the rotation steps of one chain; see the module docstring."""

    async def restore(self) -> None:
        """Rebuild the pool a previous run left (after a restart): every key the log shows
        live joins it, the draining ones as draining, the retired ones leave; a key of the
        pool the log has never seen (the first, from the environment) gets its `key.activate`
        row, which dates it for the age policy. The rotation a crash cut short resumes with
        `resume` or the next `rotate`."""
        records = await self.records()
        known = self._backend_addresses()
        for record in records.values():
            if (
                record.live
                and not self.pool.has(record.address)
                and record.address.lower() in known
            ):
                self.pool.add_signer(self._signer_of(record.address))
        for record in records.values():
            if not self.pool.has(record.address):
                continue
            if "retire" in record.done:
                self.pool.remove(record.address)
            elif record.draining:
                self.pool.drain(record.address)
        for address in self.pool.active_addresses:
            if address not in records:

                async def adopted() -> dict[str, Any]:
                    return {"initial": True, "pool": self.pool.active_addresses}

                await self._step("activate", address, adopted)

    # ------------------------------------------------------------------ the rotation
    async def rotate(self, *, old: str | None = None, reason: str = "operator") -> RotationResult:
        """Finish any rotation cut short, then replace `old` (default: the oldest active key)."""
        async with self._lock:
            records = await self.records()
            resumed = await self._resume_locked(records)
            if resumed is not None and old is None:
                return resumed
            active = self.pool.active_addresses
            if old is None:
                old = self._oldest(active, records)
            new = await self._add_key(records, reason=reason, funded_by=old, replaces=old)
            await self._retire_key(old, new)
            return RotationResult(new_address=new, old_address=old)

    async def resume(self) -> RotationResult | None:
        """Finish a rotation a crash cut short (None when there was none)."""
        async with self._lock:
            return await self._resume_locked(await self.records())

    async def grow(self, *, reason: str = "pool size") -> str:
        """One more active key (steps 1 to 4), the pool growing to its configured size."""
        async with self._lock:
            active = self.pool.active_addresses
            funder = active[0] if active else None
            return await self._add_key(await self.records(), reason=reason, funded_by=funder)

    def _oldest(self, active: list[str], records: dict[str, KeyRecord]) -> str:
        if not active:
            raise ValueError(f"{self.chain}: no active key to rotate")

        def age_key(address: str) -> float:
            created = (record := records.get(address)) and record.created_at
            return created.timestamp() if created else 0.0  # unknown: the first key, oldest

        return min(active, key=age_key)

    async def _resume_locked(self, records: dict[str, KeyRecord]) -> RotationResult | None:
        adding = [r for r in records.values() if r.being_added]
        draining = [r.address for r in records.values() if r.draining]
        if not adding and not draining:
            return None
        log.warning(
            "%s: resuming a rotation cut short (adding %s, draining %s)",
            self.chain,
            [r.address for r in adding],
            draining,
        )
        new: str | None = None
        old: str | None = None
        for record in adding:
            funder = record.replaces or next(iter(self.pool.active_addresses), None)
            new = await self._add_key(
                records, reason="resume", funded_by=funder, address=record.address
            )
            replaced = records.get(record.replaces or "")
            if record.replaces is not None and not (replaced and "retire" in replaced.done):
                old = record.replaces
                await self._retire_key(old, new)
        for address in draining:
            if address != old:
                old = address
                await self._retire_key(address, new)
        return RotationResult(new_address=new or self.pool.active_addresses[0], old_address=old)

    async def _add_key(
        self,
        records: dict[str, KeyRecord],
        *,
        reason: str,
        funded_by: str | None,
        address: str | None = None,
        replaces: str | None = None,
    ) -> str:
        """Steps 1–4 for a new key (or the half-added `address`)."""
        done = records[address].done if address is not None else {}
        if address is None:
            info = self._backend.create_key(f"executor:{self.chain}")

            async def created() -> dict[str, Any]:
                return {
                    "backend": info.backend,
                    "label": info.label,
                    "reason": reason,
                    "replaces": replaces,
                }

            await self._step("create", info.address, created)
            address = info.address
        new = address

        if "authorize" not in done:
            await self._step("authorize", new, lambda: self._authorize(new))
        if "fund" not in done:
            await self._step("fund", new, lambda: self._fund(new, funded_by))
        if "activate" not in done or not self.pool.has(new):
            self.pool.add_signer(self._signer_of(new))
        if "activate" not in done:

            async def activate() -> dict[str, Any]:
                return {"pool": self.pool.active_addresses}

            await self._step("activate", new, activate)
        return new

    async def _retire_key(self, old: str, new: str | None) -> None:
        """Steps 5–8 for `old`."""
        records = await self.records()
        done = records[old].done if old in records else {}
        if self.pool.has(old) and self.pool.state_of(old) is KeyState.ACTIVE:
            self.pool.drain(old)
        if "drain" not in done:

            async def drain() -> dict[str, Any]:
                return {"pool": self.pool.active_addresses, "replaced_by": new}

            await self._step("drain", old, drain)
        if "deauthorize" not in done:
            await self._step("deauthorize", old, lambda: self._deauthorize(old))
        if "sweep" not in done:
            await self._step("sweep", old, lambda: self._sweep(old, new))
        if "retire" not in done:
            await self._step("retire", old, lambda: self._retire(old))
