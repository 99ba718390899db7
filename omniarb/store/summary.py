"""Reading the history: per-chain counts and sums (`ChainSummary`), for `omniarb history
--summary`, the report and the API's `/pnl`.

Counts come from SQL; sums of amounts are made in Python, where they stay exact on SQLite too
(which would add its decimal strings as floats).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omniarb.store.models import DecisionRow, ExecutionRow, OpportunityRow, OutcomeRow

__all__ = ["ChainSummary", "summarize"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainSummary:
    """Counts and profit of one chain's history.

    `success_rate` is succeeded / settled (None before any trade settled); `final` counts
    the settled trades past the confirmation depth. `realized_profit`
    sums successful trades per profit token (base units, before gas); `gas_cost_wei` sums every
    settled trade's L2 gas and `l1_fee_wei` its L1 data fee (an L2's), in the native coin.
    `sources` counts the executions by what found them (`block`, `mempool`, ...), `backruns`
    the mempool ones, `channels` the executions by how they were sent (rows from before the
    channel was recorded are left out); `bribe_paid_wei` sums the bribes settled trades paid.
    """

    chain: str
    chain_id: int
    opportunities: int = 0
    approved: int = 0
    declined: int = 0
    executions: dict[str, int] = field(default_factory=dict)
    settled: dict[str, int] = field(default_factory=dict)
    success_rate: float | None = None
    realized_profit: dict[str, int] = field(default_factory=dict)
    gas_cost_wei: int = 0
    l1_fee_wei: int = 0
    net_profit_usd: float = 0.0
    touched_earlier_in_block: int = 0
    final: int = 0
    sources: dict[str, int] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)
    bribe_paid_wei: int = 0
    # Settled trades lost to a rival's arbitrage that ran first.
    lost_to_rival: int = 0

    @property
    def backruns(self) -> int:
        """The executions of backruns of pending transactions."""
        return self.sources.get("mempool", 0)


def summarize(session: Session) -> list[ChainSummary]:
    """One `ChainSummary` per chain that has any record, ordered by chain id.

    Counts come from SQL; sums of amounts are made here in Python, where they stay exact on
    SQLite too (which would add its decimal strings as floats).
    """
    chains: dict[int, str] = {}
    opportunities: Counter[int] = Counter()
    for chain_id, name, count in session.execute(
        select(OpportunityRow.chain_id, OpportunityRow.chain, func.count()).group_by(
            OpportunityRow.chain_id, OpportunityRow.chain
        )
    ):
        chains[chain_id] = name
        opportunities[chain_id] += count
    decided: dict[int, Counter[bool]] = defaultdict(Counter)
    for chain_id, approved, count in session.execute(
        select(DecisionRow.chain_id, DecisionRow.approved, func.count()).group_by(
            DecisionRow.chain_id, DecisionRow.approved
        )
    ):
        decided[chain_id][approved] += count
    executions: dict[int, dict[str, int]] = defaultdict(dict)
    for chain_id, status, count in session.execute(
        select(ExecutionRow.chain_id, ExecutionRow.status, func.count()).group_by(
            ExecutionRow.chain_id, ExecutionRow.status
        )
    ):
        executions[chain_id][status] = count
    sources: dict[int, Counter[str]] = defaultdict(Counter)
    channels: dict[int, Counter[str]] = defaultdict(Counter)
    for chain_id, source, channel, count in session.execute(
        select(ExecutionRow.chain_id, OpportunityRow.source, ExecutionRow.channel, func.count())
        .join(OpportunityRow, OpportunityRow.id == ExecutionRow.opportunity_id)
        .group_by(ExecutionRow.chain_id, OpportunityRow.source, ExecutionRow.channel)
    ):
        sources[chain_id][source] += count
        if channel is not None:
            channels[chain_id][channel] += count
    settled: dict[int, Counter[str]] = defaultdict(Counter)
    realized: dict[int, Counter[str]] = defaultdict(Counter)
    gas_cost: Counter[int] = Counter()
    l1_fees: Counter[int] = Counter()
    bribes: Counter[int] = Counter()
    usd: dict[int, float] = defaultdict(float)
    touched: Counter[int] = Counter()
    lost: Counter[int] = Counter()
    outcome_rows = session.execute(
        select(
            OutcomeRow.chain_id,
            OutcomeRow.status,
            OpportunityRow.profit_token,
            OutcomeRow.realized_profit,
            OutcomeRow.gas_cost_wei,
            OutcomeRow.l1_fee_wei,
            OutcomeRow.bribe_wei,
            OutcomeRow.net_profit_usd,
            OutcomeRow.touched_earlier_in_block,
            OutcomeRow.final,
            OutcomeRow.lost_to_rival,
        ).join(OpportunityRow, OpportunityRow.id == OutcomeRow.opportunity_id)
    )
    final: Counter[int] = Counter()
    for (
        chain_id,
        status,
        token,
        profit,
        gas_wei,
        l1_wei,
        bribe_wei,
        net_usd,
        was_touched,
        is_final,
        was_lost,
    ) in outcome_rows:
        final[chain_id] += bool(is_final)
        settled[chain_id][status] += 1
        if status == "succeeded":
            realized[chain_id][token] += profit
        gas_cost[chain_id] += gas_wei
        l1_fees[chain_id] += l1_wei
        bribes[chain_id] += bribe_wei
        usd[chain_id] += net_usd or 0.0
        touched[chain_id] += bool(was_touched)
        lost[chain_id] += bool(was_lost)
    summaries = []
    for chain_id in sorted(chains):
        total = sum(settled[chain_id].values())
        summaries.append(
            ChainSummary(
                chain=chains[chain_id],
                chain_id=chain_id,
                opportunities=opportunities[chain_id],
                approved=decided[chain_id][True],
                declined=decided[chain_id][False],
                executions=dict(executions[chain_id]),
                settled=dict(settled[chain_id]),
                success_rate=settled[chain_id]["succeeded"] / total if total else None,
                realized_profit=dict(realized[chain_id]),
                gas_cost_wei=gas_cost[chain_id],
                l1_fee_wei=l1_fees[chain_id],
                net_profit_usd=usd[chain_id],
                touched_earlier_in_block=touched[chain_id],
                final=final[chain_id],
                sources=dict(sources[chain_id]),
                channels=dict(channels[chain_id]),
                bribe_paid_wei=bribes[chain_id],
                lost_to_rival=lost[chain_id],
            )
        )
    return summaries
