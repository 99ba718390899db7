"""The gas per initialized tick crossed, the tick-crossing part of `benchmarks/execute.py`'s V3
measurements (`_execute_v3.py`).

Ticks. On the V2 → V3 cycle, in a snapshot: a second whale pushes the 0.05% pool ~4% below its
lowest inner initialized tick, where only the full-range position is active, so a few WETH move
the price many ticks and the cycle stays profitable (the devnet's own ticks are 100s of ticks
apart, too far for a profitable arbitrage to reach), and the deployer mints a ladder of ten
one-spacing positions above the price: 20 initialized ticks in one bitmap word. The cycle is
sent at amounts crossing 0, 1, 2, 4, 8 and 16 of them (amounts found on the simulation, each
halfway between the least that crosses n and the least that crosses n + 1), and gas is
regressed on crossings. Twice: on fresh ticks, then after a round trip of the price through the
ladder and back. A tick minted above the price starts with zero fee-growth-outside words, so
its first crossing upward writes both from zero to non-zero (20,000 gas each): the dearest
crossing. After the round trip both words are non-zero: the usual crossing on a busy pool.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from _execute_chain import Runner
from _execute_pools import DEADLINE, V3_KIND, V3_SWAP, Market, read_market, simulate, word

from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.dex.uniswap_v3 import MAX_TICK, V3PoolState, get_sqrt_ratio_at_tick
from omniarb.execute.route_codec import FlashSource
from omniarb.types import Hop, Route

_MINT = "mint((address,address,uint24,int24,int24,uint256,uint256,uint256,uint256,address,uint256))"
_CROSSINGS = (0, 1, 2, 4, 8, 16)
_LADDER_POSITIONS = 10
_LADDER_FIRST_SPACINGS = 4  # room below the ladder for a swap that crosses nothing
_CRASH_SPACINGS = 40  # how far below the lowest inner tick the second whale leaves the price
_LADDER_AMOUNT = 2 * 10**18  # of token0 (WETH) per ladder position: ~the full-range liquidity
_SEARCH_MAX = 10**30


def _least(predicate: Callable[[int], bool]) -> int:
    """The least amount in 1 … _SEARCH_MAX for which the monotone `predicate` holds."""
    low, high = 1, _SEARCH_MAX
    if not predicate(high):
        raise RuntimeError("no amount reaches the crossing count")
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if predicate(middle) else (middle + 1, high)
    return low


def _amount_crossing(route: Route, market: Market, crossings: int) -> int:
    """An amount whose V3 hops cross exactly `crossings` initialized ticks, mid-interval."""
    least = (
        1 if crossings == 0 else _least(lambda x: simulate(route, x, market).crossings >= crossings)
    )
    beyond = _least(lambda x: simulate(route, x, market).crossings > crossings)
    return (least + beyond) // 2


async def _balance(rpc: RpcClient, token: str, owner: str) -> int:
    answer = await rpc.call(
        "eth_call", {"to": token, "data": encode_call("balanceOf(address)", owner)}, "latest"
    )
    return int(answer, 16)


async def _swap_to(runner: Runner, hop: Hop, limit_x96: int) -> V3PoolState:
    """The deployer swaps through `hop`'s pool (SwapRouter.exactInputSingle, half its balance
    at most) until the price reaches `limit_x96`; returns the pool's state after."""
    chain, manifest = runner.chain, runner.manifest
    deployer = manifest.deployer
    amount_in = await _balance(chain.rpc, hop.token_in, deployer) // 2
    data = encode_call(
        V3_SWAP,
        (hop.token_in, hop.token_out, hop.fee_pips, deployer, DEADLINE, amount_in, 0, limit_x96),
    )
    await chain.send(deployer, manifest.dex(hop.dex).router, data)
    state = (await read_market(chain.rpc, manifest)).v3[hop.pool]
    if state.sqrt_price_x96 != limit_x96:
        raise RuntimeError(f"the swap through {hop.pool} stopped short of its price limit")
    return state


