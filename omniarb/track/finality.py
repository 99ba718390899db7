"""Finality: settled trades are watched until their block is the chain's confirmation depth deep,
and re-checked when a reorg orphans that block.

A receipt is the chain's verdict only while its block stays canonical. `FinalityWatch` keeps
every settled trade that is not final yet (its outcome carries the tx hash, nonce, block number
and block hash) and, at each new head, asks the node in one batched request for the canonical
hash at each of their block numbers. A trade whose block was replaced is re-checked from its
receipt, with a second batched request (the sender's mined nonce count, and per such trade its
receipt and the transaction itself):
- a receipt: re-included, in another block and maybe with another result (it may now revert,
  realize another profit, use other gas), read the way the tracker reads any receipt;
- no receipt but the node still has the transaction: pending, back in its pool;
- unknown to the node and its nonce mined by another transaction: replaced;
- unknown and its nonce free: dropped (the nonce manager is told the nonce is free, or every
  later transaction would wait behind the gap).
A trade no longer included stays watched (it may come back) until the chain is the confirmation
depth past the head it was last judged at. A trade is final when the head is
`confirmation_depth` past its block (for one no longer included: past the head that judged
it, unless still pending); then its record says so and it is no longer checked.

`run_finality` is the engine's task: it applies each correction to the chain's figures
(`ChainBotStats.on_correction`), its metrics (through the hooks) and its record (the outcome
row is rewritten, not duplicated), and logs a warning per orphaned trade.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol

from omniarb.chain_events import NewHead
from omniarb.chains.rpc import RpcClient
from omniarb.errors import NODE_ERRORS
from omniarb.track.stats import ChainBotStats
from omniarb.types import Execution, Outcome, TxReceipt

__all__ = [
    "Correction",
    "FinalityHooks",
    "FinalityReport",
    "FinalityWatch",
    "ReorgResult",
    "judge",
    "not_included",
    "orphaned",
    "run_finality",
]

log = logging.getLogger(__name__)


class ReorgResult(StrEnum):
    """What became of a trade whose block a reorg orphaned (the `result` metric label)."""

    REINCLUDED = "reincluded"
    PENDING = "pending"
    REPLACED = "replaced"
    DROPPED = "dropped"


@dataclass(frozen=True, slots=True, kw_only=True)
class Correction:
    """A settled trade's outcome rewritten after a reorg: `before` is what was recorded."""

    before: Outcome
    after: Outcome
    result: ReorgResult


@dataclass(frozen=True, slots=True, kw_only=True)
class FinalityReport:
    """What one head's check found; `waiting` trades are still not final."""

    corrections: tuple[Correction, ...] = ()
    finalized: tuple[Outcome, ...] = ()
    waiting: int = 0


class OutcomeReader(Protocol):
    """Reads an execution's outcome from a receipt (the `Tracker`)."""

    async def outcome(
        self, execution: Execution, receipt: TxReceipt, *, cancelled: bool = False
    ) -> Outcome: ...


def orphaned(watched: Iterable[Outcome], canonical: Mapping[int, str | None]) -> list[Outcome]:
    """The included outcomes whose block is no longer canonical: the node's hash at their
    block number (None: the chain is shorter now) differs from the one their receipt gave."""
    found = []
    for outcome in watched:
        if not outcome.included or outcome.block_number is None:
            continue
        hash_now = canonical.get(outcome.block_number)
        if (
            outcome.block_number in canonical
            and (hash_now or "").lower() != (outcome.block_hash or "").lower()
        ):
            found.append(outcome)
    return found


def judge(
    outcome: Outcome,
    *,
    receipt: Mapping[str, Any] | None,
    transaction: Mapping[str, Any] | None,
    mined_nonces: int,
) -> ReorgResult:
    """What became of a trade not (or no longer) in a canonical block, from the node's answers:
    its receipt, the transaction by hash, and the sender's mined transaction count."""
    if receipt is not None:
        return ReorgResult.REINCLUDED
    if transaction is not None:
        return ReorgResult.PENDING
    nonce = outcome.execution.nonce
    if nonce is not None and nonce < mined_nonces:
        return ReorgResult.REPLACED
    return ReorgResult.DROPPED


