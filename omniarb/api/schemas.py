"""The API's response bodies as pydantic models: what `/openapi.json` publishes and clients read.

Amounts in base units (token units or wei) are decimal strings, as in `omniarb history --json`:
they routinely pass 2**53, where JavaScript numbers and float-based JSON readers round them.
Counts (blocks, gas units, nonces) are JSON numbers; USD figures and latencies are floats; times
are ISO 8601 in UTC. The WebSocket `/ws` sends these same bodies as the `data` of its messages.
A trade's bodies and the PnL's are in `omniarb.api.trade_schemas`, re-exported here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from omniarb.api._schema_base import BODY as _BODY
from omniarb.api._schema_base import Amount, HopItem, TokenAmount
from omniarb.api.latency import StageBreakdownBody
from omniarb.api.trade_schemas import ChainPnl, PnlBody, PnlPoint, TradeItem

__all__ = [
    "AlertItem",
    "BreakerScope",
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
    lost_to_rival: int = Field(
        default=0, description="trades lost to a rival's arbitrage that ran first"
    )
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
    reasons: list[str] = Field(
        default_factory=list,
        description="why a declined, rejected or failed opportunity went no further: its "
        "decision's reasons (risk limits, token safety, score, allocate), then its execution's "
        "refusal",
    )


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


class BreakerScope(BaseModel):
    """One scope's breaker: "global" (open stops every chain) or a chain's (stops that chain)."""

    model_config = _BODY

    scope: str
    state: Literal["open", "closed"]
    trip: BreakerTripItem | None


class BreakerStatus(BaseModel):
    """The circuit breaker: `open` stops trading until a reset; `trip` is the current trip.
    `scope`, `state` and `trip` are the global breaker's; `scopes` lists every scope's, the
    global one first, then each chain's when the bot has per-chain breakers."""

    model_config = _BODY

    scope: str
    state: Literal["open", "closed"]
    trip: BreakerTripItem | None
    scopes: list[BreakerScope] = Field(default_factory=list)


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
    """A WebSocket message: `type` is opportunity, trade, alert, stats, breaker or
    cross_chain_trade; `data` is the matching body (`OpportunityItem`, `TradeItem`, `AlertItem`,
    `StatsBody`, `BreakerStatus`, a cross-chain trade row's fields); `seq` increases by one per
    published message."""

    model_config = _BODY

    type: Literal["opportunity", "trade", "alert", "stats", "breaker", "cross_chain_trade"]
    seq: int
    data: dict[str, Any]
