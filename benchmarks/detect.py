"""Detection speed on two V2 graphs: a synthetic 10,000-pool one, and a mainnet-sized one.

10,000 pools over 1,000 tokens, ~100,000 cycles. Targets (issue #5): full scan ≤ 50 ms;
re-evaluation after one pool update p50 ≤ 0.5 ms and p99 ≤ 2 ms. The baseline, measured in the
same run, is the same full scan in pure-Python exact integer math (compose every cycle's Möbius
map in ints, size the profitable ones).

The graph: 4 base tokens (WETH and three stablecoins) and 996 other tokens with random USD
prices and decimals. Every other token has pools to three of the four bases and a few pools to
other tokens, each pair on two DEXes (0.30% and 0.25% fees). Pools are priced from the tokens'
USD prices with ±0.1% noise (below the round-trip fees, as after arbitrage), except
`--planted` pools with ±3% noise, which open real opportunities for the full scan. Those are
then repriced fairly (as if arbitraged), and the updates are random swaps of 0.001%–1% of a
pool's reserve, the larger of which open new gaps.

The mainnet graph (`_mainnet_graph.py`: 300,000 pools, 5 hubs, 4 DEXes at 0.30/0.30/0.25/0.20%,
~232k tail tokens, ~354k cycles) is measured the same way, without the pure-Python baseline, in
a fresh subprocess so its peak RSS is its own. Targets: full rescan ≤ 1 s, one-pool update
p50 ≤ 0.5 ms and p99 ≤ 5 ms, peak RSS ≤ 4 GiB. Both graphs also time swaps on their hub–hub
pools (the busiest pools, in the most cycles), printed without a target. The figures are
printed side by side; `--graph 10k` or `--graph mainnet` measures one.

    .venv/bin/python benchmarks/detect.py [--graph both|10k|mainnet] [--updates 1000]
        [--runs 7] [--mainnet-runs 3] [--seed 5] [--planted 20] [--mainnet-planted 100] [--json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import subprocess
import sys
import time
import timeit
from dataclasses import replace

# benchmarks/ is on the path as the script's dir
from _mainnet_graph import HUBS, build_mainnet, peak_rss_mib, rss_mib
from _mainnet_table import print_table

from omniarb.detect import CycleDetector, HopReserves, route_map, size_route
from omniarb.dex.base import HopGas
from omniarb.dex.uniswap_v2.math import get_amount_out
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.gas import GasModel
from omniarb.types import Opportunity, PoolUpdate

FULL_SCAN_TARGET_MS = 50.0
UPDATE_P50_TARGET_MS = 0.5
UPDATE_P99_TARGET_MS = 2.0
MAINNET_FULL_SCAN_TARGET_MS = 1000.0
MAINNET_UPDATE_P99_TARGET_MS = 5.0
MAINNET_PEAK_RSS_TARGET_MIB = 4096.0
HUB_UPDATES = 100  # swaps on hub–hub pools, timed apart from the random ones
CHAIN_ID = 1
TOKENS = 1_000
POOLS = 10_000
DEXES = (("dex-a", 30), ("dex-b", 25))
# Each non-base token has pools to 2 or 3 base tokens, this many on average (sets ~100k cycles).
BASES_PER_TOKEN = 2.5
Figures = dict[str, float]  # every figure is a number (bools for targets met)


def _address(index: int) -> str:
    return f"0x{index:040x}"


def build_states(
    rng: random.Random, planted: int
) -> tuple[list[V2PoolState], list[V2PoolState], list[str]]:
    """The synthetic pools, the fairly priced states of the planted ones, and the base tokens."""
    bases = [(_address(1), 3000.0, 18), (_address(2), 1.0, 6), (_address(3), 1.0, 6)]
    bases.append((_address(4), 1.0, 18))
    others = [
        (_address(100 + i), 10 ** rng.uniform(-2, 3), rng.choice((6, 8, 18)))
        for i in range(TOKENS - len(bases))
    ]
    pairs: list[tuple[tuple[str, float, int], tuple[str, float, int], float]] = []
    for a, b in itertools.combinations(bases, 2):
        pairs.append((a, b, 20e6))
    for token in others:
        links = 3 if rng.random() < BASES_PER_TOKEN - 2 else 2
        pairs.extend((token, base, 10 ** rng.uniform(5, 6.7)) for base in rng.sample(bases, links))
    seen = {frozenset((a[0], b[0])) for a, b, _ in pairs}
    while len(pairs) * len(DEXES) < POOLS:
        a, b = rng.sample(others, 2)
        if frozenset((a[0], b[0])) not in seen:
            seen.add(frozenset((a[0], b[0])))
            pairs.append((a, b, 10 ** rng.uniform(4.7, 6)))
    states: list[V2PoolState] = []
    fair: list[V2PoolState] = []
    planted_ids = set(rng.sample(range(len(pairs) * len(DEXES)), planted))
    for (a, b, depth_usd), (dex, fee_bps) in itertools.product(pairs, DEXES):
        index = len(states)
        token0, token1 = sorted((a, b), key=lambda t: t[0])
        noise = 0.03 if index in planted_ids else 0.001
        reserve0 = int(depth_usd / 2 / token0[1] * 10 ** token0[2])
        reserve1 = int(depth_usd / 2 / token1[1] * 10 ** token1[2])
        state = V2PoolState(
            chain_id=CHAIN_ID,
            address=_address(10**6 + index),
            dex=dex,
            factory=_address(10 + DEXES.index((dex, fee_bps))),
            token0=token0[0],
            token1=token1[0],
            reserve0=reserve0,
            reserve1=reserve1,
            fee_bps=fee_bps,
            block_number=1,
        )
        if index in planted_ids:
            fair.append(state)
        reserve1 = int(reserve1 * (1 + rng.uniform(-noise, noise)))
        states.append(replace(state, reserve1=reserve1))
    return states[:POOLS], fair, [b[0] for b in bases]


def make_detector(bases: list[str]) -> CycleDetector:
    return CycleDetector(
        chain_id=CHAIN_ID,
        base_tokens=bases,
        wrapped_native=bases[0],
        stablecoin_decimals={bases[1]: 6, bases[2]: 6, bases[3]: 18},
        gas_model=GasModel(base_gas=60_000, hop_gas={"uniswap-v2": HopGas(hop_gas=45_000)}),
        priority_fee_wei=10**9,
    )


def _pair(detector: CycleDetector, address: str) -> V2PoolState:
    """The current state of one of the benchmark's pairs (every pool here is a V2 pair)."""
    state = detector.pool_state(address)
    if not isinstance(state, V2PoolState):
        raise TypeError(f"{address} is not a V2 pair")
    return state


