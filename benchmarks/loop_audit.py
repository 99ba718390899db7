"""What runs on the bot's event loop besides the pipeline, and what it costs, during a real demo.

Runs `omniarb demo --blocks N` in this process with a timer (`time.perf_counter_ns`) around
each piece of side work: the terminal view (building the table, and rich's render, which runs
in its refresh thread but holds the GIL the loop needs), the API's live hub (encoding and
fan-out per message), the engine's telemetry hooks (metrics, alert rules, hub), the windowed
alert rules, and the history writer's batches (in a thread, wall time). The loop's own lag is
sampled by the loop-lag monitor (every 20 ms) and summarised, as is the market when
`--market-in-loop` runs it in the bot's loop (as before it had its own process).

Run it on a terminal, so the view is the rich table a user sees (`script` gives it one):

    script -qc ".venv/bin/python benchmarks/loop_audit.py --blocks 40 --out audit.json" /dev/null
    .venv/bin/python benchmarks/loop_audit.py --show audit.json [--json]

Add `--market-in-loop` for the market in the bot's loop, `--no-uvloop` for asyncio's loop, or
`--before` for all the side work as it was before issue #16's item 3 (the baseline).
"""

from __future__ import annotations

import argparse
import functools
import inspect
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

_SAMPLES: dict[str, list[int]] = defaultdict(list)


def _timed(owner: Any, name: str, label: str) -> None:
    """Wrap `owner.name` (a function or coroutine function) so each call's time is kept."""
    original = getattr(owner, name)
    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter_ns()
            try:
                return await original(*args, **kwargs)
            finally:
                _SAMPLES[label].append(time.perf_counter_ns() - start)

        setattr(owner, name, timed_async)
        return

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter_ns()
        try:
            return original(*args, **kwargs)
        finally:
            _SAMPLES[label].append(time.perf_counter_ns() - start)

    setattr(owner, name, timed)


def _as_before(live_module: Any, run_module: Any, loop_module: Any, hub: Any) -> None:
    """The side work as it was before issue #16's item 3: the view rendered 4 times a second
    and painted every 0.25 s, the GIL switched every 5 ms, and the hub built every opportunity
    and trade message with or without a client."""
    live_module._RENDERS_PER_S = 4
    run_module._VIEW_REFRESH_S = 0.25
    loop_module._SWITCH_INTERVAL_S = 0.005
    hub._wanted = lambda self, kind: True


def _instrument(*, market_in_loop: bool, before: bool) -> None:
    from rich.live import Live

    from omniarb.api.live import LiveHub
    from omniarb.cli import demo_cmd
    from omniarb.cli._live import LiveView
    from omniarb.devnet.market import MarketActivity
    from omniarb.monitor.hub import Monitor
    from omniarb.monitor.loop_lag import LoopLagMonitor
    from omniarb.store.database import HistoryDatabase
    from omniarb.store.writer import BatchWriter
    from omniarb.telemetry import Telemetry

    if before:
        from omniarb.cli import _live, _loop, run_cmd

        _as_before(_live, run_cmd, _loop, LiveHub)
    _timed(LiveView, "update", "view: build the table (LiveView.update)")
    _timed(Live, "refresh", "view: render (rich Live.refresh, refresh thread)")
    _timed(LiveHub, "publish", "API hub: encode + fan-out (LiveHub.publish)")
    _timed(LiveHub, "publish_opportunity", "API hub: publish_opportunity (model + publish)")
    _timed(LiveHub, "publish_trade", "API hub: publish_trade (model + publish)")
    for hook in ("update", "opportunity", "decision", "execution", "outcome", "fees", "node"):
        _timed(Telemetry, hook, f"telemetry: {hook} hook (metrics, rules, hub)")
    _timed(Monitor, "pool_update", "alert rules: price moves per pool update")
    _timed(Monitor, "check", "alert rules: windowed check")
    _timed(BatchWriter, "_write", "history: batch write (thread, wall time)")
    write = HistoryDatabase.write

    def cpu_write(self: HistoryDatabase, batch: Any) -> None:
        # CPU time of the writer's thread: roughly the GIL it takes (commits release it).
        start = time.thread_time_ns()
        try:
            write(self, batch)
        finally:
            _SAMPLES["history: batch write (thread, CPU time)"].append(
                time.thread_time_ns() - start
            )

    HistoryDatabase.write = cpu_write  # type: ignore[method-assign]

    record = LoopLagMonitor.record

    def lag(self: LoopLagMonitor, lag_s: float) -> None:
        _SAMPLES["event loop lag (20 ms wake-ups)"].append(int(lag_s * 1e9))
        record(self, lag_s)

    LoopLagMonitor.record = lag  # type: ignore[method-assign]

    if market_in_loop:

        class InLoop:
            """The market in the bot's loop, with `MarketProcess`'s interface."""

            def __init__(self, manifest_path: Path, params: Any) -> None:
                from omniarb.network import Manifest

                self._market = MarketActivity(Manifest.read(manifest_path), params)

            def start(self) -> None:
                pass

            async def stop(self) -> None:
                pass

            async def run(self) -> None:
                await self._market.run()

            def snapshot(self) -> Any:
                return self._market.snapshot()

        demo_cmd.MarketProcess = InLoop  # type: ignore[misc,assignment]


