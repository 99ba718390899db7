"""Shared fixtures: a devnet home whose deployment cache outlives one test run."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from omniarb.devnet import Devnet
from omniarb.paths import project_root


@pytest.fixture(scope="session")
def omniarb_home() -> Path:
    """`$OMNIARB_HOME` if set, else `.omniarb/` in the checkout: saved deployments are reused."""
    configured = os.environ.get("OMNIARB_HOME")
    return Path(configured) if configured else project_root() / ".omniarb"


DevnetFactory = Callable[..., AbstractAsyncContextManager[Devnet]]


@pytest.fixture
def devnet_factory(omniarb_home: Path) -> DevnetFactory:
    """`async with devnet_factory({"ethereum": None}) as net:` starts chains (None = automine)."""

    @asynccontextmanager
    async def start(
        block_times_s: Mapping[str, float | None] | None = None,
    ) -> AsyncIterator[Devnet]:
        async with Devnet(block_times_s=block_times_s, home=omniarb_home) as net:
            yield net

    return start
