"""Reading back what a previous run left open: its sent trades without an outcome, and the
replacements of stuck transactions.

A restarted bot reconciles every SUBMITTED execution of its chain that has no outcome with the
chain (`omniarb.track.reconcile`). The tracker builds an outcome from the `Execution` value, so
this module rebuilds that value from its rows: the opportunity, decision and execution rows
hold every field the outcome and its row ids need (the decision's id comes from the opportunity
id and the stored `decided_ns`; the execution keeps its row's id as `record_id`), so the outcome
lands on the existing rows. The lender's fee
is what the opportunity's gross profit and the decision's predicted profit differ by.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniarb.chains.spec import MempoolKind, chain_by_id
from omniarb.errors import NotFoundError
from omniarb.store._rows import route_from_json
from omniarb.store.models import (
    DecisionRow,
    ExecutionRow,
    OpportunityRow,
    OutcomeRow,
    ReplacementRow,
    SubmissionRow,
)
from omniarb.types import (
    Decision,
    Execution,
    ExecutionStatus,
    FlashLoan,
    Opportunity,
    OpportunitySource,
    Replacement,
    ReplacementReason,
    SubmitChannel,
)

__all__ = ["load_replacements", "load_unrecorded_sends", "load_unsettled"]


def load_unsettled(session: Session, *, chain_id: int) -> list[Execution]:
    """The SUBMITTED executions of `chain_id` without an outcome, oldest nonce first."""
    stmt = (
        select(ExecutionRow, DecisionRow, OpportunityRow)
        .join(DecisionRow, DecisionRow.id == ExecutionRow.decision_id)
        .join(OpportunityRow, OpportunityRow.id == ExecutionRow.opportunity_id)
        .outerjoin(OutcomeRow, OutcomeRow.execution_id == ExecutionRow.id)
        .where(
            ExecutionRow.chain_id == chain_id,
            ExecutionRow.status == str(ExecutionStatus.SUBMITTED),
            OutcomeRow.execution_id.is_(None),
        )
        .order_by(ExecutionRow.nonce, ExecutionRow.id)
    )
    return [_execution(*row) for row in session.execute(stmt).tuples()]


def load_unrecorded_sends(session: Session, *, chain_id: int) -> tuple[list[Execution], list[str]]:
    """The sends of `chain_id` a claim names but no execution row records (a run killed
    between sending and writing the execution): as SUBMITTED executions rebuilt from their
    opportunity and decision rows, and the hashes of those whose rows were not written either.

    Such an execution's stamp is its claim's time in ns since the epoch (the run's monotonic
    stamp died with it); its row id is the one the sender's own row has (`execution_id`: the
    opportunity and the hash), should that row still come.
    """
    recorded = select(ExecutionRow.tx_hash).where(ExecutionRow.tx_hash.is_not(None))
    claims = session.execute(
        select(SubmissionRow).where(
            SubmissionRow.chain_id == chain_id,
            SubmissionRow.tx_hash.is_not(None),
            SubmissionRow.tx_hash.not_in(recorded),
        )
    ).scalars()
    found: list[Execution] = []
    unknown: list[str] = []
    for claim in claims:
        row = session.execute(
            select(DecisionRow, OpportunityRow)
            .join(OpportunityRow, OpportunityRow.id == DecisionRow.opportunity_id)
            .where(DecisionRow.opportunity_id == claim.key, DecisionRow.approved.is_(True))
            .order_by(DecisionRow.decided_ns.desc())
            .limit(1)
        ).first()
        if row is None or claim.tx_hash is None:
            unknown.append(str(claim.tx_hash))
            continue
        decision, opp = row
        found.append(
            _execution_of(
                decision,
                opp,
                tx_hash=claim.tx_hash,
                nonce=claim.nonce,
                submitted_ns=int(claim.claimed_at.timestamp() * 1e9),
            )
        )
    return sorted(found, key=lambda e: e.nonce or 0), unknown


def _execution(row: ExecutionRow, decision: DecisionRow, opp: OpportunityRow) -> Execution:
    return replace(
        _execution_of(
            decision, opp, tx_hash=row.tx_hash, nonce=row.nonce, submitted_ns=row.submitted_ns
        ),
        max_fee_per_gas_wei=row.max_fee_per_gas_wei,
        priority_fee_wei=row.priority_fee_wei,
        error=row.error,
        channel=_channel(row),
        bundle_hash=row.bundle_hash,
        record_id=row.id,
    )


def _channel(row: ExecutionRow) -> SubmitChannel:
    if row.channel is not None:
        return SubmitChannel(row.channel)
    # A row from before revision 0007: bundles were not sent then, only transactions to the
    # node, which on a sequencer chain is the sequencer.
    try:
        spec = chain_by_id(row.chain_id)
    except NotFoundError:
        return SubmitChannel.PUBLIC
    sequencer = spec.mempool is MempoolKind.SEQUENCER
    return SubmitChannel.SEQUENCER if sequencer else SubmitChannel.PUBLIC


def _execution_of(
    decision: DecisionRow,
    opp: OpportunityRow,
    *,
    tx_hash: str | None,
    nonce: int | None,
    submitted_ns: int,
) -> Execution:
    opportunity = Opportunity(
        id=opp.id,
        chain_id=opp.chain_id,
        block_number=opp.block_number,
        route=route_from_json(opp.chain_id, opp.route),
        amount_in=opp.amount_in,
        amount_out=opp.amount_out,
        gross_profit=opp.predicted_profit,
        gas_estimate=opp.gas_estimate,
        gas_price_wei=opp.gas_price_wei,
        gas_cost_wei=opp.gas_cost_wei,
        net_profit=opp.net_profit,
        net_profit_usd=opp.net_profit_usd,
        source=OpportunitySource(opp.source),
        detected_ns=opp.detected_ns,
        trigger_tx=opp.trigger_tx,
    )
    return Execution(
        decision=Decision(
            opportunity=opportunity,
            approved=decision.approved,
            reasons=tuple(decision.reasons),
            amount_in=decision.amount_in,
            min_profit=decision.min_profit,
            p_success=decision.p_success,
            expected_value_usd=decision.expected_value_usd,
            bribe_wei=decision.bribe_wei,
            flash_source=FlashLoan(decision.flash_source) if decision.flash_source else None,
            decided_ns=decision.decided_ns,
            flash_fee=opp.predicted_profit - decision.predicted_profit,
            # The row holds the trade's estimate; 0 means "the opportunity's", as before.
            gas_estimate=0 if decision.gas_estimate == opp.gas_estimate else decision.gas_estimate,
        ),
        status=ExecutionStatus.SUBMITTED,
        tx_hash=tx_hash,
        nonce=nonce,
        max_fee_per_gas_wei=0,
        priority_fee_wei=0,
        submitted_ns=submitted_ns,
    )


def load_replacements(
    session: Session, *, chain_id: int | None = None, limit: int = 100
) -> list[Replacement]:
    """The newest `limit` replacements, optionally of one chain."""
    stmt = (
        select(ReplacementRow)
        .order_by(ReplacementRow.replaced_at.desc(), ReplacementRow.id.desc())
        .limit(limit)
    )
    if chain_id is not None:
        stmt = stmt.where(ReplacementRow.chain_id == chain_id)
    return [
        Replacement(
            chain_id=row.chain_id,
            key=row.key,
            nonce=row.nonce,
            original_tx_hash=row.original_tx_hash,
            replaced_tx_hash=row.replaced_tx_hash,
            new_tx_hash=row.new_tx_hash,
            old_max_fee_per_gas_wei=row.old_max_fee_per_gas_wei,
            old_priority_fee_wei=row.old_priority_fee_wei,
            new_max_fee_per_gas_wei=row.new_max_fee_per_gas_wei,
            new_priority_fee_wei=row.new_priority_fee_wei,
            reason=ReplacementReason(row.reason),
            block_number=row.block_number,
            replaced_at=row.replaced_at,
        )
        for row in session.scalars(stmt)
    ]
