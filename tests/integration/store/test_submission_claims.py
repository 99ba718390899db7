"""Never submit twice: a key is claimed once across stores, threads, processes and restarts,
on SQLite and PostgreSQL."""

from __future__ import annotations

import inspect
import json
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniarb.execute.submit import SubmissionGuard
from omniarb.store import HistoryDatabase, HistoryStore, SubmissionLedger
from omniarb.store.models import SubmissionRow

_RACER = """
import json, pathlib, sys, time
from omniarb.store import HistoryDatabase
url, count, go = sys.argv[1], int(sys.argv[2]), pathlib.Path(sys.argv[3])
database = HistoryDatabase.open(url)
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
print(json.dumps([k for k in range(count) if database.claim(f"opp-{k}")]), flush=True)
"""

_CLAIM_THEN_HANG = """
import asyncio, sys, time
from omniarb.store import HistoryDatabase, SubmissionLedger
ledger = SubmissionLedger(HistoryDatabase.open(sys.argv[1]))
print("claimed" if asyncio.run(ledger.claim("opp-killed")) else "refused", flush=True)
time.sleep(120)
"""


def _python(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True, env=os.environ
    )


def test_the_ledger_implements_the_executors_guard() -> None:
    assert inspect.signature(SubmissionLedger.claim) == inspect.signature(SubmissionGuard.claim)
    assert inspect.iscoroutinefunction(SubmissionLedger.claim)


async def test_a_key_is_claimed_once_across_two_stores(db_url: str) -> None:
    first = HistoryStore.open(db_url)
    second = HistoryStore.open(db_url)
    try:
        assert await first.claim_submission("opp-1") is True
        assert await second.claim_submission("opp-1") is False
        assert await first.claim_submission("opp-1") is False
        assert await second.submissions.claim("opp-2") is True
        assert await first.submissions.claim("opp-2") is False
    finally:
        await first.close()
        await second.close()


def test_racing_threads_on_two_connections_claim_each_key_once(db_url: str) -> None:
    databases = [HistoryDatabase.open(db_url), HistoryDatabase.open(db_url)]
    keys = [f"opp-{k}" for k in range(60)]

    def claim_all(worker: int) -> list[str]:
        order = random.Random(worker).sample(keys, len(keys))
        return [key for key in order if databases[worker % 2].claim(key)]

    with ThreadPoolExecutor(max_workers=6) as pool:
        won = Counter(key for keys_won in pool.map(claim_all, range(6)) for key in keys_won)
    for database in databases:
        database.dispose()
    assert won == Counter(keys)


def race_two_processes(code: str, db_url: str, tmp_path: Path, keys: int = 150) -> None:
    """Two processes running `code` claim keys 0..`keys`-1 of `db_url` at once, released
    together: each key is won exactly once between them."""
    HistoryDatabase.open(db_url).dispose()
    go = tmp_path / "go"
    racers = [_python(code, db_url, str(keys), str(go)) for _ in range(2)]
    for racer in racers:
        assert racer.stdout is not None
        assert racer.stdout.readline().strip() == "ready"
    go.touch()
    results = [json.loads(racer.communicate(timeout=60)[0]) for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0]
    assert sorted(results[0] + results[1]) == list(range(keys))
    assert not set(results[0]) & set(results[1])


def test_racing_processes_claim_each_key_once(db_url: str, tmp_path: Path) -> None:
    race_two_processes(_RACER, db_url, tmp_path)


async def test_a_claim_survives_the_claimer_being_killed(db_url: str) -> None:
    HistoryDatabase.open(db_url).dispose()
    bot = _python(_CLAIM_THEN_HANG, db_url)
    try:
        assert bot.stdout is not None
        assert bot.stdout.readline().strip() == "claimed"
    finally:
        bot.send_signal(signal.SIGKILL)
        bot.wait(timeout=30)
    async with HistoryStore.open(db_url) as restarted:
        assert await restarted.claim_submission("opp-killed") is False
        with Session(restarted.database.engine) as session:
            row = session.scalars(select(SubmissionRow)).one()
    assert row.key == "opp-killed"
    assert row.claimed_by.endswith(f":{bot.pid}")
