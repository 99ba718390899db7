"""A real HTTP server in front of a node for fault tests: it forwards JSON-RPC requests, and a
subclass decides per request what the client gets (a refusal, a lost answer, a block mined
behind the client's back)."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from omniarb.async_resource import AsyncResource


class RpcProxy(AsyncResource):
    """Forwards every request to `upstream` unchanged; `url` is where clients connect once the
    proxy is entered. Subclasses override `respond`."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def forward(self, body: bytes) -> bytes:
        """`body` sent to the node; its answer's bytes."""
        assert self._session is not None
        headers = {"Content-Type": "application/json"}
        async with self._session.post(self.upstream, data=body, headers=headers) as answer:
            return await answer.read()

    async def respond(self, body: bytes) -> web.Response:
        """What the client gets for the request `body` (here: the node's answer)."""
        return web.Response(body=await self.forward(body), content_type="application/json")

    async def _handle(self, request: web.Request) -> web.Response:
        return await self.respond(await request.read())

    async def _open(self) -> None:
        app = web.Application()
        app.router.add_post("/", self._handle)
        self._session = aiohttp.ClientSession()
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def _close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()
