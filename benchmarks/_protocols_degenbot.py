"""degenbot 0.5 beside `benchmarks/protocols.py`: its own virtual environment and a driver.

degenbot 0.5 needs Python >= 3.12 (pip on 3.11 finds only 0.3), so it runs in a virtual
environment of its own, `$OMNIARB_HOME/bench-venvs/degenbot-0.5`, made with a Python 3.12
(`$OMNIARB_BENCH_PYTHON312`, else `python3.12` on the PATH, else pyenv's 3.12.1) and filled
from PyPI on first use. The driver below runs there and talks JSON lines over stdin/stdout.

How its pools are built without a node (read from degenbot 0.5's source): every pool class
fetches its state over web3 in `__init__`, so the driver makes each instance with
`object.__new__` and sets the attributes its simulation reads: `UniswapV2Pool` (token0/1,
fee_token0/1 as Fractions; reserves as `override_state`), `UniswapV3Pool`/`PancakeV3Pool`
(fee, tick_spacing, tokens, the swap-step cache it keeps per pool, `sparse_liquidity_map =
False` since every initialized tick is given; the state as `override_state`), `UniswapV4Pool`
(pool key, LP fee, zero protocol fee, no hooks, the cache; the state as `override_state`) and
`BalancerV2Pool` (tokens, scaling factors, fee, weights and a `_state` with the balances: its
`calculate_tokens_out_from_tokens_in` raises NotImplementedError for `override_state`).
degenbot has no Algebra Integral pool and no Balancer stable math (`BalancerV2Pool` computes
weighted pools only), so those kinds go without it; and its `_upscale_array` rebinds its
argument instead of scaling it, so its weighted pools are right only for 18-decimal tokens
(the benchmark's weighted pool is WETH/DAI for that reason).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from omniarb.paths import omniarb_home

REQUIREMENT = "degenbot==0.5.*"
SUPPORTED = ("uniswap-v2", "uniswap-v3", "pancakeswap-v3", "uniswap-v4", "balancer-weighted")
_PYENV_312 = "/root/.pyenv/versions/3.12.1/bin/python3.12"

# The first stdin line is the job: a list of cases, each a kind, its pool and its swaps
# ([token in, token out, amount]). The driver answers with each case's outputs (or the error
# that stopped it) from an untimed pass, then times one pass of every case per line it reads.
DRIVER = r"""
import json, sys, time
from fractions import Fraction
from threading import Lock
from importlib.metadata import version
from hexbytes import HexBytes
from degenbot.uniswap.v2_liquidity_pool import UniswapV2Pool
from degenbot.uniswap.v2_types import UniswapV2PoolState
from degenbot.uniswap.v3_liquidity_pool import UniswapV3Pool
from degenbot.pancakeswap.pools import PancakeV3Pool
from degenbot.uniswap.v3_types import (
    UniswapV3BitmapAtWord, UniswapV3LiquidityAtTick, UniswapV3PoolState)
from degenbot.uniswap.v4_liquidity_pool import UniswapV4Pool, ProtocolFee
from degenbot.uniswap.v4_types import (
    UniswapV4BitmapAtWord, UniswapV4LiquidityAtTick, UniswapV4PoolState, UniswapV4PoolKey)
from degenbot.balancer.pools import BalancerV2Pool
from degenbot.balancer.types import BalancerV2PoolState

def words_of(ticks, spacing, word_type):
    words = {}
    for tick, _, _ in ticks:
        compressed = tick // spacing
        words[compressed >> 8] = words.get(compressed >> 8, 0) | 1 << (compressed & 255)
    return {w: word_type(bitmap=b) for w, b in words.items()}

def v3(p, cls):
    pool = object.__new__(cls)  # __init__ would fetch the state over web3
    pool.address, pool.fee, pool.tick_spacing = p["address"], p["fee_pips"], p["tick_spacing"]
    pool.token0, pool.token1 = p["token0"], p["token1"]
    pool.sparse_liquidity_map = False
    pool._swap_step_cache, pool._swap_step_cache_lock = {}, Lock()
    state = UniswapV3PoolState(
        address=p["address"], block=p["block"], liquidity=p["liquidity"],
        sqrt_price_x96=p["sqrt_price_x96"], tick=p["tick"],
        tick_bitmap=words_of(p["ticks"], p["tick_spacing"], UniswapV3BitmapAtWord),
        tick_data={t: UniswapV3LiquidityAtTick(liquidity_net=n, liquidity_gross=g)
                   for t, g, n in p["ticks"]})
    return lambda t_in, t_out, n: pool.calculate_tokens_out_from_tokens_in(
        t_in, n, override_state=state)

def v4(p):
    pool = object.__new__(UniswapV4Pool)
    pool.token0, pool.token1 = p["token0"], p["token1"]
    pool._pool_key = UniswapV4PoolKey(p["token0"], p["token1"], p["fee_pips"],
                                      p["tick_spacing"], p["hooks"])
    pool.lp_fee, pool.protocol_fee = p["fee_pips"], ProtocolFee(0, 0)
    pool.active_hooks, pool.sparse_liquidity_map = set(), False
    pool._swap_step_cache, pool._swap_step_cache_lock = {}, Lock()
    state = UniswapV4PoolState(
        address=p["address"], block=p["block"], liquidity=p["liquidity"],
        sqrt_price_x96=p["sqrt_price_x96"], tick=p["tick"], id=HexBytes(p["pool_id"]),
        tick_bitmap=words_of(p["ticks"], p["tick_spacing"], UniswapV4BitmapAtWord),
        tick_data={t: UniswapV4LiquidityAtTick(liquidity_net=n, liquidity_gross=g)
                   for t, g, n in p["ticks"]})
    return lambda t_in, t_out, n: pool.calculate_tokens_out_from_tokens_in(
        t_in, n, override_state=state)