async def _plant_ladder(runner: Runner, hop: Hop) -> dict[str, Any]:
    """Crash the price of `hop`'s pool below its inner ticks and mint the ladder above it."""
    if hop.zero_for_one:
        raise RuntimeError("the ladder is minted above the price: the V3 hop must buy token0")
    chain, manifest = runner.chain, runner.manifest
    state = (await read_market(chain.rpc, manifest)).v3[hop.pool]
    spacing = state.tick_spacing
    full_range = MAX_TICK // spacing * spacing
    lowest = min(t for t in state.ticks if t > -full_range)
    crash_tick = (lowest // spacing - _CRASH_SPACINGS) * spacing
    reverse = replace(
        hop, token_in=hop.token_out, token_out=hop.token_in, zero_for_one=not hop.zero_for_one
    )
    crashed = await _swap_to(runner, reverse, get_sqrt_ratio_at_tick(crash_tick))
    lows = [
        crash_tick + (_LADDER_FIRST_SPACINGS + 2 * k) * spacing for k in range(_LADDER_POSITIONS)
    ]
    for low in lows:
        position = (state.token0, state.token1, state.fee_pips, low, low + spacing)
        amounts = (_LADDER_AMOUNT, 0, 0, 0, manifest.deployer, DEADLINE)
        manager = manifest.dex(hop.dex).position_manager
        await chain.send(manifest.deployer, manager, encode_call(_MINT, (*position, *amounts)))
    ladder = sorted(t for low in lows for t in (low, low + spacing))
    if word(ladder[-1], spacing) != word(crash_tick, spacing) or ladder[-1] >= lowest:
        raise RuntimeError("the ladder must sit in the price's bitmap word, below the pool's ticks")
    return {
        "pool": hop.pool,
        "fee_pips": hop.fee_pips,
        "crash_tick": crash_tick,
        "active_liquidity_after_crash": crashed.liquidity,
        "ladder_ticks": ladder,
    }


def _fit(points: list[dict[str, int]]) -> dict[str, Any]:
    """Least-squares gas per crossing, and the largest step between neighbouring points."""
    xs = [p["crossings"] for p in points]
    ys = [p["gas"] for p in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    steps = [
        (b["gas"] - a["gas"]) / (b["crossings"] - a["crossings"])
        for a, b in itertools.pairwise(points)
    ]
    return {
        "points": points,
        "gas_per_crossing": round(slope),
        "intercept_gas": round(mean_y - slope * mean_x),
        "max_step_per_crossing_gas": round(max(steps)),
    }


async def _crossing_series(runner: Runner, route: Route) -> dict[str, Any]:
    """`route`'s gas at amounts crossing each of `_CROSSINGS` initialized ticks."""
    market = await read_market(runner.chain.rpc, runner.manifest)
    points = []
    for crossings in _CROSSINGS:
        amount_in = _amount_crossing(route, market, crossings)
        trial = simulate(route, amount_in, market)
        profit = trial.amount_out - amount_in
        if trial.crossings != crossings or trial.word_changes or profit <= 0:
            raise RuntimeError(f"no profitable amount crosses exactly {crossings} ticks")
        gas = await runner.gas(route, amount_in, profit, FlashSource.V2_PAIR)
        points.append(
            {"crossings": crossings, "amount_in": amount_in, "profit": profit, "gas": gas}
        )
    return _fit(points)


async def measure_tick_crossings(runner: Runner, route: Route) -> dict[str, Any]:
    """Gas by ticks crossed on `route` (V2 → V3): fresh ticks, then ticks crossed before."""
    hop = next(h for h in route.hops if h.kind == V3_KIND)
    reverse = replace(
        hop, token_in=hop.token_out, token_out=hop.token_in, zero_for_one=not hop.zero_for_one
    )
    async with runner.chain.snapshot():
        result = await _plant_ladder(runner, hop)
        result["pools"] = list(route.pools)
        result["fresh"] = await _crossing_series(runner, route)
        before = (await read_market(runner.chain.rpc, runner.manifest)).v3[hop.pool]
        spacing = before.tick_spacing
        await _swap_to(runner, hop, get_sqrt_ratio_at_tick(result["ladder_ticks"][-1] + spacing))
        after = await _swap_to(runner, reverse, before.sqrt_price_x96)
        if after.liquidity != before.liquidity:
            raise RuntimeError("the round trip did not leave the pool's liquidity as it was")
        result["crossed_before"] = await _crossing_series(runner, route)
    return result
