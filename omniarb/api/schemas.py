"""The API's response bodies as pydantic models: what `/openapi.json` publishes and clients read.

Amounts in base units (token units or wei) are decimal strings, as in `omniarb history --json`:
they routinely pass 2**53, where JavaScript numbers and float-based JSON readers round them.
Counts (blocks, gas units, nonces) are JSON numbers; USD figures and latencies are floats; times
are ISO 8601 in UTC. The WebSocket `/ws` sends these same bodies as the `data` of its messages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from omniarb.api.latency import StageBreakdownBody, StageSegment

__all__ = [
    "AlertItem",
    "BreakerStatus",
    "BreakerTripItem",
    "BreakerTripRequest",
    "ChainPnl",
    "ChainStatus",
    "ConfigBody",
    "EndpointStatus",
    "HopItem",
    "HubFigures",
    "LiveMessage",
    "MarketChain",
    "MarketPrice",
    "OpportunityItem",
    "PnlBody",
    "PnlPoint",
    "StatsBody",
    "StatusBody",
    "TokenAmount",
    "TradeItem",
]

_BODY = ConfigDict(extra="forbid", frozen=True)

# A decimal integer string: an amount in base units (wei of the token or the native coin).
Amount = str


class TokenAmount(BaseModel):
    """An amount of one token: its address, display name and decimals when known."""

    model_config = _BODY

    token: str
    symbol: str | None
    decimals: int | None
    amount: Amount = Field(description="base units, a decimal integer string")


class MarketPrice(BaseModel):
    """A pool's price of the chain's wrapped native token in USD (devnet market view)."""

    model_config = _BODY

    dex: str
    pool: str
    fee_pips: int
    price_usd: float


class MarketChain(BaseModel):
    """One chain's simulated market (devnet only): throughput, prices and the widest gap."""

    model_config = _BODY

    block_number: int
    swaps_sent: int
    swaps_mined: int
    swaps_failed: int
    swaps_per_s: float
    native_reference_usd: float
    prices: list[MarketPrice]
    max_gap_bps: float
    max_gap_pair: str


class EndpointStatus(BaseModel):
    """One RPC endpoint of a chain as the client's failover layer sees it."""

    model_config = _BODY

    endpoint: str = Field(description="scheme://host:port only")
    up: bool = Field(description="false while it cools down after failures or lags the others")
    score: float = Field(description="health score from 0 (failing) to 1")
    latency_ms: float | None = Field(description="its recent request latency")


class ChainStatus(BaseModel):
    """One chain's live pipeline figures (and its market, on the devnet)."""

    model_config = _BODY

    chain: str
    chain_id: int
    block_number: int
    blocks_seen: int
    pools: int
    cycles: int
    opportunities: int
    approved: int
    declined: int
    submitted: int
    simulated: int
    rejected: int
    succeeded: int
    reverted: int
    success_rate: float | None
    touched_earlier_in_block: int
    realized_differs_from_predicted: int
    realized_profit: list[TokenAmount]
    net_profit_usd: float
    last_detect_ms: float
    last_submit_ms: float
    last_confirm_ms: float
    node_up: bool | None = Field(
        description="whether the chain's node answers the liveness probe (null before the "
        "first check)"
    )
    node_head: int | None = Field(description="the node's latest block when it last answered")
    block_lag: int | None = Field(
        description="the node's head minus the block the pipeline last processed"
    )
    rpc_latency_ms: float | None = Field(
        description="the liveness probe's last round trip to the node"
    )
    endpoints: list[EndpointStatus]
    pending: int = Field(description="trades sent and not settled when the run stopped")
    market: MarketChain | None
    stages: StageBreakdownBody | None = Field(default=None, description="the live path's p50/p99")


class StatsBody(BaseModel):
    """Every chain's live figures at `at` (the WebSocket's `stats` message)."""

    model_config = _BODY

    at: datetime
    chains: list[ChainStatus]


class HopItem(BaseModel):
    """One hop of a route: the pool it swaps through, that pool's DEX and protocol (its pool
    kind, as the registry names it), its fee in pips (500 is 0.05%), the tokens in and out, and
    the pool's own currency on a side where it holds another than the route's token (the
    native coin, address 0, which the route carries as the wrapped native token)."""

    model_config = _BODY

    pool: str
    dex: str
    kind: str = Field(description="the protocol: the pool kind, e.g. uniswap-v3")
    fee_pips: int
    token_in: str
    token_out: str
    symbol_in: str | None
    symbol_out: str | None
    currency_in: str | None = Field(
        default=None,
        description="the pool's own currency for token_in where it differs: the native coin "
        "(address 0), unwrapped from token_in by the executor",
    )
    currency_out: str | None = Field(
        default=None,
        description="the pool's own currency for token_out where it differs: the native coin "
        "(address 0), wrapped into token_out by the executor",
    )


