"""Where uvloop and orjson help on our path, each against the standard library in the same run.

JSON: decoding what the node sends us (the hash answering our transaction, a `newHeads`
notification, a batch of 20 `eth_call` answers, an `eth_getLogs` answer of 50 swap logs) and
encoding what we send (a raw transaction, a batch of 20 calls, a live-hub trade message), with
`json` (the baseline) and with `omniarb.chains.json_codec`; for decoding also orjson without a
guard (it rounds integers wider than 64 bits, so the codec does not use it) and orjson behind
the cheapest exact guard measured (a search for a 19-digit run, falling back to `json`). Each
figure is the median of `--rounds` timings of `--reps` calls, the codecs taking turns.

GIL: the loop's wake-up lag while a thread renders the terminal view's table (as rich's
refresh thread does), with the interpreter's default 5 ms switch interval and with the 1 ms
that `omniarb run`/`demo` set.

Event loop: the same client code under asyncio's default loop (the baseline) and uvloop, the
loops taking turns in blocks: a wake-up between two tasks (a future resolved from another
task, as a stage hands a value to the next); an HTTP JSON-RPC round trip with aiohttp, and a
WebSocket round trip (a request out, a 1 KB notification back, decoded), both to a server in
another process that always runs the standard loop, so only the client's loop differs.

    .venv/bin/python benchmarks/loop.py [--reps 2000] [--rounds 7] [--trips 2000]
        [--switch-seconds 8] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import multiprocessing
import re
import statistics
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from typing import Any

import aiohttp
import orjson
import uvloop
import websockets
from aiohttp import web
from rich.console import Console
from rich.table import Table

from omniarb.chains import json_codec

_ADDRESS = "0x" + "ab" * 20
_HASH = "0x" + "cd" * 32
_TX_HASH = "0x9f2c51a4e7b0d3c8a6f1e2b4d5c7a8e9f0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"


def _new_heads() -> bytes:
    """A `newHeads` notification as anvil sends it (a full header)."""
    header = {
        "hash": _HASH,
        "parentHash": _HASH,
        "sha3Uncles": _HASH,
        "miner": _ADDRESS,
        "stateRoot": _HASH,
        "transactionsRoot": _HASH,
        "receiptsRoot": _HASH,
        "logsBloom": "0x" + "00" * 256,
        "difficulty": "0x0",
        "number": "0x1b4",
        "gasLimit": "0x1c9c380",
        "gasUsed": "0x5208",
        "timestamp": "0x6756a2f1",
        "extraData": "0x",
        "mixHash": _HASH,
        "nonce": "0x0000000000000000",
        "baseFeePerGas": "0x3b9aca00",
        "withdrawalsRoot": _HASH,
        "blobGasUsed": "0x0",
        "excessBlobGas": "0x0",
        "parentBeaconBlockRoot": _HASH,
    }
    message = {
        "jsonrpc": "2.0",
        "method": "eth_subscription",
        "params": {"subscription": "0x1", "result": header},
    }
    return json.dumps(message).encode()


def _hash_answer() -> bytes:
    """What the node answers to the transaction we send: its hash."""
    return json.dumps({"jsonrpc": "2.0", "id": 42, "result": _TX_HASH}).encode()


def _call_batch_answer() -> bytes:
    return json.dumps(
        [
            {"jsonrpc": "2.0", "id": i, "result": "0x" + "00" * 31 + f"{i:02x}" * 3}
            for i in range(20)
        ]
    ).encode()


def _logs_answer() -> bytes:
    log = {
        "address": _ADDRESS,
        "topics": [_HASH, "0x" + "00" * 12 + "ab" * 20, "0x" + "00" * 12 + "cd" * 20],
        "data": "0x" + "11" * 128,
        "blockNumber": "0x1b4",
        "transactionHash": _HASH,
        "transactionIndex": "0x3",
        "blockHash": _HASH,
        "logIndex": "0x7",
        "removed": False,
    }
    return json.dumps({"jsonrpc": "2.0", "id": 9, "result": [log] * 50}).encode()


def _raw_tx_request() -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": 42,
        "method": "eth_sendRawTransaction",
        "params": ["0x02f9" + "5a" * 600],
    }


def _call_batch_request() -> list[dict[str, Any]]:
    call = {"to": _ADDRESS, "data": "0x0902f1ac"}
    return [
        {"jsonrpc": "2.0", "id": i, "method": "eth_call", "params": [call, "latest"]}
        for i in range(20)
    ]


def _trade_message() -> dict[str, Any]:
    """A live-hub `trade` message, shaped as `LiveHub.publish` encodes it."""
    data = {
        "id": _HASH,
        "chain": "arbitrum",
        "status": "success",
        "tx_hash": _HASH,
        "block_number": 436,
        "realized_profit": {"0x" + "12" * 20: "1234567890123456"},
        "net_profit_usd": 12.34,
        "gas_used": 182_345,
        "route": [{"pool": _ADDRESS, "dex": "uniswap_v2", "token_in": _ADDRESS}] * 3,
        "latency_ms": {"detect": 0.4, "submit": 1.2, "confirm": 250.0},
    }
    return {"type": "trade", "seq": 17, "data": data}


_DIGIT_RUN = re.compile(rb"\d{19}")


def _guarded_loads(data: bytes | str) -> Any:
    """orjson, exact: text with a 19-digit run anywhere (a literal orjson may round) goes to
    `json`."""
    raw = data.encode() if isinstance(data, str) else data
    return json.loads(raw) if _DIGIT_RUN.search(raw) else orjson.loads(raw)


def _timed_ns(fn: Callable[[], object], reps: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(reps):
        fn()
    return (time.perf_counter_ns() - start) / reps


def _compare(
    baseline: Callable[[], object], ours: Callable[[], object], reps: int, rounds: int
) -> dict[str, float]:
    base, fast = [], []
    for _ in range(rounds):
        base.append(_timed_ns(baseline, reps))
        fast.append(_timed_ns(ours, reps))
    base_ns, ours_ns = statistics.median(base), statistics.median(fast)
    return {"stdlib_ns": base_ns, "ours_ns": ours_ns, "speedup": base_ns / ours_ns}


def measure_json(reps: int, rounds: int) -> dict[str, dict[str, float]]:
    """Decode and encode of our messages: stdlib `json` against `json_codec`."""
    results: dict[str, dict[str, float]] = {}
    for name, body in (
        ("decode eth_sendRawTransaction answer", _hash_answer()),
        ("decode newHeads notification", _new_heads()),
        ("decode batch of 20 eth_call answers", _call_batch_answer()),
        ("decode eth_getLogs answer, 50 logs", _logs_answer()),
    ):
        text = body.decode()
        # The WebSocket hands us text frames; the HTTP transport hands us bytes.
        source = text if "notification" in name else body
        assert json_codec.loads(source) == json.loads(source)
        results[name] = _compare(
            lambda s=source: json.loads(s), lambda s=source: json_codec.loads(s), reps, rounds
        )
        # For reference: orjson without the exact-integer guard, and behind it.
        results[name]["orjson_unguarded_ns"] = statistics.median(
            _timed_ns(lambda s=source: orjson.loads(s), reps) for _ in range(rounds)
        )
        results[name]["orjson_guarded_ns"] = statistics.median(
            _timed_ns(lambda s=source: _guarded_loads(s), reps) for _ in range(rounds)
        )
    for name, value in (
        ("encode eth_sendRawTransaction request", _raw_tx_request()),
        ("encode batch of 20 eth_call requests", _call_batch_request()),
        ("encode a live-hub trade message", _trade_message()),
    ):
        assert json.loads(json_codec.dumps(value)) == value
        results[name] = _compare(
            lambda v=value: json.dumps(v, separators=(",", ":")).encode(),
            lambda v=value: json_codec.dumps(v),
            reps,
            rounds,
        )
    return results


# -- the event loop ---------------------------------------------------------------------------


def _serve(conn: Connection) -> None:
    """The server process: JSON-RPC over HTTP and a WebSocket that answers each frame with a
    notification; always the standard loop."""
    answer = json.dumps({"jsonrpc": "2.0", "id": 1, "result": "0x1b4"}).encode()
    notification = _new_heads().decode()

    async def rpc(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=answer, content_type="application/json")

    async def ws(request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        async for _ in socket:
            await socket.send_str(notification)
        return socket

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/", rpc)
        app.router.add_get("/ws", ws)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        conn.send(port)
        loop = asyncio.get_running_loop()
        stop = loop.create_future()
        loop.add_reader(conn.fileno(), lambda: stop.done() or stop.set_result(None))
        await stop
        await runner.cleanup()

    asyncio.run(main())


def _percentiles_us(samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ns)
    return {
        "p50_us": ordered[len(ordered) // 2] / 1e3,
        "p99_us": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1e3,
    }


async def _wakeups(trips: int) -> list[int]:
    """A future resolved by another task, awaited: one hand-off between two stages."""
    loop = asyncio.get_running_loop()
    samples = []
    for _ in range(trips):
        future: asyncio.Future[int] = loop.create_future()
        start = time.perf_counter_ns()
        loop.call_soon(future.set_result, 1)
        await future
        samples.append(time.perf_counter_ns() - start)
    return samples


async def _http_trips(url: str, trips: int) -> list[int]:
    payload = json_codec.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber"})
    headers = {"Content-Type": "application/json"}
    samples = []
    async with aiohttp.ClientSession() as session:
        for _ in range(trips):
            start = time.perf_counter_ns()
            async with session.post(url, data=payload, headers=headers) as response:
                json_codec.loads(await response.read())
            samples.append(time.perf_counter_ns() - start)
    return samples


async def _ws_trips(url: str, trips: int) -> list[int]:
    samples = []
    async with websockets.connect(url, max_size=None) as socket:
        for _ in range(trips):
            start = time.perf_counter_ns()
            await socket.send("{}")
            json_codec.loads(await socket.recv())
            samples.append(time.perf_counter_ns() - start)
    return samples


def _view_table() -> Table:
    """A table the size of the demo's view: five chains, thirteen columns, long price cells."""
    prices = " | ".join(
        f"{kind}: {dex} 0.05% 2,954.28, {dex} 0.3% 2,964.65"
        for kind, dex in (("uniswap-v2", "sushiswap"), ("uniswap-v3", "uniswap-v3"))
    )
    table = Table(title="omni-arb demo", expand=True)
    for column in range(13):
        table.add_column(f"column {column}")
    for chain in range(5):
        table.add_row(f"chain {chain}", "94", "97", "6.5", prices, "272.8 bp USDC/WETH", *"abcdefg")
    return table