def not_included(outcome: Outcome, result: ReorgResult) -> Outcome:
    """`outcome` as a trade in no block: no gas paid, nothing realized, not final."""
    return replace(
        outcome,
        included=False,
        success=False,
        block_number=None,
        block_hash=None,
        gas_used=0,
        effective_gas_price_wei=0,
        gas_cost_wei=0,
        realized_profit=0,
        touched_earlier_in_block=False,
        l1_fee_wei=0,
        final=False,
        pending=result is ReorgResult.PENDING,
        replaced=result is ReorgResult.REPLACED,
    )


@dataclass(frozen=True, slots=True)
class _Watched:
    outcome: Outcome
    judged_at: int  # the head number it was last settled or judged at


class FinalityWatch:
    """The not-yet-final trades of one chain, checked at each head (see the module docstring).

    `sender` is the address that signs the trades; `on_nonces_freed` gets the nonces of trades
    found dropped, free on the node again (the submitter's `NonceManager.lost`).
    """

    def __init__(
        self,
        *,
        rpc: RpcClient,
        reader: OutcomeReader,
        sender: str,
        confirmation_depth: int,
        on_nonces_freed: Callable[[list[int]], None] | None = None,
    ) -> None:
        if confirmation_depth < 0:
            raise ValueError(f"confirmation_depth must be >= 0, got {confirmation_depth}")
        self._rpc = rpc
        self._reader = reader
        self._sender = sender
        self.confirmation_depth = confirmation_depth
        self._on_nonces_freed = on_nonces_freed
        self._watched: dict[str, _Watched] = {}
        # Bumped on every `add`: a new trade is checked at the current head too.
        self.version = 0

    @property
    def waiting(self) -> int:
        """Trades not final yet."""
        return len(self._watched)

    def watched(self) -> list[Outcome]:
        return [w.outcome for w in self._watched.values()]

    def add(self, outcome: Outcome, *, head_number: int = 0) -> None:
        """Watch a settled trade's outcome (its execution must have a tx hash), by the hash that
        was mined (a replacement's, when one was)."""
        tx_hash = outcome.tx_hash
        if tx_hash is None:
            raise ValueError("only a sent trade can be watched")
        self._watched[tx_hash.lower()] = _Watched(
            outcome, max(head_number, outcome.block_number or 0)
        )
        self.version += 1

    async def check(self, head_number: int) -> FinalityReport:
        """Re-check every watched trade against the chain at `head_number`."""
        if not self._watched:
            return FinalityReport()
        unsure = [w.outcome for w in self._watched.values() if not w.outcome.included]
        unsure += orphaned(self.watched(), await self._canonical_hashes())
        corrections = await self._rejudge(unsure, head_number) if unsure else []
        finalized = []
        for key, watched in list(self._watched.items()):
            if self._is_final(watched, head_number):
                final = replace(watched.outcome, final=True)
                finalized.append(final)
                del self._watched[key]
        return FinalityReport(
            corrections=tuple(corrections), finalized=tuple(finalized), waiting=self.waiting
        )

    def _is_final(self, watched: _Watched, head_number: int) -> bool:
        outcome = watched.outcome
        if outcome.pending:
            return False
        since = outcome.block_number if outcome.included else watched.judged_at
        return since is not None and head_number - since >= self.confirmation_depth

    async def _canonical_hashes(self) -> dict[int, str | None]:
        numbers = sorted(
            {
                number
                for w in self._watched.values()
                if w.outcome.included and (number := w.outcome.block_number) is not None
            }
        )
        if not numbers:
            return {}
        blocks = await self._rpc.batch(
            [("eth_getBlockByNumber", [hex(number), False]) for number in numbers]
        )
        return {
            number: None if block is None else str(block["hash"])
            for number, block in zip(numbers, blocks, strict=True)
        }

    async def _rejudge(self, unsure: Sequence[Outcome], head_number: int) -> list[Correction]:
        calls: list[tuple[str, Sequence[Any]]] = [
            ("eth_getTransactionCount", [self._sender, "latest"])
        ]
        for outcome in unsure:
            tx_hash = outcome.tx_hash
            calls += [
                ("eth_getTransactionReceipt", [tx_hash]),
                ("eth_getTransactionByHash", [tx_hash]),
            ]
        answers = await self._rpc.batch(calls)
        mined_nonces = int(answers[0], 16)
        corrections = []
        freed: list[int] = []
        judged: dict[str, _Watched] = {}
        # Every trade is judged before any is changed: a read that fails half-way (a receipt's
        # logs) leaves the watch as it was, and the next head judges them all again.
        for i, before in enumerate(unsure):
            receipt, transaction = answers[1 + 2 * i], answers[2 + 2 * i]
            result = judge(
                before, receipt=receipt, transaction=transaction, mined_nonces=mined_nonces
            )
            if receipt is not None:
                after = await self._reader.outcome(
                    before.execution, TxReceipt.from_rpc(receipt), cancelled=before.cancelled
                )
                after = replace(after, replacements=before.replacements)
            else:
                after = not_included(before, result)
            nonce = before.execution.nonce
            if result is ReorgResult.DROPPED and before.status != "dropped" and nonce is not None:
                freed.append(nonce)
            key = str(before.tx_hash).lower()
            unchanged = after.status == before.status and after.block_hash == before.block_hash
            # A trade still out of any block keeps the head it was first judged at: it is final
            # once that head is deep enough, however often it is checked meanwhile.
            judged[key] = _Watched(
                after, self._watched[key].judged_at if unchanged else head_number
            )
            if not unchanged:
                corrections.append(Correction(before=before, after=after, result=result))
        self._watched.update(judged)
        if freed and self._on_nonces_freed is not None:
            self._on_nonces_freed(sorted(freed))
        return corrections


