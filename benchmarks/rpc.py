"""The RPC stack's cost and its failover time, against a bare aiohttp request, in one run.

Latency: `eth_blockNumber` to a local anvil node, one request in flight, through stacks that
grow one layer at a time — a bare aiohttp POST (the baseline), the transport, then error
translation, the rate limit (a bucket that never runs dry), failover (one endpoint), retry, and
the metrics layer feeding a real Prometheus `Metrics` (the whole default stack, as the bot runs
it). The variants take turns call by call, so a load spike on the shared machine hits them all
alike; the bare request is measured twice, and the gap between the two is the run's noise. Each
layer's added latency is the difference of neighbouring p50s.

Failover: a client over two anvil nodes; the preferred one is killed (SIGKILL) and the first
request after it is timed (it meets the dead endpoint, then the live one answers); and frozen
(SIGSTOP), where the time is bounded by the client's timeout or the head check's probe timeout,
whichever meets the frozen node first.

WebSocket failover: a `newHeads` stream over two anvil nodes' WebSockets; the preferred node
is killed, and the time to the gap notice (subscribed again on the spare) is taken; or it is
frozen (SIGSTOP, its socket open and silent) and the spare mines past it by more than the lag
allowed, and the time from that block to the gap notice is taken (bounded by the head-check
interval). The baseline, in the same trials: a bare connect and `eth_subscribe` to the spare.

Hedged sends (issue #16): `eth_sendRawTransaction` over two endpoints of which one is slow
(+`--hedge-delay-ms` through a proxy), hedged vs failover only, in the same run (see
`benchmarks/_rpc_hedge.py`); `--hedge-only` measures just that.

Target (issue #15): the whole stack adds ≤ 10% to a local call's p50. `--json` prints one
JSON object.

    .venv/bin/python benchmarks/rpc.py [--calls 3000] [--kills 30] [--freezes 10]
        [--ws-kills 20] [--ws-freezes 5] [--hedge-sends 300] [--hedge-delay-ms 20]
        [--hedge-only] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import aiohttp
from _rpc_hedge import measure_hedge, print_hedge  # benchmarks/ is on the path as the script's dir

from omniarb.chains.rpc import (
    Failover,
    FailoverPolicy,
    HttpTransport,
    Measure,
    RateLimit,
    Retry,
    RetryPolicy,
    RpcClient,
    RpcLayer,
    TokenBucket,
    TranslateErrors,
)
from omniarb.chains.ws import (
    ReconnectPolicy,
    SubscriptionSpec,
    WsClient,
    WsReconnected,
    WsSubscriptions,
)
from omniarb.devnet.anvil import AnvilNode, AnvilOptions
from omniarb.monitor.metrics import Metrics
from omniarb.monitor.rpc_metrics import ChainRpcMetrics

TARGET_OVERHEAD = 0.10
CHAIN_ID = 31337
FROZEN_TIMEOUT_S = 0.5
_WARMUP = 200

Call = Callable[[], Awaitable[Any]]


def _percentile_ms(samples_ns: list[int], q: float) -> float:
    ordered = sorted(samples_ns)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] / 1e6


async def _bare(session: aiohttp.ClientSession, url: str) -> Call:
    payload = {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}

    async def call() -> Any:
        async with session.post(url, json=payload) as response:
            return (await response.json())["result"]

    return call


def _stacks(url: str, transport: HttpTransport) -> dict[str, RpcLayer]:
    """Each variant's top layer; each wraps the previous one, as `RpcClient` composes them."""
    translated = TranslateErrors(transport, url=url)
    limited = RateLimit(translated, TokenBucket(rate_per_s=1e9, burst=1_000_000))
    failover = Failover([(url, limited)])
    retry = Retry(failover, RetryPolicy())
    observer = ChainRpcMetrics(Metrics(chains=["bench"]), "bench")
    return {
        "transport": transport,
        "+ translate": translated,
        "+ rate limit": limited,
        "+ failover": failover,
        "+ retry": retry,
        "+ metrics (whole stack)": Measure(retry, observer),
    }


