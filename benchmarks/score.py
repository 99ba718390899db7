"""The score stage: scoring latency per opportunity (single and batched, p50/p99) and training
time of the profit predictor on a history.

What is measured. `ProfitScorer.score` on a loaded model (feature extraction, with the tip read
from a callable and the route's recent pending swaps counted in a mempool record of 500, 20 of
them through the route's pools; the network's forward pass in torch `inference_mode`, EV and
the decline rule), for one decision per call (what the live path does: one opportunity at a
time) and for batches of 8 and 64 (per opportunity: the batch's time / its size); the baseline
(no model: features + face value) for comparison. Training: `omniarb.score.train.fit` on the
settled trades of the history at `--from` (default: the demo's,
`$OMNIARB_HOME/history.sqlite`), timed end to end (dataset tensors, 400 epochs, held-out
metrics). With fewer trades than training needs, the scoring figures use a freshly initialized
network of the same shape (the latency does not depend on the weights) and the training figure
says why it is missing.

The decisions scored are two-hop WETH/USDC cycles of different sizes, as the detector emits
them. Token-safety latency (the other decision-time check) is `benchmarks/token_safety.py`.

    .venv/bin/python benchmarks/score.py [--from DB] [--iterations N] [--json]
    # a demo dataset: OMNIARB_HOME=/tmp/d .venv/bin/omniarb demo --blocks 60, then --from
    # sqlite:////tmp/d/history.sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import torch

from omniarb.cli.train_cmd import read_training_rows
from omniarb.collect.pending_activity import PendingActivity
from omniarb.score.features import FEATURE_VERSION, FEATURES
from omniarb.score.model import build_net
from omniarb.score.scorer import ActiveModel, ProfitScorer
from omniarb.score.store import ModelMeta
from omniarb.score.train import NotEnoughDataError, TrainSettings, fit
from omniarb.store import resolve_db_url
from omniarb.types import Decision, Hop, Opportunity, OpportunitySource, Route

WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
PAIR_A = "0xB4e16d0168e52d35CaCD2c6185b44281Ec28C9Dc"
PAIR_B = "0x397FF1542f962076d0BFE58eA045FfA2d347ACa0"
_WARMUP = 200
_BATCHES = (8, 64)
# A busy mempool's last window: swaps in all, and through the route's pools.
_PENDING_SWAPS, _ROUTE_SWAPS = 500, 20


def _decision(n: int) -> Decision:
    gross = (n % 50 + 1) * 10**15
    gas_cost = 150_000 * 20 * 10**9
    net = gross - gas_cost
    hops = (
        Hop(pool=PAIR_A, dex="uniswap-v2", kind="uniswap-v2", token_in=WETH, token_out=USDC,
            zero_for_one=False, fee_pips=3000),
        Hop(pool=PAIR_B, dex="sushiswap", kind="uniswap-v2", token_in=USDC, token_out=WETH,
            zero_for_one=True, fee_pips=3000),
    )  # fmt: skip
    opp = Opportunity(
        id=f"bench:{n}",
        chain_id=1,
        block_number=1000 + n,
        route=Route(chain_id=1, hops=hops),
        amount_in=10**18,
        amount_out=10**18 + gross,
        gross_profit=gross,
        gas_estimate=150_000,
        gas_price_wei=20 * 10**9,
        gas_cost_wei=gas_cost,
        net_profit=net,
        net_profit_usd=net * 3000 / 10**18,
        source=OpportunitySource.BLOCK,
        detected_ns=time.monotonic_ns(),
        min_pool_depth=(n % 7 + 1) * 100 * 10**18,
    )
    return Decision(
        opportunity=opp,
        approved=True,
        reasons=("net profit clears gas and the floor",),
        amount_in=opp.amount_in,
        min_profit=0,
        p_success=1.0,
        expected_value_usd=opp.net_profit_usd,
        bribe_wei=0,
        flash_source=None,
        decided_ns=opp.detected_ns,
    )


def _percentiles_us(wall_ns: list[float], cpu_ns: list[float]) -> dict[str, float]:
    """Wall-clock p50/p99, and the same of the thread's CPU time: on a loaded machine the wall
    tail is mostly waiting for a CPU, which the CPU time leaves out."""
    wall, cpu = sorted(wall_ns), sorted(cpu_ns)
    at99 = min(len(wall) - 1, int(len(wall) * 0.99))
    return {
        "p50_us": statistics.median(wall) / 1_000,
        "p99_us": wall[at99] / 1_000,
        "cpu_p50_us": statistics.median(cpu) / 1_000,
        "cpu_p99_us": cpu[at99] / 1_000,
    }


def _timed(scorer: ProfitScorer, batch: Sequence[Decision]) -> tuple[float, float]:
    """(wall ns, CPU ns) of scoring `batch`, per opportunity."""
    start_cpu, start = time.thread_time_ns(), time.perf_counter_ns()
    scorer.score(batch)
    wall, cpu = time.perf_counter_ns() - start, time.thread_time_ns() - start_cpu
    return wall / len(batch), cpu / len(batch)


def _time_scoring(scorer: ProfitScorer, iterations: int) -> dict[str, dict[str, float]]:
    pool = [_decision(n) for n in range(256)]
    for n in range(_WARMUP):
        scorer.score(pool[n % len(pool) : n % len(pool) + 1])
    results: dict[str, dict[str, float]] = {}
    single = [_timed(scorer, (pool[n % len(pool)],)) for n in range(iterations)]
    results["single"] = _percentiles_us([w for w, _ in single], [c for _, c in single])
    for size in _BATCHES:
        runs = [
            _timed(scorer, pool[(n * size) % (len(pool) - size) :][:size])
            for n in range(max(iterations // size, 50))
        ]
        results[f"batch_{size}"] = _percentiles_us([w for w, _ in runs], [c for _, c in runs])
    return results


def _train(db_url: str) -> tuple[dict[str, Any], ActiveModel | None]:
    start = time.perf_counter()
    rows = read_training_rows(db_url)
    read_s = time.perf_counter() - start
    try:
        start = time.perf_counter()
        result = fit(rows, TrainSettings(), now=datetime.now(UTC))
        train_s = time.perf_counter() - start
    except NotEnoughDataError as exc:
        return {"rows": len(rows), "read_s": read_s, "train_s": None, "why": str(exc)}, None
    figures = {
        "rows": len(rows),
        "read_s": read_s,
        "train_s": train_s,
        "auc": result.meta.metrics.get("auc"),
        "ev_model_usd": result.captured.model_usd,
        "ev_baseline_usd": result.captured.baseline_usd,
    }
    return figures, ActiveModel(net=result.net, meta=result.meta)


def _busy_mempool() -> PendingActivity:
    """A mempool record of `_PENDING_SWAPS` recent swaps, `_ROUTE_SWAPS` of them through the
    benchmark's pools; a window long enough that none expires while the benchmark runs."""
    activity = PendingActivity(window_s=3_600.0)
    now_ns = time.monotonic_ns()
    for n in range(_PENDING_SWAPS):
        pools = (PAIR_A if n % 2 else PAIR_B,) if n < _ROUTE_SWAPS else (f"0x{n:040x}",)
        activity.saw(pools, seen_ns=now_ns)
    return activity


