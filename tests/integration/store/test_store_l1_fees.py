"""An L2 trade's L1 data fee in the history, on SQLite and PostgreSQL: it round-trips to the
wei, the summary sums it per chain apart from the L2 gas, the net USD subtracts it, and
migration 0003 adds the column and removes it again."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa
from _store_values import trade

from omniarb.store import HistoryStore
from omniarb.store.engine import make_engine
from omniarb.store.schema import current_revision, downgrade, upgrade

MAX_UINT256 = 2**256 - 1


async def test_l1_fee_round_trips_and_is_summed_per_chain(db_url: str) -> None:
    on_l1 = trade(1, chain_id=1)
    on_op = replace(trade(2, chain_id=10), l1_fee_wei=123_456_789_012_345)
    huge = replace(trade(3, chain_id=10), l1_fee_wei=MAX_UINT256 // 4)
    async with HistoryStore.open(db_url) as store:
        for outcome in (on_l1, on_op, huge):
            await store.record(outcome.execution.decision.opportunity)
            await store.record(outcome.execution.decision)
            await store.record(outcome.execution)
            await store.record(outcome)
        await store.flush()
        trades = {t.chain_id: [] for t in store.trades()}
        for t in store.trades():
            trades[t.chain_id].append(t.l1_fee_wei)
        summary = {s.chain_id: s for s in store.summary()}
    assert trades[1] == [0]
    assert sorted(trades[10]) == [123_456_789_012_345, MAX_UINT256 // 4]
    assert summary[1].l1_fee_wei == 0
    assert summary[10].l1_fee_wei == 123_456_789_012_345 + MAX_UINT256 // 4
    assert summary[10].gas_cost_wei == on_op.gas_cost_wei + huge.gas_cost_wei
    # The fee paid lowers the realized net USD, at the rate the gas was priced with.
    assert on_op.realized_net_usd() < replace(on_op, l1_fee_wei=0).realized_net_usd()


def test_migration_0003_up_and_down_alone(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine, "0002")
    columns = {c["name"] for c in sa.inspect(engine).get_columns("outcomes")}
    assert "l1_fee_wei" not in columns
    upgrade(engine, "0003_l2_fees")
    assert current_revision(engine) == "0003_l2_fees"
    columns = {c["name"] for c in sa.inspect(engine).get_columns("outcomes")}
    assert "l1_fee_wei" in columns
    downgrade(engine, "0002")
    assert current_revision(engine) == "0002"
    columns = {c["name"] for c in sa.inspect(engine).get_columns("outcomes")}
    assert "l1_fee_wei" not in columns
    engine.dispose()