async def measure_layers(url: str, calls: int) -> dict[str, Any]:
    """p50/p99 and calls per second of each variant, `calls` requests each."""
    async with AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        transport = HttpTransport(url)
        await transport.open()
        stack.push_async_callback(transport.close)
        variants: dict[str, Call] = {
            "bare aiohttp": await _bare(session, url),
            "bare aiohttp, again": await _bare(session, url),
        }
        for name, layer in _stacks(url, transport).items():
            variants[name] = lambda layer=layer: layer.call("eth_blockNumber")
        samples: dict[str, list[int]] = {name: [] for name in variants}
        for call in variants.values():
            for _ in range(_WARMUP):
                await call()
        # Call by call in turn, the first variant of each turn rotating: a load spike on the
        # shared machine, or the order of the calls, falls on every variant alike.
        order = list(variants.items())
        clock = time.perf_counter_ns
        started_all = clock()
        for turn in range(calls):
            shift = turn % len(order)
            for name, call in order[shift:] + order[:shift]:
                started = clock()
                await call()
                samples[name].append(clock() - started)
        wall_s = (clock() - started_all) / 1e9
    result: dict[str, Any] = {"calls": calls, "variants": {}}
    previous = None
    for name, taken in samples.items():
        p50 = _percentile_ms(taken, 0.5)
        entry = {
            "p50_ms": round(p50, 4),
            "p99_ms": round(_percentile_ms(taken, 0.99), 4),
            # Calls per second of this variant alone: the inverse of its mean latency.
            "calls_per_s": round(len(taken) / (sum(taken) / 1e9)),
        }
        if name != "bare aiohttp, again":  # the noise check is no layer of the stack
            if previous is not None:
                entry["added_p50_us"] = round((p50 - previous) * 1000, 1)
            previous = p50
        result["variants"][name] = entry
    bare = result["variants"]["bare aiohttp"]["p50_ms"]
    whole = result["variants"]["+ metrics (whole stack)"]["p50_ms"]
    result["bare_p50_ms"] = bare
    result["stack_p50_ms"] = whole
    result["stack_overhead"] = round(whole / bare - 1, 4)
    result["target_met"] = whole <= bare * (1 + TARGET_OVERHEAD)
    # Two identical bare variants: how far apart the same request measures in this run.
    again = result["variants"]["bare aiohttp, again"]["p50_ms"]
    result["noise_p50"] = round(abs(again / bare - 1), 4)
    result["wall_s"] = round(wall_s, 1)
    return result


async def _stopped(pid: int, timeout_s: float = 5.0) -> None:
    """Until the kernel shows `pid` stopped: a signal reaches a busy process's threads late."""
    deadline = time.monotonic() + timeout_s
    stat = Path(f"/proc/{pid}/stat")
    # The state follows the parenthesized command name, which may contain spaces.
    while stat.read_text().rsplit(")", 1)[1].split()[0] != "T":
        if time.monotonic() > deadline:
            raise SystemExit(f"process {pid} did not stop within {timeout_s:g} s")
        await asyncio.sleep(0.001)


async def _failover_once(kind: str) -> float:
    """Seconds from the preferred node's death (or freeze) to the first answer."""
    options = AnvilOptions(chain_id=CHAIN_ID, accounts=1)
    preferred, spare = await asyncio.gather(AnvilNode.start(options), AnvilNode.start(options))
    try:
        urls = [preferred.rpc_http, spare.rpc_http]
        async with RpcClient(urls, timeout_s=FROZEN_TIMEOUT_S) as rpc:
            for _ in range(20):  # warm: the pooled connection to the preferred node is open
                await rpc.call("eth_blockNumber")
            if kind == "killed":
                preferred.process.kill()
                await preferred.process.wait()
            else:
                os.kill(preferred.pid, signal.SIGSTOP)
                await _stopped(preferred.pid)
            started = time.perf_counter()
            await rpc.call("eth_blockNumber")
            elapsed_s = time.perf_counter() - started
            # Met by the request itself, or by the head check it ran first: either way the
            # dead node is set aside and the live one answered.
            if rpc.health()[0].failures < 1:
                raise SystemExit(f"{kind}: the request did not fail over")
            return elapsed_s
    finally:
        if kind == "frozen":
            os.kill(preferred.pid, signal.SIGCONT)
        await asyncio.gather(preferred.stop(), spare.stop())