def measure_switch_interval(seconds: float) -> dict[str, dict[str, float]]:
    """The loop's wake-up lag (every 2 ms) while another thread renders the view's table
    without pause, at the default GIL switch interval (5 ms) and at 1 ms, taking turns."""
    samples: dict[str, list[int]] = {"5 ms (default)": [], "1 ms": []}
    previous_s = sys.getswitchinterval()
    try:
        for _ in range(2):
            for name, interval_s in (("5 ms (default)", 0.005), ("1 ms", 0.001)):
                sys.setswitchinterval(interval_s)
                samples[name] += _lag_while_rendering(seconds / 4)
    finally:
        sys.setswitchinterval(previous_s)
    base, ours = _percentiles_us(samples["5 ms (default)"]), _percentiles_us(samples["1 ms"])
    return {
        "5 ms (default)": base,
        "1 ms": ours,
        "p50_ratio": base["p50_us"] / ours["p50_us"],
        "p99_ratio": base["p99_us"] / ours["p99_us"],
    }


def _lag_while_rendering(seconds: float) -> list[int]:
    stop = threading.Event()
    console = Console(file=io.StringIO(), width=200, force_terminal=True)

    def render() -> None:
        while not stop.is_set():
            console.print(_view_table())
            console.file.seek(0)
            console.file.truncate()

    async def wakeups() -> list[int]:
        lags = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            due = time.perf_counter_ns() + 2_000_000
            await asyncio.sleep(0.002)
            lags.append(max(0, time.perf_counter_ns() - due))
        return lags

    renderer = threading.Thread(target=render)
    renderer.start()
    try:
        return asyncio.run(wakeups())
    finally:
        stop.set()
        renderer.join()


_LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop,
    "uvloop": uvloop.new_event_loop,
}


def measure_loops(trips: int, blocks: int) -> dict[str, dict[str, Any]]:
    """Per figure and per loop, p50/p99 of `trips` trips, split into `blocks` turns."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    server = context.Process(target=_serve, args=(theirs,), daemon=True)
    server.start()
    try:
        port = ours.recv()
        base = f"127.0.0.1:{port}"
        figures: dict[str, Callable[[int], Awaitable[list[int]]]] = {
            "future wake-up between two tasks": _wakeups,
            "HTTP JSON-RPC round trip (aiohttp)": lambda n: _http_trips(f"http://{base}/", n),
            "WebSocket round trip, 1 KB notification": lambda n: _ws_trips(f"ws://{base}/ws", n),
        }
        samples: dict[str, dict[str, list[int]]] = {f: {k: [] for k in _LOOPS} for f in figures}
        per_block = max(1, trips // blocks)
        for _ in range(blocks):
            for loop_name, factory in _LOOPS.items():
                with asyncio.Runner(loop_factory=factory) as runner:
                    for figure, run in figures.items():
                        samples[figure][loop_name] += runner.run(run(per_block))
        results: dict[str, dict[str, Any]] = {}
        for figure, by_loop in samples.items():
            base_fig = _percentiles_us(by_loop["asyncio"])
            uv_fig = _percentiles_us(by_loop["uvloop"])
            results[figure] = {
                "asyncio": base_fig,
                "uvloop": uv_fig,
                "p50_speedup": base_fig["p50_us"] / uv_fig["p50_us"],
                "p99_speedup": base_fig["p99_us"] / uv_fig["p99_us"],
            }
        return results
    finally:
        ours.close()
        server.join(5)
        if server.is_alive():
            server.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=2000, help="calls per JSON timing")
    parser.add_argument("--rounds", type=int, default=7, help="JSON timings per codec")
    parser.add_argument("--trips", type=int, default=2000, help="round trips per loop")
    parser.add_argument("--blocks", type=int, default=4, help="turns the loops take")
    parser.add_argument(
        "--switch-seconds", type=float, default=8.0, help="time for the GIL switch figure"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    result = {
        "json": measure_json(args.reps, args.rounds),
        "loop": measure_loops(args.trips, args.blocks),
        "switch_interval": measure_switch_interval(args.switch_seconds),
        "versions": {"uvloop": uvloop.__version__, "orjson": orjson.__version__},
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"JSON: median of {args.rounds} timings of {args.reps} calls; baseline stdlib json")
    for name, fig in result["json"].items():
        unguarded = fig.get("orjson_unguarded_ns")
        print(
            f"  {name:<40} stdlib {fig['stdlib_ns'] / 1e3:7.2f} us  "
            f"json_codec {fig['ours_ns'] / 1e3:7.2f} us  x{fig['speedup']:.2f}"
            + (
                ""
                if unguarded is None
                else f"  (orjson unguarded {unguarded / 1e3:.2f} us, "
                f"guarded {fig['orjson_guarded_ns'] / 1e3:.2f} us)"
            )
        )
    print(f"event loop: {args.trips} trips per loop in {args.blocks} turns; baseline asyncio")
    for name, fig in result["loop"].items():
        a, u = fig["asyncio"], fig["uvloop"]
        print(
            f"  {name:<42} asyncio p50 {a['p50_us']:7.1f} p99 {a['p99_us']:7.1f} us  "
            f"uvloop p50 {u['p50_us']:7.1f} p99 {u['p99_us']:7.1f} us  "
            f"x{fig['p50_speedup']:.2f} (p50) x{fig['p99_speedup']:.2f} (p99)"
        )
    fig = result["switch_interval"]
    base, ours = fig["5 ms (default)"], fig["1 ms"]
    print("loop lag (2 ms wake-ups) while a thread renders the view; baseline 5 ms switch interval")
    print(
        f"  5 ms p50 {base['p50_us']:8.1f} p99 {base['p99_us']:8.1f} us   "
        f"1 ms p50 {ours['p50_us']:8.1f} p99 {ours['p99_us']:8.1f} us   "
        f"x{fig['p50_ratio']:.2f} (p50) x{fig['p99_ratio']:.2f} (p99)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
