"""Uniswap V3 exact-input swap simulation: omni-arb against degenbot and the real pool bytecode.

Starts the Ethereum devnet chain, mints extra positions in random ranges around each of its 8 V3
pools' prices (so swaps cross initialized ticks, as on a real pool), reads every pool's state
with `V3PoolReader` at one block, and draws random exact-input swaps (either direction, 1e-6 to
30% of the pool's balance of the input token). The same states and swaps then go through:

- omni-arb: `V3PoolState.amount_out`, in this process;
- degenbot 0.3.x from PyPI, in its own virtual environment (`$OMNIARB_HOME/bench-venvs/degenbot`,
  created on first use): `UniswapV3Pool.calculate_tokens_out_from_tokens_in` with the state as
  `override_state`, driven in a subprocess that gets the states and swaps as JSON. Its pool
  class fetches its state over web3 in `__init__`, so the driver makes the instance without
  `__init__` and sets the fields the simulation reads, as degenbot's own tests do;
- pyrevm (the real QuoterV2 and pool bytecode in an in-process EVM forked from the devnet at
  the same block): `quoteExactInputSingle`, per swap.

Every implementation runs the swaps once untimed, then `--repeats` timed passes (pyrevm, at
~1 ms a swap, half as many); the best pass counts. omni-arb's and degenbot's passes take turns,
so a burst of load from elsewhere on the machine cannot decide the ratio. degenbot's LRU caches
(1,024 entries) cannot carry results across passes of thousands of distinct swaps. Outputs
must be identical across implementations (exit code 1 if not).
Target (issue #6): at least 3x faster than degenbot.

    .venv/bin/python benchmarks/v3.py [--swaps-per-pool 500] [--positions 24] [--repeats 5]
        [--seed 6] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet import Devnet
from omniarb.dex.uniswap_v3 import V3PoolReader, V3PoolState
from omniarb.network import ChainManifest
from omniarb.paths import omniarb_home

TARGET_RATIO = 3.0
CHAIN = "ethereum"
DEGENBOT_REQUIREMENT = "degenbot==0.3.*"
QUOTE = "quoteExactInputSingle((address,address,uint256,uint24,uint160))"
MINT = "mint((address,address,uint24,int24,int24,uint256,uint256,uint256,uint256,address,uint256))"
_DEADLINE = 2**32 - 1
_MINT_GAS = hex(1_500_000)
_BALANCE_OF = "balanceOf(address)"

Swap = tuple[str, str, int]  # pool address, token in, amount in

# Runs inside degenbot's virtual environment. Its first stdin line is the states and swaps; it
# answers with the outputs (an untimed pass), then times one pass per further line it reads.
DEGENBOT_DRIVER = """
import json, sys, time
from importlib.metadata import version
from degenbot.uniswap.v3_liquidity_pool import UniswapV3Pool
from degenbot.uniswap.types import (
    UniswapV3BitmapAtWord, UniswapV3LiquidityAtTick, UniswapV3PoolState)

job = json.loads(sys.stdin.readline())
pools = {}
for p in job["pools"]:
    pool = object.__new__(UniswapV3Pool)  # __init__ would fetch the state over web3
    pool.address, pool.fee, pool.tick_spacing = p["address"], p["fee_pips"], p["tick_spacing"]
    pool.token0, pool.token1 = p["token0"], p["token1"]
    pool.sparse_liquidity_map = False  # every initialized tick is given
    words = {}
    for tick, _, _ in p["ticks"]:
        compressed = tick // p["tick_spacing"]
        words[compressed >> 8] = words.get(compressed >> 8, 0) | 1 << (compressed & 255)
    state = UniswapV3PoolState(
        pool=p["address"], liquidity=p["liquidity"], sqrt_price_x96=p["sqrt_price_x96"],
        tick=p["tick"],
        tick_bitmap={w: UniswapV3BitmapAtWord(bitmap=b) for w, b in words.items()},
        tick_data={t: UniswapV3LiquidityAtTick(liquidity_net=n, liquidity_gross=g)
                   for t, g, n in p["ticks"]})
    pools[p["address"]] = (pool, state)

def run(swaps):
    out = []
    for address, token_in, amount in swaps:
        pool, state = pools[address]
        out.append(pool.calculate_tokens_out_from_tokens_in(token_in, amount, override_state=state))
    return out