def pure_python_scan(detector: CycleDetector) -> int:
    """The baseline: every cycle composed and checked in exact integers, profitable ones sized."""
    found = 0
    states = [_pair(detector, pool.address) for pool in detector.graph.pools]
    for cycle in detector.graph.cycles:
        hops = []
        for pool_id, zero_for_one in zip(cycle.pool_ids, cycle.zero_for_one, strict=True):
            s = states[pool_id]
            r_in, r_out = (s.reserve0, s.reserve1) if zero_for_one else (s.reserve1, s.reserve0)
            hops.append(HopReserves(reserve_in=r_in, reserve_out=r_out, fee_bps=s.fee_bps))
        if route_map(hops).profitable and size_route(hops) is not None:
            found += 1
    return found


def _swap(rng: random.Random, state: V2PoolState, block: int) -> V2PoolState:
    """The state after a random swap of 0.001%–1% of the input reserve (log-uniform)."""
    share = 10 ** rng.uniform(-5, -2)
    if rng.random() < 0.5:
        amount_in = max(int(state.reserve0 * share), 1)
        out = get_amount_out(amount_in, state.reserve0, state.reserve1, state.fee_bps)
        r0, r1 = state.reserve0 + amount_in, state.reserve1 - out
    else:
        amount_in = max(int(state.reserve1 * share), 1)
        out = get_amount_out(amount_in, state.reserve1, state.reserve0, state.fee_bps)
        r0, r1 = state.reserve0 - out, state.reserve1 + amount_in
    return replace(state, reserve0=r0, reserve1=r1, block_number=block)


def _arbitrage_away(detector: CycleDetector, found: list[Opportunity], block: int) -> int:
    """Trade the found opportunities (best first, disjoint pools), as other searchers would.

    Without this the gaps opened by the random swaps would persist and every later update
    would re-size them; on a live chain they close within a block. Returns the trades made.
    """
    trades = 0
    for _ in range(5):
        if not found:
            break
        used: set[str] = set()
        new_states: list[V2PoolState] = []
        for opportunity in found:
            if used.intersection(opportunity.route.pools):
                continue
            used.update(opportunity.route.pools)
            amount = opportunity.amount_in
            for hop in opportunity.route.hops:
                state = _pair(detector, hop.pool)
                if hop.zero_for_one:
                    out = get_amount_out(amount, state.reserve0, state.reserve1, state.fee_bps)
                    r0, r1 = state.reserve0 + amount, state.reserve1 - out
                else:
                    out = get_amount_out(amount, state.reserve1, state.reserve0, state.fee_bps)
                    r0, r1 = state.reserve0 - out, state.reserve1 + amount
                new_states.append(replace(state, reserve0=r0, reserve1=r1, block_number=block))
                amount = out
            trades += 1
        found = detector.detect(_update(block, tuple(new_states)))
    return trades


