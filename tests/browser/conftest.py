"""Browser tests: Debian's Chromium driven by Playwright against the built dashboard.

Chromium is `/usr/bin/chromium` (Debian's `chromium` package; `OMNIARB_CHROMIUM` overrides
the path) and Playwright is the Python package, driving that binary — never a browser of its
own (`playwright install` downloads one, which these machines cannot). A missing Chromium,
Playwright or built dashboard is a failure, never a skip: the set-up installs all three.
The engine's and the API's test helpers (`_bot_helpers`, `_api_values`) are importable here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from omniarb.paths import project_root

if TYPE_CHECKING:
    from playwright.async_api import Browser

_TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(_TESTS / "integration" / "engine"))
sys.path.insert(0, str(_TESTS / "integration" / "api"))

CHROMIUM = Path(os.environ.get("OMNIARB_CHROMIUM", "/usr/bin/chromium"))
# Headless, and quiet: without the background-networking flags Chromium keeps dialling out to
# Google's services, which this closed network refuses (and which a test must not depend on).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = project_root() / "test-artifacts"


@pytest.fixture
def dashboard_dir() -> Path:
    """The built dashboard (`make setup` runs `npm ci && npm run build` in dashboard/)."""
    dist = project_root() / "dashboard" / "dist"
    if not (dist / "index.html").is_file():
        pytest.fail(f"{dist}/index.html is missing: build the dashboard with `make setup`")
    return dist


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go (`test-artifacts/`, ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium with a fresh profile, closed after the test."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: install Debian's Chromium (apt-get install chromium)")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.fail("Playwright for Python is missing: pip install playwright (dev extras)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()
