"""A burst of 10,000 settled trades from concurrent producers through a small queue: the writer
applies backpressure, and `close()` leaves every record in the database; a writer killed
mid-burst leaves only whole batches. On both backends."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

from _store_values import trade
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from omniarb.store import HistoryStore, WriterSettings
from omniarb.store.engine import make_engine
from omniarb.store.models import DecisionRow, ExecutionRow, OpportunityRow, OutcomeRow

BURST = 10_000
PRODUCERS = 4


async def test_close_flushes_a_burst_of_10000_records(db_url: str) -> None:
    records = [trade(n, chain_id=(1, 56)[n % 2], hops=2 + n % 2) for n in range(BURST)]
    store = HistoryStore.open(
        db_url, settings=WriterSettings(queue_size=256, max_batch=500, max_delay_ms=5)
    )

    async def produce(first: int) -> None:
        for record in records[first::PRODUCERS]:
            await store.record(record)

    async with asyncio.TaskGroup() as producers:
        for first in range(PRODUCERS):
            producers.create_task(produce(first))
    await store.close()

    stats = store.stats
    assert (stats.enqueued, stats.written, stats.dropped, stats.pending) == (BURST, BURST, 0, 0)
    assert stats.backpressure_waits > 0
    assert stats.batches >= BURST // 500
    reopened = HistoryStore.open(db_url)
    with Session(reopened.database.engine) as session:
        counts = [
            session.scalar(select(func.count()).select_from(model))
            for model in (OpportunityRow, DecisionRow, ExecutionRow, OutcomeRow)
        ]
        succeeded = session.scalar(
            select(func.count()).select_from(OutcomeRow).where(OutcomeRow.status == "succeeded")
        )
    summary = {s.chain: s for s in reopened.summary()}
    await reopened.close()
    assert counts == [BURST] * 4
    assert succeeded == BURST
    assert sum(summary["ethereum"].realized_profit.values()) == BURST // 2 * 5 * 10**15


_KEEPS_WRITING = """
import asyncio, sys
sys.path.insert(0, sys.argv[2])
from _store_values import trade
from omniarb.store import HistoryStore, WriterSettings

async def main():
    store = HistoryStore.open(sys.argv[1], settings=WriterSettings(max_batch=100, max_delay_ms=1))
    n = 0
    while True:
        await store.record(trade(n, hops=2 + n % 2))
        n += 1
        if n == 300:
            await store.flush()
            print("writing", flush=True)

asyncio.run(main())
"""


async def test_a_writer_killed_mid_burst_leaves_whole_batches(db_url: str) -> None:
    HistoryStore.open(db_url).database.dispose()
    writer = subprocess.Popen(
        [sys.executable, "-c", _KEEPS_WRITING, db_url, str(Path(__file__).parent)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "writing"
        # Killed while it keeps committing batches: once a batch after the first 300 is in.
        await _until_more_than(db_url, 300, writer, timeout_s=30)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    async with HistoryStore.open(db_url) as reopened:
        with Session(reopened.database.engine) as session:
            counts = [
                session.scalar(select(func.count()).select_from(model))
                for model in (OpportunityRow, DecisionRow, ExecutionRow, OutcomeRow)
            ]
        trades = reopened.trades(limit=100_000)
    # Each record is a whole trade and each batch one transaction: no trade is half written.
    assert counts[0] > 300
    assert counts == [counts[0]] * 4
    assert {t.status for t in trades} == {"succeeded"}


async def _until_more_than(
    db_url: str, count: int, writer: subprocess.Popen[str], *, timeout_s: float
) -> None:
    """Until the database holds more than `count` opportunities (a later batch committed)."""
    engine = make_engine(db_url)
    try:
        deadline = time.monotonic() + timeout_s
        while (found := await asyncio.to_thread(_opportunities, engine)) <= count:
            assert writer.poll() is None, f"the writer exited with {writer.returncode}"
            if time.monotonic() > deadline:
                raise AssertionError(f"{found} opportunities after {timeout_s:g} s, not > {count}")
            await asyncio.sleep(0.02)
    finally:
        engine.dispose()


def _opportunities(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(OpportunityRow)) or 0