def _update(block: int, states: tuple[V2PoolState, ...]) -> PoolUpdate:
    return PoolUpdate(
        chain_id=CHAIN_ID,
        block_number=block,
        block_hash=f"0x{block:064x}",
        base_fee_wei=10 * 10**9,
        pools=states,
    )


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


def _timed_updates(
    detector: CycleDetector, rng: random.Random, pools: list[str], count: int, block: int
) -> tuple[list[float], list[int], list[int], int]:
    """Swap on `count` random pools of `pools`, one per block, timing each `detect`:
    (ms each, cycles screened each, opportunities each, trades made untimed after them)."""
    timings, touched, found_per_update = [], [], []
    trades = 0
    for block_number in range(block, block + count):
        address = pools[rng.randrange(len(pools))]
        state = _swap(rng, _pair(detector, address), block_number)
        update = _update(block_number, (state,))
        before = detector.counters.cycles_screened
        t0 = time.perf_counter_ns()
        found = detector.detect(update)
        timings.append((time.perf_counter_ns() - t0) / 1e6)
        touched.append(detector.counters.cycles_screened - before)
        found_per_update.append(len(found))
        trades += _arbitrage_away(detector, found, block_number)
    return timings, touched, found_per_update, trades


def measure_graph(
    detector: CycleDetector,
    states: list[V2PoolState],
    fair: list[V2PoolState],
    hub_pools: list[str],
    *,
    rng: random.Random,
    updates: int,
    runs: int,
    baseline: bool = False,
) -> Figures:
    """Build, full scans, the pure-Python baseline (if asked), random one-pool updates, and
    swaps on the hub pools; every figure but the graph's own description."""
    started = time.perf_counter()
    detector.apply(states)
    build_s = time.perf_counter() - started
    cycles = detector.cycle_count
    two_hop = sum(1 for c in detector.graph.cycles if len(c.pool_ids) == 2)
    rss_built = rss_mib()

    screen_ms, scan_ms = [], []
    opportunities = []
    searched, proven = detector.counters.searched, detector.counters.proven
    for _ in range(runs):
        t0 = time.perf_counter()
        screened = detector.screen.screen(None)
        screen_ms.append((time.perf_counter() - t0) * 1e3)
        t0 = time.perf_counter()
        opportunities = detector.scan()
        scan_ms.append((time.perf_counter() - t0) * 1e3)
    scan_p50 = statistics.median(scan_ms)
    figures: Figures = {
        "pools": len(states),
        "planted_pools": len(fair),
        "cycles": cycles,
        "cycles_2_hop": two_hop,
        "cycles_3_hop": cycles - two_hop,
        "graph_build_s": round(build_s, 3),
        "screen_ms": round(statistics.median(screen_ms), 3),
        "candidates": len(screened),
        "opportunities": len(opportunities),
        "fully_searched": (detector.counters.searched - searched) // runs,
        "proven_optimal": (detector.counters.proven - proven) // runs,
    }
    if baseline:
        t0 = time.perf_counter()
        figures["exact_opportunities_in_baseline"] = pure_python_scan(detector)
        baseline_ms = (time.perf_counter() - t0) * 1e3
        figures["baseline_pure_python_ms"] = round(baseline_ms, 1)
        figures["baseline_over_full_scan"] = round(baseline_ms / scan_p50, 1)
    figures |= {"full_scan_ms": round(scan_p50, 3), "full_scan_runs": runs}

    # The planted gaps get repriced fairly (as if arbitraged), and whatever the ±0.1% noise
    # leaves is traded away: from here on, opportunities come only from the swaps below.
    detector.apply(fair)
    _arbitrage_away(detector, detector.scan(), 1)
    addresses = [pool.address for pool in detector.graph.pools]
    timings, touched, found, trades = _timed_updates(detector, rng, addresses, updates, 2)
    hub_timings, hub_touched, hub_found, hub_trades = _timed_updates(
        detector, rng, hub_pools, HUB_UPDATES, updates + 2
    )
    p50, p99 = _percentile(timings, 0.5), _percentile(timings, 0.99)
    return figures | {
        "updates": updates,
        "cycles_per_update_mean": round(statistics.mean(touched), 1),
        "cycles_per_update_max": max(touched),
        "update_p50_ms": round(p50, 4),
        "update_p99_ms": round(p99, 4),
        "update_max_ms": round(max(timings), 4),
        "opportunities_after_updates": sum(found),
        "updates_with_opportunities": sum(1 for n in found if n),
        "arbitrage_trades_simulated": trades,
        "hub_pools": len(hub_pools),
        "hub_updates": HUB_UPDATES,
        "hub_cycles_per_update_mean": round(statistics.mean(hub_touched), 1),
        "hub_update_p50_ms": round(_percentile(hub_timings, 0.5), 4),
        "hub_update_max_ms": round(max(hub_timings), 4),
        "hub_opportunities_max": max(hub_found),
        "hub_arbitrage_trades_simulated": hub_trades,
        "rss_after_build_mib": round(rss_built, 1),
        "peak_rss_mib": round(peak_rss_mib(), 1),
        # A yardstick of this machine's speed right now (a quiet modern core: ~8-10 µs).
        "python_sum_range_1000_us": round(
            min(timeit.repeat("sum(range(1000))", number=2_000, repeat=5)) / 2_000 * 1e6, 2
        ),
    }


