"""Our values → the API's bodies: pipeline values, live figures, history records, alerts, trips.

One place decides how each value looks on the wire, so `/trades` and the WebSocket's `trade`
messages have one shape, and so do `/opportunities` and `opportunity` messages. Amounts become
decimal strings here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol

from omniarb.api.latency import breakdown_body, live_offsets, segment_items
from omniarb.api.schemas import (
    AlertItem,
    BreakerScope,
    BreakerStatus,
    BreakerTripItem,
    ChainStatus,
    EndpointStatus,
    HopItem,
    MarketChain,
    MarketPrice,
    OpportunityItem,
    StatsBody,
    TokenAmount,
    TradeItem,
)
from omniarb.api.state import (
    AlertView,
    BreakerControl,
    LiveFigures,
    ScopedBreakerControl,
    TripView,
)
from omniarb.chains.spec import chain_by_id
from omniarb.errors import NotFoundError
from omniarb.monitor.market_view import ChainStats
from omniarb.store import TradeRecord
from omniarb.track import ChainBotStats
from omniarb.types import Opportunity, Outcome, Route

__all__ = [
    "TokenNames",
    "alert_item",
    "breaker_status",
    "chain_label",
    "chain_status",
    "hop_items",
    "opportunity_item",
    "stats_body",
    "token_amounts",
    "trade_from_outcome",
    "trade_item",
    "trip_item",
]

_NS_PER_MS = 1_000_000


class TokenNames(Protocol):
    """Symbols and decimals by lower-case token address (`ChainBotStats` has both)."""

    @property
    def symbols(self) -> Mapping[str, str]: ...
    @property
    def decimals(self) -> Mapping[str, int]: ...


def chain_label(chain_id: int) -> str:
    """The chain's name; `chain-<id>` for a chain the specs do not know."""
    try:
        return chain_by_id(chain_id).name
    except NotFoundError:
        return f"chain-{chain_id}"


def _symbol(address: str, names: TokenNames | None) -> str:
    symbol = None if names is None else names.symbols.get(address.lower())
    if symbol is not None:
        return symbol
    return f"{address[:6]}…{address[-4:]}" if len(address) > 12 else address


def _route_symbols(route: Route, names: TokenNames | None) -> list[str]:
    return [_symbol(a, names) for a in (route.token_in, *(h.token_out for h in route.hops))]


def hop_items(route: Route, symbols: Sequence[str | None]) -> list[HopItem]:
    """The hops of `route`, each with its protocol; `symbols` are the tokens along the route
    (one more than the hops), None where unknown."""
    return [
        HopItem(
            pool=hop.pool,
            dex=hop.dex,
            kind=hop.kind,
            fee_pips=hop.fee_pips,
            token_in=hop.token_in,
            token_out=hop.token_out,
            symbol_in=symbols[i] if i < len(symbols) else None,
            symbol_out=symbols[i + 1] if i + 1 < len(symbols) else None,
            currency_in=hop.currency_in,
            currency_out=hop.currency_out,
        )
        for i, hop in enumerate(route.hops)
    ]


def token_amounts(
    amounts: Mapping[str, int], symbols: Mapping[str, str], decimals: Mapping[str, int]
) -> list[TokenAmount]:
    """Amounts by token address as `TokenAmount`s, sorted by address for a stable order."""
    return [
        TokenAmount(
            token=token,
            symbol=symbols.get(token.lower()),
            decimals=decimals.get(token.lower()),
            amount=str(amount),
        )
        for token, amount in sorted(amounts.items())
    ]


def _market(stats: ChainStats) -> MarketChain:
    return MarketChain(
        block_number=stats.block_number,
        swaps_sent=stats.swaps_sent,
        swaps_mined=stats.swaps_mined,
        swaps_failed=stats.swaps_failed,
        swaps_per_s=stats.swaps_per_s,
        native_reference_usd=stats.native_reference_usd,
        prices=[
            MarketPrice(dex=p.dex, pool=p.pool, fee_pips=p.fee_pips, price_usd=p.price_usd)
            for p in stats.prices
        ],
        max_gap_bps=stats.max_gap_bps,
        max_gap_pair=stats.max_gap_pair,
    )


