"""The books of one chain's market: counters, the settled-swap log, and the live figures.

Kept apart from the trading loop so that what is counted, and how the live view is derived
from it, reads in one place.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import deque
from collections.abc import Mapping

from omniarb.devnet.market._sender import SignedSwap
from omniarb.devnet.market.snapshot import largest_gap, watched_prices
from omniarb.devnet.market.state import ChainState, pool_key
from omniarb.monitor.market_view import ChainStats, SwapRecord, SwapStatus
from omniarb.network import ChainManifest

__all__ = ["ChainLedger"]

log = logging.getLogger(__name__)

_RATE_WINDOW_S = 10.0
_RECENT_SWAPS = 8


class ChainLedger:
    """Counts and logs one chain's swaps and remembers the last state read, for `stats()`.

    The log keeps the newest `log_limit` records; the counters keep every swap.
    """

    def __init__(self, chain: ChainManifest, *, log_limit: int) -> None:
        self._chain = chain
        self._pools = {pool_key(p.address, p.symbol0, p.symbol1): p for p in chain.pools}
        native = next(t for t in chain.tokens if t.wrapped_native)
        self._native_symbol, self._native_asset = native.symbol, native.asset
        self.sent = self.mined = self.failed = self.retries = 0
        self._log: deque[SwapRecord] = deque(maxlen=log_limit)
        self.state: ChainState | None = None
        self._reference_usd: dict[str, float] = {}
        # (monotonic ns, swaps mined) per step, for the recent swaps-per-second figure.
        self._mined_at_ns: deque[tuple[int, int]] = deque()
        self._started_ns = 0

    def start(self) -> None:
        """Mark the start of a run: the swaps-per-second figure never spans an idle gap."""
        self._started_ns = time.monotonic_ns()
        self._mined_at_ns.clear()

    def observe(self, state: ChainState, reference_usd: Mapping[str, float] | None = None) -> None:
        self.state = state
        if reference_usd is not None:
            self._reference_usd = dict(reference_usd)

    def record(self, swap: SignedSwap, status: SwapStatus, *, step: int, block: int | None) -> None:
        """Log one settled swap and count it as mined or failed."""
        pool = self._pools[swap.intent.pool]
        record = SwapRecord(
            chain=self._chain.name,
            step=step,
            pool=pool.address,
            dex=pool.dex,
            pair=f"{pool.symbol0}/{pool.symbol1}",
            zero_for_one=swap.intent.zero_for_one,
            amount_in=swap.intent.amount_in,
            trader=swap.trader,
            tx_hash=swap.tx_hash,
            status=status,
            block_number=block,
            whale=swap.intent.whale,
        )
        self._log.append(record)
        if status is SwapStatus.MINED:
            self.mined += 1
        else:
            self.failed += 1
        if swap.intent.whale:
            log.info(
                "%s: whale %s %s %d in, %s (block %s)",
                self._chain.name,
                record.dex,
                record.pair,
                record.amount_in,
                status.value,
                block,
                extra={"chain": self._chain.name, "block": block},
            )

    def step_settled(self, mined: int) -> None:
        now_ns = time.monotonic_ns()
        self._mined_at_ns.append((now_ns, mined))
        self._forget_old_rates(now_ns)

    def swap_log(self) -> tuple[SwapRecord, ...]:
        return tuple(self._log)

    def stats(self, *, step: int) -> ChainStats:
        """The live figures, from the counters and the last state read."""
        now_ns = time.monotonic_ns()
        self._forget_old_rates(now_ns)
        recent = sum(n for _, n in self._mined_at_ns)
        # Over the window, or over the time run so far when that is shorter.
        span_s = min(_RATE_WINDOW_S, (now_ns - self._started_ns) / 1e9) if self._started_ns else 0
        state = self.state
        gap_bps, gap_pair = largest_gap(state) if state else (0.0, "")
        return ChainStats(
            chain=self._chain.name,
            chain_id=self._chain.chain_id,
            block_number=state.block_number if state else 0,
            step=step,
            swaps_sent=self.sent,
            swaps_mined=self.mined,
            swaps_failed=self.failed,
            swaps_per_s=recent / span_s if span_s > 0 else 0.0,
            retries=self.retries,
            native_reference_usd=self._reference_usd.get(self._native_asset, 0.0),
            prices=watched_prices(state, self._native_symbol, "USDC") if state else (),
            max_gap_bps=gap_bps,
            max_gap_pair=gap_pair,
            recent_swaps=tuple(itertools.islice(reversed(self._log), _RECENT_SWAPS)),
        )

    def _forget_old_rates(self, now_ns: int) -> None:
        window_ns = int(_RATE_WINDOW_S * 1e9)
        while self._mined_at_ns and now_ns - self._mined_at_ns[0][0] > window_ns:
            self._mined_at_ns.popleft()
