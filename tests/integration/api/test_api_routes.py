"""The REST routes, served by uvicorn on a free port over a real history (SQLite and
PostgreSQL): auth on every route, each body against its schema, exact amounts as strings."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import httpx
import pytest
import websockets
from _api_server import AUTH, TOKEN, make_secrets, serving, ws_url
from _api_values import (
    AMOUNT_IN,
    GAS_COST_WEI,
    GROSS_PROFIT,
    USDC,
    WETH,
    opportunity,
    outcome,
    route,
)
from prometheus_client import CollectorRegistry
from prometheus_client import Counter as PromCounter
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

from omniarb.api import ApiServer, ApiState, LiveFigures, LiveHub, create_app
from omniarb.api.schemas import (
    AlertItem,
    BreakerTripItem,
    ChainStatus,
    ConfigBody,
    OpportunityItem,
    PnlBody,
    StatusBody,
    TradeItem,
)
from omniarb.config import Secrets, Settings
from omniarb.devnet.market import ChainStats, MarketSnapshot, PoolPrice
from omniarb.errors import ConfigError
from omniarb.monitor.alerts import Alert, Severity
from omniarb.risk.breaker import CircuitBreaker
from omniarb.store import HistoryDatabase, HistoryStore
from omniarb.track import ChainBotStats

GET_ROUTES = (
    "/status",
    "/chains",
    "/latency",
    "/opportunities",
    "/trades",
    "/pnl",
    "/alerts",
    "/breaker",
    "/config",
)


class _Metrics:
    """A real Prometheus registry with one counter: the `MetricsSource` the API serves."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.trades = PromCounter("omniarb_test_trades", "trades", registry=self.registry)
        self.trades.inc(3)

    @property
    def content_type(self) -> str:
        return CONTENT_TYPE_LATEST

    def render(self) -> bytes:
        return generate_latest(self.registry)


@dataclass(frozen=True, slots=True)
class _Alert:
    id: str
    rule: str
    severity: str
    key: str
    summary: str
    fired_at: datetime
    chain: str | None = None
    value: float | None = None
    threshold: float | None = None
    suppressed: str | None = None


def _live_stats() -> ChainBotStats:
    """Ethereum's figures after one block, one opportunity and one settled trade."""
    stats = ChainBotStats(
        chain="ethereum",
        chain_id=1,
        symbols={WETH.lower(): "WETH", USDC.lower(): "USDC"},
        decimals={WETH.lower(): 18, USDC.lower(): 6},
    )
    opp = opportunity(0)
    stats.on_block(100, pools=18, cycles=66)
    stats.on_opportunity(opp, opp.detected_ns - 3_000_000)
    settled = outcome(opp, n=0)
    stats.on_decision(settled.execution.decision)
    stats.on_execution(settled.execution)
    stats.on_outcome(settled)
    return stats


def _market() -> MarketSnapshot:
    return MarketSnapshot(
        chains=(
            ChainStats(
                chain="ethereum",
                chain_id=1,
                block_number=101,
                step=7,
                swaps_sent=21,
                swaps_mined=20,
                swaps_failed=1,
                swaps_per_s=2.5,
                retries=0,
                native_reference_usd=3000.0,
                prices=(
                    PoolPrice(dex="sushiswap", pool="0xPool", fee_pips=3000, price_usd=2990.5),
                ),
                max_gap_bps=35.0,
                max_gap_pair="WETH/USDC",
                recent_swaps=(),
            ),
        )
    )


async def test_every_route_needs_the_token_and_metrics_is_public(sqlite_url: str) -> None:
    store = HistoryStore.open(sqlite_url)
    state = ApiState(history=store.database, hub=LiveHub(), metrics=_Metrics())
    try:
        async with serving(state) as server, httpx.AsyncClient(base_url=server.url) as client:
            for path in GET_ROUTES:
                for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
                    answer = await client.get(path, headers=headers)
                    assert answer.status_code == 401, (path, headers)
                    assert answer.headers["www-authenticate"] == "Bearer"
            for path in ("/breaker/trip", "/breaker/reset"):
                answer = await client.post(path, json={"reason": "x"})
                assert answer.status_code == 401, path
            metrics = await client.get("/metrics")
            assert metrics.status_code == 200
            assert "omniarb_test_trades_total 3.0" in metrics.text
            assert metrics.headers["content-type"] == CONTENT_TYPE_LATEST
            assert (await client.get("/status", headers=AUTH)).status_code == 200
    finally:
        await store.close()


