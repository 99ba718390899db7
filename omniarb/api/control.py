"""The routes that change or reveal the bot's control state, each with its scope and audit row.

* POST `/breaker/trip`, POST `/breaker/reset` (`?chain=` for one chain's breaker): scope
  `control`; audited as `api.breaker.trip` / `api.breaker.reset`.
* GET `/config`: scope `admin` (the effective settings, secrets masked); audited as
  `api.config.read`.

Every call writes one audit row: outcome `ok`, `failed` (the breaker is not attached or has no
such scope) or `denied` (written by the auth dependency before the route runs). A new control
or admin route (key rotation, treasury) declares `Depends(auth.require("admin", action=...))`
the same way and records its outcome with `ApiAudit.record`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from omniarb.api.audit_trail import ApiAudit
from omniarb.api.auth import ApiAuth, Caller
from omniarb.api.schemas import BreakerStatus, BreakerTripRequest, ConfigBody
from omniarb.api.state import ApiState, BreakerControl, ScopedBreakerControl
from omniarb.api.views import breaker_status
from omniarb.config import Secrets, Settings
from omniarb.errors import NotFoundError, OmniarbError

__all__ = ["BreakerUnavailableError", "breaker_of", "register_control"]

# A chain by name (lower-case letters, digits, - and _) or by id (digits that fit a BIGINT).
CHAIN_PATTERN = r"^([a-z][a-z0-9_-]{0,31}|[0-9]{1,18})$"
BreakerScope = Annotated[
    str | None,
    Query(
        pattern=CHAIN_PATTERN,
        description='a chain\'s name for its own breaker, or "global" (the default)',
    ),
]
_UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"description": "a part the route needs is not attached or not reachable"}
}
_MALFORMED: dict[int | str, dict[str, Any]] = {
    400: {"description": "the body is not JSON"},
    413: {"description": "the body is larger than api.max_body_bytes"},
}
_NO_SCOPE: dict[int | str, dict[str, Any]] = {
    404: {"description": "the breaker has no such scope (per-chain breakers are off?)"}
}
_FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {"description": "the token lacks the scope this route needs"}
}


class BreakerUnavailableError(OmniarbError):
    """No circuit breaker is attached: 503."""


def breaker_of(state: ApiState, chain: str | None = None) -> BreakerControl:
    """The breaker of `chain`'s scope (the global one for None or "global"); `NotFoundError`
    (404) for a scope the attached breaker does not have."""
    control = state.breaker
    if control is None:
        raise BreakerUnavailableError("no circuit breaker is attached")
    if chain is None or chain == control.scope:
        return control
    if isinstance(control, ScopedBreakerControl):
        return control.scope_breaker(chain)
    raise NotFoundError(f"no circuit breaker for {chain!r} (scopes: {control.scope})")


def register_control(
    routes: APIRouter,
    *,
    state: ApiState,
    settings: Settings,
    secrets: Secrets,
    auth: ApiAuth,
    audit: ApiAudit,
) -> None:
    """Add the breaker's POST routes and `/config` to `routes`."""

    def publish() -> BreakerStatus:
        # Whatever scope changed, the status is the whole breaker's, as GET /breaker has it.
        now = breaker_status(breaker_of(state))
        state.hub.publish_breaker(now)
        return now

    async def audited(
        caller: Caller, action: str, chain: str | None, details: dict[str, Any], change: Any
    ) -> BreakerStatus:
        subject = chain or "global"
        try:
            change()
            status = publish()
        except OmniarbError as exc:
            await audit.record(
                actor=caller.actor,
                action=action,
                subject=subject,
                outcome="failed",
                details={**details, "error": str(exc)[:200]},
            )
            raise
        await audit.record(actor=caller.actor, action=action, subject=subject, details=details)
        return status

    trip_caller = Depends(auth.require("control", action="api.breaker.trip"))
    reset_caller = Depends(auth.require("control", action="api.breaker.reset"))
    config_caller = Depends(auth.require("admin", action="api.config.read"))

    @routes.post(
        "/breaker/trip", responses={**_UNAVAILABLE, **_MALFORMED, **_NO_SCOPE, **_FORBIDDEN}
    )
    async def trip(
        request: BreakerTripRequest,
        chain: BreakerScope = None,
        caller: Caller = trip_caller,
    ) -> BreakerStatus:
        """Open the breaker: trading stops until a reset (with `chain`, only that chain's
        trading). Tripping an open breaker keeps its current trip. Scope: control."""
        return await audited(
            caller,
            "api.breaker.trip",
            chain,
            {"reason": request.reason[:200]},
            lambda: breaker_of(state, chain).trip(request.reason, by="api"),
        )

    @routes.post("/breaker/reset", responses={**_UNAVAILABLE, **_NO_SCOPE, **_FORBIDDEN})
    async def reset(chain: BreakerScope = None, caller: Caller = reset_caller) -> BreakerStatus:
        """Close the breaker: trading resumes (with `chain`, that chain's breaker only).
        Scope: control."""
        return await audited(
            caller, "api.breaker.reset", chain, {}, lambda: breaker_of(state, chain).reset(by="api")
        )

    @routes.get("/config", responses=_FORBIDDEN)
    async def config(caller: Caller = config_caller) -> ConfigBody:
        """The effective settings, URLs cut to their endpoint (an RPC URL's path may hold an API
        key); secrets only as `***` (set) or null (not set). Scope: admin."""
        await audit.record(actor=caller.actor, action="api.config.read", subject="config")
        return ConfigBody(
            settings=settings.to_public_dict(mask_urls=True), secrets=secrets.to_public_dict()
        )