def _scorer(model: ActiveModel | None) -> ProfitScorer:
    """The score stage as a chain runs it: the tip read from the fee quote (here a constant),
    the mempool's recent swaps counted per decision."""
    return ProfitScorer(
        model=model, max_age_s=0, tip_wei=lambda: 2 * 10**9, pending=_busy_mempool()
    )


def _untrained() -> ActiveModel:
    torch.manual_seed(0)
    net = build_net(len(FEATURES))
    net.eval()
    meta = ModelMeta(
        id="untrained",
        feature_version=FEATURE_VERSION,
        features=FEATURES,
        created_at=datetime.now(UTC),
        hidden=net.head.in_features,
        n_train=0,
        n_test=0,
    )
    return ActiveModel(net=net, meta=meta)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="db", metavar="DB", help="history database URL")
    parser.add_argument("--iterations", type=int, default=5_000, metavar="N")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    torch.set_num_threads(1)
    training, model = _train(args.db or resolve_db_url())
    used = model or _untrained()
    scorer = _scorer(used)
    if scorer.status().fallback:
        raise SystemExit(f"the benchmark's model is not in use: {scorer.status().reason}")
    figures = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        # Tail latencies mean little on a loaded machine: the load is printed beside them.
        "load_average_1m": os.getloadavg()[0],
        "cpus": os.cpu_count(),
        "model": used.meta.id,
        "model_scoring": _time_scoring(scorer, args.iterations),
        "baseline_scoring": _time_scoring(_scorer(None), args.iterations),
        "training": training,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(
        f"torch {figures['torch']} on {figures['threads']} thread(s), model {used.meta.id}; "
        f"load average {figures['load_average_1m']:.1f} on {figures['cpus']} CPUs"
    )
    for name in ("model_scoring", "baseline_scoring"):
        for mode, f in figures[name].items():
            print(
                f"{name:17s} {mode:9s} per opportunity: p50 {f['p50_us']:7.1f} µs  "
                f"p99 {f['p99_us']:7.1f} µs   (CPU time p50 {f['cpu_p50_us']:6.1f} µs  "
                f"p99 {f['cpu_p99_us']:6.1f} µs)"
            )
    if training["train_s"] is None:
        print(f"training: not measured ({training['why']})")
    else:
        print(
            f"training on {training['rows']} trades: {training['train_s']:.2f} s "
            f"(reading them {training['read_s']:.3f} s); held-out EV model "
            f"{training['ev_model_usd']:.4f} USD vs baseline {training['ev_baseline_usd']:.4f} USD"
        )


if __name__ == "__main__":
    main()
