"""What the relay did, for the CLI, the demo and tests: bundles received, simulated, included
and dropped (by reason), blocks built."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

__all__ = ["RelayCounters", "RelayStats"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RelayStats:
    """A snapshot of the counters (a value: safe to keep and compare)."""

    bundles_received: int
    bundles_simulated: int
    bundles_included: int
    bundles_dropped: int
    dropped_by_reason: dict[str, int] = field(default_factory=dict)
    bundles_cancelled: int = 0
    blocks_built: int = 0
    public_txs_included: int = 0
    order_violations: int = 0


class RelayCounters:
    """The live counters; one owner (the relay server) increments them."""

    def __init__(self) -> None:
        self.received = 0
        self.simulated = 0
        self.included = 0
        self.cancelled = 0
        self.blocks_built = 0
        self.public_txs_included = 0
        self.order_violations = 0
        self.dropped: Counter[str] = Counter()
        # The latest outcome of each bundle hash: "included", or the reason it was dropped.
        self.outcomes: dict[str, str] = {}

    def drop(self, bundle_hash: str, reason: str) -> None:
        self.dropped[reason] += 1
        self.outcomes[bundle_hash] = reason

    def include(self, bundle_hash: str) -> None:
        self.included += 1
        self.outcomes[bundle_hash] = "included"

    def snapshot(self) -> RelayStats:
        return RelayStats(
            bundles_received=self.received,
            bundles_simulated=self.simulated,
            bundles_included=self.included,
            bundles_dropped=sum(self.dropped.values()),
            dropped_by_reason=dict(self.dropped),
            bundles_cancelled=self.cancelled,
            blocks_built=self.blocks_built,
            public_txs_included=self.public_txs_included,
            order_violations=self.order_violations,
        )
