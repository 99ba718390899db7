"""When a trade passed each boundary of the live path, from the block's notification to the
node's acknowledgment of our transaction: one `StageTimes` value, carried on the pipeline's values
(`PoolUpdate`, `Opportunity`, `Decision`, `Execution`) and filled in as they pass.

    notified ─logs─► logs ─apply─► applied ─queue─► dequeued ─detect─► detected ─risk─► risk
      ─score─► scored ─allocate─► allocated ─check─► checked ─sign─► signed ─claim─► sent
      ─ack─► acked

Every stamp is `time.monotonic_ns()` in this process (0: not reached). A segment is named after
the work between its two stamps: `queue` is the wait for the deciding task, `check` prices the
calldata (and an L2's L1 fee) and pre-checks the call, `sign` reserves a nonce and signs, `claim`
makes the idempotency key durable before the send, `ack` is the send's round trip to the node.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields, replace

__all__ = ["SEGMENTS", "STAMPS", "UNSTAMPED", "StageTimes", "offset_segments_ns"]

# The stamps in the order the live path passes them, and the segment that ends at each.
STAMPS = (
    "notified",
    "logs",
    "applied",
    "dequeued",
    "detected",
    "risk",
    "scored",
    "allocated",
    "checked",
    "signed",
    "sent",
    "acked",
)
SEGMENTS = (
    "logs",
    "apply",
    "queue",
    "detect",
    "risk",
    "score",
    "allocate",
    "check",
    "sign",
    "claim",
    "ack",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class StageTimes:
    """The monotonic clock (ns) at each stamp of `STAMPS`; 0 where the value has not got there."""

    notified_ns: int = 0
    logs_ns: int = 0
    applied_ns: int = 0
    dequeued_ns: int = 0
    detected_ns: int = 0
    risk_ns: int = 0
    scored_ns: int = 0
    allocated_ns: int = 0
    checked_ns: int = 0
    signed_ns: int = 0
    sent_ns: int = 0
    acked_ns: int = 0

    def at(self, **stamps_ns: int) -> StageTimes:
        """These times with `stamps_ns` (e.g. `risk_ns=...`) set."""
        return replace(self, **stamps_ns)

    def stamps(self) -> tuple[int, ...]:
        """Every stamp, in `STAMPS` order."""
        return tuple(getattr(self, f"{name}_ns") for name in STAMPS)

    @property
    def complete(self) -> bool:
        """Every boundary from the notification to the acknowledgment was stamped."""
        return all(self.stamps())

    @property
    def monotonic(self) -> bool:
        """The stamps that were set never go back in time along the path."""
        last = 0
        for ns in self.stamps():
            if ns:
                if ns < last:
                    return False
                last = ns
        return True

    def segments_ns(self) -> Iterator[tuple[str, int]]:
        """(segment, duration in ns) for each segment whose two ends are stamped."""
        stamps = self.stamps()
        for name, start, end in zip(SEGMENTS, stamps[:-1], stamps[1:], strict=True):
            if start and end:
                yield name, end - start

    def offsets_ns(self) -> dict[str, int | None]:
        """Each stamp as ns since the notification (None where not stamped), the form the
        `--summary` file and the history keep: a monotonic clock means nothing elsewhere."""
        origin = self.notified_ns
        return {
            name: (ns - origin if ns and origin else None)
            for name, ns in zip(STAMPS, self.stamps(), strict=True)
        }

    @property
    def total_ns(self) -> int:
        """Notification → acknowledgment (0 unless both are stamped)."""
        if self.notified_ns and self.acked_ns:
            return self.acked_ns - self.notified_ns
        return 0

    def merged(self, other: StageTimes) -> StageTimes:
        """Two blocks' times decided as one: the earlier notification (latency counts from the
        first block) and the later of every other stamp, so the result stays monotonic."""
        values = {}
        for item in fields(self):
            a, b = getattr(self, item.name), getattr(other, item.name)
            if item.name == "notified_ns":
                values[item.name] = min((ns for ns in (a, b) if ns), default=0)
            else:
                values[item.name] = max(a, b)
        return StageTimes(**values)


# The default of the values' `times`: nothing stamped yet.
UNSTAMPED = StageTimes()


def offset_segments_ns(offsets_ns: Mapping[str, int | None]) -> list[tuple[str, int]]:
    """(segment, duration in ns) from stored offsets (`StageTimes.offsets_ns`), for each segment
    whose two ends were stamped: how the history and the API read a trade's stamps back."""
    segments = []
    for name, start, end in zip(SEGMENTS, STAMPS[:-1], STAMPS[1:], strict=True):
        start_ns, end_ns = offsets_ns.get(start), offsets_ns.get(end)
        if start_ns is not None and end_ns is not None:
            segments.append((name, end_ns - start_ns))
    return segments
