"""Who may use the API, and for what: bearer tokens with scopes, or this machine only.

Two modes, chosen when the app is made:

* **token** — when `OMNIARB_API_TOKEN` is set or the history database holds an active token
  (`omniarb tokens create`). Every route needs `Authorization: Bearer <token>` (except
  `/metrics` when `api.metrics_public`), and every route declares the scope it needs: reads
  `read`, the breaker `control`, configuration, keys and treasury `admin`
  (admin ⊇ control ⊇ read). No token or a bad one: 401; a token without the scope: 403 naming
  the scope needed. `OMNIARB_API_TOKEN` is the legacy token, scope admin. The WebSocket needs
  `read`, as a header or `?token=` (browsers cannot set headers on a WebSocket), and is refused
  before the handshake completes. Stored tokens are checked against their SHA-256 in the
  database, the answer reused for at most a second, so a revoke takes effect within a second;
  comparisons are constant-time.
* **loopback** — no token anywhere: the API refuses to start unless it binds a loopback
  address, and then serves every route without a token to this machine's own pages
  (`omniarb.api.guards.LoopbackGuard`).

Each request a token makes also takes from its token bucket (`api.token_rate_per_s`,
`api.token_burst`): past it, 429 with `Retry-After`. Failed auths and 429s are reported to the
`IntrusionSignal`; denied attempts at control and admin routes are written to the audit log.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import logging
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Depends, HTTPException, Request, WebSocket
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from omniarb.api.audit_trail import ApiAudit
from omniarb.api.guards import LoopbackGuard, is_loopback_literal
from omniarb.api.ratelimit import RateLimiter, retry_after_s
from omniarb.api.state import IntrusionSignal
from omniarb.errors import ConfigError, OmniarbError
from omniarb.store.api_tokens import (
    ApiScope,
    ApiToken,
    ApiTokenStore,
    scope_allows,
    token_id_of,
)

__all__ = ["ApiAuth", "Caller", "LoopbackGuard", "is_loopback_host"]

log = logging.getLogger(__name__)

# How often a token's `last_used_at` is written: often enough to tell a dead token from a live
# one, rarely enough that reads do not turn into writes.
_TOUCH_EVERY_S = 60.0
# How long a stored token's check is reused: a revoke takes effect within this many seconds.
_VERIFY_TTL_S = 1.0
# Only tokens found in the database are cached, so this bound is never reached in practice.
_MAX_CACHED = 10_000


def is_loopback_host(host: str) -> bool:
    """Whether binding `host` listens on loopback only (a name counts if it resolves only
    to loopback addresses)."""
    literal = is_loopback_literal(host)
    if literal is not None:
        return literal
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(
        ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in infos
    )


def _any_active(tokens: ApiTokenStore) -> bool:
    """Whether the database holds an active token; an unreachable one counts as none, which is
    safe: without a token the API only starts on loopback (`check_bind`)."""
    try:
        return tokens.any_active()
    except OmniarbError as exc:
        log.warning("API tokens not readable (%s); only OMNIARB_API_TOKEN is accepted", exc)
        return False


@dataclass(frozen=True, slots=True, kw_only=True)
class Caller:
    """Who made a request: the audit log's `actor`, the scope held, and the rate-limit key
    (None: loopback mode, limited per address only)."""

    actor: str
    scope: ApiScope
    limit_key: str | None


_LOOPBACK = Caller(actor="loopback", scope="admin", limit_key=None)
_LEGACY = Caller(actor="env-token", scope="admin", limit_key="env-token")


class _DeniedError(Exception):
    """No valid token: `reason` is the counter label, `actor` what the audit log names."""

    def __init__(self, reason: str, actor: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.actor = actor


class ApiAuth:
    """The API's auth; `require(scope)` is the dependency each route declares."""

    def __init__(
        self,
        token: str | None,
        *,
        metrics_public: bool = True,
        tokens: ApiTokenStore | None = None,
        limiter: RateLimiter | None = None,
        intrusion: IntrusionSignal | None = None,
        audit: ApiAudit | None = None,
    ) -> None:
        self._token = token.encode() if token else None
        self._tokens = tokens
        self._limiter = limiter
        self._intrusion = intrusion
        self._audit = audit
        self._touched: dict[str, float] = {}
        self._verified: dict[str, tuple[ApiToken, float]] = {}
        self.metrics_public = metrics_public
        stored = tokens is not None and _any_active(tokens)
        self.mode = "token" if self._token is not None or stored else "loopback"
        # Declared as a sub-dependency so the OpenAPI schema publishes the bearer scheme.
        self._bearer = HTTPBearer(
            auto_error=False,
            description="a token from `omniarb tokens create`, or OMNIARB_API_TOKEN (admin)",
        )

    def check_bind(self, host: str) -> None:
        """Refuse to serve without a token on anything but loopback (`ConfigError`)."""
        if self.mode == "loopback" and not is_loopback_host(host):
            raise ConfigError(
                f"api.host: the API would listen on {host!r} without auth; create a token "
                "(omniarb tokens create) or set OMNIARB_API_TOKEN, or bind a loopback address "
                "such as 127.0.0.1"
            )

    def matches(self, presented: str | None) -> bool:
        """Whether `presented` is the legacy token (always true in loopback mode)."""
        if self.mode == "loopback":
            return True
        return (
            self._token is not None
            and presented is not None
            and hmac.compare_digest(presented.encode(), self._token)
        )

    def require(
        self, needed: ApiScope, *, action: str | None = None
    ) -> Callable[..., Awaitable[Caller]]:
        """The dependency of a route that needs scope `needed`; `action` names a control or
        admin route in the audit log (denied attempts are written there)."""

        async def dependency(
            request: Request,
            credentials: HTTPAuthorizationCredentials | None = Depends(self._bearer),  # noqa: B008
        ) -> Caller:
            cached = getattr(request.state, "caller", None)
            if isinstance(cached, Caller):
                caller = cached
            else:
                try:
                    caller = await self._identify(
                        None if credentials is None else credentials.credentials
                    )
                except _DeniedError as denied:
                    await self._deny(denied.reason, denied.actor, action, request.url.path)
                    raise HTTPException(
                        status_code=401,
                        detail="a valid bearer token is required (Authorization: Bearer ...)",
                        headers={"WWW-Authenticate": "Bearer"},
                    ) from None
                self._take(caller)
                request.state.caller = caller
            if not scope_allows(caller.scope, needed):
                await self._deny("scope", caller.actor, action, request.url.path)
                raise HTTPException(
                    status_code=403,
                    detail=f"this route needs the {needed!r} scope; the token has {caller.scope!r}",
                )
            return caller

        return dependency

    async def websocket_caller(self, websocket: WebSocket) -> Caller | None:
        """The caller of a WebSocket handshake (a header or `?token=`), None when refused."""
        if self.mode == "loopback":
            return _LOOPBACK
        header = websocket.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        presented = value.strip() if scheme.lower() == "bearer" else None
        presented = presented or websocket.query_params.get("token")
        try:
            caller = await self._identify(presented)
        except _DeniedError as denied:
            self._report_failure(denied.reason)
            return None
        # Every scope includes read: no scope check is needed for the stream.
        return caller

    async def _identify(self, presented: str | None) -> Caller:
        if self.mode == "loopback":
            return _LOOPBACK
        if not presented:
            raise _DeniedError("missing", "anonymous")
        if self.matches(presented):
            return _LEGACY
        token_id = token_id_of(presented)
        if token_id is None or self._tokens is None:
            raise _DeniedError("invalid", "anonymous")
        token = await self._verify(presented)
        if token is None:
            raise _DeniedError("invalid", f"token:{token_id}?")
        if not token.active:
            raise _DeniedError("revoked", token.actor)
        await self._touch(token.id)
        return Caller(actor=token.actor, scope=token.scope, limit_key=f"token:{token.id}")

    async def _verify(self, presented: str) -> ApiToken | None:
        """The stored token `presented` is, from the database at most every
        `_VERIFY_TTL_S` per token (a lookup in a worker thread costs milliseconds under load;
        see benchmarks/api_auth.py)."""
        assert self._tokens is not None
        # Keyed by the digest: the cache holds no token, only what the database holds too.
        key = hashlib.sha256(presented.encode()).hexdigest()
        now_s = time.monotonic()
        cached = self._verified.get(key)
        if cached is not None and now_s - cached[1] < _VERIFY_TTL_S:
            return cached[0]
        token = await asyncio.to_thread(self._tokens.verify, presented)
        if token is None:
            self._verified.pop(key, None)
            return None
        if len(self._verified) >= _MAX_CACHED:
            self._verified.clear()
        self._verified[key] = (token, now_s)
        return token

    def _take(self, caller: Caller) -> None:
        if self._limiter is None or caller.limit_key is None:
            return
        wait_s = self._limiter.take(caller.limit_key)
        if wait_s > 0:
            if self._intrusion is not None:
                self._intrusion.rate_limited("token")
            raise HTTPException(
                status_code=429,
                detail="too many requests with this token; retry after the Retry-After seconds",
                headers={"Retry-After": str(retry_after_s(wait_s))},
            )

    async def _touch(self, token_id: str) -> None:
        now_s = time.monotonic()
        last = self._touched.get(token_id)
        if (last is not None and now_s - last < _TOUCH_EVERY_S) or self._tokens is None:
            return
        self._touched[token_id] = now_s
        await asyncio.to_thread(self._tokens.touch, token_id, datetime.now(UTC))

    def _report_failure(self, reason: str) -> None:
        if self._intrusion is not None:
            self._intrusion.auth_failed(reason)

    async def _deny(self, reason: str, actor: str, action: str | None, path: str) -> None:
        self._report_failure(reason)
        if action is not None and self._audit is not None:
            await self._audit.record(
                actor=actor,
                action=action,
                subject=path,
                outcome="denied",
                details={"reason": reason},
            )