class OpportunityItem(BaseModel):
    """A sized, priced opportunity as recorded, with how far down the pipeline it went."""

    model_config = _BODY

    id: str
    chain: str
    chain_id: int
    block_number: int
    source: str
    status: str = Field(
        description="detected, approved, declined, simulated, submitted, rejected, failed, "
        "succeeded, reverted or dropped"
    )
    route: list[str] = Field(description="token symbols along the cycle")
    pools: list[str]
    dexes: list[str]
    hops: list[HopItem] = Field(default_factory=list, description="each hop in route order")
    profit_token: str
    profit_symbol: str | None
    profit_decimals: int | None
    amount_in: Amount
    amount_out: Amount
    predicted_profit_wei: Amount = Field(description="gross profit in the profit token")
    net_profit_wei: Amount = Field(description="after gas, in the profit token")
    net_profit_usd: float
    gas_estimate: int
    gas_price_wei: Amount
    gas_cost_wei: Amount
    detected_at: datetime | None


class TradeItem(BaseModel):
    """An execution with its outcome: the shape of `omniarb history --json` items."""

    model_config = _BODY

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
        "pair), uniswap-v2-pair-loan, balancer-v2, aave-v3 or uniswap-v3-flash"
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
    opportunity_id: str
    execution_id: str | None


class PnlPoint(BaseModel):
    """One settled trade on the PnL curve: its net USD and the running total up to it."""

    model_config = _BODY

    at: datetime
    chain: str
    tx_hash: str | None
    status: str
    net_profit_usd: float
    cumulative_usd: float


class ChainPnl(BaseModel):
    """One chain's profit and counts over the whole history."""

    model_config = _BODY

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


class PnlBody(BaseModel):
    """Profit per chain and in total, and the curve of the latest settled trades."""

    model_config = _BODY

    net_profit_usd: float
    chains: list[ChainPnl]
    curve: list[PnlPoint]


class AlertItem(BaseModel):
    """An alert: which rule, about what, how bad, and the figure against its threshold."""

    model_config = _BODY

    id: str
    rule: str
    severity: str
    key: str
    summary: str
    fired_at: datetime
    chain: str | None
    value: float | None
    threshold: float | None
    suppressed: str | None


class BreakerTripItem(BaseModel):
    """One trip of the circuit breaker (reset fields set once it was reset)."""

    model_config = _BODY

    id: str
    scope: str
    reason: str
    detail: str
    consecutive_failures: int
    loss_usd: float
    tripped_at: datetime
    tripped_by: str
    reset_at: datetime | None
    reset_by: str | None


class BreakerStatus(BaseModel):
    """The circuit breaker: `open` stops trading until a reset; `trip` is the current trip."""

    model_config = _BODY

    scope: str
    state: Literal["open", "closed"]
    trip: BreakerTripItem | None


class BreakerTripRequest(BaseModel):
    """Why the operator trips the breaker (stored with the trip)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: str = Field(min_length=1, max_length=500)


class HubFigures(BaseModel):
    """The live hub: WebSocket clients now, messages published, clients dropped for lagging."""

    model_config = _BODY

    clients: int
    published: int
    dropped_clients: int


class StatusBody(BaseModel):
    """Is the bot up, since when, on how many chains, with what auth, breaker and hub."""

    model_config = _BODY

    version: str
    started_at: datetime
    uptime_s: float
    auth: Literal["token", "loopback"] = Field(
        description="token: a bearer token is required; loopback: served to this machine only"
    )
    chains: list[str]
    live: bool = Field(description="whether live pipeline figures are attached")
    history: str = Field(description="the history database (password masked)")
    breaker: Literal["open", "closed"] | None
    hub: HubFigures
    event_loop_lag_max_s: float | None = Field(
        default=None,
        description="the worst event-loop lag of the last minute, in seconds (null: not measured)",
    )


class ConfigBody(BaseModel):
    """The effective settings and which secrets are set (as `***`, never their values)."""

    model_config = _BODY

    settings: dict[str, Any]
    secrets: dict[str, str | None]


class LiveMessage(BaseModel):
    """A WebSocket message: `type` is opportunity, trade, alert, stats or breaker; `data` is
    the matching body (`OpportunityItem`, `TradeItem`, `AlertItem`, `StatsBody`,
    `BreakerStatus`); `seq` increases by one per published message."""

    model_config = _BODY

    type: Literal["opportunity", "trade", "alert", "stats", "breaker"]
    seq: int
    data: dict[str, Any]
