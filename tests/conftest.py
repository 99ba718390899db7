"""Shared fixtures: a devnet home whose deployment cache outlives one test run; and the session's
PostgreSQL and Redis (`_servers`: the configured ones, else private ones started here)."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, ExitStack, asynccontextmanager, nullcontext
from pathlib import Path

import pytest
from _servers import ServerStartError, session_servers

from omniarb.config import DEFAULT_CANONICAL_DELAY_S, DevnetScale
from omniarb.devnet import Devnet
from omniarb.devnet.bridges import AcrossParams
from omniarb.paths import project_root

_SERVERS = pytest.StashKey[ExitStack]()


def pytest_configure(config: pytest.Config) -> None:
    """Resolve `OMNIARB_TEST_PG_URL` / `OMNIARB_TEST_REDIS_URL` once per run, starting private
    servers if nothing answers: in the xdist controller (or the only process), before the
    workers are spawned, so that they inherit the variables and share the servers."""
    if hasattr(config, "workerinput") or config.option.collectonly or config.option.help:
        return
    capture = config.pluginmanager.getplugin("capturemanager")

    def report(line: str) -> None:
        with capture.global_and_fixture_disabled() if capture else nullcontext():
            sys.stderr.write(f"{line}\n")

    try:
        config.stash[_SERVERS] = session_servers(report)
    except ServerStartError as exc:
        raise pytest.UsageError(f"test servers: {exc}") from exc


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the private servers `pytest_configure` started, and delete their directories."""
    servers = config.stash.get(_SERVERS, None)
    if servers is not None:
        del config.stash[_SERVERS]
        servers.close()


@pytest.fixture(scope="session")
def omniarb_home() -> Path:
    """`$OMNIARB_HOME` if set, else `.omniarb/` in the checkout: saved deployments are reused."""
    configured = os.environ.get("OMNIARB_HOME")
    return Path(configured) if configured else project_root() / ".omniarb"


DevnetFactory = Callable[..., AbstractAsyncContextManager[Devnet]]


@pytest.fixture
def devnet_factory(omniarb_home: Path) -> DevnetFactory:
    """`async with devnet_factory({"ethereum": None}) as net:` starts chains (None = automine);
    `scale="large"` starts the large devnet; `relays` names the chains whose blocks a bundle
    relay builds (`net.relays[name]`; with no block time, one block per `build_block()`);
    `traps=True` adds the malicious tokens of `omniarb.devnet.traps`; `canonical_delay_s` is
    the canonical bridge's delay the manifest announces; `bridges=True` starts the bridge
    agents (`net.bridge_service`: the Across relayer, with `across`'s settings, and the
    canonical bridge's messenger)."""

    @asynccontextmanager
    async def start(
        block_times_s: Mapping[str, float | None] | None = None,
        scale: DevnetScale = "default",
        relays: Sequence[str] = (),
        traps: bool = False,
        canonical_delay_s: float = DEFAULT_CANONICAL_DELAY_S,
        bridges: bool = False,
        across: AcrossParams | None = None,
    ) -> AsyncIterator[Devnet]:
        async with Devnet(
            block_times_s=block_times_s,
            relays=relays,
            home=omniarb_home,
            scale=scale,
            traps=traps,
            canonical_delay_s=canonical_delay_s,
            bridges=bridges,
            across=across,
        ) as net:
            yield net

    return start
