"""`omniarb run` stopped by SIGTERM while one chain's node is dead: it exits 0 within a few
seconds (no wait on the dead node), says which chain is down, writes the summary and flushes the
history; a trade left unsettled is recorded as sent and listed as pending, none is lost."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from _cli_helpers import (
    children,
    detached_devnet,
    market,
    private_home,
    query,
    receipts,
    spawn,
    stop,
    tail,
    wait_until,
    write_config,
)

pytestmark = pytest.mark.xdist_group("devnet-cli")

# The dead chain mines slowly, so a trade it was sent is still waiting for its block when its
# node is killed: the trade the old engine waited 30 s for.
_BLOCK_TIMES_S = {"ethereum": 0.5, "polygon": 2.0}
_DEAD = "polygon"
# The bound the engine promises (a short drain of trades in flight, then the summary and the
# history), with room for the interpreter's own exit on a loaded machine.
_SHUTDOWN_BOUND_S = 5.0


def _node_pid(devnet_pid: int, rpc_http: str) -> int:
    """The anvil child of the devnet daemon that serves `rpc_http`."""
    port = rpc_http.rsplit(":", 1)[1]
    for pid in children(devnet_pid):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if b"--port" in argv and argv[argv.index(b"--port") + 1].decode() == port:
            return pid
    raise AssertionError(f"no anvil of pid {devnet_pid} serves {rpc_http}")


def _in_flight(home: Path, url: str) -> str | None:
    """A trade sent on the chain at `url` that it has not mined yet, if there is one."""
    sent = [
        h
        for (h,) in query(
            home,
            "SELECT e.tx_hash FROM executions e JOIN opportunities o ON o.id = e.opportunity_id "
            "WHERE e.tx_hash IS NOT NULL AND o.chain = 'polygon'",
        )
    ]
    if not sent:
        return None
    pending = [h for h, r in zip(sent, receipts(url, sent), strict=True) if r is None]
    return pending[0] if pending else None


def test_sigterm_with_a_dead_node_exits_within_seconds(tmp_path: Path, omniarb_home: Path) -> None:
    home = private_home(tmp_path, omniarb_home)
    config = write_config(tmp_path / "dead.toml", block_times_s=_BLOCK_TIMES_S)
    log = tmp_path / "run.log"
    summary_path = tmp_path / "summary.json"
    with (
        detached_devnet(home, config, through_cli=False) as devnet,
        market(home, config, tmp_path / "market.log"),
    ):
        run = spawn(home, "run", "--summary", summary_path, config=config, log=log)
        try:
            in_flight = wait_until(
                lambda: _in_flight(home, devnet.rpc_http[_DEAD]),
                timeout_s=90,
                what=f"a trade in flight on {_DEAD}",
                interval_s=0.02,
                watch=run,
                log=log,
            )
            os.kill(_node_pid(devnet.pid, devnet.rpc_http[_DEAD]), signal.SIGKILL)
            wait_until(
                lambda: f"chain {_DEAD}: node" in log.read_text() and ": down:" in log.read_text(),
                timeout_s=30,
                what=f"the bot saying {_DEAD} is down",
                watch=run,
                log=log,
            )
            signalled = time.monotonic()
            code = stop(run, signal.SIGTERM, timeout_s=_SHUTDOWN_BOUND_S)
            took_s = time.monotonic() - signalled
        finally:
            if run.poll() is None:
                run.kill()
        assert code == 0, tail(log)
        print(f"shutdown with a dead node took {took_s:.2f} s")

    output = log.read_text()
    assert "Traceback" not in output
    summary = json.loads(summary_path.read_text())
    chains = {c["chain"]: c for c in summary["chains"]}
    assert chains[_DEAD]["node_up"] is False
    assert chains["ethereum"]["node_up"] is True
    executions = query(
        home,
        "SELECT e.tx_hash, o.execution_id FROM executions e LEFT JOIN outcomes o "
        "ON o.execution_id = e.id WHERE e.tx_hash IS NOT NULL",
    )
    unsettled = {tx for tx, outcome in executions if outcome is None}
    assert in_flight in unsettled
    assert unsettled == {p["tx_hash"] for p in summary["pending"]}
    assert summary["totals"]["pending"] == len(unsettled)
    assert len(summary["trades"]) + len(unsettled) == len(executions)
