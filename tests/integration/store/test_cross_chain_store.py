"""The cross-chain tables on SQLite and PostgreSQL: a trade recorded pending with its two legs,
settled, its legs updated, and an exposure opened and closed, amounts exact past 2**64."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from omniarb.cross_chain_types import CrossChainOpportunity, LegPlan, LegRole
from omniarb.errors import NotFoundError
from omniarb.store.cross_chain import (
    CrossChainStore,
    ExposureRecord,
    LegRecord,
    TradeSettlementRecord,
)
from omniarb.store.database import HistoryDatabase
from omniarb.types import Hop, Route

BIG = 2**200 + 12345
WETH = "0x" + "11" * 20
USDC = "0x" + "22" * 20


def _plan(role: LegRole, chain: str, token_in: str, token_out: str) -> LegPlan:
    hop = Hop(pool="0x" + "33" * 20, dex="uniswap-v2", kind="uniswap-v2", token_in=token_in,
              token_out=token_out, zero_for_one=True, fee_pips=3000)  # fmt: skip
    return LegPlan(
        role=role,
        chain=chain,
        chain_id=1,
        block_number=7,
        route=Route(chain_id=1, hops=(hop,)),
        amount_in=BIG,
        predicted_out=BIG + 1,
        min_out=BIG,
        gas_estimate=200_000,
        fee_wei=10**15,
        fee_usd=3.0,
    )


def _opportunity() -> CrossChainOpportunity:
    return CrossChainOpportunity(
        id="xc-1",
        asset="ETH",
        quote_asset="USDC",
        sell=_plan(LegRole.SELL, "ethereum", WETH, USDC),
        buy=_plan(LegRole.BUY, "arbitrum", USDC, WETH),
        gross_usd=40.0,
        fees_usd=6.0,
        rebalance_cost_usd=1.0,
        risk_charge_usd=2.0,
        expected_value_usd=31.0,
        detected_ns=1_700_000_000_000_000_000,
    )


async def test_a_trade_is_recorded_pending_then_settled(db_url: str) -> None:
    database = HistoryDatabase.open(db_url)
    try:
        store = CrossChainStore(database.engine)
        opportunity = _opportunity()
        await store.record_sent(opportunity, predicted_pnl_usd=33.5)
        row = await store.trade("xc-1")
        assert row is not None
        assert row["status"] == "pending"
        assert row["realized_pnl_usd"] is None
        legs = await store.legs("xc-1")
        assert {(leg["role"], leg["status"], leg["amount_in"]) for leg in legs} == {
            ("sell", "pending", BIG),
            ("buy", "pending", BIG),
        }
        now = datetime.now(UTC)
        await store.record_leg(
            LegRecord(id="xc-1:sell", trade_id="xc-1", role="sell", chain="ethereum",
                      token_in=WETH, token_out=USDC, amount_in=BIG, min_out=BIG,
                      predicted_out=BIG + 1, status="landed", realized_out=BIG + 1,
                      tx_hash="0x" + "ab" * 32, block_number=9, gas_used=123_456,
                      fee_wei=BIG, sent_at=now, settled_at=now)
        )  # fmt: skip
        await store.settle(
            TradeSettlementRecord(trade_id="xc-1", status="done", realized_pnl_usd=33.25,
                                  inventory_change={"ethereum": {WETH: str(-BIG)}},
                                  settled_at=now)
        )  # fmt: skip
        row = await store.trade("xc-1")
        assert row is not None
        assert row["status"] == "done"
        assert row["realized_pnl_usd"] == 33.25
        assert row["inventory_change"] == {"ethereum": {WETH: str(-BIG)}}
        sell = next(leg for leg in await store.legs("xc-1") if leg["role"] == "sell")
        assert sell["realized_out"] == BIG + 1
        assert sell["fee_wei"] == BIG
        assert sell["status"] == "landed"

        exposure = ExposureRecord(id="xc-1:exposure", trade_id="xc-1", chain="arbitrum",
                                  asset="ETH", token=WETH, side="short", amount=BIG,
                                  usd_at_open=3000.0, policy="complete", status="open",
                                  opened_at=now)  # fmt: skip
        await store.record_exposure(exposure)
        assert [e.id for e in await store.exposures(status="open")] == ["xc-1:exposure"]
        await store.record_exposure(
            replace(exposure, status="unwound", unwind_leg_id="xc-1:unwind:1",
                    realized_usd=-1.5, closed_at=now)
        )  # fmt: skip
        assert await store.exposures(status="open") == []
        (closed,) = await store.exposures()
        assert closed.amount == BIG
        assert closed.realized_usd == -1.5
        assert closed.unwind_leg_id == "xc-1:unwind:1"
    finally:
        database.dispose()


async def test_settling_an_unknown_trade_is_an_error(db_url: str) -> None:
    database = HistoryDatabase.open(db_url)
    try:
        store = CrossChainStore(database.engine)
        settlement = TradeSettlementRecord(
            trade_id="nope",
            status="done",
            realized_pnl_usd=0.0,
            inventory_change={},
            settled_at=datetime.now(UTC),
        )
        with pytest.raises(NotFoundError, match="nope"):
            await store.settle(settlement)
    finally:
        database.dispose()