async def test_metrics_needs_the_token_when_not_public(sqlite_url: str) -> None:
    store = HistoryStore.open(sqlite_url)
    state = ApiState(history=store.database, hub=LiveHub(), metrics=_Metrics())
    settings = Settings.model_validate({"api": {"metrics_public": False}})
    try:
        async with (
            serving(state, settings) as server,
            httpx.AsyncClient(base_url=server.url) as client,
        ):
            assert (await client.get("/metrics")).status_code == 401
            answer = await client.get("/metrics", headers=AUTH)
            assert answer.status_code == 200
            assert "omniarb_test_trades_total 3.0" in answer.text
    finally:
        await store.close()


async def test_history_routes_serve_the_records_exactly(seeded_store: HistoryStore) -> None:
    state = ApiState(history=seeded_store.database, hub=LiveHub())
    async with (
        serving(state) as server,
        httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
    ):
        trades = [TradeItem.model_validate(t) for t in (await client.get("/trades")).json()]
        # Newest first: the polygon trade, then ethereum's 2, 1, 0.
        assert [t.opportunity_id for t in trades] == [
            "137-104-0004",
            "1-102-0002",
            "1-101-0001",
            "1-100-0000",
        ]
        first = trades[-1]
        assert first.amount_in == str(AMOUNT_IN)  # past 2**53, exact
        assert first.predicted_profit_wei == first.realized_profit_wei == str(GROSS_PROFIT)
        assert first.gas_cost_wei == str(GAS_COST_WEI)
        assert first.route == ["WETH", "USDC", "WETH"]
        # Each hop with its protocol, DEX, fee and pool, as the route's hops were recorded.
        assert [(h.kind, h.dex, h.fee_pips, h.pool) for h in first.hops] == [
            (h.kind, h.dex, h.fee_pips, h.pool) for h in route(1).hops
        ]
        assert [(h.symbol_in, h.symbol_out) for h in first.hops] == [
            ("WETH", "USDC"),
            ("USDC", "WETH"),
        ]
        assert first.status == "succeeded"
        assert first.block_number == 101
        assert first.submit_to_confirm_ms == pytest.approx(500.0)
        assert trades[2].status == "reverted"
        assert trades[2].realized_profit_wei == "0"

        polygon = (await client.get("/trades", params={"chain": "polygon"})).json()
        assert [t["chain_id"] for t in polygon] == [137]
        assert (await client.get("/trades", params={"chain": "137"})).json() == polygon
        reverted = (await client.get("/trades", params={"status": "reverted"})).json()
        assert [t["opportunity_id"] for t in reverted] == ["1-101-0001"]
        assert len((await client.get("/trades", params={"limit": 2})).json()) == 2

        opportunities = [
            OpportunityItem.model_validate(o) for o in (await client.get("/opportunities")).json()
        ]
        assert len(opportunities) == 5
        statuses = {o.id: o.status for o in opportunities}
        assert statuses == {
            "1-100-0000": "succeeded",
            "1-101-0001": "reverted",
            "1-102-0002": "succeeded",
            "1-103-0003": "declined",
            "137-104-0004": "succeeded",
        }
        declined = next(o for o in opportunities if o.status == "declined")
        assert declined.amount_in == str(AMOUNT_IN + 3)
        assert declined.route == ["WETH", "USDC", "WETH"]
        assert declined.dexes == ["uniswap-v2", "sushiswap"]
        assert [(h.kind, h.dex, h.pool, h.token_in, h.symbol_in) for h in declined.hops] == [
            (h.kind, h.dex, h.pool, h.token_in, "WETH" if h.token_in == WETH else "USDC")
            for h in route(1).hops
        ]
        assert declined.profit_symbol == "WETH"
        assert declined.profit_decimals == 18
        # Why it went no further, from its decision; the others went on, with no reasons.
        assert declined.reasons == ["does not pay for gas"]
        assert [o.reasons for o in opportunities if o.status != "declined"] == [[]] * 4
        only = await client.get("/opportunities", params={"status": "declined", "chain": "1"})
        assert [o["id"] for o in only.json()] == ["1-103-0003"]

        pnl = PnlBody.model_validate((await client.get("/pnl")).json())
        ethereum = next(c for c in pnl.chains if c.chain == "ethereum")
        assert ethereum.success_rate == pytest.approx(2 / 3)
        assert ethereum.settled == {"succeeded": 2, "reverted": 1}
        assert ethereum.declined == 1
        assert [(a.symbol, a.amount) for a in ethereum.realized_profit] == [
            ("WETH", str(2 * GROSS_PROFIT))
        ]
        assert ethereum.gas_cost_wei == str(3 * GAS_COST_WEI)
        assert [p.chain for p in pnl.curve] == ["ethereum"] * 3 + ["polygon"]
        assert pnl.curve[-1].cumulative_usd == pytest.approx(pnl.net_profit_usd)
        assert pnl.net_profit_usd == pytest.approx(sum(c.net_profit_usd for c in pnl.chains))
        running = 0.0
        for point in pnl.curve:
            running += point.net_profit_usd
            assert point.cumulative_usd == pytest.approx(running)
        short = PnlBody.model_validate((await client.get("/pnl", params={"points": 2})).json())
        assert [p.cumulative_usd for p in short.curve] == pytest.approx(
            [p.cumulative_usd for p in pnl.curve[-2:]]
        )

        for path, params in (
            ("/trades", {"limit": 0}),
            ("/trades", {"limit": 1001}),
            ("/trades", {"chain": "Ethereum; drop"}),
            ("/trades", {"status": "lost"}),
            ("/opportunities", {"chain": "9" * 19}),
            ("/pnl", {"points": 0}),
        ):
            assert (await client.get(path, params=params)).status_code == 422, (path, params)


