"""ASGI middleware that guards the API before a route runs: loopback-only pages, a rate limit
per client address, and a request-size limit.

* `LoopbackGuard` (loopback mode only): the `Host` header must name a loopback host (a
  DNS-rebinding page cannot pass) and an `Origin`, when a browser sends one, must be a loopback
  origin (another site's page cannot trip the breaker or read the WebSocket from the operator's
  browser). HTTP gets 403; a WebSocket handshake is closed before it is accepted.
* `AddressRateLimit`: a token bucket per client address (the TCP peer: behind a reverse proxy
  that is the proxy); HTTP gets 429 with `Retry-After`, a WebSocket handshake is closed (1008).
  It runs before auth, so guessing tokens from one address is limited too.
* `BodyLimit`: a body announced larger than the limit (`Content-Length`) gets 413 before the
  route runs or a byte is read; a body streamed without a length is counted as it arrives and
  the read fails with 413 once it passes the limit, so it is never held whole in memory.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException

from omniarb.api.ratelimit import RateLimiter, retry_after_s

__all__ = ["AddressRateLimit", "BodyLimit", "LoopbackGuard", "host_of", "is_loopback_literal"]

_Scope = MutableMapping[str, Any]
_Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
_Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
_App = Callable[[_Scope, _Receive, _Send], Awaitable[None]]

_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback_literal(host: str) -> bool | None:
    """True/False for an IP literal or a well-known local name; None for another name."""
    name = host.strip("[]").lower()
    if name in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return None


def host_of(value: str) -> str:
    """The host of a `Host` header value (`127.0.0.1:8000`, `[::1]:80`, `localhost`)."""
    return urlsplit(f"//{value}").hostname or ""


async def _answer(
    send: _Send, status: int, detail: str, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class LoopbackGuard:
    """ASGI middleware for loopback mode: only loopback `Host` and `Origin` headers pass."""

    def __init__(self, app: _App) -> None:
        self.app = app

    async def __call__(self, scope: _Scope, receive: _Receive, send: _Send) -> None:
        if scope["type"] in ("http", "websocket") and not self._allowed(scope):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": "not local"})
                return
            await _answer(send, 403, "only local pages may use this API without a token")
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _allowed(scope: _Scope) -> bool:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if is_loopback_literal(host_of(headers.get("host", ""))) is not True:
            return False
        origin = headers.get("origin")
        if origin is None:
            return True
        return is_loopback_literal(urlsplit(origin).hostname or "") is True


class AddressRateLimit:
    """ASGI middleware: a token bucket per client address; `on_limited` hears each refusal."""

    def __init__(self, app: _App, *, limiter: RateLimiter, on_limited: Callable[[], None]) -> None:
        self.app = app
        self._limiter = limiter
        self._on_limited = on_limited

    async def __call__(self, scope: _Scope, receive: _Receive, send: _Send) -> None:
        if scope["type"] in ("http", "websocket"):
            client = scope.get("client")
            wait_s = self._limiter.take(str(client[0]) if client else "unknown")
            if wait_s > 0:
                self._on_limited()
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008, "reason": "rate limited"})
                    return
                retry = str(retry_after_s(wait_s)).encode()
                await _answer(
                    send,
                    429,
                    "too many requests from this address; retry after the Retry-After seconds",
                    ((b"retry-after", retry),),
                )
                return
        await self.app(scope, receive, send)


class BodyLimit:
    """ASGI middleware: request bodies above `max_bytes` get 413."""

    def __init__(self, app: _App, *, max_bytes: int) -> None:
        self.app = app
        self._max_bytes = max_bytes

    async def __call__(self, scope: _Scope, receive: _Receive, send: _Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        detail = f"the request body is larger than {self._max_bytes} bytes (api.max_body_bytes)"
        announced = [v for k, v in scope["headers"] if k.lower() == b"content-length"]
        # A length that is not a number is refused too (h11 would refuse it before us anyway).
        if any(not v.isdigit() or int(v) > self._max_bytes for v in announced):
            await _answer(send, 413, detail)
            return
        received = 0

        async def limited() -> MutableMapping[str, Any]:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._max_bytes:
                    # FastAPI re-raises an HTTPException met while reading the body: a 413.
                    raise HTTPException(status_code=413, detail=detail)
            return message

        await self.app(scope, limited, send)
