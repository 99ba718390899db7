"""The backrun path end to end on the devnet, for `latency.py --devnet-blocks N`: a demo on the
Ethereum chain alone (its blocks built by the devnet's bundle relay, the market sending swaps
through every router), then, from the summary file, each backrun's time from the node's
WebSocket notification of the pending transaction (`notified`) to the relay's acceptance of the
bundle (`acked`), and the same for the trades found in blocks (notification of the block to the
relay's acceptance), p50/p99 of each.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from live import _env, _omniarb, _private_home, _tail, _write_config

from omniarb.config import DEFAULT_DEVNET_BLOCK_TIME_S
from omniarb.stage_times import SEGMENTS, STAMPS

__all__ = ["devnet_latency"]


def _percentile_ms(samples_ns: Sequence[int], q: float) -> float | None:
    if not samples_ns:
        return None
    ordered = sorted(samples_ns)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1e6


def _figures(samples_ns: Sequence[int]) -> dict[str, Any]:
    return {
        "trades": len(samples_ns),
        "p50_ms": _percentile_ms(samples_ns, 0.50),
        "p99_ms": _percentile_ms(samples_ns, 0.99),
    }


def devnet_latency(blocks: int) -> dict[str, Any]:
    """Run the Ethereum-only demo for `blocks` blocks and measure (module docstring)."""
    block_time_s = DEFAULT_DEVNET_BLOCK_TIME_S["ethereum"]
    with tempfile.TemporaryDirectory(prefix="omniarb-latency-") as tmp:
        root = Path(tmp)
        home = _private_home(root)
        config = _write_config(root / "latency.toml", {"ethereum": block_time_s})
        summary_path, log = root / "summary.json", root / "demo.log"
        argv = _omniarb(config, "demo", "--blocks", str(blocks), "--summary", str(summary_path))
        started = time.monotonic()
        with log.open("wb") as out:
            done = subprocess.run(
                argv, env=_env(home), stdin=subprocess.DEVNULL, stdout=out, stderr=out, check=False
            )
        if done.returncode != 0:
            raise SystemExit(f"the demo exited with {done.returncode}:\n{_tail(log)}")
        summary = json.loads(summary_path.read_text())
        wall_s = time.monotonic() - started
    by_source: dict[str, list[int]] = {"mempool": [], "block": []}
    segments: dict[str, dict[str, list[int]]] = {"mempool": {}, "block": {}}
    channels: dict[str, int] = {}
    bribes_wei = 0
    for trade in summary["trades"]:
        channel = str(trade.get("channel", "public"))
        channels[channel] = channels.get(channel, 0) + 1
        bribes_wei += int(trade.get("bribe_paid_wei", 0))
        acked = trade.get("stage_offsets_ns", {}).get("acked")
        if acked is not None and trade.get("source") in by_source:
            by_source[trade["source"]].append(int(acked))
            offsets = trade["stage_offsets_ns"]
            for segment, before, after in zip(SEGMENTS, STAMPS[:-1], STAMPS[1:], strict=True):
                if offsets.get(before) is not None and offsets.get(after) is not None:
                    spent = int(offsets[after]) - int(offsets[before])
                    segments[trade["source"]].setdefault(segment, []).append(spent)
    return {
        "command": f"benchmarks/latency.py --devnet-blocks {blocks}",
        "blocks": blocks,
        "block_time_s": block_time_s,
        "wall_s": round(wall_s, 1),
        "backrun_notified_to_relay_ack": _figures(by_source["mempool"]),
        "block_notified_to_relay_ack": _figures(by_source["block"]),
        "backrun_segments_p50_ms": {
            name: _percentile_ms(samples, 0.5) for name, samples in segments["mempool"].items()
        },
        "channels": channels,
        "bribes_paid_wei": bribes_wei,
        "succeeded": summary["totals"]["succeeded"],
        "trades": summary["totals"]["trades"],
        "realized_differs_from_predicted": summary["totals"]["realized_differs_from_predicted"],
    }