print(json.dumps({"outputs": run(job["swaps"]), "version": version("degenbot")}), flush=True)
for _ in sys.stdin:  # one timed pass per line
    started = time.perf_counter()
    run(job["swaps"])
    print(json.dumps({"seconds": time.perf_counter() - started}), flush=True)
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def mint_positions(
    rpc: RpcClient, chain: ChainManifest, states: list[V3PoolState], rng: random.Random, count: int
) -> None:
    """`count` positions per pool from the deployer through the position manager, in ranges of
    one tick spacing to a few hundred around the price, mined by hand in as few blocks as fit."""
    (dex,) = (d for d in chain.dexes if d.kind == "uniswap-v3")
    held = await balances(rpc, states)
    nonce = int(await rpc.call("eth_getTransactionCount", chain.deployer, "pending"), 16)
    requests = []
    for state in states:
        at = state.tick // state.tick_spacing
        for _ in range(count):
            width = rng.choice([1, 1, 2, 3, 5, 8, 20, 60, 300])
            lower = at + rng.randint(-2 * width - 3, width + 2)
            upper = lower + rng.randint(1, 2 * width)
            share = 10 ** rng.uniform(-3.5, -1.5)
            amounts = [int(balance * share) + 1 for balance in held[state.address]]
            ticks = (lower * state.tick_spacing, upper * state.tick_spacing)
            params = (state.token0, state.token1, state.fee_pips, *ticks, *amounts, 0, 0)
            data = encode_call(MINT, (*params, chain.deployer, _DEADLINE))
            tx = {"from": chain.deployer, "to": dex.position_manager, "data": data}
            tx |= {"gas": _MINT_GAS, "nonce": hex(nonce)}
            nonce += 1
            requests.append(("eth_sendTransaction", [tx]))
    await rpc.call("evm_setAutomine", False)
    try:
        await rpc.batch(requests)
        for _ in requests:
            await rpc.call("evm_mine")
            status = await rpc.call("txpool_status")
            if int(status["pending"], 16) + int(status["queued"], 16) == 0:
                break
    finally:
        await rpc.call("evm_setAutomine", True)


async def balances(rpc: RpcClient, states: list[V3PoolState]) -> dict[str, tuple[int, int]]:
    requests = [
        ("eth_call", [{"to": token, "data": encode_call(_BALANCE_OF, s.address)}, "latest"])
        for s in states
        for token in (s.token0, s.token1)
    ]
    values = [decode(["uint256"], answer)[0] for answer in await rpc.batch(requests)]
    return {s.address: (values[2 * i], values[2 * i + 1]) for i, s in enumerate(states)}


def draw_swaps(
    states: list[V3PoolState], held: dict[str, tuple[int, int]], per_pool: int, rng: random.Random
) -> list[Swap]:
    """Random exact-input swaps the pools can fill completely."""
    swaps = []
    for state in states:
        drawn = 0
        while drawn < per_pool:
            zero_for_one = rng.random() < 0.5
            token_in = state.token0 if zero_for_one else state.token1
            balance = held[state.address][0 if zero_for_one else 1]
            amount = int(balance * 10 ** rng.uniform(-6, -0.5)) + 1
            result = state.swap_exact_input(zero_for_one=zero_for_one, amount_in=amount)
            if result.amount_in == amount and result.amount_out > 0:
                swaps.append((state.address, token_in, amount))
                drawn += 1
    rng.shuffle(swaps)
    return swaps


def run_ours_and_degenbot(
    states: list[V3PoolState], swaps: list[Swap], repeats: int
) -> tuple[tuple[list[int], float], tuple[list[int], float, str] | str]:
    """Our outputs and best pass, and degenbot's (or why it could not run), timed in turns:
    one pass of ours, one of degenbot's, and so on, then ours once more, so both see the
    machine under the same load."""
    by_address = {s.address: s for s in states}
    jobs = [(by_address[address], token_in, amount) for address, token_in, amount in swaps]

    def our_pass() -> float:
        started = time.perf_counter()
        for state, token_in, amount in jobs:
            state.amount_out(token_in, amount)
        return time.perf_counter() - started

    ours = [state.amount_out(token_in, amount) for state, token_in, amount in jobs]
    driver = start_degenbot(states, swaps)
    degenbot: tuple[list[int], float, str] | str
    if isinstance(driver, str):
        degenbot = driver
        best = min(our_pass() for _ in range(repeats))
    else:
        process, outputs, degenbot_version = driver
        assert process.stdin is not None
        assert process.stdout is not None
        best, degenbot_best = our_pass(), float("inf")
        for _ in range(repeats):
            process.stdin.write("pass\n")
            process.stdin.flush()
            degenbot_best = min(degenbot_best, json.loads(process.stdout.readline())["seconds"])
            best = min(best, our_pass())
        process.stdin.close()
        process.wait()
        degenbot = (outputs, degenbot_best, degenbot_version)
    return (ours, best), degenbot


