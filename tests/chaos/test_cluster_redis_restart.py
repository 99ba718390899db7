"""The cluster's Redis restarted while it trades (a private server with an append-only file,
stopped and started again on the same port and directory): the workers reconnect, trading
resumes, and nothing is lost: every trade in the shared history reached the API's consumer of
the bus."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from _cli_helpers import wait_until
from _cluster_bed import CHAINS, aof_redis, assert_bus_drained, cluster_bed

pytestmark = pytest.mark.xdist_group("devnet-cli")

# What a process's bus logs once per outage, and once it is back (`omniarb.bus.outbox`).
_OUTAGE = "entries wait in the outbox"
_BACK = "back after"


def test_redis_restarted_nothing_lost(tmp_path: Path, omniarb_home: Path) -> None:
    with (
        aof_redis() as server,
        cluster_bed(tmp_path, omniarb_home, chains=CHAINS, redis_url=server.url) as bed,
    ):

        def trades() -> list[str]:
            return [
                h
                for (h,) in bed.query(
                    "SELECT tx_hash FROM outcomes WHERE tx_hash IS NOT NULL AND status <> 'dropped'"
                )
            ]

        wait_until(trades, timeout_s=300, what="a first settled trade", logs=bed.logs())
        actives = [bed.active(chain) for chain in CHAINS]
        logs = [bed.log_of(entry.pid) for entry in actives if entry is not None]
        assert len(logs) == len(CHAINS)
        offsets = [log.stat().st_size for log in logs]

        def since_stop(line: str) -> bool:
            """Whether every one of those logs says `line` after the stop."""
            return all(
                line in log.read_text(errors="replace")[offset:]
                for log, offset in zip(logs, offsets, strict=True)
            )

        server.stop()
        stopped_at = time.monotonic()
        before = set(trades())
        # Down until every active worker's bus has noticed (its events wait in its outbox).
        wait_until(
            lambda: since_stop(_OUTAGE),
            timeout_s=60,
            what="each active worker to notice the outage",
            logs=logs,
        )
        server.start()
        print(f"\nRedis was down for {time.monotonic() - stopped_at:.2f} s")
        wait_until(
            lambda: since_stop(_BACK),
            timeout_s=60,
            what="each of those workers' bus to reconnect",
            logs=logs,
        )
        wait_until(
            lambda: set(trades()) - before,
            timeout_s=300,
            what="a trade settled after the restart",
            logs=bed.logs(),
        )
        for chain in CHAINS:
            wait_until(
                lambda chain=chain: bed.active(chain),
                timeout_s=60,
                what=f"an active {chain} worker after the restart",
                logs=bed.logs(),
            )
        assert_bus_drained(bed)
        client = bed.redis()
        prefix = bed.settings.redis.key_prefix

        stream = bed.stream_key("events")
        groups = [g["name"] for g in client.xinfo_groups(stream) if g["name"].startswith("api")]
        assert groups, f"no API consumer group on {stream}"

        def all_handled() -> bool:
            # A key a group handled is remembered (the bus's idempotency keys).
            return all(
                client.exists(f"{prefix}done:events:{group}:trade:{h}")
                for h in trades()
                for group in groups
            )

        try:
            wait_until(
                all_handled,
                timeout_s=60,
                what="every trade in the history handled by the API's consumer",
                logs=bed.logs(),
            )
        finally:
            client.close()
