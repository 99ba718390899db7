"""Prometheus metrics on a port of their own, for the scaled-out roles (`--metrics-port`).

A role's metrics must be scrapeable without the API's token and without an API at all (a
worker serves none), and Kubernetes probes that port: `GET /metrics` answers the series in the
text exposition format, `GET /healthz` answers `ok`, anything else 404. It is a few lines of
`asyncio.start_server`, not a web framework: one request per connection, read-only.

    server = await MetricsServer.start(metrics, host="0.0.0.0", port=9464)   # 0: a free port
    print(server.url)
    ...
    await server.close()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from omniarb.errors import ConfigError

__all__ = ["MetricsServer", "MetricsText"]

log = logging.getLogger(__name__)

# A request line and headers larger than this are not a scraper's.
_MAX_HEAD_BYTES = 8192
_READ_TIMEOUT_S = 5.0


class MetricsText(Protocol):
    """What is served (`omniarb.monitor.metrics.Metrics`)."""

    @property
    def content_type(self) -> str: ...

    def render(self) -> bytes: ...


def _response(status: str, content_type: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class MetricsServer:
    """`GET /metrics` and `GET /healthz` on one listening socket, until `close()`."""

    def __init__(self, server: asyncio.Server, source: MetricsText) -> None:
        self._server = server
        self._source = source

    @classmethod
    async def start(cls, source: MetricsText, *, host: str, port: int) -> MetricsServer:
        """Listen on `host:port` now (a busy port is a `ConfigError` naming it)."""
        holder: list[MetricsServer] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await holder[0]._serve(reader, writer)

        try:
            server = await asyncio.start_server(
                handle, host, port, reuse_address=True, limit=_MAX_HEAD_BYTES
            )
        except OSError as exc:
            raise ConfigError(
                f"--metrics-port: cannot listen on {host}:{port}: {exc.strerror}"
            ) from exc
        holder.append(cls(server, source))
        return holder[0]

    @property
    def port(self) -> int:
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        host = self._server.sockets[0].getsockname()[0]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}/metrics"

    def _answer(self, head: bytes) -> bytes:
        """The reply to a request's head (`ValueError` when it is not an HTTP request)."""
        method, target, *_ = head.split(b"\r\n", 1)[0].decode("ascii").split(" ")
        path = target.split("?", 1)[0]
        if method not in ("GET", "HEAD"):
            reply = _response("405 Method Not Allowed", "text/plain", b"GET only\n")
        elif path == "/metrics":
            reply = _response("200 OK", self._source.content_type, self._source.render())
        elif path == "/healthz":
            reply = _response("200 OK", "text/plain", b"ok\n")
        else:
            reply = _response("404 Not Found", "text/plain", b"not found\n")
        if method == "HEAD":
            reply = reply.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
        return reply

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(_READ_TIMEOUT_S):
                head = await reader.readuntil(b"\r\n\r\n")
            writer.write(self._answer(head))
            await writer.drain()
        except (
            TimeoutError,
            ValueError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
        ):
            # Not an HTTP request we answer (a port scan, a half-open probe): just close.
            log.debug("metrics port: not a request, closed")
        except ConnectionError:
            log.debug("metrics client went away before the answer")
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def close(self) -> None:
        self._server.close()
        await self._server.wait_closed()
