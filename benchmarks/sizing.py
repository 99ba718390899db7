"""Sizing speed: microseconds per exact sizing of one cycle, by the path the detector takes.

The cycles are the unit tests' own, so these are the cases whose optimality the tests check
against a brute force:
- closed form (`size_route`, quick `size_at_optimum`): the V2 pairs of
  `tests/unit/detect/_mixed_world.py`, 2% apart;
- piece walk (`size_mixed_route`, quick `size_mixed_at_optimum`): its 12 planted V2/V3 cycles
  (narrow V3 positions, ticks crossed);
- bracketed search (`size_bracketed`, precise and quick): the 10 planted cycles through Balancer
  weighted and stable pools of `_balancer_world.py` (a revert wall, a stable pool's knee,
  triangles), and `--random` of its random cycles.
Then the detect stage on the V2/V3 world of `test_detector_mixed.py`: `detect_states` of a V3
pool moved by a whale and moved back, in turn (a block's re-evaluation of the cycles through it:
screen, sizing, gas and pricing).

Each pass sizes every cycle of every group once, the groups in turn, so load from elsewhere on
the machine falls on all alike; a figure is the mean per sizing in the best of `--repeats`
passes, as `benchmarks/v3.py` counts (the detector's: the median of its updates). The figures
are checked before they are printed: every sizing earns, and its amounts are what the pools
pay.

    .venv/bin/python benchmarks/sizing.py [--repeats 15] [--random 40] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

# The unit tests' cycles: the repository's root on the path, as pytest puts it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from omniarb.detect.bracket_sizing import BracketRoute, size_bracketed
from omniarb.detect.mixed_hops import MixedHop, mixed_route_amount_out
from omniarb.detect.mixed_sizing import size_mixed_at_optimum, size_mixed_route
from omniarb.detect.sizing import HopReserves, Sizing, size_at_optimum, size_route
from tests.unit.detect import _balancer_world as balancer
from tests.unit.detect import _mixed_world as mixed
from tests.unit.detect import test_detector_mixed as detector_world

Figures = dict[str, float]
Sizer = Callable[[], Sizing | None]


def _checked(sizer: Sizer, simulate: Callable[[int], int | None]) -> Sizer:
    """`sizer`, once checked: it earns, and its amounts are what the pools pay."""
    sizing = sizer()
    if sizing is None or sizing.profit <= 0 or simulate(sizing.amount_in) != sizing.amount_out:
        raise SystemExit(f"a benchmark cycle was sized wrongly: {sizing}")
    return sizer


def _v2_sizers() -> tuple[list[Sizer], list[Sizer]]:
    legs = [(mixed.V2_HIGH, mixed.WETH), (mixed.V2_LOW, mixed.USDC)]
    hops = [h for h in mixed.hops_of(legs) if isinstance(h, HopReserves)]

    def simulate(x: int) -> int | None:
        return mixed.simulate(x, legs)

    search = _checked(lambda: size_route(hops), simulate)
    quick = _checked(lambda: size_at_optimum(hops), simulate)
    return [search], [quick]


def _mixed_sizers() -> tuple[list[Sizer], list[Sizer]]:
    searches, quicks = [], []
    for legs in mixed.PLANTED.values():
        hops: list[MixedHop] = mixed.hops_of(legs)

        def simulate(x: int, legs: Sequence[mixed.Leg] = legs) -> int | None:
            return mixed.simulate(x, legs)

        searches.append(_checked(lambda h=hops: size_mixed_route(h), simulate))
        quicks.append(_checked(lambda h=hops: size_mixed_at_optimum(h), simulate))
    return searches, quicks


def _bracket_sizers(cycles: Sequence[list[balancer.Leg]]) -> tuple[list[Sizer], list[Sizer]]:
    searches, quicks = [], []
    for legs in cycles:
        route: BracketRoute = balancer.route_of(legs)

        def simulate(x: int, route: BracketRoute = route) -> int | None:
            return mixed_route_amount_out(x, route.hops) or None

        searches.append(_checked(lambda r=route: size_bracketed(r), simulate))
        quicks.append(_checked(lambda r=route: size_bracketed(r, precise=False), simulate))
    return searches, quicks


def _random_cycles(count: int) -> list[list[balancer.Leg]]:
    rng = random.Random(2024)
    cycles: list[list[balancer.Leg]] = []
    index = 100
    while len(cycles) < count:
        legs = balancer.profitable_direction(balancer.random_cycle(rng, index))
        index += 4
        if legs is not None:
            cycles.append(legs)
    return cycles


def _pass_us(sizers: Sequence[Sizer]) -> float:
    """One pass over `sizers`: the mean µs per sizing."""
    start = time.perf_counter_ns()
    for sizer in sizers:
        sizer()
    return (time.perf_counter_ns() - start) / len(sizers) / 1_000


def _detector_update() -> Callable[[], float]:
    """One block's re-evaluation after a whale moved a V3 pool (then back): its ms."""
    v3 = detector_world.v3_world()
    moved = detector_world.whale(v3[0], mixed.WETH, 300_000)
    d = detector_world.detector()
    d.apply([*detector_world.v2_world(), *v3])
    block = [1]

    def update() -> float:
        block[0] += 1
        state = moved if block[0] % 2 == 0 else v3[0]
        start = time.perf_counter_ns()
        found = d.detect_states([state], block_number=block[0], base_fee_wei=10**9)
        elapsed = (time.perf_counter_ns() - start) / 1e6
        if state is moved and not found:
            raise SystemExit("the whale opened no opportunity in the detector world")
        return elapsed

    return update