async def measure_failover(kills: int, freezes: int) -> dict[str, Any]:
    result: dict[str, Any] = {"frozen_timeout_s": FROZEN_TIMEOUT_S}
    for kind, trials in (("killed", kills), ("frozen", freezes)):
        taken = [int(await _failover_once(kind) * 1e9) for _ in range(trials)]
        result[f"{kind}_trials"] = trials
        result[f"{kind}_p50_ms"] = round(_percentile_ms(taken, 0.5), 2)
        result[f"{kind}_p99_ms"] = round(_percentile_ms(taken, 0.99), 2)
    return result


WS_HEAD_CHECK_S = 0.2
WS_POLICY = ReconnectPolicy(
    initial_s=0.05,
    max_s=1.0,
    call_timeout_s=FROZEN_TIMEOUT_S,
    failover=FailoverPolicy(
        max_lag_blocks=3, head_check_interval_s=WS_HEAD_CHECK_S, probe_timeout_s=FROZEN_TIMEOUT_S
    ),
)


async def _ws_failover_once(kind: str) -> tuple[float, float]:
    """Seconds from the preferred node's death (or from the block that makes it stale) to the
    stream's gap notice on the spare; and a bare connect + subscribe to the spare."""
    options = AnvilOptions(chain_id=CHAIN_ID, accounts=1)
    preferred, spare = await asyncio.gather(AnvilNode.start(options), AnvilNode.start(options))
    subscriptions = WsSubscriptions(
        urls=[preferred.rpc_ws, spare.rpc_ws],
        specs=[SubscriptionSpec(kind="newHeads")],
        policy=WS_POLICY,
    )
    gaps: asyncio.Queue[float] = asyncio.Queue()

    async def read() -> None:
        async with contextlib.aclosing(subscriptions.stream()) as stream:
            async for item in stream:
                if isinstance(item, WsReconnected):
                    gaps.put_nowait(time.perf_counter())

    try:
        async with asyncio.TaskGroup() as tasks, RpcClient(spare.rpc_http) as spare_rpc:
            reader = tasks.create_task(read())
            while subscriptions.connections < 1:
                await asyncio.sleep(0.001)
            started = time.perf_counter()
            async with WsClient(spare.rpc_ws, timeout_s=FROZEN_TIMEOUT_S) as bare:
                await bare.subscribe(SubscriptionSpec(kind="newHeads"))
            baseline_s = time.perf_counter() - started
            if kind == "killed":
                # Timed from the kill: the stream may notice before the process is reaped.
                started = time.perf_counter()
                preferred.process.kill()
                await preferred.process.wait()
            else:
                os.kill(preferred.pid, signal.SIGSTOP)
                await _stopped(preferred.pid)
                for _ in range(WS_POLICY.failover.max_lag_blocks + 1):
                    await spare_rpc.call("evm_mine")
                started = time.perf_counter()
            answered = await asyncio.wait_for(gaps.get(), 10)
            if subscriptions.active_index != 1:
                raise SystemExit(f"ws {kind}: the stream did not fail over")
            reader.cancel()
        return answered - started, baseline_s
    finally:
        if kind == "frozen":
            os.kill(preferred.pid, signal.SIGCONT)
        await asyncio.gather(preferred.stop(), spare.stop())


async def measure_ws_failover(kills: int, freezes: int) -> dict[str, Any]:
    result: dict[str, Any] = {"ws_head_check_interval_s": WS_HEAD_CHECK_S}
    baselines: list[int] = []
    for kind, trials in (("killed", kills), ("frozen", freezes)):
        taken = []
        for _ in range(trials):
            failover_s, baseline_s = await _ws_failover_once(kind)
            taken.append(int(failover_s * 1e9))
            baselines.append(int(baseline_s * 1e9))
        result[f"ws_{kind}_trials"] = trials
        result[f"ws_{kind}_p50_ms"] = round(_percentile_ms(taken, 0.5), 2)
        result[f"ws_{kind}_p99_ms"] = round(_percentile_ms(taken, 0.99), 2)
    result["ws_subscribe_p50_ms"] = round(_percentile_ms(baselines, 0.5), 2)
    result["ws_subscribe_p99_ms"] = round(_percentile_ms(baselines, 0.99), 2)
    return result