def _summary(samples: dict[str, list[int]], seconds: float) -> dict[str, dict[str, float]]:
    out = {}
    for label, values in sorted(samples.items()):
        ordered = sorted(values)
        n = len(ordered)
        out[label] = {
            "calls": n,
            "per_s": n / seconds,
            "p50_us": ordered[n // 2] / 1e3,
            "p99_us": ordered[min(n - 1, int(n * 0.99))] / 1e3,
            "max_us": ordered[-1] / 1e3,
            "total_ms": sum(ordered) / 1e6,
            "share_of_wall": sum(ordered) / 1e9 / seconds,
        }
    return out


def _show(result: dict[str, Any]) -> None:
    print(
        ("BEFORE: " if result.get("before") else "")
        + f"demo of {result['blocks']} blocks, {result['seconds']:.1f} s, loop "
        f"{'uvloop' if result['uvloop'] else 'asyncio'}, market "
        f"{'in the bot loop' if result['market_in_loop'] else 'in its own process'}"
    )
    print(f"  {'item':<56} {'calls/s':>8} {'p50 us':>9} {'p99 us':>9} {'max us':>9} {'% wall':>7}")
    for label, fig in result["items"].items():
        print(
            f"  {label:<56} {fig['per_s']:8.1f} {fig['p50_us']:9.1f} {fig['p99_us']:9.1f} "
            f"{fig['max_us']:9.1f} {fig['share_of_wall'] * 100:6.2f}%"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--blocks", type=int, default=40)
    parser.add_argument("--config", type=Path, help="an omniarb config file for the demo")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    parser.add_argument("--market-in-loop", action="store_true")
    parser.add_argument(
        "--before",
        action="store_true",
        help="as before the changes: market in the loop, asyncio, 4 renders/s, 5 ms GIL switch, "
        "hub messages built without clients",
    )
    parser.add_argument("--no-uvloop", action="store_true")
    parser.add_argument("--show", type=Path, metavar="FILE", help="print a saved result")
    parser.add_argument("--json", action="store_true", help="with --show: the JSON itself")
    args = parser.parse_args()
    if args.show is not None:
        result = json.loads(args.show.read_text())
        if args.json:
            print(json.dumps(result))
        else:
            _show(result)
        return 0

    from omniarb.cli.main import main as omniarb_main

    _instrument(market_in_loop=args.market_in_loop or args.before, before=args.before)
    argv = ["--config", str(args.config)] if args.config else []
    argv += ["demo", "--blocks", str(args.blocks)]
    if args.no_uvloop or args.before:
        argv.append("--no-uvloop")
    start = time.monotonic()
    code = omniarb_main(argv)
    seconds = time.monotonic() - start
    result = {
        "blocks": args.blocks,
        "seconds": seconds,
        "uvloop": not (args.no_uvloop or args.before),
        "market_in_loop": args.market_in_loop or args.before,
        "before": args.before,
        "exit_code": code,
        "items": _summary(_SAMPLES, seconds),
    }
    if args.out is not None:
        args.out.write_text(json.dumps(result, indent=1))
    else:
        _show(result)
    return code


if __name__ == "__main__":
    sys.exit(main())