def measure(*, updates: int, runs: int, seed: int, planted: int) -> Figures:
    """The 10,000-pool graph, in this process."""
    rng = random.Random(seed)
    states, fair, bases = build_states(rng, planted)
    detector = make_detector(bases)
    hubs = [s.address for s in states if s.token0 in bases and s.token1 in bases]
    r = {"tokens": TOKENS} | measure_graph(
        detector, states, fair, hubs, rng=rng, updates=updates, runs=runs, baseline=True
    )
    return r | {
        "full_scan_target_ms": FULL_SCAN_TARGET_MS,
        "update_p50_target_ms": UPDATE_P50_TARGET_MS,
        "update_p99_target_ms": UPDATE_P99_TARGET_MS,
        "targets_met": r["full_scan_ms"] <= FULL_SCAN_TARGET_MS
        and r["update_p50_ms"] <= UPDATE_P50_TARGET_MS
        and r["update_p99_ms"] <= UPDATE_P99_TARGET_MS,
    }


def measure_mainnet(args: argparse.Namespace) -> Figures:
    """The mainnet-sized graph, in this process (start it fresh for a clean peak RSS)."""
    r: Figures = {"rss_at_start_mib": round(rss_mib(), 1)}
    rng = random.Random(args.seed)
    g = build_mainnet(rng, planted=args.mainnet_planted)
    r |= {"tokens": g.tail_tokens + len(HUBS), "rss_after_states_mib": round(rss_mib(), 1)}
    detector = make_detector(g.base_tokens)
    runs, updates = args.mainnet_runs, args.updates
    r |= measure_graph(detector, g.states, g.fair, g.hub_pools, rng=rng, updates=updates, runs=runs)
    return r | {
        "full_scan_target_ms": MAINNET_FULL_SCAN_TARGET_MS,
        "update_p50_target_ms": UPDATE_P50_TARGET_MS,
        "update_p99_target_ms": MAINNET_UPDATE_P99_TARGET_MS,
        "peak_rss_target_mib": MAINNET_PEAK_RSS_TARGET_MIB,
        "targets_met": r["full_scan_ms"] <= MAINNET_FULL_SCAN_TARGET_MS
        and r["update_p50_ms"] <= UPDATE_P50_TARGET_MS
        and r["update_p99_ms"] <= MAINNET_UPDATE_P99_TARGET_MS
        and r["peak_rss_mib"] <= MAINNET_PEAK_RSS_TARGET_MIB,
    }


def measure_mainnet_fresh(args: argparse.Namespace) -> Figures:
    """`measure_mainnet` in a fresh interpreter, so the 10k graph's memory is not counted."""
    command = [sys.executable, __file__, "--graph", "mainnet", "--json"]
    command += ["--updates", str(args.updates), "--mainnet-runs", str(args.mainnet_runs)]
    command += ["--seed", str(args.seed), "--mainnet-planted", str(args.mainnet_planted)]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    figures: Figures = json.loads(done.stdout)["mainnet"]
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", choices=("both", "10k", "mainnet"), default="both")
    parser.add_argument("--updates", type=int, default=1000, help="random one-pool updates")
    parser.add_argument("--runs", type=int, default=7, help="full scans of 10k (the median)")
    parser.add_argument("--mainnet-runs", type=int, default=3, help="full scans of mainnet")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--planted", type=int, default=20, help="10k pools priced ±3%% off")
    parser.add_argument("--mainnet-planted", type=int, default=100, help="mainnet pools ±3%% off")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    results: list[tuple[str, Figures]] = []
    if args.graph in ("both", "10k"):
        r = measure(updates=args.updates, runs=args.runs, seed=args.seed, planted=args.planted)
        results.append(("10k", r))
    if args.graph == "mainnet":
        results.append(("mainnet", measure_mainnet(args)))
    elif args.graph == "both":
        results.append(("mainnet", measure_mainnet_fresh(args)))
    if args.json:
        # The 10k figures at the top level, as before; the mainnet ones under "mainnet".
        out: dict[str, object] = dict(results[0][1]) if results[0][0] == "10k" else {}
        out |= {name: r for name, r in results if name == "mainnet"}
        print(json.dumps(out))
        return 0
    print_table(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
