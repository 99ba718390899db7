"""The REST + WebSocket API: how operators, the dashboard and scripts watch and steer the bot.

It reads the history (trades, opportunities, PnL) from the store, the live per-chain figures
from the engine, and the monitoring parts (Prometheus metrics, the circuit breaker, alerts)
through small Protocols; the engine publishes opportunities, trades and alerts into a
`LiveHub`, which fans them out to WebSocket clients without ever making the engine wait.
`ApiServer` runs uvicorn as one task in the bot's own event loop, on 127.0.0.1 by default,
behind bearer tokens with scopes (`read`, `control`, `admin`; `omniarb tokens create`, or the
legacy `OMNIARB_API_TOKEN`), rate limits, size limits and an audit log of control calls (see
`omniarb.api.auth`, `omniarb.api.guards`, `omniarb.api.control`).
"""

from omniarb.api.app import create_app
from omniarb.api.audit_trail import ApiAudit
from omniarb.api.auth import ApiAuth, Caller, is_loopback_host
from omniarb.api.inventory import (
    AssetHolding,
    ChainInventory,
    InventorySlot,
    InventorySnapshot,
    InventoryUnavailableError,
    InventoryView,
)
from omniarb.api.live import MESSAGE_TYPES, HubAlertSink, LiveHub, Subscription
from omniarb.api.server import ApiServer
from omniarb.api.state import (
    AlertFeed,
    AlertView,
    ApiState,
    BreakerControl,
    IntrusionSignal,
    LiveFigures,
    MetricsSource,
    ScopedBreakerControl,
    StatsProvider,
    TripView,
)
from omniarb.api.views import breaker_status

__all__ = [
    "MESSAGE_TYPES",
    "AlertFeed",
    "AlertView",
    "ApiAudit",
    "ApiAuth",
    "ApiServer",
    "ApiState",
    "AssetHolding",
    "BreakerControl",
    "Caller",
    "ChainInventory",
    "HubAlertSink",
    "IntrusionSignal",
    "InventorySlot",
    "InventorySnapshot",
    "InventoryUnavailableError",
    "InventoryView",
    "LiveFigures",
    "LiveHub",
    "MetricsSource",
    "ScopedBreakerControl",
    "StatsProvider",
    "Subscription",
    "TripView",
    "breaker_status",
    "create_app",
    "is_loopback_host",
]
