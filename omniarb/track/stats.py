"""Running figures of one chain's bot, and the per-trade summary a run writes.

The engine owns one `ChainBotStats` per chain and updates it as values pass; the live view and
`--summary` read it. Amounts stay integers; USD figures are floats for display.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from omniarb.chains.liveness import NodeStatus
from omniarb.chains.rpc import EndpointHealth
from omniarb.track.stage_window import StageWindow
from omniarb.types import (
    Decision,
    Execution,
    ExecutionStatus,
    Opportunity,
    Outcome,
    ReplacementReason,
)

__all__ = ["ChainBotStats", "PendingTrade", "TradeSummary"]


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
    # An L2's L1 data fee paid, in wei of the native coin (0 on an L1); after the route so the
    # field order of the older summaries is kept.
    route: tuple[dict[str, str], ...]
    l1_fee_wei: int = 0
    # Past the chain's confirmation depth: no reorg will change this line any more.
    final: bool = False
    # The live path's clock: each stamp in ns since the block's notification
    # (`StageTimes.offsets_ns`).
    stage_offsets_ns: dict[str, int | None] = field(default_factory=dict)
    # Found in a block or behind a pending transaction (`trigger_tx`), sent to the node or to a
    # relay in a bundle, and the bribe it paid the block's coinbase (wei of the native coin).
    source: str = "block"
    trigger_tx: str | None = None
    channel: str = "public"
    bribe_paid_wei: int = 0
    # Lost to another searcher's arbitrage that ran first (`Outcome.lost_to_rival`).
    lost_to_rival: bool = False
    rival_tx_hash: str | None = None

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
            "l1_fee_wei": self.l1_fee_wei,
            "final": self.final,
            "stage_offsets_ns": self.stage_offsets_ns,
            "source": self.source,
            "trigger_tx": self.trigger_tx,
            "channel": self.channel,
            "bribe_paid_wei": self.bribe_paid_wei,
            "lost_to_rival": self.lost_to_rival,
            "rival_tx_hash": self.rival_tx_hash,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingTrade:
    """A trade sent but not settled when the run stopped (its node did not answer in time): the
    history has it as sent without outcome, for the next start to reconcile."""

    chain: str
    tx_hash: str
    nonce: int | None
    profit_token: str
    amount_in: int
    predicted_profit_wei: int

    def to_json(self) -> dict[str, Any]:
        return {
            "chain": self.chain,
            "tx_hash": self.tx_hash,
            "status": "pending",
            "nonce": self.nonce,
            "profit_token": self.profit_token,
            "amount_in": self.amount_in,
            "predicted_profit_wei": self.predicted_profit_wei,
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
    # Trades whose nonce a cancel took (the opportunity was gone; the gas is the loss).
    cancelled: int = 0
    # Transactions sent at a nonce already used (re-price, cancel) or lost (gap), by reason.
    replacements: Counter[str] = field(default_factory=Counter)
    touched_earlier: int = 0
    # Trades that reverted or never landed because a rival's arbitrage took the gap first.
    lost_to_rival: int = 0
    mismatched: int = 0
    # Settled trades in no block (a reorg dropped them, another transaction took their nonce,
    # or they wait in the node's pool again), and reorg corrections by what became of the trade.
    dropped: int = 0
    reorged: Counter[str] = field(default_factory=Counter)
    final: int = 0
    realized_profit: Counter[str] = field(default_factory=Counter)
    net_profit_usd: float = 0.0
    l1_fee_wei: int = 0
    last_detect_ms: float = 0.0
    last_submit_ms: float = 0.0
    last_confirm_ms: float = 0.0
    trades: list[TradeSummary] = field(default_factory=list)
    # The live path's stage times of the last sent trades (the API's latency breakdown).
    stages: StageWindow = field(default_factory=StageWindow)
    # Where each trade's line is in `trades`, by tx hash: a correction or finality rewrites it.
    _lines: dict[str, int] = field(default_factory=dict, init=False, repr=False)
    pending: list[PendingTrade] = field(default_factory=list)
    # The liveness probe's last word: whether the node answers (None before the first check),
    # its head and round trip when it last did, each RPC endpoint's health.
    node_up: bool | None = None
    node_head: int | None = None
    rpc_latency_ms: float | None = None
    endpoints: tuple[EndpointHealth, ...] = ()

    @property
    def blocks_seen(self) -> int:
        return 0 if self.first_block is None else self.block_number - self.first_block

    @property
    def success_rate(self) -> float | None:
        settled = self.succeeded + self.reverted
        return self.succeeded / settled if settled else None

    @property
    def block_lag(self) -> int | None:
        """The node's head minus the block last processed (None until both are known)."""
        if self.node_head is None or self.first_block is None:
            return None
        return max(0, self.node_head - self.block_number)

    def on_node(self, status: NodeStatus) -> None:
        self.node_up = status.up
        self.endpoints = status.endpoints
        if status.head_block is not None:
            self.node_head = status.head_block
        if status.latency_ms is not None:
            self.rpc_latency_ms = status.latency_ms

    def on_pending(self, execution: Execution) -> None:
        token = execution.decision.opportunity.route.token_in
        self.pending.append(
            PendingTrade(
                chain=self.chain,
                tx_hash=execution.tx_hash or "",
                nonce=execution.nonce,
                profit_token=self.symbols.get(token.lower(), token),
                amount_in=execution.decision.amount_in,
                predicted_profit_wei=execution.decision.expected_profit,
            )
        )

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
            self.stages.add(execution.times)
        elif execution.status is ExecutionStatus.SIMULATED:
            self.simulated += 1
        else:
            self.rejected += 1

    def on_outcome(self, outcome: Outcome) -> TradeSummary:
        self._count(outcome, 1)
        self.replacements.update(str(r.reason) for r in outcome.replacements)
        execution = outcome.execution
        self.last_confirm_ms = (outcome.confirmed_ns - execution.submitted_ns) / 1e6
        trade = self._summary(outcome)
        self._lines[trade.tx_hash] = len(self.trades)
        self.trades.append(trade)
        return trade

    def on_correction(self, before: Outcome, after: Outcome, result: str) -> TradeSummary:
        """A reorg changed a settled trade: `before` is taken back out of every figure, `after`
        counted in, and its summary line rewritten in place."""
        self._count(before, -1)
        self._count(after, 1)
        self.reorged[result] += 1
        return self._rewrite(after)

    def on_final(self, outcome: Outcome) -> TradeSummary:
        """A trade is past the confirmation depth: its line says final."""
        self.final += 1
        return self._rewrite(outcome)

    def _rewrite(self, outcome: Outcome) -> TradeSummary:
        trade = self._summary(outcome)
        line = self._lines.get(trade.tx_hash)
        if line is None:
            self._lines[trade.tx_hash] = len(self.trades)
            self.trades.append(trade)
        else:
            self.trades[line] = trade
        return trade

    def _count(self, outcome: Outcome, sign: int) -> None:
        """Add (`sign` 1) or take back (-1) an outcome's share of the figures."""
        execution = outcome.execution
        token = execution.decision.opportunity.route.token_in
        if not outcome.included:
            self.dropped += sign
        elif outcome.cancelled:
            self.cancelled += sign
        elif outcome.success:
            self.succeeded += sign
            self.realized_profit[token] += sign * outcome.realized_profit
        else:
            self.reverted += sign
        if outcome.touched_earlier_in_block:
            self.touched_earlier += sign
        if outcome.lost_to_rival:
            self.lost_to_rival += sign
        if outcome.success and outcome.realized_profit != execution.decision.expected_profit:
            self.mismatched += sign
        self.net_profit_usd += sign * outcome.realized_net_usd()
        self.l1_fee_wei += sign * outcome.l1_fee_wei

    def _summary(self, outcome: Outcome) -> TradeSummary:
        execution = outcome.execution
        opportunity = execution.decision.opportunity
        token = opportunity.route.token_in
        status = {"succeeded": "success"}.get(outcome.status, outcome.status)
        return TradeSummary(
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
            l1_fee_wei=outcome.l1_fee_wei,
            net_profit_usd=outcome.realized_net_usd(),
            touched_earlier_in_block=outcome.touched_earlier_in_block,
            stage_offsets_ns=execution.times.offsets_ns(),
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
            final=outcome.final,
            source=str(opportunity.source),
            trigger_tx=opportunity.trigger_tx,
            channel=str(execution.channel),
            bribe_paid_wei=outcome.bribe_paid_wei,
            lost_to_rival=outcome.lost_to_rival,
            rival_tx_hash=outcome.rival_tx_hash,
        )

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
            "pending": len(self.pending),
            "node_up": self.node_up,
            "cancelled": self.cancelled,
            "replacements": {
                str(reason): self.replacements[str(reason)] for reason in ReplacementReason
            },
            "touched_earlier_in_block": self.touched_earlier,
            "lost_to_rival": self.lost_to_rival,
            "realized_differs_from_predicted": self.mismatched,
            "dropped": self.dropped,
            "reorged_trades": dict(self.reorged),
            "final": self.final,
            "not_final": len(self.trades) - self.final,
            "realized_profit": {
                self.symbols.get(t.lower(), t): v for t, v in self.realized_profit.items()
            },
            "net_profit_usd": self.net_profit_usd,
            "l1_fee_wei": self.l1_fee_wei,
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
