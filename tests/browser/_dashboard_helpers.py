"""The dashboard's test rig: the API serving the built dashboard and a watched browser page."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import Browser, ConsoleMessage, Page, Request
from pydantic import SecretStr

from omniarb.api import ApiServer, ApiState, create_app
from omniarb.config import ApiSettings, Secrets, Settings

TOKEN = "dashboard-token-7c2e"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
VIEWPORT = {"width": 1440, "height": 900}


@asynccontextmanager
async def serving_dashboard(
    state: ApiState, dashboard_dir: Path, *, token: str | None = TOKEN, port: int = 0
) -> AsyncIterator[ApiServer]:
    """The API over `state` with the dashboard at `/`, on 127.0.0.1:`port` (0 = a free one)."""
    settings = Settings(api=ApiSettings(port=port, stats_interval_s=0.5))
    secrets = Secrets(api_token=None if token is None else SecretStr(token))
    app = create_app(state, settings, secrets=secrets, dashboard_dir=dashboard_dir)
    server = ApiServer(app, state, settings.api)
    task = asyncio.create_task(server.serve())
    try:
        await server.wait_started()
        yield server
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


@dataclass(slots=True)
class WatchedPage:
    """A page, the errors its scripts raised, the loads that failed (`"<status or error>
    <path>"`), every URL it asked for and with which Authorization header."""

    page: Page
    errors: list[str] = field(default_factory=list)
    failed_loads: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    authorization: dict[str, str | None] = field(default_factory=dict)

    def foreign_requests(self, origin_netloc: str) -> list[str]:
        """Requests that went anywhere but the API serving the dashboard."""
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob")
            and urlsplit(url).netloc != origin_netloc
        ]


async def open_page(browser: Browser) -> WatchedPage:
    """A page in a fresh context (own sessionStorage) that records errors and requests."""
    context = await browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    page = await context.new_page()
    watched = WatchedPage(page=page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        # Chromium logs each failed load and refused WebSocket itself; the tests judge those
        # by status and path. Anything else is an error of the page.
        if message.text.startswith("Failed to load resource"):
            detail = message.text.rsplit(": ", 1)[-1].split(" (")[0]
            code = detail.rsplit(" ", 1)[-1]
            watched.failed_loads.append(f"{code} {urlsplit(message.location['url']).path}")
        elif "WebSocket connection" not in message.text:
            watched.errors.append(message.text)

    def on_request(request: Request) -> None:
        watched.requests.append(request.url)
        # The last Authorization header sent to each path (None: sent without one).
        watched.authorization[urlsplit(request.url).path] = request.headers.get("authorization")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: watched.errors.append(str(exc)))
    page.on("request", on_request)
    page.on("websocket", lambda ws: watched.requests.append(ws.url))
    return watched


def whole_units(amount: int, decimals: int, max_fraction: int = 8) -> str:
    """What the dashboard shows for `amount` base units (grouped, fraction cut, not rounded)."""
    whole, fraction = divmod(amount, 10**decimals)
    digits = str(fraction).rjust(decimals, "0")[:max_fraction].rstrip("0")
    return f"{whole:,}" + (f".{digits}" if digits else "")
