"""The rebalancer's series: bridge transfers by the status they reached, and how many are in
flight or stuck now.

    omniarb_bridge_transfers_total{bridge,src,dst,status}
    omniarb_bridge_transfers_in_flight
    omniarb_bridge_transfers_stuck

They live on the bot's one registry (`Metrics.bridges`), fed by `observe` with each transfer as
it changes (`omniarb.crosschain.rebalancer`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["BridgeMetrics", "TransferFigures"]


class TransferFigures(Protocol):
    """What the series read of a transfer (`omniarb.store.bridge_transfers.BridgeTransfer`)."""

    @property
    def bridge(self) -> str: ...
    @property
    def src_chain(self) -> str: ...
    @property
    def dst_chain(self) -> str: ...
    @property
    def status(self) -> str: ...


class BridgeMetrics:
    """Bridge-transfer series on `registry`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.transfers = Counter(
            "omniarb_bridge_transfers_total",
            "Bridge transfers of the rebalancer, by the status each reached",
            ("bridge", "src", "dst", "status"),
            registry=registry,
        )
        self.in_flight = Gauge(
            "omniarb_bridge_transfers_in_flight",
            "Bridge transfers sent and not yet arrived (stuck ones included)",
            registry=registry,
        )
        self.stuck = Gauge(
            "omniarb_bridge_transfers_stuck",
            "Bridge transfers past their deadline and not arrived",
            registry=registry,
        )

    def observe(self, transfer: TransferFigures) -> None:
        """`transfer` reached its current status."""
        labels = (transfer.bridge, transfer.src_chain, transfer.dst_chain, str(transfer.status))
        self.transfers.labels(*labels).inc()

    def set_open(self, transfers: Iterable[TransferFigures]) -> None:
        """The transfers not final now: in flight, and how many of them are stuck."""
        statuses = [str(t.status) for t in transfers]
        self.in_flight.set(len(statuses))
        self.stuck.set(statuses.count("stuck"))
