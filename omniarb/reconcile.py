"""Restart reconciliation: what a previous run sent and never settled, checked against the chain.

A bot killed between sending a trade and recording its outcome leaves a SUBMITTED execution
without an outcome in the history; one killed before it even wrote the execution leaves only the
claim, which names the signed transaction (written before the send), and the opportunity and
decision rows, from which the execution is rebuilt. Before a restarted bot trades on a chain,
each such execution of that chain is settled from the chain:

- mined (its hash or a recorded replacement of it has a receipt): its outcome is built from
  the receipt, realized profit from the logs as the tracker does, and recorded;
- still pending (the node knows one of its hashes): it is followed like any sent trade, and
  replaced or cancelled when stuck, until it lands;
- unknown to the node with its nonce spent by another transaction: recorded as dropped (it
  can never be mined);
- unknown to the node with its nonce unused: the send never arrived, or it is still to come. A
  previous holder of the key frozen between its last check and its send (a worker that lost
  its lease, `omniarb.cluster.fence`) sends it on resuming, and had the nonce been left to our
  next trade, it could outbid that trade and land a transaction the history calls dropped. So
  the nonce is spent at once with a cancel (a 0-value transfer to the key itself), followed
  until one of the two is mined: the cancel (the trade is recorded as cancelled, its gas the
  loss) or the late send (settled from its receipt like any mined trade).

Its idempotency key stays claimed whatever happened, so the trade is never sent again; the
nonce manager then starts from the node's count. One log line says what was reconciled.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from typing import Any

from omniarb.chains.fees import Eip1559Fees, Fees, LegacyFees
from omniarb.chains.rpc import RpcClient
from omniarb.execute.in_flight import CANCEL_GAS, InFlightTx
from omniarb.execute.key_pool import KeyPool
from omniarb.execute.submit import Submitter
from omniarb.store import HistoryStore
from omniarb.track.tracker import Tracker, dropped
from omniarb.types import Execution, Outcome, Replacement, ReplacementReason, TxReceipt

__all__ = ["ReconcileSummary", "reconcile_unsettled"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconcileSummary:
    """How many unsettled executions of one chain were found in each state."""

    chain: str
    mined: int = 0
    pending: int = 0
    dropped: int = 0
    # Unknown to the node with their nonce unused: the nonce spent by a cancel.
    cancelled: int = 0
    # Of those, sent by a run killed before it wrote their execution (known from the claim).
    recovered: int = 0

    @property
    def total(self) -> int:
        return self.mined + self.pending + self.dropped + self.cancelled


def _fees_of(tx: dict[str, Any]) -> Fees:
    if tx.get("maxFeePerGas") is not None:
        return Eip1559Fees(
            max_fee_per_gas_wei=int(tx["maxFeePerGas"], 16),
            max_priority_fee_per_gas_wei=int(tx["maxPriorityFeePerGas"], 16),
        )
    return LegacyFees(gas_price_wei=int(tx["gasPrice"], 16), tip_wei=0)


def _in_flight(key: str, tx: dict[str, Any]) -> InFlightTx:
    """A transaction the node holds, as the submitter follows it (the same call re-priced)."""
    return InFlightTx(
        key=key,
        nonce=int(tx["nonce"], 16),
        tx_hash=str(tx["hash"]),
        to=tx.get("to"),
        data=bytes.fromhex(str(tx["input"]).removeprefix("0x")),
        gas=int(tx["gas"], 16),
        value=int(tx["value"], 16),
        fees=_fees_of(tx),
    )


async def reconcile_unsettled(
    *,
    chain: str,
    chain_id: int,
    rpc: RpcClient,
    store: HistoryStore,
    submitter: Submitter | KeyPool,
    tracker: Tracker,
) -> ReconcileSummary:
    """Settle every unsettled execution of `chain_id` from the chain; see the module docstring."""
    executions = await asyncio.to_thread(store.unsettled, chain_id=chain_id)
    recovered, unknown = await asyncio.to_thread(store.unrecorded_sends, chain_id=chain_id)
    for tx_hash in unknown:
        log.warning(
            "%s: transaction %s was claimed and sent by a previous run that recorded nothing "
            "else about it; it cannot be settled into the history",
            chain,
            tx_hash,
        )
    executions = sorted([*executions, *recovered], key=lambda e: e.nonce or 0)
    summary = ReconcileSummary(chain=chain, recovered=len(recovered))
    if executions:
        replacements = await asyncio.to_thread(store.replacements, chain_id=chain_id, limit=10_000)
        senders = await asyncio.to_thread(
            store.claim_senders, [e.decision.opportunity.id for e in executions]
        )
        for execution in executions:
            key = execution.decision.opportunity.id
            ours = [
                r for r in reversed(replacements) if r.key == key and r.nonce == execution.nonce
            ]
            signer = _signing(submitter, senders.get(key))
            outcome, state = await _settle(execution, ours, rpc, submitter, tracker, signer)
            await store.record(outcome)
            summary = replace(summary, **{state: getattr(summary, state) + 1})
        await store.flush()
    log.info(
        "%s: reconciled %d unsettled trade(s) of a previous run: %d mined, %d pending then "
        "settled, %d dropped, %d unsent with their nonce spent by a cancel (%d known only from "
        "their claim)",
        chain,
        summary.total,
        summary.mined,
        summary.pending,
        summary.dropped,
        summary.cancelled,
        summary.recovered,
    )
    return summary


def _signing(submitter: Submitter | KeyPool, sender: str | None) -> Submitter | None:
    """The submitter of the key `sender` (a claim's; None: the primary key's, as a claim
    made before claims named their key), or None when no key here is `sender`."""
    address = submitter.address if sender is None else sender
    if isinstance(submitter, KeyPool):
        return submitter.submitter_of(address) if submitter.has(address) else None
    return submitter if address.lower() == submitter.address.lower() else None


async def _settle(
    execution: Execution,
    replacements: list[Replacement],
    rpc: RpcClient,
    submitter: Submitter | KeyPool,
    tracker: Tracker,
    signer: Submitter | None,
) -> tuple[Outcome, str]:
    if execution.tx_hash is None or execution.nonce is None:
        raise ValueError(f"execution of {execution.decision.opportunity.id} was not sent")
    hashes = [execution.tx_hash, *(r.new_tx_hash for r in replacements)]
    cancels = {r.new_tx_hash for r in replacements if r.reason is ReplacementReason.CANCEL}
    receipts = await rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes])
    for answer in receipts:
        if answer is not None:
            receipt = TxReceipt.from_rpc(answer)
            outcome = await tracker.outcome(
                execution, receipt, cancelled=receipt.tx_hash in cancels
            )
            return outcome, "mined"
    known = await rpc.batch([("eth_getTransactionByHash", [h]) for h in hashes])
    held = [tx for tx in known if tx is not None]
    if held:
        # The newest successor the node holds is what a re-price would bid above.
        newest = _in_flight(execution.decision.opportunity.id, held[-1])
        # Followed by the key that signed it: a previous run may have traded with another key.
        landing = await (
            submitter.follow(newest, sender=str(held[-1]["from"]))
            if isinstance(submitter, KeyPool)
            else submitter.follow(newest)
        )
        if landing.receipt is None:
            return replace(dropped(execution), replacements=landing.replacements), "pending"
        was_cancel = landing.cancelled or landing.receipt.tx_hash in cancels
        outcome = await tracker.outcome(execution, landing.receipt, cancelled=was_cancel)
        return replace(outcome, replacements=landing.replacements), "pending"
    return await _fence(execution, execution.tx_hash, execution.nonce, tracker, signer)


async def _fence(
    execution: Execution,
    tx_hash: str,
    nonce: int,
    tracker: Tracker,
    signer: Submitter | None,
) -> tuple[Outcome, str]:
    """Settle a trade unknown to the node: a send lost, never made, or still to come (the
    module docstring): its nonce spent by a cancel unless another transaction spent it."""
    if signer is None:
        log.warning(
            "trade %s is unknown to the node and its key is not one of this run's: dropped "
            "without spending its nonce %d",
            tx_hash,
            nonce,
        )
        return dropped(execution), "dropped"
    # A deadline already past makes the first replacement a cancel, without a pre-check; the
    # zero fees make its bid the chain's current one. A nonce already spent gets no cancel:
    # following tells who spent it (the node may count a nonce a moment before it serves the
    # receipt, should the spender be this very transaction).
    unsent = InFlightTx(
        key=execution.decision.opportunity.id,
        nonce=nonce,
        tx_hash=tx_hash,
        to=None,
        data=b"",
        gas=CANCEL_GAS,
        value=0,
        fees=Eip1559Fees(max_fee_per_gas_wei=0, max_priority_fee_per_gas_wei=0),
        deadline_block=0,
    )
    landing = await signer.follow(unsent, replace_now=True)
    if landing.receipt is None:
        log.info("trade %s is unknown to the node and its nonce is spent: dropped", unsent.tx_hash)
        return replace(dropped(execution), replacements=landing.replacements), "dropped"
    outcome = await tracker.outcome(execution, landing.receipt, cancelled=landing.cancelled)
    outcome = replace(outcome, replacements=landing.replacements)
    if landing.cancelled:
        log.info(
            "trade %s was unknown to the node: its nonce %d spent by the cancel %s",
            unsent.tx_hash,
            unsent.nonce,
            landing.receipt.tx_hash,
        )
        return outcome, "cancelled"
    return outcome, "mined"