def run_pyrevm(
    chain: ChainManifest,
    block_hash: str,
    states: list[V3PoolState],
    swaps: list[Swap],
    repeats: int,
) -> tuple[list[int], float, str] | str:
    """QuoterV2 in pyrevm forked from the devnet at `block_hash`; a reason if it cannot run."""
    try:
        from pyrevm import EVM
    except ImportError:
        return "pyrevm is not installed (pip install pyrevm==0.3.7)"
    (dex,) = (d for d in chain.dexes if d.kind == "uniswap-v3")
    assert dex.quoter is not None
    quoter, caller = dex.quoter, chain.deployer
    by_address = {s.address: s for s in states}
    calls = []
    for address, token_in, amount in swaps:
        state = by_address[address]
        token_out = state.token1 if token_in == state.token0 else state.token0
        params = (token_in, token_out, amount, state.fee_pips, 0)
        calls.append(bytes.fromhex(encode_call(QUOTE, params)[2:]))
    evm = EVM(fork_url=chain.rpc_http, fork_block=block_hash)
    # The untimed pass also pulls every storage slot the swaps touch into pyrevm's cache.
    answers = [evm.message_call(caller, quoter, data) for data in calls]
    outputs = [decode(["uint256", "uint160", "uint32", "uint256"], a)[0] for a in answers]
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for data in calls:
            evm.message_call(caller, quoter, data)
        best = min(best, time.perf_counter() - started)
    return outputs, best, version("pyrevm")


def degenbot_python() -> Path | str:
    """The degenbot venv's interpreter, created with degenbot installed on first use; a reason
    if that fails."""
    venv = omniarb_home() / "bench-venvs" / "degenbot"
    python = venv / "bin" / "python"
    check = [str(python), "-c", "import degenbot"]
    if python.exists() and subprocess.run(check, capture_output=True, check=False).returncode == 0:
        return python
    log(f"installing {DEGENBOT_REQUIREMENT} into {venv} (first run only) …")
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(python), "-m", "pip", "install", "--quiet", DEGENBOT_REQUIREMENT],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return f"{' '.join(step)} failed: {done.stderr.strip().splitlines()[-1:]}"
    return python


