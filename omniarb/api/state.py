"""What the API serves from: the history, the live figures, the hub, and the monitoring parts.

The monitoring parts (Prometheus metrics, the circuit breaker, the alert feed) are typed as
small Protocols of just what the API calls, so `omniarb.monitor.Metrics`,
`omniarb.risk.breaker.CircuitBreaker` and an alert feed plug in as they are, and a test can
hand in any real object with those methods. A breaker with scopes (`ScopedBreakerControl`:
`omniarb.risk.BreakerBoard`, the global breaker and one per chain) also lets the operator
read and reset each chain's.

Usage, where the bot runs::

    state = ApiState(
        history=store.database,
        hub=hub,
        live=lambda: (engine.stats, market.snapshot()),
        metrics=metrics,
        breaker=breaker,
    )
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from omniarb.store import HistoryDatabase

if TYPE_CHECKING:
    from omniarb.api.cluster_routes import ClusterView
    from omniarb.api.inventory import InventoryView
    from omniarb.api.keys_routes import KeyRotationControl
    from omniarb.api.live import LiveHub
    from omniarb.monitor.market_view import MarketSnapshot
    from omniarb.optimize.setup import ChainOptimizer
    from omniarb.track import ChainBotStats

__all__ = [
    "AlertFeed",
    "AlertView",
    "ApiState",
    "BreakerControl",
    "IntrusionSignal",
    "LiveFigures",
    "MetricsSource",
    "ScopedBreakerControl",
    "StatsProvider",
    "TripView",
]


class MetricsSource(Protocol):
    """Prometheus series in the text exposition format (`omniarb.monitor.metrics.Metrics`)."""

    @property
    def content_type(self) -> str: ...

    def render(self) -> bytes: ...


class TripView(Protocol):
    """One breaker trip, as `omniarb.risk.breaker.BreakerTrip` has it."""

    @property
    def id(self) -> str: ...
    @property
    def scope(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def detail(self) -> str: ...
    @property
    def consecutive_failures(self) -> int: ...
    @property
    def loss_usd(self) -> float: ...
    @property
    def tripped_at(self) -> datetime: ...
    @property
    def tripped_by(self) -> str: ...
    @property
    def reset_at(self) -> datetime | None: ...
    @property
    def reset_by(self) -> str | None: ...


class BreakerControl(Protocol):
    """A circuit breaker the operator can trip and reset (`CircuitBreaker` is one).

    `trip` returns the new trip (or the current one when already open); `reset` returns the
    trip it ended, None when it was closed. `by` names the channel, here "api".
    """

    @property
    def scope(self) -> str: ...
    @property
    def is_open(self) -> bool: ...
    @property
    def trip_record(self) -> TripView | None: ...

    def trip(self, detail: str, *, by: str = ...) -> TripView: ...

    def reset(self, *, by: str = ...) -> TripView | None: ...


@runtime_checkable
class ScopedBreakerControl(BreakerControl, Protocol):
    """A breaker with scopes: its own members act on the global breaker, `breakers` lists
    every scope's (the global first), `scope_breaker` finds one by name, raising
    `omniarb.errors.NotFoundError` for a scope it does not have."""

    @property
    def breakers(self) -> Sequence[BreakerControl]: ...

    def scope_breaker(self, scope: str) -> BreakerControl: ...


class AlertView(Protocol):
    """An alert, as `omniarb.monitor.alerts.Alert` has it."""

    @property
    def id(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def fired_at(self) -> datetime: ...
    @property
    def chain(self) -> str | None: ...
    @property
    def value(self) -> float | None: ...
    @property
    def threshold(self) -> float | None: ...
    @property
    def suppressed(self) -> str | None: ...


class AlertFeed(Protocol):
    """The latest alerts, newest first, when not the stored ones (the hub keeps those
    published to it)."""

    def recent(self, limit: int) -> Sequence[AlertView]: ...


class IntrusionSignal(Protocol):
    """Where the API reports failed auths and rate-limited requests (the intrusion signal):
    `omniarb.monitor.api_metrics.ApiIntrusion` counts them and alerts on a burst.

    `reason` is one of "missing", "invalid", "revoked", "scope"; `scope` is "token",
    "address" or "websocket" (which limit refused).
    """

    def auth_failed(self, reason: str) -> None: ...

    def rate_limited(self, scope: str) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveFigures:
    """The engine's per-chain figures now, the devnet market's when one runs, and each
    chain's tuned parameters (`omniarb.optimize`)."""

    chains: Sequence[ChainBotStats]
    market: MarketSnapshot | None = None
    params: Sequence[ChainOptimizer] = ()


# Called on the event loop at each `/chains` request and each stats tick: must be cheap.
StatsProvider = Callable[[], LiveFigures]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiState:
    """Everything the API reads or controls; None parts answer 503 ("not attached").

    `history` is read in a worker thread (`asyncio.to_thread`); `/alerts` serves the stored
    alerts unless an `alerts` feed is attached.
    """

    history: HistoryDatabase
    hub: LiveHub
    live: StatsProvider | None = None
    metrics: MetricsSource | None = None
    breaker: BreakerControl | None = None
    alerts: AlertFeed | None = None
    # The worst event-loop lag of the last minute, in seconds (`LoopLagMonitor.worst_s`).
    loop_lag: Callable[[], float] | None = None
    # Failed auths and rate-limited requests go here (counters, the burst alert).
    intrusion: IntrusionSignal | None = None
    # The bot's key rotation (`omniarb.api.keys_routes.KeyRotationControl`), for /keys/rotate.
    key_rotation: KeyRotationControl | None = None
    # The running bot's cross-chain inventory (`omniarb.api.inventory.InventoryView`), for
    # /cross-chain/inventory and the `inventory` messages.
    inventory: InventoryView | None = None
    # The scaled-out cluster's worker registry (`omniarb.cluster.registry.WorkerRegistry`),
    # for /cluster/workers: attached by `omniarb api`.
    cluster: ClusterView | None = None
    started_at: datetime = field(default_factory=_now)
