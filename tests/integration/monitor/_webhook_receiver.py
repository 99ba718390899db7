"""A real HTTP server for the alert tests: it receives the generic webhook, Slack's incoming
webhook and Telegram's `sendMessage`, records every JSON body, and can be told to fail."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

BOT_TOKEN = "123456:ABC-test_token"


class Receiver:
    """What arrived, per channel (`webhook`, `slack`, `telegram`), in order."""

    def __init__(self) -> None:
        self.received: dict[str, list[dict[str, Any]]] = {
            "webhook": [],
            "slack": [],
            "telegram": [],
        }
        self.failures_left: dict[str, int] = {"webhook": 0, "slack": 0, "telegram": 0}
        self.base_url = ""
        self._arrived = asyncio.Condition()

    async def wait_for(self, channel: str, count: int, timeout_s: float = 10.0) -> None:
        async with asyncio.timeout(timeout_s), self._arrived:
            await self._arrived.wait_for(lambda: len(self.received[channel]) >= count)

    async def _take(self, channel: str, request: web.Request) -> web.Response:
        if self.failures_left[channel] > 0:
            self.failures_left[channel] -= 1
            return web.Response(status=500, text="receiver told to fail")
        if request.content_type != "application/json":
            return web.Response(status=415)
        body = await request.json()
        async with self._arrived:
            self.received[channel].append(body)
            self._arrived.notify_all()
        if channel == "telegram":
            return web.json_response({"ok": True, "result": {"message_id": 1}})
        return web.Response(text="ok")

    async def webhook(self, request: web.Request) -> web.Response:
        return await self._take("webhook", request)

    async def slack(self, request: web.Request) -> web.Response:
        return await self._take("slack", request)

    async def telegram(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != BOT_TOKEN:
            return web.json_response({"ok": False, "error_code": 401}, status=401)
        return await self._take("telegram", request)


@asynccontextmanager
async def webhook_receiver() -> AsyncIterator[Receiver]:
    """A receiver on 127.0.0.1 (a free port): `/hook`, `/slack`, `/tg/bot{token}/sendMessage`."""
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.webhook)
    app.router.add_post("/slack", receiver.slack)
    app.router.add_post("/tg/bot{token}/sendMessage", receiver.telegram)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    receiver.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    await web.SockSite(runner, sock).start()
    try:
        yield receiver
    finally:
        await runner.cleanup()
        sock.close()
