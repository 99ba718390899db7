"""Serve the API inside our event loop: uvicorn as one task beside the engine's.

    server = ApiServer(app, state, settings.api)       # binds now: the port is known at once
    print(server.url)
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(server.serve())               # cancel it to stop, gracefully
        ...

The socket is bound in the constructor (port 0 picks a free one), so the caller can print the
URL before serving and a busy port fails early as a `ConfigError`. `serve()` runs uvicorn and
the stats ticker (the `stats` message every `api.stats_interval_s`, and the `inventory`
message when an inventory is attached, only while someone listens); when cancelled it shuts
uvicorn down properly: no new connections, WebSocket clients told the server is going away
(1012), requests in progress given a few seconds. uvicorn's own signal handling is off: the
program's Ctrl-C handling stays in charge.

With `api.tls_cert` and `api.tls_key` the server speaks HTTPS (and WSS); the pair is loaded in
the constructor, so a missing file or a key that does not match fails at once as a
`ConfigError` (naming the files, never their contents). WebSocket frames larger than
`api.ws_max_message_bytes` are refused by the protocol layer itself (close 1009).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from omniarb.api.auth import ApiAuth
from omniarb.api.inventory import InventoryUnavailableError
from omniarb.api.state import ApiState
from omniarb.config import ApiSettings
from omniarb.errors import ConfigError

__all__ = ["ApiServer"]

log = logging.getLogger(__name__)

_GRACEFUL_S = 3


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handlers: the host program decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _bind(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as exc:
        raise ConfigError(f"api.host: cannot resolve {host!r}: {exc.strerror}") from exc
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"api: cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.setblocking(False)
    return sock


def _check_tls(settings: ApiSettings) -> None:
    """Load the certificate and key once, to fail at start rather than at the first client."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(settings.tls_cert, settings.tls_key)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"api.tls_cert/api.tls_key: cannot load {settings.tls_cert!r} with "
            f"{settings.tls_key!r}: {type(exc).__name__}"
        ) from None


class ApiServer:
    """The API app on a bound socket, served by `serve()` until cancelled."""

    def __init__(self, app: FastAPI, state: ApiState, settings: ApiSettings) -> None:
        auth: ApiAuth = app.state.auth
        auth.check_bind(settings.host)
        self._state = state
        self._settings = settings
        if settings.tls:
            _check_tls(settings)
        self._socket = _bind(settings.host, settings.port)
        config = uvicorn.Config(
            app,
            lifespan="off",
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=_GRACEFUL_S,
            ws_ping_interval=20.0,
            ws_ping_timeout=20.0,
            ws_max_size=settings.ws_max_message_bytes,
            ssl_certfile=settings.tls_cert or None,
            ssl_keyfile=settings.tls_key or None,
        )
        self._server = _EmbeddedServer(config)

    @property
    def port(self) -> int:
        return int(self._socket.getsockname()[1])

    @property
    def url(self) -> str:
        """`http://host:port` (`https://` with TLS), for the log line and the dashboard link."""
        host = self._socket.getsockname()[0]
        shown = f"[{host}]" if ":" in host else host
        scheme = "https" if self._settings.tls else "http"
        return f"{scheme}://{shown}:{self.port}"

    @property
    def started(self) -> bool:
        return self._server.started

    async def wait_started(self, timeout_s: float = 10.0) -> None:
        """Return once the server accepts connections (`TimeoutError` past `timeout_s`)."""
        async with asyncio.timeout(timeout_s):
            while not self._server.started:
                await asyncio.sleep(0.01)

    async def serve(self) -> None:
        """Serve until cancelled, then shut down gracefully and close the socket."""
        try:
            async with asyncio.TaskGroup() as tasks:
                web = tasks.create_task(self._server.serve(sockets=[self._socket]))
                ticker = tasks.create_task(self._tick())
                try:
                    # Shielded: a cancel must reach uvicorn as "exit", not in the middle of it.
                    await asyncio.shield(web)
                except asyncio.CancelledError:
                    self._server.should_exit = True
                    ticker.cancel()
                    await web
                    raise
                ticker.cancel()
        finally:
            self._socket.close()
        log.info("API at %s stopped", self.url)

    async def _tick(self) -> None:
        hub, live, inventory = self._state.hub, self._state.live, self._state.inventory
        if live is None and inventory is None:
            return
        while True:
            await asyncio.sleep(self._settings.stats_interval_s)
            if live is not None and hub.has_subscribers:
                hub.publish_stats(live())
            # Balances change between trades (receipts, arrivals): the panel follows the tick.
            if inventory is not None and hub.wants("inventory"):
                # An empty slot (no coordinator yet) has nothing to send: wait for the next tick.
                with contextlib.suppress(InventoryUnavailableError):
                    hub.publish_inventory(inventory.snapshot())