def v2(p):
    pool = object.__new__(UniswapV2Pool)
    pool.token0, pool.token1 = p["token0"], p["token1"]
    pool.fee_token0 = pool.fee_token1 = Fraction(p["fee_bps"], 10_000)
    state = UniswapV2PoolState(address=p["address"], block=p["block"],
                               reserves_token0=p["reserve0"], reserves_token1=p["reserve1"])
    return lambda t_in, t_out, n: pool.calculate_tokens_out_from_tokens_in(
        t_in, n, override_state=state)

def weighted(p):
    pool = object.__new__(BalancerV2Pool)
    pool.address, pool.tokens = p["address"], tuple(p["tokens"])
    pool.scaling_factors = tuple(p["scaling_factors"])
    pool.fee = Fraction(p["swap_fee_percentage"], BalancerV2Pool.FEE_DENOMINATOR)
    pool.weights = tuple(p["normalized_weights"])
    pool._state = BalancerV2PoolState(address=p["address"], block=p["block"],
                                      balances=tuple(p["balances"]))
    return lambda t_in, t_out, n: pool.calculate_tokens_out_from_tokens_in(t_in, n, t_out)

BUILD = {"uniswap-v2": v2, "uniswap-v3": lambda p: v3(p, UniswapV3Pool),
         "pancakeswap-v3": lambda p: v3(p, PancakeV3Pool), "uniswap-v4": v4,
         "balancer-weighted": weighted}

job = json.loads(sys.stdin.readline())
runs, answers = [], []
for case in job:
    try:
        swap = BUILD[case["kind"]](case["pool"])
        out = [int(swap(*s)) for s in case["swaps"]]
        runs.append((swap, case["swaps"]))
        answers.append({"outputs": out})
    except Exception as exc:
        runs.append(None)
        answers.append({"error": f"{type(exc).__name__}: {exc}"})
print(json.dumps({"cases": answers, "version": version("degenbot")}), flush=True)
for _ in sys.stdin:  # one timed pass of every case per line
    seconds = []
    for run in runs:
        if run is None:
            seconds.append(None)
            continue
        swap, swaps = run
        started = time.perf_counter()
        for s in swaps:
            swap(*s)
        seconds.append(time.perf_counter() - started)
    print(json.dumps({"seconds": seconds}), flush=True)
"""


def _python312() -> str | None:
    # pyenv's own binary before a `python3.12` on the PATH, which may be pyenv's shim (that
    # refuses to run while another version is selected).
    found = shutil.which("python3.12")
    for candidate in (os.environ.get("OMNIARB_BENCH_PYTHON312"), _PYENV_312, found):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def degenbot_python(log: Any) -> Path | str:
    """The venv's interpreter, created with degenbot on first use; a reason if that fails."""
    venv = omniarb_home() / "bench-venvs" / "degenbot-0.5"
    python = venv / "bin" / "python"
    check = [str(python), "-c", "import degenbot"]
    if python.exists():
        done = subprocess.run(check, capture_output=True, text=True, check=False)
        if done.returncode == 0:
            return python
        log(f"degenbot does not import in {venv}: {done.stderr.strip().splitlines()[-1:]}")
    base = _python312()
    if base is None:
        return "no Python 3.12 found (set OMNIARB_BENCH_PYTHON312); degenbot 0.5 needs >= 3.12"
    log(f"installing {REQUIREMENT} into {venv} with {base} (first run only) …")
    steps = [
        [base, "-m", "venv", str(venv)],
        [str(python), "-m", "pip", "install", "--quiet", REQUIREMENT],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return f"{' '.join(step)} failed: {done.stderr.strip().splitlines()[-1:]}"
    return python


class DegenbotDriver:
    """The driver process, started on `cases`; `answers` holds each case's untimed outputs or
    error, `timed_pass()` times one pass of every case."""

    def __init__(self, python: Path, cases: list[dict[str, Any]]) -> None:
        # A file, not a pipe that nobody drains while it runs; it lives as long as the driver.
        self._errors = tempfile.TemporaryFile("w+")  # noqa: SIM115
        self._process = subprocess.Popen(
            [str(python), "-c", DRIVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            text=True,
        )
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(cases) + "\n")
        self._process.stdin.flush()
        first = self._read()
        self.answers: list[dict[str, Any]] = first["cases"]
        self.version: str = first["version"]

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            self.close()
            self._errors.seek(0)
            tail = self._errors.read().strip().splitlines()[-3:]
            raise RuntimeError(f"the degenbot driver failed: {tail}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def timed_pass(self) -> list[float | None]:
        assert self._process.stdin is not None
        self._process.stdin.write("pass\n")
        self._process.stdin.flush()
        seconds: list[float | None] = self._read()["seconds"]
        return seconds

    def close(self) -> None:
        if self._process.stdin is not None and not self._process.stdin.closed:
            self._process.stdin.close()
        self._process.wait()
