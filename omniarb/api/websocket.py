"""`/ws`: the live stream, behind a `read` token and with limits on what a client may send.

Clients only listen; anything they send is read (so a close is noticed at once) and held to
`api.ws_max_message_bytes` per message (beyond: close 1009, "message too big") and to a token
bucket of `api.ws_messages_per_s` / `api.ws_message_burst` (beyond: close 1008, "policy
violation"). A client that falls a whole queue behind is closed with 1013 ("try again later").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from fastapi import WebSocket
from fastapi.responses import JSONResponse
from starlette.websockets import WebSocketDisconnect

from omniarb.api.auth import ApiAuth
from omniarb.api.live import MESSAGE_TYPES, LiveHub
from omniarb.api.ratelimit import RateLimiter
from omniarb.api.state import IntrusionSignal
from omniarb.config import ApiSettings

__all__ = ["stream"]

log = logging.getLogger(__name__)

TOO_BIG = 1009
POLICY = 1008


async def _refuse(websocket: WebSocket, status: int, detail: str) -> None:
    """Answer the handshake with an HTTP error when the server can, else close it."""
    try:
        await websocket.send_denial_response(JSONResponse({"detail": detail}, status_code=status))
    except RuntimeError:
        await websocket.close(code=POLICY, reason=detail[:120])


async def _listen(
    websocket: WebSocket, settings: ApiSettings, intrusion: IntrusionSignal | None
) -> None:
    """Read what the client sends until it leaves or breaks a limit (then close it)."""
    bucket = RateLimiter(rate_per_s=settings.ws_messages_per_s, burst=settings.ws_message_burst)
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text, data = message.get("text"), message.get("bytes")
        size = len(text.encode()) if text is not None else len(data or b"")
        if size > settings.ws_max_message_bytes:
            await websocket.close(code=TOO_BIG, reason="message too big")
            return
        if bucket.take("client") > 0:
            if intrusion is not None:
                intrusion.rate_limited("websocket")
            await websocket.close(code=POLICY, reason="too many messages")
            return


async def stream(
    websocket: WebSocket,
    auth: ApiAuth,
    hub: LiveHub,
    settings: ApiSettings,
    intrusion: IntrusionSignal | None,
) -> None:
    """Send the hub's messages until the client leaves, lags too far, breaks a limit, or the
    server stops."""
    if await auth.websocket_caller(websocket) is None:
        await _refuse(websocket, 401, "a token is required: ?token=... or a bearer header")
        return
    asked = websocket.query_params.get("types")
    types = MESSAGE_TYPES if not asked else frozenset(t.strip() for t in asked.split(","))
    if not types <= MESSAGE_TYPES:
        await _refuse(websocket, 400, f"types: choose from {', '.join(sorted(MESSAGE_TYPES))}")
        return
    await websocket.accept()
    started = time.monotonic()
    with hub.subscribe(types) as subscription:

        async def send() -> None:
            with contextlib.suppress(WebSocketDisconnect, OSError):
                while True:
                    await websocket.send_text(await subscription.get())

        async def listen() -> None:
            with contextlib.suppress(WebSocketDisconnect, OSError, RuntimeError):
                await _listen(websocket, settings, intrusion)

        async with asyncio.TaskGroup() as tasks:
            running = [
                tasks.create_task(send()),
                tasks.create_task(listen()),
                tasks.create_task(subscription.dropped.wait()),
            ]
            await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in running:
                task.cancel()
        if subscription.dropped.is_set():
            # 1013 "try again later": the client fell a whole queue behind.
            with contextlib.suppress(WebSocketDisconnect, OSError, RuntimeError):
                await websocket.close(code=1013, reason="too slow: dropped")
    log.debug("live client left after %.1f s", time.monotonic() - started)
