"""Who may use the API: a bearer token from `OMNIARB_API_TOKEN`, or this machine only.

Two modes, chosen by whether the token is set:

* **token** — every route (except `/metrics` when `api.metrics_public`) needs
  `Authorization: Bearer <token>`, else 401; the WebSocket takes the same header or
  `?token=<token>` (browsers cannot set headers on a WebSocket) and is refused with 401 before
  the handshake completes. Tokens are compared in constant time.
* **loopback** — no token set: the API refuses to start unless it binds a loopback address,
  and then serves without a token, but only requests that come from this machine's own pages:
  the `Host` header must name a loopback host (a DNS-rebinding page cannot pass) and an
  `Origin`, when a browser sends one, must be a loopback origin (another site's page cannot
  trip the breaker or read the WebSocket from the operator's browser).
"""

from __future__ import annotations

import hmac
import ipaddress
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, WebSocket
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from omniarb.errors import ConfigError

__all__ = ["ApiAuth", "LoopbackGuard", "is_loopback_host"]

_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def _is_loopback_literal(host: str) -> bool | None:
    """True/False for an IP literal or a well-known local name; None for another name."""
    name = host.strip("[]").lower()
    if name in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return None


def is_loopback_host(host: str) -> bool:
    """Whether binding `host` listens on loopback only (a name counts if it resolves only
    to loopback addresses)."""
    literal = _is_loopback_literal(host)
    if literal is not None:
        return literal
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(
        ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in infos
    )


def _host_of(value: str) -> str:
    """The host of a `Host` header value (`127.0.0.1:8000`, `[::1]:80`, `localhost`)."""
    return urlsplit(f"//{value}").hostname or ""


class ApiAuth:
    """The API's auth: `token` (None = loopback mode) and whether `/metrics` is public."""

    def __init__(self, token: str | None, *, metrics_public: bool = True) -> None:
        self._token = token.encode() if token else None
        self.metrics_public = metrics_public
        # Declared as a sub-dependency so the OpenAPI schema publishes the bearer scheme.
        bearer = HTTPBearer(auto_error=False, description="the value of OMNIARB_API_TOKEN")

        async def require_token(
            credentials: HTTPAuthorizationCredentials | None = Depends(bearer),  # noqa: B008
        ) -> None:
            if not self.matches(None if credentials is None else credentials.credentials):
                raise HTTPException(
                    status_code=401,
                    detail="a bearer token is required (Authorization: Bearer $OMNIARB_API_TOKEN)",
                    headers={"WWW-Authenticate": "Bearer"},
                )

        # The route dependency: 401 unless the request carries the token.
        self.http: Callable[..., Awaitable[None]] = require_token

    @property
    def mode(self) -> str:
        return "loopback" if self._token is None else "token"

    def check_bind(self, host: str) -> None:
        """Refuse to serve without a token on anything but loopback (`ConfigError`)."""
        if self._token is None and not is_loopback_host(host):
            raise ConfigError(
                f"api.host: the API would listen on {host!r} without auth; set "
                "OMNIARB_API_TOKEN, or bind a loopback address such as 127.0.0.1"
            )

    def matches(self, presented: str | None) -> bool:
        """Whether `presented` is the token (always true in loopback mode)."""
        if self._token is None:
            return True
        return presented is not None and hmac.compare_digest(presented.encode(), self._token)

    def websocket_allowed(self, websocket: WebSocket) -> bool:
        """Whether the handshake carries the token, as a header or `?token=`."""
        if self._token is None:
            return True
        header = websocket.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and self.matches(value.strip()):
            return True
        return self.matches(websocket.query_params.get("token"))


_Scope = MutableMapping[str, Any]
_Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
_Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
_App = Callable[[_Scope, _Receive, _Send], Awaitable[None]]


class LoopbackGuard:
    """ASGI middleware for loopback mode: only loopback `Host` and `Origin` headers pass.

    HTTP requests that fail get 403; a WebSocket handshake that fails is closed before it is
    accepted (the server answers 403).
    """

    def __init__(self, app: _App) -> None:
        self.app = app

    async def __call__(self, scope: _Scope, receive: _Receive, send: _Send) -> None:
        if scope["type"] in ("http", "websocket") and not self._allowed(scope):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": "not local"})
                return
            body = b'{"detail":"only local pages may use this API without a token"}'
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _allowed(scope: _Scope) -> bool:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if _is_loopback_literal(_host_of(headers.get("host", ""))) is not True:
            return False
        origin = headers.get("origin")
        if origin is None:
            return True
        return _is_loopback_literal(urlsplit(origin).hostname or "") is True
