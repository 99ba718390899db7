"""SQLite claims made on the event loop's thread: the same once-only answer as the claims thread,
stored the same way, and never a wait for the write lock on the loop (a claim that finds it taken
is made in the claims thread, which waits)."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from test_submission_claims import race_two_processes

from omniarb.store import HistoryStore
from omniarb.store.engine import sqlite_path
from omniarb.store.models import SubmissionRow

_LOOP_RACER = """
import asyncio, json, pathlib, sys, time
from omniarb.store import HistoryStore
url, count, go = sys.argv[1], int(sys.argv[2]), pathlib.Path(sys.argv[3])

async def main():
    store = HistoryStore.open(url)
    print("ready", flush=True)
    while not go.exists():
        await asyncio.sleep(0.001)
    won = [k for k in range(count) if await store.claim_submission(f"opp-{k}")]
    print(json.dumps(won), flush=True)
    await store.close()

asyncio.run(main())
"""


async def test_a_loop_claim_is_stored_as_the_orm_reads_it(sqlite_url: str) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    async with HistoryStore.open(sqlite_url) as store:
        assert store.database.loop_claims is not None
        assert await store.submissions.claim("opp-1", chain_id=1, tx_hash="0xab", nonce=7)
        assert not await store.submissions.claim("opp-1")
        await store.submissions.resigned("opp-1", tx_hash="0xcd", nonce=8)
        with Session(store.database.engine) as session:
            row = session.scalars(select(SubmissionRow)).one()
    assert (row.key, row.chain_id, row.tx_hash, row.nonce) == ("opp-1", 1, "0xcd", 8)
    assert before <= row.claimed_at <= datetime.now(UTC)


async def test_a_taken_write_lock_sends_the_claim_to_the_claims_thread(sqlite_url: str) -> None:
    async with HistoryStore.open(sqlite_url) as store:
        path = sqlite_path(sqlite_url)
        assert path is not None
        holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        try:
            fast = store.database.loop_claims
            assert fast is not None
            # The loop never waits for the lock: it hands the claim on at once.
            assert (
                fast.claim("opp-1", claimed_by="t", chain_id=None, tx_hash=None, nonce=None) is None
            )
            claim = asyncio.create_task(store.submissions.claim("opp-1"))
            await asyncio.sleep(0)  # the claim is now with the claims thread, waiting
            assert not claim.done()
        finally:
            holder.execute("COMMIT")
            holder.close()
        assert await asyncio.wait_for(claim, timeout=30) is True
        assert await store.submissions.claim("opp-1") is False


def test_racing_processes_claim_each_key_once_on_their_loops(
    sqlite_url: str, tmp_path: Path
) -> None:
    race_two_processes(_LOOP_RACER, sqlite_url, tmp_path)
