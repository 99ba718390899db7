"""The seam between what needs the executor owner's authority (authorizing an executor key,
withdrawing profit) and how that authority is exercised: one owner key on a devnet, or M-of-N
owner signatures on a Safe multisig (`omniarb.custody.safe_owner`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["OwnerActions", "OwnerCallResult"]


@dataclass(frozen=True, slots=True, kw_only=True)
class OwnerCallResult:
    """A mined owner call: the transaction that carried it and whether the inner call succeeded."""

    tx_hash: str
    block_number: int
    success: bool


class OwnerActions(Protocol):
    """Sends calls as the executor contract's owner and waits until they are mined."""

    @property
    def owner_address(self) -> str:
        """The address the executor contract names as `owner` (an EOA or the Safe)."""
        ...

    async def call(self, *, to: str, data: bytes, value: int = 0) -> OwnerCallResult:
        """Run `to.call{value}(data)` with the owner's authority; raise on a failed inner call."""
        ...