def measure(*, repeats: int, random_cycles: int) -> Figures:
    groups = {
        "v2": _v2_sizers(),
        "mixed": _mixed_sizers(),
        "bracket": _bracket_sizers(list(balancer.PLANTED.values())),
        "bracket_random": _bracket_sizers(_random_cycles(random_cycles)),
    }
    passes: dict[str, list[float]] = {f"{g}_{m}": [] for g in groups for m in ("search", "quick")}
    update = _detector_update()
    updates: list[float] = []
    for _ in range(repeats):
        for name, (searches, quicks) in groups.items():
            passes[f"{name}_search"].append(_pass_us(searches))
            passes[f"{name}_quick"].append(_pass_us(quicks))
        updates += [update() for _ in range(20)]
    figures: Figures = {f"{key}_us": min(v) for key, v in passes.items()}
    evaluations = [s() for s in groups["bracket_random"][0]]
    figures |= {
        "mixed_cycles": len(groups["mixed"][0]),
        "bracket_cycles": len(groups["bracket"][0]),
        "bracket_random_cycles": len(groups["bracket_random"][0]),
        "bracket_random_evaluations_mean": statistics.mean(
            s.evaluated for s in evaluations if s is not None
        ),
        "detector_mixed_update_p50_ms": statistics.median(updates),
    }
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="passes over every cycle")
    parser.add_argument("--random", type=int, default=40, help="random Balancer cycles")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    figures = measure(repeats=args.repeats, random_cycles=args.random)
    if args.json:
        print(json.dumps(figures))
        return 0
    print("µs per sizing (best pass)          search      quick")
    for label, key in (
        ("V2 cycle, closed form", "v2"),
        (f"V2/V3 planted ({figures['mixed_cycles']:.0f}), piece walk", "mixed"),
        (f"Balancer planted ({figures['bracket_cycles']:.0f}), bracketed", "bracket"),
        (f"Balancer random ({figures['bracket_random_cycles']:.0f}), bracketed", "bracket_random"),
    ):
        search, quick = figures[f"{key}_search_us"], figures[f"{key}_quick_us"]
        print(f"{label:<36}{search:>8.1f}   {quick:>8.1f}")
    print(f"bracketed: {figures['bracket_random_evaluations_mean']:.1f} route evaluations a sizing")
    print(
        f"detector, V2/V3 world, one update p50: {figures['detector_mixed_update_p50_ms']:.3f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
