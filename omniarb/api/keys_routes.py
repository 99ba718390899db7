"""`POST /keys/rotate?chain=NAME`: rotate a chain's executor key now, inside the running bot.

Scope `admin`. The bot's key rotation (`omniarb.keys.rotation_service`) runs every step and
writes each to the audit log; this route writes the request itself (`key.rotate.requested`,
actor = the caller's token; outcome `failed` when the bot has no rotation, `denied` — written by
the auth dependency — for a token without the scope) first, and answers with the new and the
old key's addresses once the old key is retired. 503 when the bot runs without a key rotation,
404 for a chain it does not rotate.
"""

from __future__ import annotations

from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from omniarb.api._schema_base import BODY
from omniarb.api.audit_trail import ApiAudit
from omniarb.api.auth import ApiAuth, Caller
from omniarb.errors import RetryableError

__all__ = [
    "KeyRotateBody",
    "KeyRotateRequest",
    "KeyRotationControl",
    "LateKeyRotation",
    "register_key_routes",
]


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


class LateKeyRotation:
    """The bot's key rotation as the API sees it: the API starts before the bot's pipelines
    exist, and the rotation is built over them, so it is attached once it is (503 until then
    and after the bot stops)."""

    def __init__(self) -> None:
        self._control: KeyRotationControl | None = None

    def attach(self, control: KeyRotationControl | None) -> None:
        self._control = control

    def detach(self) -> None:
        """The bot stopped: its rotation no longer runs (503 from now on)."""
        self._control = None

    @property
    def attached(self) -> bool:
        return self._control is not None

    async def rotate(self, chain: str, *, reason: str) -> RotationView:
        if self._control is None:
            raise KeyRotationUnavailableError("the bot's key rotation is not running")
        return await self._control.rotate(chain, reason=reason)


_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "the body is not JSON"},
    404: {"description": "the bot rotates no key on this chain"},
    403: {"description": "the token lacks the admin scope"},
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
    routes: APIRouter, *, auth: ApiAuth, audit: ApiAudit, control: KeyRotationControl | None
) -> None:
    """Add `POST /keys/rotate` to `routes`; `audit` takes the request's audit row."""
    caller_of = Depends(auth.require("admin", action="key.rotate.requested"))

    @routes.post("/keys/rotate", responses=_RESPONSES)
    async def rotate_key(
        chain: Annotated[str, Query(description="the chain whose key to rotate")],
        request: KeyRotateRequest | None = None,
        caller: Caller = caller_of,
    ) -> KeyRotateBody:
        """Rotate the chain's oldest active executor key now (see `omniarb keys rotate`).
        Scope: admin."""
        reason = (request or KeyRotateRequest()).reason
        await audit.record(
            actor=caller.actor,
            action="key.rotate.requested",
            subject=chain,
            chain=chain,
            outcome="ok" if control is not None else "failed",
            details={"reason": reason},
        )
        if control is None:
            raise KeyRotationUnavailableError("this bot runs without key rotation")
        result = await control.rotate(chain, reason=reason)
        return KeyRotateBody(
            chain=chain, new_address=result.new_address, old_address=result.old_address
        )
