"""The active worker of a chain frozen (SIGSTOP) for longer than its lease, then resumed: the
standby has taken over with a larger fencing token; the old one's stale token is refused (or it
steps down before it tries), it is standby in the registry, and nothing it signed after the
takeover reached the chain."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from _cli_helpers import wait_until
from _cluster_bed import CHAINS, LEASE_TTL_S, assert_exactly_once, claimed_pid, cluster_bed

from omniarb.cluster.registry import WorkerEntry
from omniarb.cluster.worker_role import STEP_DOWN_LINE
from omniarb.devnet.accounts import BOT_INDEX, dev_account

pytestmark = pytest.mark.xdist_group("devnet-cli")

# A chain's pipeline submits from two tasks at most: its decisions and its backruns.
_SUBMITTING_TASKS = 2


def test_frozen_worker_resumes_as_standby(tmp_path: Path, omniarb_home: Path) -> None:
    bot = dev_account(BOT_INDEX).address
    with cluster_bed(
        tmp_path, omniarb_home, chains=CHAINS, lease_ttl_s=LEASE_TTL_S, own_devnet=True
    ) as bed:
        chain = "polygon"
        first = wait_until(
            lambda: bed.active(chain),
            timeout_s=120,
            what=f"an active {chain} worker",
            logs=bed.logs(),
        )

        # Frozen while it trades, right after a claim: once one of its trades has settled, the
        # moment its next claim is stored (when that trade's rows are usually still in the
        # history writer's batch: the claim must carry what a successor needs to settle it).
        def claims_of(pid: int) -> int:
            (count,) = bed.query(
                "SELECT count(*) FROM submissions WHERE claimed_by LIKE %s", (f"%:{pid}",)
            )[0]
            return int(count)

        wait_until(
            lambda: bed.query(
                "SELECT 1 FROM submissions s JOIN executions e ON e.opportunity_id = s.key "
                "JOIN outcomes o ON o.execution_id = e.id WHERE s.claimed_by LIKE %s",
                (f"%:{first.pid}",),
            ),
            timeout_s=240,
            what="a trade settled by the active worker",
            logs=[bed.log_of(first.pid)],
        )
        # The active worker of that moment, with its token then (a loaded machine may have
        # made the lease change hands since the start).
        seen = {entry.pid: claims_of(entry.pid) for entry in bed.workers(chain)}

        def next_claim() -> WorkerEntry | None:
            now = bed.active(chain)
            return now if now is not None and claims_of(now.pid) > seen[now.pid] else None

        frozen = wait_until(
            next_claim,
            timeout_s=240,
            what="the active worker's next claim",
            interval_s=0.005,
            logs=bed.logs(),
        )
        os.kill(frozen.pid, signal.SIGSTOP)
        assert frozen.fencing_token is not None
        try:
            successor = wait_until(
                lambda: (now := bed.active(chain)) is not None and now.pid != frozen.pid and now,
                timeout_s=60,
                what="the standby to take over from the frozen worker",
                interval_s=0.02,
                logs=bed.logs(),
            )
            took_over = datetime.now(UTC)
            assert successor.fencing_token is not None
            assert successor.fencing_token > frozen.fencing_token
            # Frozen past the point where the new holder signs: its own first claim.
            wait_until(
                lambda: bed.query(
                    "SELECT 1 FROM submissions WHERE claimed_by LIKE %s", (f"%:{successor.pid}",)
                ),
                timeout_s=240,
                what="a trade by the new active worker",
                logs=[bed.log_of(successor.pid)],
            )
        finally:
            os.kill(frozen.pid, signal.SIGCONT)
        resumed_at = time.monotonic()

        def stepped_down() -> bool:
            (entry,) = [e for e in bed.workers(chain) if e.pid == frozen.pid] or [None]
            return entry is not None and entry.state == "standby"

        wait_until(
            stepped_down,
            timeout_s=60,
            what="the resumed worker to be standby in the registry",
            logs=[bed.log_of(frozen.pid)],
        )
        print(f"\nresumed worker standby after {time.monotonic() - resumed_at:.2f} s")
        log = bed.log_of(frozen.pid).read_text(errors="replace")
        assert STEP_DOWN_LINE in log or "fencing token" in log, log[-3000:]
        # The successor is still the one active worker.
        active = bed.active(chain)
        assert active is not None
        assert active.pid == successor.pid

        claims = bed.query(
            "SELECT claimed_by, claimed_at, fencing_token FROM submissions WHERE chain_id = %s",
            (bed.chain_id(chain),),
        )
        # One holder per lease term: no token is on the claims of two processes.
        holders: dict[int, set[int]] = {}
        for by, _, token in claims:
            holders.setdefault(token, set()).add(claimed_pid(by))
        assert all(len(pids) == 1 for pids in holders.values()), holders
        by_frozen = [(at, token) for by, at, token in claims if claimed_pid(by) == frozen.pid]
        assert by_frozen
        assert max(token for _, token in by_frozen) == frozen.fencing_token
        # After the takeover it may have claimed only what it had signed and fenced before it
        # froze (a check, then the claim and the send: the lease's documented window), under
        # the token it froze with, at most one per submitting task (a decision and a backrun);
        # its signer refused every signature after its lease lapsed.
        late = [(at, token) for at, token in by_frozen if at >= took_over]
        assert len(late) <= _SUBMITTING_TASKS, f"claimed after the takeover: {late}"
        assert all(token == frozen.fencing_token for _, token in late), late
        # The successor's claims since: under its token (or a later one of its own, had a
        # loaded machine made it renew late and take the lease again).
        by_successor = [
            token
            for by, at, token in claims
            if claimed_pid(by) == successor.pid and at >= took_over
        ]
        assert by_successor
        assert min(by_successor) == successor.fencing_token
        bed.down()
        for name in CHAINS:
            assert_exactly_once(bed, name, bot)
