"""What a chain's mempool showed lately: how many decoded pending swaps touched each pool in the
last `window_s`, and how many there were in all. The score stage reads it as the competition a
trade meets (a pool that pending swaps keep moving is one other searchers watch too); the
chain's backrun watch feeds it, so a chain that does not watch its mempool reads zeros.

    activity = PendingActivity(window_s=12.0)
    activity.saw(["0xpool..."], seen_ns=tx.seen_ns)       # the backrun watch, per decoded swap
    activity.route_swaps(route.pools, now_ns)             # the score stage, per decision

Memory is bounded whatever the mempool sends: the last `max_per_pool` swaps of each pool, of
the `max_pools` pools touched most recently, and the last `max_swaps` swaps in all; a count is
at most its bound. Stamps are `time.monotonic_ns()`, as `PendingTx.seen_ns` is.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence

__all__ = ["PendingActivity"]

_NS_PER_S = 1_000_000_000


class PendingActivity:
    """Recent decoded pending swaps, per pool and in all, within a sliding window."""

    def __init__(
        self,
        *,
        window_s: float,
        max_pools: int = 4096,
        max_per_pool: int = 256,
        max_swaps: int = 4096,
    ) -> None:
        if not window_s > 0:
            raise ValueError(f"window_s must be positive, got {window_s}")
        if min(max_pools, max_per_pool, max_swaps) < 1:
            raise ValueError("max_pools, max_per_pool and max_swaps must be positive")
        self.window_s = window_s
        self._window_ns = int(window_s * _NS_PER_S)
        self._max_pools = max_pools
        self._max_per_pool = max_per_pool
        self._serial = 0  # one per swap: a swap through two pools of a route counts once
        self._swaps: deque[int] = deque(maxlen=max_swaps)
        # Lowercase pool address -> (seen_ns, serial) of its swaps, oldest first; the dict in
        # order of last touch, so the pool to forget when full is the first one.
        self._pools: dict[str, deque[tuple[int, int]]] = {}

    def saw(self, pools: Iterable[str], seen_ns: int) -> None:
        """One decoded pending swap, seen at `seen_ns`, through `pools` (any case; empty when
        the pools it moves are unknown: it still counts in `swaps`)."""
        # Kept in order, so the window's edge is found from the oldest end: a stamp older than
        # the newest (a hash fetched late) counts from the newest, a little longer at most.
        if self._swaps and seen_ns < self._swaps[-1]:
            seen_ns = self._swaps[-1]
        self._serial += 1
        self._swaps.append(seen_ns)
        for pool in {p.lower() for p in pools}:
            record = self._pools.pop(pool, None)
            if record is None:
                record = deque(maxlen=self._max_per_pool)
                if len(self._pools) >= self._max_pools:
                    del self._pools[next(iter(self._pools))]
            record.append((seen_ns, self._serial))
            self._pools[pool] = record

    def route_swaps(self, pools: Sequence[str], now_ns: int) -> int:
        """How many swaps seen in the window before `now_ns` touched any of `pools`."""
        cutoff_ns = now_ns - self._window_ns
        seen: set[int] = set()
        for pool in pools:
            record = self._pools.get(pool.lower())
            if record is None:
                continue
            for seen_ns, serial in reversed(record):
                if seen_ns < cutoff_ns:
                    break
                seen.add(serial)
        return len(seen)

    def swaps(self, now_ns: int) -> int:
        """How many swaps were seen in the window before `now_ns`, through any pool."""
        cutoff_ns = now_ns - self._window_ns
        swaps = self._swaps
        # Expired stamps are never counted again: dropping them keeps this O(1) per call.
        while swaps and swaps[0] < cutoff_ns:
            swaps.popleft()
        return len(swaps)

    @property
    def pools_tracked(self) -> int:
        """How many pools have a record (at most `max_pools`)."""
        return len(self._pools)
