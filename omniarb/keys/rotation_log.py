"""What the audit log says about a chain's executor keys: the rotation's persistent state.

Every rotation step writes one audit row (`omniarb.store.audit`) with the key's address as its
subject, so the log already holds, per key, which steps were done and when: created (its age),
authorized (its block), activated, draining, de-authorized, swept, retired. Reading it back is
how a restarted bot rebuilds its pool and how a rotation cut short resumes; no second table has
to be kept in step with it. On-chain facts (is the key authorized, its balance, its nonce) are
read from the chain, which is the truth the steps check before acting again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from eth_utils.address import to_checksum_address

from omniarb.store.audit import AuditEntry

__all__ = ["STEPS", "AuditSink", "KeyRecord", "chain_keys", "read_chain_keys"]

# The steps of a rotation, in order; each is an audit action `key.<step>`.
STEPS = (
    "create",
    "authorize",
    "fund",
    "activate",
    "drain",
    "deauthorize",
    "sweep",
    "retire",
)
_MAX_ROWS = 100_000


class AuditSink(Protocol):
    """Where audit rows go and are read back (`omniarb.store.HistoryDatabase`)."""

    def append_audit(self, entry: AuditEntry) -> int: ...

    def audit(
        self,
        *,
        action: str | None = None,
        chain: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyRecord:
    """One key of a chain as the log tells it: the steps done (ok) and their first time."""

    address: str
    done: dict[str, datetime]
    authorized_block: int | None = None
    replaces: str | None = None  # the key a rotation made this one for (its `key.create` row)

    @property
    def created_at(self) -> datetime | None:
        """When the key was made (or first joined the pool, for a key made elsewhere)."""
        return self.done.get("create") or self.done.get("activate")

    @property
    def live(self) -> bool:
        """In the pool: activated and not retired."""
        return "activate" in self.done and "retire" not in self.done

    @property
    def draining(self) -> bool:
        return "drain" in self.done and "retire" not in self.done

    @property
    def being_added(self) -> bool:
        """Created by a rotation that has not yet activated it."""
        return "create" in self.done and "activate" not in self.done and "retire" not in self.done


def chain_keys(entries: list[AuditEntry]) -> dict[str, KeyRecord]:
    """Per address (checksummed), the key's record from `entries` (any order)."""
    done: dict[str, dict[str, datetime]] = {}
    blocks: dict[str, int] = {}
    replaces: dict[str, str] = {}
    for entry in sorted(entries, key=lambda e: (e.id or 0, e.at)):
        step = entry.action.removeprefix("key.")
        if step not in STEPS or entry.outcome != "ok":
            continue
        address = str(to_checksum_address(entry.subject))
        done.setdefault(address, {}).setdefault(step, entry.at)
        block = entry.details.get("block_number")
        if step == "authorize" and isinstance(block, int):
            blocks.setdefault(address, block)
        replaced = entry.details.get("replaces")
        if step == "create" and isinstance(replaced, str):
            replaces[address] = str(to_checksum_address(replaced))
    return {
        address: KeyRecord(
            address=address,
            done=steps,
            authorized_block=blocks.get(address),
            replaces=replaces.get(address),
        )
        for address, steps in done.items()
    }


async def read_chain_keys(sink: AuditSink, chain: str) -> dict[str, KeyRecord]:
    """`chain_keys` of every `key.*` row of `chain` in `sink`."""
    entries = await asyncio.to_thread(sink.audit, action="key.", chain=chain, limit=_MAX_ROWS)
    return chain_keys(entries)
