"""The bus between processes: Redis Streams for events and pool updates, Redis keys for the
cross-chain view.

Optional and off in the embedded default (`[redis] enabled = false`): one process runs every
chain and the live hub is enough. Past one process, events travel on Redis Streams with consumer
groups (`StreamBus`: at-least-once, idempotent by key, an outbox for outages, dead letters,
metrics) and the API's live hub is fed from them (`live_relay`); `omniarb run` with Redis
enabled publishes its hub there too. The cross-chain view's curves, each with its asset's mid
price in USD, are mirrored one key per (chain, asset) with a TTL (`curve_mirror`): the shared
price view of every chain.
"""

from omniarb.bus.bus_metrics import BusMetrics, sample_backlog
from omniarb.bus.curve_mirror import CurveMirror
from omniarb.bus.live_relay import feed_hub, publish_hub
from omniarb.bus.streams import (
    EVENTS,
    POOLS,
    StreamBacklog,
    StreamBus,
    StreamConsumer,
    StreamEntry,
)

__all__ = [
    "EVENTS",
    "POOLS",
    "BusMetrics",
    "CurveMirror",
    "StreamBacklog",
    "StreamBus",
    "StreamConsumer",
    "StreamEntry",
    "feed_hub",
    "publish_hub",
    "sample_backlog",
]