async def test_status_chains_alerts_and_config(sqlite_url: str) -> None:
    store = HistoryStore.open(sqlite_url)
    hub = LiveHub()
    stats = _live_stats()
    state = ApiState(
        history=store.database,
        hub=hub,
        live=lambda: LiveFigures(chains=[stats], market=_market()),
        metrics=_Metrics(),
        alerts=hub,  # the hub's recent alerts instead of the stored ones
        loop_lag=lambda: 0.0125,
    )
    for n in range(3):
        hub.publish_alert(
            _Alert(
                id=f"a{n}",
                rule="success_rate",
                severity="warning",
                key=f"success_rate:ethereum:{n}",
                summary=f"success rate low ({n})",
                fired_at=datetime.now(UTC),
                chain="ethereum",
                value=0.5,
                threshold=0.95,
            )
        )
    try:
        async with (
            serving(state) as server,
            httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
        ):
            status = StatusBody.model_validate((await client.get("/status")).json())
            assert status.chains == ["ethereum"]
            assert status.live
            assert status.auth == "token"
            assert status.breaker is None
            assert status.history.startswith("sqlite:///")
            assert status.hub.published == 3
            assert status.event_loop_lag_max_s == 0.0125

            (chain,) = [ChainStatus.model_validate(c) for c in (await client.get("/chains")).json()]
            assert (chain.chain, chain.pools, chain.cycles, chain.block_number) == (
                "ethereum",
                18,
                66,
                100,
            )
            assert (chain.opportunities, chain.submitted, chain.succeeded) == (1, 1, 1)
            assert chain.success_rate == 1.0
            assert chain.last_detect_ms == pytest.approx(3.0)
            assert [(a.symbol, a.decimals, a.amount) for a in chain.realized_profit] == [
                ("WETH", 18, str(GROSS_PROFIT))
            ]
            assert chain.market is not None
            assert chain.market.max_gap_pair == "WETH/USDC"
            assert chain.market.prices[0].price_usd == 2990.5

            alerts = [AlertItem.model_validate(a) for a in (await client.get("/alerts")).json()]
            assert [a.id for a in alerts] == ["a2", "a1", "a0"]
            assert len((await client.get("/alerts", params={"limit": 1})).json()) == 1

            config = ConfigBody.model_validate((await client.get("/config")).json())
            assert config.settings == Settings().to_public_dict()
            assert config.secrets["api_token"] == "***"
            assert config.secrets["private_key"] is None
            assert TOKEN not in (await client.get("/config")).text

            assert (await client.get("/breaker")).status_code == 503
            answer = await client.post("/breaker/trip", json={"reason": "manual"})
            assert answer.status_code == 503
            assert "breaker" in answer.json()["detail"]
    finally:
        await store.close()


