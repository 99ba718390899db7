"""Reorg corrections in the history, on SQLite and PostgreSQL: a re-judged outcome rewrites its
row (one row per trade, never a second), the trade list and the summary say what the chain now
says and which trades are final, and migration 0004 goes up and down on its own, keeping the
outcomes written before it (as not final)."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa
from _store_values import trade

from omniarb.store import HistoryStore
from omniarb.store.engine import make_engine
from omniarb.store.schema import current_revision, downgrade, upgrade

HASH = "0x" + "ab" * 32


async def test_a_corrected_outcome_rewrites_its_row(db_url: str) -> None:
    mined = replace(trade(1), block_hash=HASH)
    dropped = replace(
        mined,
        included=False,
        success=False,
        block_number=None,
        block_hash=None,
        gas_used=0,
        gas_cost_wei=0,
        realized_profit=0,
    )
    async with HistoryStore.open(db_url) as store:
        await store.record(mined)
        await store.record(trade(2))
        await store.flush()
        assert {t.tx_hash: t.status for t in store.trades()} == {
            mined.execution.tx_hash: "succeeded",
            trade(2).execution.tx_hash: "succeeded",
        }
        await store.record(replace(dropped, replaced=True))
        await store.record(replace(trade(2), final=True))
        await store.flush()
        by_hash = {t.tx_hash: t for t in store.trades()}
        assert len(by_hash) == 2
        corrected = by_hash[mined.execution.tx_hash]
        assert (corrected.status, corrected.realized_profit, corrected.final) == (
            "replaced",
            0,
            False,
        )
        assert corrected.to_json()["final"] is False
        assert by_hash[trade(2).execution.tx_hash].final
        (summary,) = store.summary()
        assert summary.settled == {"replaced": 1, "succeeded": 1}
        assert summary.final == 1
        assert summary.realized_profit == {
            trade(2).execution.decision.opportunity.route.token_in: trade(2).realized_profit
        }
    engine = make_engine(db_url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT count(*) FROM outcomes")).scalar_one()
    engine.dispose()
    assert rows == 2


async def test_migration_0004_up_and_down_alone(db_url: str) -> None:
    async with HistoryStore.open(db_url) as store:  # at head
        await store.record(replace(trade(1), block_hash=HASH, final=True))
    engine = make_engine(db_url)
    downgrade(engine, "0003_l2_fees")
    assert current_revision(engine) == "0003_l2_fees"
    columns = {c["name"] for c in sa.inspect(engine).get_columns("outcomes")}
    assert not {"final", "block_hash"} & columns
    upgrade(engine)
    engine.dispose()
    # The outcome written before 0004 is still there, read as not final and without a hash:
    # nothing checked it against reorgs.
    async with HistoryStore.open(db_url) as store:
        (record,) = store.trades()
        assert record.status == "succeeded"
        assert not record.final
    engine = make_engine(db_url)
    with engine.connect() as connection:
        hashes = connection.execute(sa.text("SELECT block_hash FROM outcomes")).scalars().all()
    engine.dispose()
    assert hashes == [None]