async def run(args: argparse.Namespace) -> dict[str, Any]:
    hedge = await measure_hedge(args.hedge_sends, args.hedge_delay_ms)
    if args.hedge_only:
        return hedge
    calls, kills, freezes = args.calls, args.kills, args.freezes
    ws_kills, ws_freezes = args.ws_kills, args.ws_freezes
    node = await AnvilNode.start(AnvilOptions(chain_id=CHAIN_ID, accounts=1))
    try:
        layers = await measure_layers(node.rpc_http, calls)
    finally:
        await node.stop()
    return {
        "target_overhead": TARGET_OVERHEAD,
        **layers,
        **await measure_failover(kills, freezes),
        **await measure_ws_failover(ws_kills, ws_freezes),
        **hedge,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000, help="requests per variant")
    parser.add_argument("--kills", type=int, default=30, help="failover trials, node killed")
    parser.add_argument("--freezes", type=int, default=10, help="failover trials, node frozen")
    parser.add_argument("--ws-kills", type=int, default=20, help="WebSocket trials, node killed")
    parser.add_argument(
        "--ws-freezes", type=int, default=5, help="WebSocket trials, node frozen (stale)"
    )
    parser.add_argument("--hedge-sends", type=int, default=300, help="hedged sends per variant")
    parser.add_argument(
        "--hedge-delay-ms", type=float, default=20.0, help="the slow endpoint's added delay"
    )
    parser.add_argument("--hedge-only", action="store_true", help="only the hedged-send figure")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result))
        return 0
    if args.hedge_only:
        print_hedge(result)
        return 0
    print(f"eth_blockNumber to a local anvil, {result['calls']} calls per variant, one in flight")
    for name, entry in result["variants"].items():
        added = entry.get("added_p50_us")
        shown = "" if added is None else f"  layer {added:+6.1f} us"
        print(
            f"{name:26} p50 {entry['p50_ms']:7.3f} ms  p99 {entry['p99_ms']:7.3f} ms  "
            f"{entry['calls_per_s']:6d} calls/s{shown}"
        )
    print(
        f"whole stack vs bare aiohttp, p50: {result['stack_overhead']:+.1%} "
        f"(target <= +{TARGET_OVERHEAD:.0%}: {'met' if result['target_met'] else 'NOT met'}; "
        f"the same bare request measured {result['noise_p50']:.1%} apart)"
    )
    print(
        f"failover, preferred node killed: p50 {result['killed_p50_ms']} ms  "
        f"p99 {result['killed_p99_ms']} ms ({result['killed_trials']} trials)"
    )
    print(
        f"failover, preferred node frozen (timeout {FROZEN_TIMEOUT_S:g} s): "
        f"p50 {result['frozen_p50_ms']} ms  p99 {result['frozen_p99_ms']} ms "
        f"({result['frozen_trials']} trials)"
    )
    print(
        f"ws failover, preferred node killed: p50 {result['ws_killed_p50_ms']} ms  "
        f"p99 {result['ws_killed_p99_ms']} ms ({result['ws_killed_trials']} trials)"
    )
    print(
        f"ws failover, preferred node stale (head check every {WS_HEAD_CHECK_S:g} s): "
        f"p50 {result['ws_frozen_p50_ms']} ms  p99 {result['ws_frozen_p99_ms']} ms "
        f"({result['ws_frozen_trials']} trials)"
    )
    print(
        f"baseline, a bare connect + eth_subscribe: p50 {result['ws_subscribe_p50_ms']} ms  "
        f"p99 {result['ws_subscribe_p99_ms']} ms"
    )
    print_hedge(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