class Recorder(Protocol):
    """Where corrected records go (the `HistoryStore`)."""

    async def record(self, value: Outcome) -> None: ...


class FinalityHooks(Protocol):
    """Who hears of corrections and finality (the engine's `PipelineHooks`)."""

    def trade_corrected(self, stats: ChainBotStats, correction: Correction) -> None: ...
    def trades_final(self, chain: str, *, finalized: int, waiting: int) -> None: ...
    def error(self, chain: str, component: str, error: BaseException) -> None: ...


async def run_finality(
    *,
    watch: FinalityWatch,
    head: Callable[[], NewHead | None],
    stats: ChainBotStats,
    recorder: Recorder,
    hooks: FinalityHooks | None = None,
    poll_s: float = 0.05,
) -> None:
    """The finality task of one chain: check `watch` at every head the state stage applied
    (`head()`: the synced head, so trades are judged on the chain the pools agree with) and
    whenever a trade was added; runs until cancelled. Node errors are logged and the check is
    tried again at the next poll: nothing is corrected from a partial answer. Any other error
    is logged and reported too, and never stops the chain's other tasks."""
    checked: tuple[int, str, int] | None = None
    while True:
        current = head()
        if current is not None and watch.waiting:
            key = (current.number, current.hash, watch.version)
            if key != checked:
                try:
                    report = await watch.check(current.number)
                except NODE_ERRORS as exc:
                    log.warning("%s: finality check failed, will retry: %s", stats.chain, exc)
                except Exception as exc:
                    log.exception("%s: finality check failed", stats.chain)
                    if hooks is not None:
                        hooks.error(stats.chain, "finality", exc)
                    checked = key  # not again at this head: the next one may answer better
                else:
                    checked = key
                    await _apply(report, stats=stats, recorder=recorder, hooks=hooks)
        # A poll of a value in memory: the state stage owns the head subscription.
        await asyncio.sleep(poll_s)


async def _apply(
    report: FinalityReport,
    *,
    stats: ChainBotStats,
    recorder: Recorder,
    hooks: FinalityHooks | None,
) -> None:
    for correction in report.corrections:
        before, after = correction.before, correction.after
        log.warning(
            "%s: reorg orphaned trade %s (block %s %s): %s, now %s in block %s, realized %d",
            stats.chain,
            before.execution.tx_hash,
            before.block_number,
            before.status,
            correction.result,
            after.status,
            after.block_number,
            after.realized_profit,
        )
        stats.on_correction(correction.before, correction.after, str(correction.result))
        if hooks is not None:
            hooks.trade_corrected(stats, correction)
        await recorder.record(after)
    for outcome in report.finalized:
        stats.on_final(outcome)
        await recorder.record(outcome)
    if hooks is not None:
        hooks.trades_final(stats.chain, finalized=len(report.finalized), waiting=report.waiting)