async def test_stored_alerts_and_breaker_trips(seeded_store: HistoryStore) -> None:
    breaker = CircuitBreaker()
    fired = [
        Alert.new(
            rule="success_rate",
            severity=Severity.WARNING,
            key=f"success_rate:ethereum:{n}",
            summary=f"success rate {50 + n}% < 95%",
            chain="ethereum",
            value=0.5 + n / 100,
            threshold=0.95,
        )
        for n in range(3)
    ]
    for alert in fired:
        await seeded_store.record(alert)
    flood = replace(fired[0], id="flood", suppressed="rate_limited", fired_at=datetime.now(UTC))
    await seeded_store.record(flood)
    await seeded_store.record(breaker.trip("gas spike", by="api"))
    ended = breaker.reset(by="api")
    assert ended is not None
    await seeded_store.record(ended)
    await seeded_store.flush()
    state = ApiState(history=seeded_store.database, hub=LiveHub(), breaker=breaker)
    async with (
        serving(state) as server,
        httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
    ):
        alerts = [AlertItem.model_validate(a) for a in (await client.get("/alerts")).json()]
        assert [a.id for a in alerts] == ["flood", *(a.id for a in reversed(fired))]
        assert alerts[0].suppressed == "rate_limited"
        assert alerts[1].summary == "success rate 52% < 95%"
        assert alerts[1].severity == "warning"
        assert len((await client.get("/alerts", params={"limit": 2})).json()) == 2
        (trip,) = [
            BreakerTripItem.model_validate(t) for t in (await client.get("/breaker/trips")).json()
        ]
        assert (trip.reason, trip.detail, trip.tripped_by) == ("manual", "gas spike", "api")
        assert trip.reset_by == "api"
        assert trip.reset_at is not None


async def test_config_masks_every_secret(sqlite_url: str) -> None:
    key = "0x" + "11" * 32
    db_url = "postgresql://bot:hunter2-secret@db.internal/omniarb"
    store = HistoryStore.open(sqlite_url)
    state = ApiState(history=store.database, hub=LiveHub())
    try:
        async with (
            serving(state, secrets=make_secrets(private_key=key, db_url=db_url)) as server,
            httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
        ):
            answer = await client.get("/config")
        body = answer.json()
        assert body["secrets"]["api_token"] == "***"
        assert body["secrets"]["private_key"] == "***"
        assert body["secrets"]["db_url"] == "***"
        for secret in (key, key[2:], "hunter2-secret", TOKEN):
            assert secret not in answer.text
    finally:
        await store.close()


async def test_without_a_token_only_loopback_is_served(sqlite_url: str) -> None:
    store = HistoryStore.open(sqlite_url)
    state = ApiState(history=store.database, hub=LiveHub())
    exposed = Settings.model_validate({"api": {"host": "0.0.0.0"}})
    try:
        app = create_app(state, exposed, secrets=Secrets())
        with pytest.raises(ConfigError, match="OMNIARB_API_TOKEN"):
            ApiServer(app, state, exposed.api)
        async with (
            serving(state, token=None) as server,
            httpx.AsyncClient(base_url=server.url) as client,
        ):
            status = await client.get("/status")
            assert status.status_code == 200
            assert status.json()["auth"] == "loopback"
            local_page = {"Origin": f"http://localhost:{server.port}"}
            assert (await client.get("/trades", headers=local_page)).status_code == 200
            # A DNS-rebinding page reaches 127.0.0.1 under its own host name.
            rebound = await client.get("/status", headers={"Host": f"evil.example:{server.port}"})
            assert rebound.status_code == 403
            # Another site's page in the operator's browser.
            foreign = {"Origin": "https://evil.example"}
            answer = await client.post("/breaker/trip", json={"reason": "x"}, headers=foreign)
            assert answer.status_code == 403
            # Browsers do not apply CORS to WebSockets: the Origin check is what keeps
            # another site from reading the live feed.
            with pytest.raises(InvalidStatus) as refused:
                async with websockets.connect(
                    ws_url(server), origin=Origin("https://evil.example")
                ):
                    pass
            assert refused.value.response.status_code == 403
            async with websockets.connect(
                ws_url(server), origin=Origin(f"http://127.0.0.1:{server.port}")
            ) as ws:
                state.hub.publish("trade", {"tx_hash": "0x01"})
                assert json.loads(await ws.recv())["data"] == {"tx_hash": "0x01"}
    finally:
        await store.close()


async def test_history_routes_answer_503_when_the_database_is_unreachable() -> None:
    # A PostgreSQL URL where nothing listens: the real driver's refusal, mapped once by the store.
    database = HistoryDatabase.open("postgresql://postgres@127.0.0.1:9/none", migrate=False)
    state = ApiState(history=database, hub=LiveHub())
    try:
        async with (
            serving(state) as server,
            httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
        ):
            for path in ("/trades", "/opportunities", "/pnl"):
                answer = await client.get(path)
                assert answer.status_code == 503, path
                assert "unavailable" in answer.json()["detail"]
            assert (await client.get("/status")).status_code == 200
    finally:
        database.dispose()
