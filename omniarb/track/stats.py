"""Running figures of one chain's bot, and the per-trade summary a run writes.

The engine owns one `ChainBotStats` per chain and updates it as values pass; the live view and
`--summary` read it. Amounts stay integers; USD figures are floats for display.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from omniarb.types import (
    Decision,
    Execution,
    ExecutionStatus,
    Opportunity,
    Outcome,
    ReplacementReason,
)

__all__ = ["ChainBotStats", "TradeSummary"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TradeSummary:
    """One executed trade as the `--summary` file lists it (field names are a stable format)."""

    chain: str
    tx_hash: str
    block_number: int | None
    status: str
    profit_token: str
    profit_token_address: str
    amount_in: int
    predicted_profit_wei: int
    realized_profit_wei: int
    flash_source: str
    flash_fee_wei: int
    gas_used: int
    gas_cost_wei: int
    net_profit_usd: float
    touched_earlier_in_block: bool
    route: tuple[dict[str, str], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "chain": self.chain,
            "tx_hash": self.tx_hash,
            "block_number": self.block_number,
            "status": self.status,
            "profit_token": self.profit_token,
            "profit_token_address": self.profit_token_address,
            "amount_in": self.amount_in,
            "predicted_profit_wei": self.predicted_profit_wei,
            "realized_profit_wei": self.realized_profit_wei,
            "flash_source": self.flash_source,
            "flash_fee_wei": self.flash_fee_wei,
            "gas_used": self.gas_used,
            "gas_cost_wei": self.gas_cost_wei,
            "net_profit_usd": self.net_profit_usd,
            "touched_earlier_in_block": self.touched_earlier_in_block,
            "route": list(self.route),
        }


@dataclass(slots=True)
class ChainBotStats:
    """Counters and last latencies of one chain's pipeline (mutated by the engine only)."""

    chain: str
    chain_id: int
    symbols: dict[str, str] = field(default_factory=dict)
    decimals: dict[str, int] = field(default_factory=dict)
    first_block: int | None = None
    block_number: int = 0
    pools: int = 0
    cycles: int = 0
    opportunities: int = 0
    approved: int = 0
    declined: int = 0
    submitted: int = 0
    simulated: int = 0
    rejected: int = 0
    succeeded: int = 0
    reverted: int = 0
    cancelled: int = 0
    dropped: int = 0
    # Transactions sent at a nonce already used (re-price, cancel) or lost (gap), by reason.
    replacements: Counter[str] = field(default_factory=Counter)
    touched_earlier: int = 0
    mismatched: int = 0
    realized_profit: Counter[str] = field(default_factory=Counter)
    net_profit_usd: float = 0.0
    last_detect_ms: float = 0.0
    last_submit_ms: float = 0.0
    last_confirm_ms: float = 0.0
    trades: list[TradeSummary] = field(default_factory=list)

    @property
    def blocks_seen(self) -> int:
        return 0 if self.first_block is None else self.block_number - self.first_block

    @property
    def success_rate(self) -> float | None:
        settled = self.succeeded + self.reverted
        return self.succeeded / settled if settled else None

    def on_block(self, block_number: int, *, pools: int, cycles: int) -> None:
        if self.first_block is None:
            self.first_block = block_number
        self.block_number = block_number
        self.pools = pools
        self.cycles = cycles

    def on_opportunity(self, opportunity: Opportunity, received_ns: int) -> None:
        self.opportunities += 1
        if received_ns:
            self.last_detect_ms = (opportunity.detected_ns - received_ns) / 1e6

    def on_decision(self, decision: Decision) -> None:
        if decision.approved:
            self.approved += 1
        else:
            self.declined += 1

    def on_execution(self, execution: Execution) -> None:
        if execution.status is ExecutionStatus.SUBMITTED:
            self.submitted += 1
            opportunity = execution.decision.opportunity
            self.last_submit_ms = (execution.submitted_ns - opportunity.detected_ns) / 1e6
        elif execution.status is ExecutionStatus.SIMULATED:
            self.simulated += 1
        else:
            self.rejected += 1

    def on_outcome(self, outcome: Outcome) -> TradeSummary:
        execution = outcome.execution
        opportunity = execution.decision.opportunity
        token = opportunity.route.token_in
        self.replacements.update(str(r.reason) for r in outcome.replacements)
        if outcome.success:
            self.succeeded += 1
            self.realized_profit[token] += outcome.realized_profit
            status = "success"
        elif outcome.cancelled:
            self.cancelled += 1
            status = "cancelled"
        elif not outcome.included:
            self.dropped += 1
            status = "dropped"
        else:
            self.reverted += 1
            status = "reverted"
        if outcome.touched_earlier_in_block:
            self.touched_earlier += 1
        if outcome.success and outcome.realized_profit != execution.decision.expected_profit:
            self.mismatched += 1
        net_usd = outcome.realized_net_usd()
        self.net_profit_usd += net_usd
        self.last_confirm_ms = (outcome.confirmed_ns - execution.submitted_ns) / 1e6
        trade = TradeSummary(
            chain=self.chain,
            tx_hash=outcome.tx_hash or "",
            block_number=outcome.block_number,
            status=status,
            profit_token=self.symbols.get(token.lower(), token),
            profit_token_address=token,
            amount_in=execution.decision.amount_in,
            predicted_profit_wei=execution.decision.expected_profit,
            realized_profit_wei=outcome.realized_profit,
            flash_source=str(execution.decision.flash_source or ""),
            flash_fee_wei=execution.decision.flash_fee,
            gas_used=outcome.gas_used,
            gas_cost_wei=outcome.gas_cost_wei,
            net_profit_usd=net_usd,
            touched_earlier_in_block=outcome.touched_earlier_in_block,
            route=tuple(
                {
                    "pool": hop.pool,
                    "dex": hop.dex,
                    "kind": hop.kind,
                    "token_in": self.symbols.get(hop.token_in.lower(), hop.token_in),
                    "token_out": self.symbols.get(hop.token_out.lower(), hop.token_out),
                }
                for hop in opportunity.route.hops
            ),
        )
        self.trades.append(trade)
        return trade

    def counts(self) -> dict[str, Any]:
        """The per-chain counts of the `--summary` file."""
        return {
            "chain": self.chain,
            "chain_id": self.chain_id,
            "blocks": self.blocks_seen,
            "pools": self.pools,
            "cycles": self.cycles,
            "opportunities": self.opportunities,
            "approved": self.approved,
            "declined": self.declined,
            "submitted": self.submitted,
            "simulated": self.simulated,
            "rejected": self.rejected,
            "succeeded": self.succeeded,
            "reverted": self.reverted,
            "cancelled": self.cancelled,
            "dropped": self.dropped,
            "replacements": {
                str(reason): self.replacements[str(reason)] for reason in ReplacementReason
            },
            "touched_earlier_in_block": self.touched_earlier,
            "realized_differs_from_predicted": self.mismatched,
            "realized_profit": {
                self.symbols.get(t.lower(), t): v for t, v in self.realized_profit.items()
            },
            "net_profit_usd": self.net_profit_usd,
            "flash_sources": dict(
                Counter(t.flash_source for t in self.trades if t.status == "success")
            ),
            # A trade through pools of two kinds counts once for each.
            "trades_by_kind": dict(
                Counter(
                    kind
                    for t in self.trades
                    if t.status == "success"
                    for kind in dict.fromkeys(h["kind"] for h in t.route)
                )
            ),
        }
