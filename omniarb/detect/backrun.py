"""Backruns: the arbitrage a pending swap leaves behind, found before the swap is mined.

    search = BackrunSearch(detector=detector, block_time_s=2)
    found = search.search(tx_hash, swaps, router_dexes=frozenset({"uniswap-v2"}), head=head)

A pending transaction's decoded router swaps (`omniarb.dex.router_swap.RouterSwap`) are run on
the detector's live states (`pending_swaps.apply_swaps`: exact post-swap states of the pools they
move, or a counted reason to skip the transaction), the moved pools are laid over the live book
(`overlay.OverlayBook`; the live book is never written), and the detector's own evaluator
screens, sizes and prices the cycles through the moved pools on that view, exactly as it does
a block's. The opportunities are the detector's, marked `source=MEMPOOL` with `trigger_tx` the
pending hash and an id of their own (the same cycle may be found on the block and behind two
pending swaps); they are meant to be sent right behind the trigger (a bundle: its raw
transaction, then ours), where the states they were priced on are the ones they meet.

They are priced at `head` (its block number and base fee) like a block's opportunities on the
state after `head`; the trigger's deadline is checked against the next block's earliest
timestamp, `head.timestamp + block_time_s`.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from omniarb.chain_events import NewHead
from omniarb.detect.detector import CycleDetector
from omniarb.detect.overlay import OverlayBook
from omniarb.detect.pending_swaps import SkippedSwapError, SwapEffect, apply_swaps
from omniarb.dex.router_swap import RouterSwap
from omniarb.types import Opportunity, OpportunitySource

__all__ = ["BackrunCounters", "BackrunSearch", "backrun_id"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class BackrunCounters:
    """Running totals of the backrun search, for metrics: transactions searched, skipped (by
    `pending_swaps.SkipReason`), and the opportunities found."""

    searched: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    opportunities: int = 0


class BackrunSearch:
    """Cycles behind pending swaps on one chain, on the state of `detector` (the chain's
    `CycleDetector`, which the block path keeps current)."""

    def __init__(self, *, detector: CycleDetector, block_time_s: int = 1) -> None:
        self.detector = detector
        self.block_time_s = max(block_time_s, 1)
        self.counters = BackrunCounters()

    def effect(
        self, swaps: Sequence[RouterSwap], *, router_dexes: frozenset[str], head: NewHead
    ) -> SwapEffect:
        """What the swaps do to the live states (`pending_swaps.apply_swaps`); raises
        `SkippedSwapError` when they leave nothing to backrun."""
        return apply_swaps(
            self.detector.book,
            swaps,
            router_dexes=router_dexes,
            next_timestamp=head.timestamp + self.block_time_s,
        )

    def search(
        self,
        pending_tx_hash: str,
        swaps: Sequence[RouterSwap],
        *,
        router_dexes: frozenset[str],
        head: NewHead,
    ) -> list[Opportunity]:
        """Sized, priced cycles on the state `swaps` (one pending transaction's) leave behind,
        best net profit (USD) first; empty when the transaction is skipped (counted)."""
        self.counters.searched += 1
        try:
            effect = self.effect(swaps, router_dexes=router_dexes, head=head)
        except SkippedSwapError as exc:
            self.counters.skipped[exc.reason] += 1
            log.debug("backrun tx=%s skipped: %s", pending_tx_hash, exc)
            return []
        return self.search_effect(pending_tx_hash, effect, head=head)

    def search_effect(
        self, pending_tx_hash: str, effect: SwapEffect, *, head: NewHead
    ) -> list[Opportunity]:
        """`search` from an effect already computed."""
        book = self.detector.book
        overlay = OverlayBook(book, effect.states)
        found = self.detector.evaluator.with_book(overlay).evaluate(
            book.cycles_through(overlay.moved),
            block_number=head.number,
            base_fee_wei=head.base_fee_wei,
        )
        self.counters.opportunities += len(found)
        return [
            replace(
                opportunity,
                id=backrun_id(opportunity.id, pending_tx_hash),
                source=OpportunitySource.MEMPOOL,
                trigger_tx=pending_tx_hash,
            )
            for opportunity in found
        ]


def backrun_id(opportunity_id: str, pending_tx_hash: str) -> str:
    """A backrun's id: the cycle's opportunity id behind one pending transaction."""
    text = f"{opportunity_id}:{pending_tx_hash.lower()}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