def chain_status(stats: ChainBotStats, market: ChainStats | None = None) -> ChainStatus:
    """One chain's live figures."""
    return ChainStatus(
        chain=stats.chain,
        chain_id=stats.chain_id,
        block_number=stats.block_number,
        blocks_seen=stats.blocks_seen,
        pools=stats.pools,
        cycles=stats.cycles,
        opportunities=stats.opportunities,
        approved=stats.approved,
        declined=stats.declined,
        submitted=stats.submitted,
        simulated=stats.simulated,
        rejected=stats.rejected,
        succeeded=stats.succeeded,
        reverted=stats.reverted,
        success_rate=stats.success_rate,
        touched_earlier_in_block=stats.touched_earlier,
        lost_to_rival=stats.lost_to_rival,
        realized_differs_from_predicted=stats.mismatched,
        realized_profit=token_amounts(stats.realized_profit, stats.symbols, stats.decimals),
        net_profit_usd=stats.net_profit_usd,
        last_detect_ms=stats.last_detect_ms,
        last_submit_ms=stats.last_submit_ms,
        last_confirm_ms=stats.last_confirm_ms,
        node_up=stats.node_up,
        node_head=stats.node_head,
        block_lag=stats.block_lag,
        rpc_latency_ms=stats.rpc_latency_ms,
        endpoints=[
            EndpointStatus(
                endpoint=e.endpoint,
                up=not (e.cooling_down or e.stale),
                score=e.score,
                latency_ms=e.latency_ms,
            )
            for e in stats.endpoints
        ],
        pending=len(stats.pending),
        market=None if market is None else _market(market),
        stages=breakdown_body(stats.stages.breakdown()),
    )


def stats_body(figures: LiveFigures) -> StatsBody:
    """Every chain's figures, each with its market's when the devnet market runs."""
    markets = {} if figures.market is None else {m.chain: m for m in figures.market.chains}
    return StatsBody(
        at=datetime.now(UTC),
        chains=[chain_status(c, markets.get(c.chain)) for c in figures.chains],
    )


def opportunity_item(
    opportunity: Opportunity,
    names: TokenNames | None = None,
    *,
    status: str = "detected",
    detected_at: datetime | None = None,
) -> OpportunityItem:
    """An opportunity as `/opportunities` lists it and the `opportunity` message carries it."""
    route = opportunity.route
    token = route.token_in
    return OpportunityItem(
        id=opportunity.id,
        chain=chain_label(opportunity.chain_id),
        chain_id=opportunity.chain_id,
        block_number=opportunity.block_number,
        source=str(opportunity.source),
        status=status,
        route=_route_symbols(route, names),
        pools=list(route.pools),
        dexes=[hop.dex for hop in route.hops],
        hops=hop_items(route, _route_symbols(route, names)),
        profit_token=token,
        profit_symbol=None if names is None else names.symbols.get(token.lower()),
        profit_decimals=None if names is None else names.decimals.get(token.lower()),
        amount_in=str(opportunity.amount_in),
        amount_out=str(opportunity.amount_out),
        predicted_profit_wei=str(opportunity.gross_profit),
        net_profit_wei=str(opportunity.net_profit),
        net_profit_usd=opportunity.net_profit_usd,
        gas_estimate=opportunity.gas_estimate,
        gas_price_wei=str(opportunity.gas_price_wei),
        gas_cost_wei=str(opportunity.gas_cost_wei),
        detected_at=detected_at,
    )


def trade_item(record: TradeRecord) -> TradeItem:
    """A recorded trade: `TradeRecord.to_json()`, validated, with its hops."""
    hops = hop_items(record.route, record.route_symbols)
    segments = segment_items(record.stage_offsets_ns)
    return TradeItem.model_validate({**record.to_json(), "hops": hops, "segments": segments})


def _latency_ms(start_ns: int, end_ns: int) -> float | None:
    # An unset stamp is 0: no latency rather than a nonsense one.
    if start_ns <= 0 or end_ns < start_ns:
        return None
    return (end_ns - start_ns) / _NS_PER_MS


