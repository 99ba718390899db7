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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from omniarb.chain_events import NewHead
from omniarb.detect.detector import CycleDetector
from omniarb.detect.loan_sizing import resized_opportunity
from omniarb.detect.overlay import OverlayBook
from omniarb.detect.pending_swaps import SkippedSwapError, SwapEffect, apply_swaps
from omniarb.detect.screen import IntArray, ScreenResult
from omniarb.dex.router_swap import RouterSwap
from omniarb.types import Opportunity, OpportunitySource

__all__ = ["BackrunCandidates", "BackrunCounters", "BackrunSearch", "backrun_id"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class BackrunCandidates:
    """The cycles a pending transaction's moves may have opened (`cycle_ids`: those through
    the moved pools) and the screen's candidates among them, on `overlay`."""

    overlay: OverlayBook
    cycle_ids: IntArray
    screened: ScreenResult


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
        return self.sized(pending_tx_hash, self.candidates(effect), head=head)

    def candidates(self, effect: SwapEffect) -> BackrunCandidates:
        """The cycles through the pools `effect` moves, screened on its post-states."""
        book = self.detector.book
        overlay = OverlayBook(book, effect.states)
        cycle_ids = book.cycles_through(overlay.moved)
        return BackrunCandidates(
            overlay=overlay, cycle_ids=cycle_ids, screened=overlay.screen_cycles(cycle_ids)
        )

    def sized(
        self, pending_tx_hash: str, candidates: BackrunCandidates, *, head: NewHead
    ) -> list[Opportunity]:
        """The screened candidates sized and priced on the post-states, marked as backruns of
        `pending_tx_hash`, best net profit (USD) first."""
        found = [
            step for step in self.steps(pending_tx_hash, candidates, head=head) if step is not None
        ]
        found.sort(key=lambda o: (-o.net_profit_usd, o.id))
        return found

    def steps(
        self, pending_tx_hash: str, candidates: BackrunCandidates, *, head: NewHead
    ) -> Iterator[Opportunity | None]:
        """`sized`'s opportunities one at a time, as each is sized (`CycleEvaluator.steps`:
        the best by the screen first, fully searched), None for a cycle sized to nothing: the
        first can go out in a bundle behind the pending transaction while the others are
        sized."""
        evaluator = self.detector.evaluator.with_book(candidates.overlay)
        for step in evaluator.steps(
            candidates.cycle_ids,
            block_number=head.number,
            base_fee_wei=head.base_fee_wei,
            screened=candidates.screened,
        ):
            if step is None:
                yield None
                continue
            self.counters.opportunities += 1
            yield replace(
                step,
                id=backrun_id(step.id, pending_tx_hash),
                source=OpportunitySource.MEMPOOL,
                trigger_tx=pending_tx_hash,
            )

    def resize_for_loan(
        self, opportunity: Opportunity, effect: SwapEffect, loan_fee: Callable[[int], int]
    ) -> Opportunity | None:
        """A backrun re-sized for a loan charging `loan_fee`(amount) on the post-states it was
        priced on (`effect`'s, over the live states; `loan_sizing.resized_opportunity`); None
        when a pool of its route has changed since or nothing is kept after the fee."""
        overlay = OverlayBook(self.detector.book, effect.states)
        hops = overlay.route_hops(opportunity.route, priced_at_block=opportunity.block_number)
        if hops is None:
            return None
        resized = resized_opportunity(opportunity, hops, loan_fee)
        return None if resized is None else resized.opportunity


def backrun_id(opportunity_id: str, pending_tx_hash: str) -> str:
    """A backrun's id: the cycle's opportunity id behind one pending transaction."""
    text = f"{opportunity_id}:{pending_tx_hash.lower()}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
