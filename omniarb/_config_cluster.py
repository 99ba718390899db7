"""`[cluster]`: the scaled-out roles (per-chain workers, coordinator, API, trainer) and what they
share: the signer leases, the Redis Streams bus and the worker registry.

    [cluster]
    lease_ttl_s = 3.0            # a signer lease lapses this long after its last renewal
    heartbeat_s = 1.0            # how often a process refreshes its entry in the worker registry
    claim_idle_s = 5.0           # a bus entry pending this long at a dead consumer is claimed
    dedupe_ttl_s = 86400         # how long a handled entry's key is remembered (idempotency)
    outbox_max_events = 100000   # events held while Redis is unreachable, sent on reconnect
    max_deliveries = 5           # a bus entry whose handler failed this often goes to `:dead`

Used only by `omniarb worker`, `coordinator`, `api`, `trainer` and `omniarb cluster`; the
single-process `omniarb run` and `omniarb demo` ignore it. Every role needs `[redis]` (the bus,
leases and registry live there) and a PostgreSQL `[database]` shared by all of them.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from omniarb._config_services import MODEL

__all__ = ["ClusterSettings"]


class ClusterSettings(BaseModel):
    """Leases, the bus and the registry of the scaled-out roles."""

    model_config = MODEL

    lease_ttl_s: float = Field(
        default=3.0, ge=0.5, le=300, description="seconds, a number from 0.5 to 300"
    )
    heartbeat_s: float = Field(
        default=1.0, gt=0, le=60, description="seconds, a number > 0 and <= 60"
    )
    claim_idle_s: float = Field(
        default=5.0, gt=0, le=3600, description="seconds, a number > 0 and <= 3600"
    )
    dedupe_ttl_s: float = Field(
        default=86_400, ge=60, le=30 * 86_400, description="seconds, from 60 to 2592000"
    )
    outbox_max_events: int = Field(
        default=100_000, ge=100, le=10_000_000, description="an integer from 100 to 10000000"
    )
    max_deliveries: int = Field(default=5, ge=1, le=100, description="an integer from 1 to 100")