def trade_from_outcome(outcome: Outcome, names: TokenNames | None = None) -> TradeItem:
    """A trade the moment it settles, in the shape `/trades` will list it.

    `execution_id` is None: the store derives it when it writes the row.
    """
    execution = outcome.execution
    decision = execution.decision
    opportunity = decision.opportunity
    token = opportunity.route.token_in
    now = datetime.now(UTC)
    return TradeItem(
        chain=chain_label(opportunity.chain_id),
        chain_id=opportunity.chain_id,
        tx_hash=outcome.tx_hash,
        block_number=opportunity.block_number
        if outcome.block_number is None
        else outcome.block_number,
        detected_block=opportunity.block_number,
        status=outcome.status,
        final=outcome.final,
        route=_route_symbols(opportunity.route, names),
        pools=list(opportunity.route.pools),
        hops=hop_items(opportunity.route, _route_symbols(opportunity.route, names)),
        profit_token=token,
        profit_symbol=None if names is None else names.symbols.get(token.lower()),
        amount_in=str(decision.amount_in),
        predicted_profit_wei=str(decision.expected_profit),
        min_profit_wei=str(decision.min_profit),
        flash_source=str(decision.flash_source or ""),
        realized_profit_wei=str(outcome.realized_profit),
        gas_used=outcome.gas_used,
        effective_gas_price_wei=str(outcome.effective_gas_price_wei),
        gas_cost_wei=str(outcome.gas_cost_wei),
        l1_fee_wei=str(outcome.l1_fee_wei),
        net_profit_usd=outcome.realized_net_usd(),
        touched_earlier_in_block=outcome.touched_earlier_in_block,
        nonce=execution.nonce,
        error=None if outcome.success else execution.error,
        submitted_at=None,
        settled_at=now,
        detect_to_submit_ms=_latency_ms(opportunity.detected_ns, execution.submitted_ns),
        submit_to_confirm_ms=_latency_ms(execution.submitted_ns, outcome.confirmed_ns),
        stage_offsets_ns=(offsets := live_offsets(execution.times)),
        segments=segment_items(offsets),
        source=str(opportunity.source),
        trigger_tx=opportunity.trigger_tx,
        channel=str(execution.channel),
        bundle_hash=execution.bundle_hash,
        bribe_wei=str(decision.bribe_wei),
        bribe_paid_wei=str(outcome.bribe_paid_wei),
        lost_to_rival=outcome.lost_to_rival,
        rival_tx_hash=outcome.rival_tx_hash,
        opportunity_id=opportunity.id,
        execution_id=None,
    )


def alert_item(alert: AlertView) -> AlertItem:
    return AlertItem(
        id=alert.id,
        rule=alert.rule,
        severity=str(alert.severity),
        key=alert.key,
        summary=alert.summary,
        fired_at=alert.fired_at,
        chain=alert.chain,
        value=alert.value,
        threshold=alert.threshold,
        suppressed=alert.suppressed,
    )


def trip_item(trip: TripView) -> BreakerTripItem:
    return BreakerTripItem(
        id=trip.id,
        scope=trip.scope,
        reason=str(trip.reason),
        detail=trip.detail,
        consecutive_failures=trip.consecutive_failures,
        loss_usd=trip.loss_usd,
        tripped_at=trip.tripped_at,
        tripped_by=trip.tripped_by,
        reset_at=trip.reset_at,
        reset_by=trip.reset_by,
    )


def _scope(breaker: BreakerControl) -> BreakerScope:
    trip = breaker.trip_record
    return BreakerScope(
        scope=breaker.scope,
        state="open" if breaker.is_open else "closed",
        trip=None if trip is None else trip_item(trip),
    )


def breaker_status(breaker: BreakerControl) -> BreakerStatus:
    """The global breaker's state, with every scope's in `scopes`."""
    scopes = breaker.breakers if isinstance(breaker, ScopedBreakerControl) else (breaker,)
    own = _scope(breaker)
    return BreakerStatus(
        scope=own.scope,
        state=own.state,
        trip=own.trip,
        scopes=[_scope(b) for b in scopes],
    )
