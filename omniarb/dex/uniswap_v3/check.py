"""The V3 state's periodic consistency check: a few pools at a time compared with the chain.

Incremental V3 state is exact only if every log was applied once, in order; a missed or doubled
`Mint`/`Burn` leaves a tick or the active liquidity wrong for good, and no later `Swap` repairs
the ticks. So every so often the state stage re-reads a sample of pools through the lens at its
own head and compares them field by field (price, tick, liquidity, lock, every initialized
tick's gross and net liquidity). The sample walks through all pools in address order, so every
pool is checked within `len(pools) / sample` checks. Any difference is logged as an error with
what differs and counted; the caller replaces the pool with the chain's state. A difference
seen while the node mined a block on top of the one read is not trusted (a node may answer a
read pinned to its latest block with the state after a block mined meanwhile; anvil does), so
that check is discarded and its pools come round again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace

from omniarb.chain_events import NewHead
from omniarb.dex.uniswap_v3.discovery import V3Discovery
from omniarb.dex.uniswap_v3.pool import V3PoolState

__all__ = ["DriftReport", "V3ConsistencyCheck", "describe_drift"]

log = logging.getLogger(__name__)

_FIELDS = ("sqrt_price_x96", "tick", "liquidity", "unlocked", "token0", "token1", "fee_pips")


def describe_drift(ours: V3PoolState, chain: V3PoolState | None) -> str | None:
    """What differs between our state and the chain's (None when they agree); block numbers
    are not compared (ours is the block of the pool's last change)."""
    if chain is None:
        return "the pool is gone from the chain"
    if replace(ours, block_number=chain.block_number) == chain:
        return None
    parts = [
        f"{name} {getattr(ours, name)} != {getattr(chain, name)}"
        for name in _FIELDS
        if getattr(ours, name) != getattr(chain, name)
    ]
    ticks_ours = {t: (g, n) for t, g, n in ours.ticks.items_gross_net()}
    ticks_chain = {t: (g, n) for t, g, n in chain.ticks.items_gross_net()}
    wrong = sorted(
        t for t in ticks_ours.keys() | ticks_chain.keys() if ticks_ours.get(t) != ticks_chain.get(t)
    )
    if wrong:
        shown = ", ".join(f"{t}: {ticks_ours.get(t)} != {ticks_chain.get(t)}" for t in wrong[:5])
        parts.append(f"{len(wrong)} ticks differ (tick: (gross, net) ours != chain) {shown}")
    return "; ".join(parts) or "other fields differ"


@dataclass(frozen=True, slots=True, kw_only=True)
class DriftReport:
    """One check: how many pools it compared, and the chain's state of each that drifted
    (`None` for a pool the chain no longer has), by lowercase address; `discarded` when drifts
    were seen while a block was mined on top of the one read (none is reported then)."""

    block_number: int
    checked: int
    drifted: Mapping[str, V3PoolState | None]
    discarded: bool = False


class V3ConsistencyCheck:
    """Compares `sample` pools per `check` with the chain, walking through all of them."""

    def __init__(self, *, discovery: V3Discovery, sample: int) -> None:
        if sample < 1:
            raise ValueError(f"sample must be >= 1, got {sample}")
        self.discovery = discovery
        self.sample = sample
        self._cursor = ""  # the last address checked; the next check starts after it

    def next_sample(self, pools: Mapping[str, V3PoolState]) -> list[str]:
        """The next `sample` pool keys after the cursor, in address order, wrapping around."""
        keys = sorted(pools)
        after = [k for k in keys if k > self._cursor]
        picked = (after + [k for k in keys if k <= self._cursor])[: self.sample]
        if picked:
            self._cursor = picked[-1]
        return picked

    async def check(self, pools: Mapping[str, V3PoolState], head: NewHead) -> DriftReport:
        """Compare the next sample of `pools` (our states after `head`) with the chain at
        `head`. Raises what the read raises; the state is not touched here."""
        keys = self.next_sample(pools)
        latest_before = (await self.discovery.head("latest")).number
        fresh = await self.discovery.read_pools(
            {pools[k].address: pools[k].tick_spacing for k in keys}, head
        )
        problems = {
            key: problem
            for key in keys
            if (problem := describe_drift(pools[key], fresh[pools[key].address])) is not None
        }
        if problems and latest_before == head.number:
            # A node may answer a read pinned to its latest block with the state after a block
            # mined during the read (anvil does): a drift seen while the chain moved on is not
            # trusted. These pools come round again at a later check.
            latest_after = (await self.discovery.head("latest")).number
            if latest_after != head.number:
                log.info(
                    "chain %d: V3 check at block %d discarded: block %d was mined during it",
                    self.discovery.chain_id,
                    head.number,
                    latest_after,
                )
                return DriftReport(
                    block_number=head.number, checked=len(keys), drifted={}, discarded=True
                )
        for key, problem in problems.items():
            log.error(
                "chain %d: V3 pool %s drifted from the chain at block %d: %s",
                self.discovery.chain_id,
                pools[key].address,
                head.number,
                problem,
            )
        drifted = {key: fresh[pools[key].address] for key in problems}
        return DriftReport(block_number=head.number, checked=len(keys), drifted=drifted)
