"""A trade's body (`TradeItem`, the shape of `omniarb history --json` items) and the PnL's
(`PnlBody`: per chain `ChainPnl`, and the curve of `PnlPoint`s).

A trade says what found it (`source`: `block`, or `mempool` for a backrun of the pending
transaction `trigger_tx`), how it was sent (`channel`: `public`, `bundle` with the relay's
`bundle_hash`, or `sequencer`), and its bribe (`bribe_wei` offered, `bribe_paid_wei` paid).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from omniarb.api._schema_base import BODY, Amount, HopItem, TokenAmount
from omniarb.api.latency import StageSegment

__all__ = ["ChainPnl", "PnlBody", "PnlPoint", "TradeItem"]


class TradeItem(BaseModel):
    """An execution with its outcome: the shape of `omniarb history --json` items."""

    model_config = BODY

    chain: str
    chain_id: int
    tx_hash: str | None
    block_number: int
    detected_block: int
    status: str = Field(
        description="succeeded, reverted or dropped once settled (a reorg may also leave it "
        "replaced or pending); else simulated, submitted, rejected or failed"
    )
    final: bool = Field(
        default=False,
        description="past the chain's confirmation depth: no reorg will change it any more",
    )
    route: list[str]
    pools: list[str]
    hops: list[HopItem] = Field(default_factory=list, description="each hop in route order")
    profit_token: str
    profit_symbol: str | None
    amount_in: Amount
    predicted_profit_wei: Amount = Field(
        description="what the trade should leave: gross profit minus the flash loan's fee"
    )
    min_profit_wei: Amount
    flash_source: str = Field(
        description="where the capital came from: uniswap-v2-flash-swap (the route's own "
        "pair), uniswap-v2-pair-loan, balancer-v2, aave-v3, uniswap-v3-flash, algebra-flash, "
        "uniswap-v4-flash, or inventory (the executor's own balance: no loan)"
    )
    realized_profit_wei: Amount | None
    gas_used: int | None
    effective_gas_price_wei: Amount | None
    gas_cost_wei: Amount | None = Field(description="L2 execution gas, in the native coin")
    l1_fee_wei: Amount | None = Field(
        default=None, description="an L2's L1 data fee paid, in the native coin (0 on an L1)"
    )
    net_profit_usd: float | None
    touched_earlier_in_block: bool | None
    nonce: int | None
    error: str | None
    submitted_at: datetime | None
    settled_at: datetime | None
    detect_to_submit_ms: float | None
    submit_to_confirm_ms: float | None
    stage_offsets_ns: dict[str, int | None] | None = Field(
        default=None, description="each live-path stamp in ns since the block's notification"
    )
    segments: list[StageSegment] | None = None
    source: str = Field(
        default="block",
        description="what found it: block (a new block's state), mempool (a backrun of the "
        "pending transaction trigger_tx) or cross-chain",
    )
    trigger_tx: str | None = Field(
        default=None, description="the pending transaction a mempool trade backran"
    )
    channel: str | None = Field(
        default=None,
        description="how it was sent: public (mempool), bundle (a relay) or sequencer; null "
        "for a trade stored before it was recorded",
    )
    bundle_hash: str | None = Field(default=None, description="the relay's hash of its bundle")
    bribe_wei: Amount = Field(
        default="0", description="the bribe offered to the block's builder, in the native coin"
    )
    bribe_paid_wei: Amount | None = Field(
        default=None, description="the bribe its receipt shows paid (null until settled)"
    )
    lost_to_rival: bool | None = Field(
        default=None,
        description="reverted (or a bundle never landed) after a rival's arbitrage took the "
        "gap first (null until settled)",
    )
    rival_tx_hash: str | None = Field(
        default=None, description="the rival's transaction that took the gap"
    )
    opportunity_id: str
    execution_id: str | None


class PnlPoint(BaseModel):
    """One settled trade on the PnL curve: its net USD and the running total up to it."""

    model_config = BODY

    at: datetime
    chain: str
    tx_hash: str | None
    status: str
    net_profit_usd: float
    cumulative_usd: float


class ChainPnl(BaseModel):
    """One chain's profit and counts over the whole history."""

    model_config = BODY

    chain: str
    chain_id: int
    opportunities: int
    approved: int
    declined: int
    executions: dict[str, int]
    settled: dict[str, int]
    success_rate: float | None
    realized_profit: list[TokenAmount]
    gas_cost_wei: Amount
    l1_fee_wei: Amount = Field(
        default="0", description="L1 data fees paid on an L2, in the native coin"
    )
    net_profit_usd: float
    sources: dict[str, int] = Field(
        default_factory=dict, description="executions by what found them (block, mempool, ...)"
    )
    backruns: int = Field(default=0, description="executions of backruns of pending transactions")
    channels: dict[str, int] = Field(
        default_factory=dict, description="executions by how they were sent"
    )
    bribe_paid_wei: Amount = Field(
        default="0", description="bribes paid to block builders, in the native coin"
    )
    lost_to_rival: int = Field(
        default=0, description="settled trades lost to a rival's arbitrage that ran first"
    )


class PnlBody(BaseModel):
    """Profit per chain and in total, and the curve of the latest settled trades."""

    model_config = BODY

    net_profit_usd: float
    chains: list[ChainPnl]
    curve: list[PnlPoint]
