"""Two worker processes contend for one signer lease (`_lease_contender.py`) on the real Redis
and PostgreSQL, each recording its submissions as claims with its fencing token. The active one
is frozen (SIGSTOP) past its lease: the standby takes over within ttl + one poll; resumed
(SIGCONT), the frozen one's next submission is refused and it steps down (exit 3, with the
reason). The records show the tokens increasing in time and no interleaving after the takeover.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from pathlib import Path

import pytest
from _waits import eventually
from sqlalchemy import select
from sqlalchemy.orm import Session

from omniarb.store import HistoryDatabase
from omniarb.store.models import SubmissionRow

TTL_S = 1.0
POLL_S = TTL_S / 4
CONTENDER = Path(__file__).with_name("_lease_contender.py")
STEPPED_DOWN = 3

log = logging.getLogger(__name__)


async def _start(
    redis_url: str, prefix: str, pg_url: str, holder: str, mode: str
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(CONTENDER),
        redis_url,
        prefix,
        pg_url,
        holder,
        str(TTL_S),
        mode,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=os.environ,
    )


async def _line(process: asyncio.subprocess.Process, timeout_s: float) -> str:
    assert process.stdout is not None
    raw = await asyncio.wait_for(process.stdout.readline(), timeout_s)
    return raw.decode().strip()


def _records(database: HistoryDatabase) -> list[tuple[float, str, int]]:
    """(claimed at, by whom, fencing token) of every claim, in time order."""
    with Session(database.engine) as session:
        rows = session.execute(
            select(SubmissionRow.claimed_at, SubmissionRow.claimed_by, SubmissionRow.fencing_token)
        ).all()
    records = [(at.timestamp(), by, token) for at, by, token in rows]
    return sorted(records)


@pytest.mark.parametrize("mode", ["signer", "guard"])
async def test_a_frozen_worker_is_refused_after_the_takeover_and_steps_down(
    mode: str, redis_url: str, prefix: str, pg_url: str
) -> None:
    database = HistoryDatabase.open(pg_url)  # migrated here; the contenders only connect
    active = await _start(redis_url, prefix, pg_url, "worker-a", mode)
    standby: asyncio.subprocess.Process | None = None
    try:
        assert await _line(active, 20) == "standby"
        assert await _line(active, 5) == "acquired 1"
        standby = await _start(redis_url, prefix, pg_url, "worker-b", mode)
        assert await _line(standby, 20) == "standby"

        async def count_of(pid: int) -> int:
            return sum(1 for _, by, _ in _records(database) if by.endswith(f":{pid}"))

        async def active_submitted() -> bool:
            return await count_of(active.pid) >= 5

        await eventually(active_submitted, what="the active worker's submissions", timeout_s=10)
        os.kill(active.pid, signal.SIGSTOP)
        frozen_at = time.monotonic()
        assert await _line(standby, TTL_S * 3) == "acquired 2"
        takeover_s = time.monotonic() - frozen_at
        log.warning("%s: takeover %.3f s after SIGSTOP (ttl %.1f s)", mode, takeover_s, TTL_S)
        # The lease was renewed at most ttl / 3 before the freeze: the standby's acquire comes
        # after the lease lapsed and within one poll of it.
        assert TTL_S * 2 / 3 - 0.05 <= takeover_s <= TTL_S + POLL_S + 0.25
        standby_pid = standby.pid

        async def standby_submitted() -> bool:
            return await count_of(standby_pid) >= 5

        await eventually(standby_submitted, what="the standby's submissions", timeout_s=10)
        before_resume = len(_records(database))
        os.kill(active.pid, signal.SIGCONT)
        code = await asyncio.wait_for(active.wait(), 10)
        assert active.stderr is not None
        why = (await active.stderr.read()).decode()
        assert code == STEPPED_DOWN, why
        # Where the freeze fell decides which fence refuses first: between submissions, the
        # signer (local validity) or the lease's check in Redis; between the check's request
        # and its answer, the check's local validity; between the check and the claim's
        # insert, the database. Each names the stale token.
        refusals = (
            "worker-a: refusing to sign: lease devnet:31337 (fencing token 1) is not held or "
            "may have lapsed",
            "worker-a: lease devnet:31337 is not ours: our fencing token is 1, the key's "
            "newest is 2 (lease held by worker-b)",
            "worker-a: lease devnet:31337 (fencing token 1) may have lapsed",
            "its fencing token 1 is older than the newest stored for chain 31337, 2",
        )
        stepped_down = [line for line in why.splitlines() if line.startswith("stepping down: ")]
        assert len(stepped_down) == 1, why
        assert any(refusal in stepped_down[0] for refusal in refusals), why
        log.warning("%s: %s", mode, stepped_down[0])

        async def standby_went_on() -> bool:
            return len(_records(database)) >= before_resume + 5

        await eventually(standby_went_on, what="the standby to go on submitting", timeout_s=10)
        standby.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(standby.wait(), 10) == 0

        records = _records(database)
        tokens = [token for _, _, token in records]
        holders = [by for _, by, _ in records]
        assert tokens == sorted(tokens)  # increasing in time
        assert set(tokens) == {1, 2}
        # One holder per token, and the old one never again after the takeover.
        assert {by for _, by, t in records if t == 1} == {f"{by_host(holders[0])}:{active.pid}"}
        assert {by for _, by, t in records if t == 2} == {f"{by_host(holders[-1])}:{standby_pid}"}
        first_new = tokens.index(2)
        assert all(token == 2 for token in tokens[first_new:])
        # Nothing the frozen worker recorded after it was resumed.
        resumed = [r for r in records[first_new:] if r[1].endswith(f":{active.pid}")]
        assert resumed == []
    finally:
        for process in (active, standby):
            if process is not None and process.returncode is None:
                process.send_signal(signal.SIGCONT)
                process.kill()
                await process.wait()
        database.dispose()


def by_host(label: str) -> str:
    return label.rsplit(":", 1)[0]
