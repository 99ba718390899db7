"""What the roles that trade (`omniarb worker`, `omniarb coordinator`) share beyond every role's
links (`omniarb.cli._role`): the running devnet's network and keys when no manifest is given, and
the process around their terms — the shared history, the stop signals, the Redis links and
`/metrics`, which serves the current term's series (or idle ones between terms).

    async with trading_role(settings, identity, chains=names, db_url=url, metrics_port=p) as r:
        ...  # r.store, r.links, r.current (the term's Telemetry), r.stop
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from omniarb.cli._role import RoleLinks, RoleMetrics, role_links, serving_metrics
from omniarb.cluster.presence import RoleIdentity
from omniarb.config import Settings
from omniarb.devnet.bot_access import DevnetAccess
from omniarb.devnet.bot_keys import DevnetBotKeys
from omniarb.devnet.record import read_record
from omniarb.devnet.supervise import StopSignals
from omniarb.errors import NotRunningError
from omniarb.monitor.metrics import Metrics
from omniarb.network import Manifest
from omniarb.store import HistoryStore
from omniarb.telemetry import Telemetry

__all__ = ["TradingRole", "devnet_network", "trading_role"]


def devnet_network(settings: Settings) -> tuple[Manifest, DevnetAccess]:
    """The running devnet's manifest and its bot's keys; NotRunningError when none runs."""
    record = read_record()
    if record is None:
        raise NotRunningError(
            "no devnet is running (start one with `omniarb devnet up --detach`, "
            "or describe a network and use --manifest FILE)"
        )
    path = Path(record.manifest)
    keys = DevnetBotKeys(path.parent, backend=settings.keys.backend)
    return Manifest.read(path), DevnetAccess(path, settings.devnet.executor_inventory, keys=keys)


@dataclass(frozen=True, slots=True, kw_only=True)
class TradingRole:
    """The open parts of a trading role's process. `current` holds the running term's
    telemetry (empty between terms), whose series `/metrics` serves."""

    store: HistoryStore
    links: RoleLinks
    current: list[Telemetry]
    stop: asyncio.Event


@contextlib.asynccontextmanager
async def trading_role(
    settings: Settings,
    identity: RoleIdentity,
    *,
    chains: list[str],
    db_url: str,
    metrics_port: int,
) -> AsyncIterator[TradingRole]:
    """The shared history, SIGTERM/SIGINT as `stop`, the role's Redis links and its `/metrics`
    for as long as the block runs; the history is flushed and closed last."""
    store = await asyncio.to_thread(HistoryStore.open, db_url)
    current: list[Telemetry] = []
    idle = Metrics(chains=chains)

    def term_metrics() -> bytes:
        monitor = current[0].monitor if current else None
        return (monitor.metrics if monitor is not None else idle).render()

    try:
        with StopSignals() as signals:
            async with role_links(settings, identity) as links:
                source = RoleMetrics(term_metrics, RoleMetrics.of(links.bus_metrics.registry))
                async with serving_metrics(source, metrics_port):
                    yield TradingRole(
                        store=store, links=links, current=current, stop=signals.stopped
                    )
    finally:
        await store.close()
