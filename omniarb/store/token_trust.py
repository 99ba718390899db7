"""Reading back what past trades said of their tokens, for the execute stage's pre-check policy.

A token is proven by a successful trade through it whose realized profit equalled the
prediction, and flagged by one that reverted or realized another profit with no transaction
on its pools since its decision to explain it (`omniarb.execute.precheck_policy`). A
restarted bot starts from what its history says, so it does not ask the node again about
tokens its earlier runs proved. Only the newest `limit` settled trades are read: one indexed
query at start-up, whatever the history's age.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniarb.store.models import OpportunityRow, OutcomeRow

__all__ = ["TokenVerdicts", "load_token_verdicts"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenVerdicts:
    """Tokens (lowercase addresses) proven and flagged by a chain's past trades."""

    proven: frozenset[str]
    flagged: frozenset[str]


def load_token_verdicts(session: Session, *, chain_id: int, limit: int) -> TokenVerdicts:
    """What the newest `limit` included trades of `chain_id` proved or flagged."""
    rows = session.execute(
        select(
            OutcomeRow.success,
            OutcomeRow.realized_profit,
            OutcomeRow.predicted_profit,
            OutcomeRow.touched_earlier_in_block,
            OutcomeRow.status,
            OpportunityRow.route,
        )
        .join(OpportunityRow, OpportunityRow.id == OutcomeRow.opportunity_id)
        .where(OutcomeRow.chain_id == chain_id, OutcomeRow.included.is_(True))
        .order_by(OutcomeRow.recorded_at.desc())
        .limit(limit)
    ).all()
    proven: set[str] = set()
    flagged: set[str] = set()
    for success, realized, predicted, touched, status, route in rows:
        if status == "cancelled":
            continue  # the trade did not run: it says nothing of its tokens
        tokens = {str(hop["token_in"]).lower() for hop in route}
        if success and realized == predicted:
            proven |= tokens
        elif not touched:
            flagged |= tokens
    return TokenVerdicts(proven=frozenset(proven), flagged=frozenset(flagged))
