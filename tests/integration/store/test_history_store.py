"""HistoryStore on SQLite and PostgreSQL: each record type round-trips exactly (2**256 − 1
included), parents are written with their children, statuses only move forward, and the trade
and summary queries read it all back."""

from __future__ import annotations

from dataclasses import replace

import pytest
from _store_values import (
    MAX_UINT256,
    TOKENS,
    USDC,
    WETH,
    decision,
    execution,
    opportunity,
    outcome,
    trade,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omniarb.store import HistoryStore
from omniarb.store._rows import decision_id, execution_id, route_from_json
from omniarb.store.models import DecisionRow, ExecutionRow, OpportunityRow, OutcomeRow
from omniarb.types import ExecutionStatus


def _count(store: HistoryStore, model: type) -> int:
    with Session(store.database.engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


async def test_opportunity_round_trips_with_uint256_amounts(db_url: str) -> None:
    opp = replace(
        opportunity(1, hops=3),
        amount_in=MAX_UINT256,
        amount_out=MAX_UINT256,
        gross_profit=MAX_UINT256,
        net_profit=-MAX_UINT256,
        gas_price_wei=MAX_UINT256,
        gas_cost_wei=MAX_UINT256,
        trigger_tx="0x" + "ab" * 32,
    )
    async with HistoryStore.open(db_url) as store:
        await store.record(opp)
        await store.flush()
        with Session(store.database.engine) as session:
            row = session.get_one(OpportunityRow, opp.id)
    assert (row.amount_in, row.amount_out, row.predicted_profit) == (MAX_UINT256,) * 3
    assert (row.net_profit, row.gas_price_wei, row.gas_cost_wei) == (
        -MAX_UINT256,
        MAX_UINT256,
        MAX_UINT256,
    )
    assert route_from_json(row.chain_id, row.route) == opp.route
    assert (row.chain_id, row.chain, row.block_number) == (1, "ethereum", opp.block_number)
    assert (row.status, row.source, row.trigger_tx) == ("detected", "block", opp.trigger_tx)
    assert (row.gas_estimate, row.detected_ns, row.profit_token) == (150_000, opp.detected_ns, WETH)
    assert row.recorded_at.tzinfo is not None


async def test_decision_round_trips_with_its_reasons(db_url: str) -> None:
    dec = replace(
        decision(opportunity(2), approved=False), min_profit=MAX_UINT256, bribe_wei=MAX_UINT256
    )
    async with HistoryStore.open(db_url) as store:
        await store.record(dec)
        await store.flush()
        with Session(store.database.engine) as session:
            row = session.get_one(DecisionRow, decision_id(dec))
            opp_status = session.get_one(OpportunityRow, dec.opportunity.id).status
    assert row.reasons == ["net profit below gas cost", "min_profit"]
    assert (row.approved, row.status, opp_status) == (False, "declined", "declined")
    assert (row.min_profit, row.bribe_wei) == (MAX_UINT256, MAX_UINT256)
    assert (row.p_success, row.expected_value_usd, row.decided_ns) == (0.9, 12.5, dec.decided_ns)
    assert row.flash_source == "uniswap-v2-flash-swap"
    assert row.opportunity_id == dec.opportunity.id


async def test_execution_round_trips_with_error_and_latency(db_url: str) -> None:
    exe = replace(
        execution(decision(opportunity(3))),
        max_fee_per_gas_wei=MAX_UINT256,
        priority_fee_wei=MAX_UINT256,
        error="nonce too low (resynced)",
    )
    async with HistoryStore.open(db_url) as store:
        await store.record(exe)
        await store.flush()
        with Session(store.database.engine) as session:
            row = session.get_one(ExecutionRow, execution_id(exe))
    assert (row.status, row.tx_hash, row.nonce) == ("submitted", exe.tx_hash, exe.nonce)
    assert (row.max_fee_per_gas_wei, row.priority_fee_wei) == (MAX_UINT256, MAX_UINT256)
    assert row.error == "nonce too low (resynced)"
    assert row.decision_id == decision_id(exe.decision)
    assert row.detect_to_submit_ms == pytest.approx(0.5)  # 100 µs to decide + 400 µs to send


async def test_outcome_round_trips_and_brings_its_parents(db_url: str) -> None:
    settled = replace(
        trade(4),
        realized_profit=MAX_UINT256,
        effective_gas_price_wei=MAX_UINT256,
        gas_cost_wei=MAX_UINT256,
        touched_earlier_in_block=True,
    )
    async with HistoryStore.open(db_url) as store:
        await store.record(settled)
        await store.flush()
        counts = [_count(store, m) for m in (OpportunityRow, DecisionRow, ExecutionRow)]
        with Session(store.database.engine) as session:
            row = session.get_one(OutcomeRow, execution_id(settled.execution))
            opp_status = session.get_one(OpportunityRow, row.opportunity_id).status
    assert counts == [1, 1, 1]
    assert (row.realized_profit, row.effective_gas_price_wei, row.gas_cost_wei) == (
        MAX_UINT256,
    ) * 3
    assert (row.status, opp_status, row.included, row.success) == (
        "succeeded",
        "succeeded",
        True,
        True,
    )
    assert (row.gas_used, row.block_number, row.touched_earlier_in_block) == (120_000, 1005, True)
    assert row.submit_to_confirm_ms == pytest.approx(2000.0)
    assert row.detect_to_confirm_ms == pytest.approx(2000.5)


async def test_net_profit_usd_uses_the_detectors_prices(db_url: str) -> None:
    settled = outcome(execution(decision(opportunity(5))), realized_profit=7 * 10**15)
    async with HistoryStore.open(db_url) as store:
        await store.record(settled)
        await store.flush()
        [listed] = store.trades()
    # 1 WETH = $3000 and gas is paid in ETH: (0.007 − 120,000 × 20 gwei) × 3000.
    assert listed.net_profit_usd == pytest.approx((7 * 10**15 - 2_400_000 * 10**9) * 3000 / 1e18)


async def test_status_only_moves_forward_and_records_are_idempotent(db_url: str) -> None:
    settled = trade(6)
    exe = settled.execution
    async with HistoryStore.open(db_url) as store:
        await store.record(settled)
        await store.flush()
        # Late and repeated records of earlier stages change nothing.
        for late in (exe, exe.decision, exe.decision.opportunity, settled):
            await store.record(late)
        await store.flush()
        with Session(store.database.engine) as session:
            status = session.get_one(OpportunityRow, exe.decision.opportunity.id).status
        counts = [_count(store, m) for m in (OpportunityRow, DecisionRow, ExecutionRow, OutcomeRow)]
    assert status == "succeeded"
    assert counts == [1, 1, 1, 1]


async def test_status_follows_the_pipeline(db_url: str) -> None:
    opp = opportunity(7)
    dec = decision(opp)
    exe = execution(dec)
    seen = []
    async with HistoryStore.open(db_url) as store:
        for value in (opp, dec, exe, outcome(exe, success=False)):
            await store.record(value)
            await store.flush()
            with Session(store.database.engine) as session:
                seen.append(session.get_one(OpportunityRow, opp.id).status)
    assert seen == ["detected", "approved", "submitted", "reverted"]


async def test_trades_are_newest_first_and_filtered(db_url: str) -> None:
    records = [
        trade(10, chain_id=1),
        trade(11, chain_id=56, success=False),
        execution(decision(opportunity(12, chain_id=1)), status=ExecutionStatus.SIMULATED),
        outcome(execution(decision(opportunity(13, chain_id=1))), included=False),
        trade(14, chain_id=56),
    ]
    async with HistoryStore.open(db_url) as store:
        for value in records:
            await store.record(value)
        await store.flush()
        everything = store.trades()
        bnb = store.trades(chain="bnb")
        by_id = store.trades(chain="56")
        reverted = store.trades(status="reverted")
        simulated = store.trades(status="simulated")
        newest_two = store.trades(limit=2)
    assert [t.detected_block for t in everything] == [1014, 1013, 1012, 1011, 1010]
    assert [t.status for t in everything] == [
        "succeeded",
        "dropped",
        "simulated",
        "reverted",
        "succeeded",
    ]
    assert [t.detected_block for t in bnb] == [1014, 1011] == [t.detected_block for t in by_id]
    assert {t.chain for t in bnb} == {"bnb"}
    assert [t.detected_block for t in reverted] == [1011]
    assert [(t.detected_block, t.tx_hash, t.realized_profit) for t in simulated] == [
        (1012, None, None)
    ]
    assert [t.detected_block for t in newest_two] == [1014, 1013]


async def test_trade_values_and_json(db_url: str) -> None:
    settled = replace(trade(20, hops=3), realized_profit=MAX_UINT256)
    async with HistoryStore.open(db_url) as store:
        for token in TOKENS:
            await store.record(token)
        await store.record(settled)
        await store.flush()
        [listed] = store.trades()
    assert listed.route_symbols == ("WETH", "USDC", "DAI", "WETH")
    assert (listed.profit_symbol, listed.profit_decimals) == ("WETH", 18)
    assert (listed.block_number, listed.detected_block) == (1021, 1020)
    assert listed.route == settled.execution.decision.opportunity.route
    data = listed.to_json()
    assert data["realized_profit_wei"] == str(MAX_UINT256)
    assert data["predicted_profit_wei"] == str(5 * 10**15)
    assert data["amount_in"] == str(10**18)
    assert data["gas_cost_wei"] == str(120_000 * 20 * 10**9)
    assert (data["gas_used"], data["block_number"], data["chain"]) == (120_000, 1021, "ethereum")
    assert data["route"] == ["WETH", "USDC", "DAI", "WETH"]
    assert data["tx_hash"] == settled.execution.tx_hash
    assert data["touched_earlier_in_block"] is False
    assert data["submitted_at"].endswith("+00:00")


async def test_unknown_tokens_show_as_short_addresses(db_url: str) -> None:
    async with HistoryStore.open(db_url) as store:
        await store.record(TOKENS[1])  # USDC only
        await store.record(trade(21))
        await store.flush()
        [listed] = store.trades()
    assert listed.route_symbols == (f"{WETH[:6]}…{WETH[-4:]}", "USDC", f"{WETH[:6]}…{WETH[-4:]}")
    assert listed.profit_symbol is None
    assert USDC in {hop.token_out for hop in listed.route.hops}


async def test_summary_per_chain(db_url: str) -> None:
    big = replace(trade(30, chain_id=1), realized_profit=MAX_UINT256)
    records = [
        big,
        replace(trade(31, chain_id=1), realized_profit=MAX_UINT256),
        trade(32, chain_id=1, success=False),
        decision(opportunity(33, chain_id=1), approved=False),
        opportunity(34, chain_id=1),
        trade(35, chain_id=137),
        execution(decision(opportunity(36, chain_id=137)), status=ExecutionStatus.REJECTED),
    ]
    async with HistoryStore.open(db_url) as store:
        for value in records:
            await store.record(value)
        await store.flush()
        ethereum, polygon = store.summary()
    assert (ethereum.chain, ethereum.chain_id, polygon.chain) == ("ethereum", 1, "polygon")
    assert (ethereum.opportunities, ethereum.approved, ethereum.declined) == (5, 3, 1)
    assert ethereum.executions == {"submitted": 3}
    assert ethereum.settled == {"succeeded": 2, "reverted": 1}
    assert ethereum.success_rate == pytest.approx(2 / 3)
    assert ethereum.realized_profit == {WETH: 2 * MAX_UINT256}
    assert ethereum.gas_cost_wei == 3 * 120_000 * 20 * 10**9
    assert (polygon.opportunities, polygon.executions) == (2, {"submitted": 1, "rejected": 1})
    assert (polygon.success_rate, polygon.realized_profit) == (1.0, {WETH: 5 * 10**15})


async def test_a_re_sized_trade_keeps_its_detected_opportunity_row(db_url: str) -> None:
    # The allocator re-sizes a trade for its loan's fee: the decision carries the new size,
    # the opportunity row what was detected, whether both arrive in one batch or two.
    opp = opportunity(8)
    resized = replace(opp, amount_in=opp.amount_in // 2, amount_out=opp.amount_out // 2)
    dec = replace(decision(resized), amount_in=resized.amount_in)
    for batches in ([[opp, dec]], [[opp], [dec]]):
        async with HistoryStore.open(db_url) as store:
            for batch in batches:
                for value in batch:
                    await store.record(value)
                await store.flush()
            with Session(store.database.engine) as session:
                row = session.get_one(OpportunityRow, opp.id)
                decided = session.get_one(DecisionRow, decision_id(dec))
                amounts = (row.amount_in, row.amount_out, row.status, decided.amount_in)
            assert amounts == (opp.amount_in, opp.amount_out, "approved", resized.amount_in)
            with Session(store.database.engine) as session:
                session.query(DecisionRow).delete()
                session.query(OpportunityRow).delete()
                session.commit()
