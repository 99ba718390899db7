"""One chain's mempool side: pending transactions in (`collect.pending`), decoded by the chain's
routers (`dex.router_book`), the swaps they ask for applied to a copy of the pools they move,
and the cycles through those pools sized on what they leave (`detect.backrun`): opportunities
to trade right behind the pending transaction, in a bundle with it.

Only a chain whose trades go to a bundle relay watches its mempool: a backrun is worth something
only right after its pending transaction, which only a bundle guarantees (sent to the public
mempool it would race the pending transaction itself, and be seen by every other searcher).

The live path's clock of a backrun: `notified` and `logs` are when the pending transaction was
in hand (its notification carries all it needs), `applied` and `dequeued` when the chain's
mempool task took it from the buffer; computing the post-swap states counts in `detect`.

Every decoded swap (but our own) is also told to the chain's `PendingActivity` with the pools
it moves, backrun or not: what the score stage reads as the mempool's competition.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace

from omniarb.chain_events import NewHead
from omniarb.collect.pending import PendingStream
from omniarb.collect.pending_activity import PendingActivity
from omniarb.detect.backrun import BackrunSearch
from omniarb.detect.pending_swaps import SkippedSwapError
from omniarb.dex.router_book import RouterBook
from omniarb.pending_tx import PendingTx
from omniarb.stage_times import UNSTAMPED
from omniarb.types import Opportunity

__all__ = ["BackrunWatch"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class BackrunWatch:
    """A chain's pending-transaction stream, its routers and its backrun search; `sender` is
    our own account, whose transactions are never backrun."""

    stream: PendingStream
    routers: RouterBook
    search: BackrunSearch
    sender: str
    # Told of every decoded swap and the pools it moves: the score stage's view of the
    # mempool's competition (None: nobody reads it).
    activity: PendingActivity | None = None

    def opportunities(
        self, tx: PendingTx, head: NewHead, *, dequeued_ns: int
    ) -> Iterator[Opportunity | None]:
        """The backruns of `tx` on the state of `head`, one at a time as each is sized (None
        for a cycle sized to nothing), best by the screen first; nothing for a transaction
        that is no swap through a known router, or whose swap leaves nothing to backrun."""
        if tx.to is None or tx.sender.lower() == self.sender.lower():
            return
        call = self.routers.decode(tx.to, tx.input, tx.value_wei)
        if call.outcome != "swaps":
            return
        dexes = frozenset(dex for routed in call.swaps for dex in routed.dexes if dex)
        search = self.search
        search.counters.searched += 1
        named = {pool for routed in call.swaps for pool in routed.pools if pool}
        try:
            effect = search.effect(
                [routed.swap for routed in call.swaps], router_dexes=dexes, head=head
            )
        except SkippedSwapError as exc:
            # Still a swap others see: counted through the pools its call names, if any.
            if self.activity is not None:
                self.activity.saw(named, tx.seen_ns)
            search.counters.skipped[exc.reason] += 1
            log.debug("pending %s not backrun: %s", tx.tx_hash, exc)
            return
        if self.activity is not None:
            moved = {state.address for state in effect.states.values()}
            self.activity.saw(named | moved, tx.seen_ns)
        times = UNSTAMPED.at(
            notified_ns=tx.seen_ns,
            logs_ns=tx.seen_ns,
            applied_ns=dequeued_ns,
            dequeued_ns=dequeued_ns,
        )
        for found in search.steps(tx.tx_hash, search.candidates(effect), head=head):
            if found is None:
                yield None
                continue
            yield replace(found, times=times.at(detected_ns=found.detected_ns))
