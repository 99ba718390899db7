"""`omniarb cluster up` on two chains; the active worker of one is killed with SIGKILL while it
trades: its standby takes over within the lease's TTL (plus a margin), no trade is lost or
executed twice, no nonce is skipped, and the API's backlog on the bus drains."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from _cli_helpers import receipts, wait_until
from _cluster_bed import (
    CHAINS,
    LEASE_TTL_S,
    assert_bus_drained,
    assert_exactly_once,
    cluster_bed,
)

from omniarb.devnet.accounts import BOT_INDEX, dev_account

pytestmark = pytest.mark.xdist_group("devnet-cli")

# The standby polls every TTL/4 and the registry hears of it at once; what the margin covers is
# two starved cores (nine processes and the devnet on them) delaying each of those steps.
_TAKEOVER_MARGIN_S = 4.0


def test_active_worker_killed_mid_trade(tmp_path: Path, omniarb_home: Path) -> None:
    bot = dev_account(BOT_INDEX).address
    with cluster_bed(
        tmp_path, omniarb_home, chains=CHAINS, lease_ttl_s=LEASE_TTL_S, own_devnet=True
    ) as bed:
        chain = "polygon"
        url = bed.rpc(chain)
        first = wait_until(
            lambda: bed.active(chain),
            timeout_s=120,
            what=f"an active {chain} worker",
            logs=bed.logs(),
        )

        def in_flight() -> str | None:
            """A trade the active worker claimed and sent that the chain has not mined yet,
            whether or not the history writer wrote its rows yet (its claim carries what the
            successor needs to settle it)."""
            sent = [
                h
                for (h,) in bed.query(
                    "SELECT tx_hash FROM submissions WHERE claimed_by LIKE %s "
                    "AND tx_hash IS NOT NULL",
                    (f"%:{first.pid}",),
                )
            ]
            pending = [h for h, r in zip(sent, receipts(url, sent), strict=True) if r is None]
            return pending[0] if pending else None

        flying = wait_until(
            in_flight,
            timeout_s=240,
            what="a trade in flight",
            interval_s=0.02,
            logs=[bed.log_of(first.pid)],
        )
        os.kill(first.pid, signal.SIGKILL)
        killed_at = time.monotonic()

        def taken_over() -> float | None:
            now = bed.active(chain)
            if now is None or now.pid == first.pid:
                return None
            assert now.fencing_token is not None
            assert first.fencing_token is not None
            assert now.fencing_token > first.fencing_token
            return time.monotonic() - killed_at

        takeover_s = wait_until(
            taken_over,
            timeout_s=60,
            what="the standby to take over",
            interval_s=0.02,
            logs=bed.logs(),
        )
        print(
            f"\ntakeover after SIGKILL: {takeover_s:.2f} s (lease_ttl_s {LEASE_TTL_S:g}; "
            f"test_active_worker_killed_mid_trade)"
        )
        assert takeover_s <= LEASE_TTL_S + _TAKEOVER_MARGIN_S

        def settled() -> bool:
            rows = bed.query(
                "SELECT o.status FROM executions e JOIN outcomes o ON o.execution_id = e.id "
                "WHERE e.tx_hash = %s",
                (flying,),
            )
            return bool(rows)

        wait_until(
            settled,
            timeout_s=120,
            what="the killed worker's trade to be reconciled",
            logs=bed.logs(),
        )
        # The new holder trades on: one more trade of its own.
        second = bed.active(chain)
        assert second is not None
        wait_until(
            lambda: bed.query(
                "SELECT 1 FROM submissions WHERE claimed_by LIKE %s", (f"%:{second.pid}",)
            ),
            timeout_s=240,
            what="a trade by the new active worker",
            logs=[bed.log_of(second.pid)],
        )
        assert_bus_drained(bed)
        bed.down()
        trades = {name: assert_exactly_once(bed, name, bot) for name in CHAINS}
        print(f"trades: {trades}")
        assert trades[chain] >= 2