def start_degenbot(
    states: list[V3PoolState], swaps: list[Swap]
) -> tuple[subprocess.Popen[str], list[int], str] | str:
    """The degenbot driver, running, with its outputs and version; or why it cannot run."""
    python = degenbot_python()
    if isinstance(python, str):
        return python
    fields = ("address", "fee_pips", "tick_spacing", "token0", "token1", "liquidity")
    fields += ("sqrt_price_x96", "tick")
    pools = [
        {**{f: getattr(s, f) for f in fields}, "ticks": list(s.ticks.items_gross_net())}
        for s in states
    ]
    job = {"pools": pools, "swaps": swaps}
    # A file, not a pipe that nobody drains while it runs; it lives as long as the driver.
    errors = tempfile.TemporaryFile("w+")  # noqa: SIM115
    process = subprocess.Popen(
        [str(python), "-c", DEGENBOT_DRIVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(json.dumps(job) + "\n")
    process.stdin.flush()
    first = process.stdout.readline()
    if not first:
        process.stdin.close()
        process.wait()
        errors.seek(0)
        return f"the degenbot driver failed: {errors.read().strip().splitlines()[-1:]}"
    answer = json.loads(first)
    return process, answer["outputs"], answer["version"]


async def prepare(args: argparse.Namespace) -> dict[str, Any]:
    """Start the chain, add positions, read the states; everything the timed runs need."""
    rng = random.Random(args.seed)
    log("starting the devnet chain …")
    async with Devnet(block_times_s={CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        addresses = [p.address for p in chain.pools if p.kind == "uniswap-v3"]
        async with RpcClient(chain.rpc_http) as rpc:
            reader = V3PoolReader(rpc, chain_id=chain.chain_id)
            states = await reader.read_many(addresses, dex="uniswap-v3")
            await mint_positions(rpc, chain, states, rng, args.positions)
            started = time.perf_counter()
            states = await reader.read_many(addresses, dex="uniswap-v3")
            read_s = time.perf_counter() - started
            held = await balances(rpc, states)
            block = await rpc.call("eth_getBlockByNumber", hex(states[0].block_number), False)
        swaps = draw_swaps(states, held, args.swaps_per_pool, rng)
        log(f"{len(swaps)} swaps on {len(states)} pools at block {states[0].block_number}")
        # pyrevm forks from the node, so it runs while the devnet is up.
        pyrevm = await asyncio.to_thread(
            run_pyrevm, chain, block["hash"], states, swaps, max(1, args.repeats // 2)
        )
    return {"states": states, "swaps": swaps, "pyrevm": pyrevm, "read_s": read_s}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swaps-per-pool", type=int, default=500, metavar="N")
    parser.add_argument("--positions", type=int, default=24, help="extra positions per pool")
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed passes, the best counts (pyrevm: half)"
    )
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()

    prepared = asyncio.run(prepare(args))
    states: list[V3PoolState] = prepared["states"]
    swaps: list[Swap] = prepared["swaps"]
    log("running omni-arb, and degenbot in its own virtual environment, in turns …")
    (ours, ours_s), degenbot = run_ours_and_degenbot(states, swaps, args.repeats)

    by_address = {s.address: s for s in states}
    crossed = [
        by_address[a]
        .swap_exact_input(zero_for_one=t == by_address[a].token0, amount_in=n)
        .initialized_ticks_crossed
        for a, t, n in swaps
    ]
    per_swap = len(swaps)
    report: dict[str, Any] = {
        "swaps": per_swap,
        "pools": len(states),
        "initialized_ticks_per_pool": statistics.fmean(len(s.ticks) for s in states),
        "ticks_crossed_per_swap": statistics.fmean(crossed),
        "max_ticks_crossed": max(crossed),
        "state_read_s": round(prepared["read_s"], 3),
        "omniarb_us": ours_s / per_swap * 1e6,
        "target_ratio_vs_degenbot": TARGET_RATIO,
        "skipped": {},
    }
    for name, result in (("degenbot", degenbot), ("pyrevm", prepared["pyrevm"])):
        if isinstance(result, str):
            report["skipped"][name] = result
            continue
        outputs, seconds, version = result
        report[f"{name}_version"] = version
        report[f"{name}_us"] = seconds / per_swap * 1e6
        report[f"{name}_ratio"] = seconds / ours_s
        report[f"{name}_identical"] = outputs == ours
    identical = all(report.get(f"{name}_identical", True) for name in ("degenbot", "pyrevm"))
    report["outputs_identical"] = identical

    if args.json:
        print(json.dumps(report))
    else:
        print_report(report)
    return 0 if identical else 1


def print_report(r: dict[str, Any]) -> None:
    print(
        f"V3 exact-input simulation: {r['swaps']} swaps on {r['pools']} devnet pools, "
        f"{r['initialized_ticks_per_pool']:.0f} initialized ticks per pool, "
        f"{r['ticks_crossed_per_swap']:.2f} crossed per swap (max {r['max_ticks_crossed']}); "
        f"state read in {r['state_read_s']} s"
    )
    print(f"  {'omni-arb':<40} {r['omniarb_us']:9.1f} us/swap")
    labels = {"degenbot": "degenbot", "pyrevm": "pyrevm (QuoterV2 + pool bytecode)"}
    for name, label in labels.items():
        if f"{name}_us" not in r:
            continue
        target = ""
        if name == "degenbot":
            verdict = "meets" if r["degenbot_ratio"] >= TARGET_RATIO else "MISSES"
            target = f" ({verdict} the >= {TARGET_RATIO:.0f}x target)"
        print(
            f"  {label + ' ' + r[f'{name}_version']:<40} {r[f'{name}_us']:9.1f} us/swap   "
            f"omni-arb is {r[f'{name}_ratio']:.1f}x faster{target}; "
            f"outputs identical: {r[f'{name}_identical']}"
        )
    for name, reason in r["skipped"].items():
        print(f"  {name}: skipped: {reason}")
    print(f"outputs identical across implementations: {r['outputs_identical']}")


if __name__ == "__main__":
    sys.exit(main())
