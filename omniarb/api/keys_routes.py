"""`POST /keys/rotate?chain=NAME`: rotate a chain's executor key now, inside the running bot.

The bot's key rotation (`omniarb.keys.rotation_service`) runs every step and writes each to the
audit log; this route writes the request itself (`key.rotate.requested`, actor `api`; outcome
`failed` when the bot has no rotation) first, and
answers with the new and the old key's addresses once the old key is retired. 503 when the bot
runs without a key rotation, 404 for a chain it does not rotate.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from omniarb.api._schema_base import BODY
from omniarb.errors import RetryableError
from omniarb.store.audit import AuditEntry
from omniarb.store.database import HistoryDatabase

__all__ = ["KeyRotateBody", "KeyRotateRequest", "KeyRotationControl", "register_key_routes"]


class RotationView(Protocol):
    @property
    def new_address(self) -> str: ...

    @property
    def old_address(self) -> str | None: ...


class KeyRotationControl(Protocol):
    """The bot's key rotation (`KeyRotationService` is one)."""

    async def rotate(self, chain: str, *, reason: str) -> RotationView: ...


class KeyRotationUnavailableError(RetryableError):
    """No key rotation runs in this bot: 503."""


_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "the body is not JSON"},
    404: {"description": "the bot rotates no key on this chain"},
    503: {"description": "the bot runs without key rotation"},
}


class KeyRotateRequest(BaseModel):
    model_config = BODY

    reason: str = Field(default="operator request", max_length=200)


class KeyRotateBody(BaseModel):
    """The rotation done: the key that now trades, the one retired."""

    model_config = BODY

    chain: str
    new_address: str
    old_address: str | None


def register_key_routes(
    routes: APIRouter, history: HistoryDatabase, control: KeyRotationControl | None
) -> None:
    """Add `POST /keys/rotate` to `routes`; `history` takes the request's audit row."""

    @routes.post("/keys/rotate", responses=_RESPONSES)
    async def rotate_key(
        chain: Annotated[str, Query(description="the chain whose key to rotate")],
        request: KeyRotateRequest | None = None,
    ) -> KeyRotateBody:
        """Rotate the chain's oldest active executor key now (see `omniarb keys rotate`)."""
        reason = (request or KeyRotateRequest()).reason
        entry = AuditEntry.now(
            actor="api",
            action="key.rotate.requested",
            subject=chain,
            chain=chain,
            outcome="ok" if control is not None else "failed",
            details={"reason": reason},
        )
        try:
            await asyncio.to_thread(history.append_audit, entry)
        except ValueError as exc:  # a reason shaped like a private key is never stored
            raise HTTPException(status_code=422, detail=str(exc)) from None
        if control is None:
            raise KeyRotationUnavailableError("this bot runs without key rotation")
        result = await control.rotate(chain, reason=reason)
        return KeyRotateBody(
            chain=chain, new_address=result.new_address, old_address=result.old_address
        )
