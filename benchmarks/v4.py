"""Uniswap V4 exact-input swap simulation: microseconds per `V4PoolState.swap` by ticks crossed.

A hookless pool at spacing 60 with a wide base position and one-spacing positions every 60
ticks from -3000 to 3000 (101 initialized ticks); for each of 0, 5 and 20 initialized ticks to
cross, the exact input that crosses that many is found by bisection, then the swap is timed
(`swap` and the detector's `amount_out`), best of `--repeats` passes. Pure Python, no node.

    .venv/bin/python benchmarks/v4.py [--repeats 5] [--swaps 5000]
"""

from __future__ import annotations

import argparse
import time

from omniarb.dex.uniswap_v3.tick_math import get_sqrt_ratio_at_tick
from omniarb.dex.uniswap_v3.tick_table import TickTable
from omniarb.dex.uniswap_v4 import PoolKey, V4PoolState, pool_address

E18 = 10**18
TOKEN0 = "0x00000000000000000000000000000000000000a0"
TOKEN1 = "0x00000000000000000000000000000000000000a1"


def bench_state() -> V4PoolState:
    key = PoolKey(currency0=TOKEN0, currency1=TOKEN1, fee=3000, tick_spacing=60)
    ticks: dict[int, tuple[int, int]] = {-6000: (50 * E18, 50 * E18), 6000: (50 * E18, -50 * E18)}
    for lower in range(-3000, 3000, 60):
        for tick, sign in ((lower, 1), (lower + 60, -1)):
            gross, net = ticks.get(tick, (0, 0))
            ticks[tick] = (gross + E18, net + sign * E18)
    return V4PoolState(
        chain_id=1,
        address=pool_address(key.pool_id),
        dex="uniswap-v4",
        factory="0x00000000000000000000000000000000000000f0",
        token0=TOKEN0,
        token1=TOKEN1,
        pool_id=key.pool_id,
        key=key,
        sqrt_price_x96=get_sqrt_ratio_at_tick(30),
        tick=30,
        liquidity=51 * E18,
        protocol_fee=0,
        fee_pips=3000,
        ticks=TickTable.from_ticks(ticks),
        block_number=1,
    )


def amount_crossing(state: V4PoolState, crossings: int) -> int:
    low, high = 1, 10**26
    while low <= high:
        middle = (low + high) // 2
        crossed = state.swap_exact_input(zero_for_one=True, amount_in=middle)
        if crossed.initialized_ticks_crossed < crossings:
            low = middle + 1
        elif crossed.initialized_ticks_crossed > crossings:
            high = middle - 1
        else:
            return middle
    raise ValueError(f"no amount crosses exactly {crossings} ticks")


def best_us(function: object, args: tuple[object, ...], swaps: int, repeats: int) -> float:
    call = function  # a bound method
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(swaps):
            call(*args)  # type: ignore[operator]
        best = min(best, (time.perf_counter() - start) / swaps * 1e6)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--swaps", type=int, default=5000)
    options = parser.parse_args()
    state = bench_state()
    for crossings in (0, 5, 20):
        amount = amount_crossing(state, crossings)
        swap_us = best_us(
            lambda a: state.swap(zero_for_one=True, amount_specified=-a),
            (amount,),
            options.swaps,
            options.repeats,
        )
        out_us = best_us(state.amount_out, (TOKEN0, amount), options.swaps, options.repeats)
        print(f"{crossings:2d} ticks crossed: swap {swap_us:6.1f} us, amount_out {out_us:6.1f} us")


if __name__ == "__main__":
    main()
