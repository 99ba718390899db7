"""Devnet start-up: cold (deploy everything on five chains) and warm (load the saved state).

Targets (issue #4): cold start of all five chains with everything deployed < 60 s; warm < 5 s.
Prints the figures and the ratio of each to its target; `--json` prints one JSON object.

    .venv/bin/python benchmarks/devnet.py [--warm-runs 5] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from omniarb.devnet import Devnet

COLD_TARGET_S = 60.0
WARM_TARGET_S = 5.0


async def _start_stop(home: Path) -> tuple[float, int]:
    started = time.perf_counter()
    devnet = Devnet(home=home)
    await devnet.start()
    elapsed = time.perf_counter() - started
    pools = sum(len(chain.pools) for chain in devnet.manifest.chains)
    await devnet.stop()
    return elapsed, pools


async def measure(warm_runs: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="omniarb-bench-") as tmp:
        home = Path(tmp)
        cold_s, pools = await _start_stop(home)
        warm = [(await _start_stop(home))[0] for _ in range(warm_runs)]
    warm_p50 = statistics.median(warm)
    return {
        "chains": 5,
        "pools": pools,
        "cold_start_s": round(cold_s, 3),
        "cold_target_s": COLD_TARGET_S,
        "cold_ratio_to_target": round(cold_s / COLD_TARGET_S, 4),
        "warm_start_p50_s": round(warm_p50, 3),
        "warm_start_max_s": round(max(warm), 3),
        "warm_runs": warm_runs,
        "warm_target_s": WARM_TARGET_S,
        "warm_ratio_to_target": round(warm_p50 / WARM_TARGET_S, 4),
        "cold_over_warm": round(cold_s / warm_p50, 1),
        "targets_met": cold_s < COLD_TARGET_S and max(warm) < WARM_TARGET_S,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    result = asyncio.run(measure(args.warm_runs))
    if args.json:
        print(json.dumps(result))
    else:
        print(f"devnet: {result['chains']} chains, {result['pools']} pools")
        print(
            f"cold start  {result['cold_start_s']:>7.3f} s   target < {COLD_TARGET_S:g} s"
            f"   ({result['cold_ratio_to_target']:.1%} of target)"
        )
        print(
            f"warm start  {result['warm_start_p50_s']:>7.3f} s   target < {WARM_TARGET_S:g} s"
            f"   (p50 of {args.warm_runs}, max {result['warm_start_max_s']} s;"
            f" {result['warm_ratio_to_target']:.1%} of target)"
        )
        print(f"cold / warm {result['cold_over_warm']}x; targets met: {result['targets_met']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
