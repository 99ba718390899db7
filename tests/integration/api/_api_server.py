"""Serve the real API app with uvicorn on a free port inside a test, and stop it properly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from pydantic import SecretStr

from omniarb.api import ApiServer, ApiState, create_app
from omniarb.config import Secrets, Settings

TOKEN = "test-token-5b1f"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def make_secrets(token: str | None = TOKEN, **others: str) -> Secrets:
    values = {name: SecretStr(value) for name, value in others.items()}
    return Secrets(api_token=None if token is None else SecretStr(token), **values)


@asynccontextmanager
async def serving(
    state: ApiState,
    settings: Settings | None = None,
    *,
    token: str | None = TOKEN,
    secrets: Secrets | None = None,
) -> AsyncIterator[ApiServer]:
    """The API over `state` on 127.0.0.1 and a free port, until the block ends; `secrets`
    (default: just the token) are what `/config` masks and auth checks."""
    settings = settings or Settings()
    app = create_app(state, settings, secrets=make_secrets(token) if secrets is None else secrets)
    server = ApiServer(app, state, settings.api)
    task = asyncio.create_task(server.serve())
    try:
        await server.wait_started()
        yield server
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def ws_url(server: ApiServer, query: str = "") -> str:
    return server.url.replace("http://", "ws://", 1) + "/ws" + (f"?{query}" if query else "")
