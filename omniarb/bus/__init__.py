"""The bus between workers: Redis for the shared price cache and the event stream.

Optional and off in the embedded default (`[redis] enabled = false`): one process runs every
chain and the live hub is enough. Past one process, per-chain workers cache token prices in
Redis keys with a TTL for the cross-chain view, and append their events (opportunities,
trades, alerts, stats) to one Redis Stream that the API and other workers read.
"""

from omniarb.bus.redis_bus import BusEvent, RedisBus, TokenPrice

__all__ = ["BusEvent", "RedisBus", "TokenPrice"]
