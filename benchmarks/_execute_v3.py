"""The Uniswap V3 part of `benchmarks/execute.py`: the executor's gas for cycles with V3 hops
and per initialized tick crossed (`_execute_v3_ticks.py`; the constants are derived in
`_execute_model.py`).

Pools. The devnet's V3 pools are young: a pool's first swap with a token in writes that
token's fee-growth accumulator from zero (17,100 gas more than any later swap), a once-in-a-
pool's-life cost. So, in a snapshot, every V3 pool first takes a small swap in each direction
it has never been traded in, as any pool on a live chain has.

V3 hops. From the state `execute.py` plants (a trader's 800 WETH into the Uniswap V2 WETH/USDC
pair, then a whale's 2,500 WETH into the 0.05% WETH/USDC V3 pool), four cycles from WETH, each
with the flash source that fits (the V2 flash swap from its own first pair when hop 0 is V2,
else the Balancer Vault): V2 → V3, V3 → V3 (the 0.3% pool against the 0.05% one), and 3-hop
cycles with one and with two V3 hops. Each is sized on the exact math (V2 formula, V3 swap
simulation) as the most profitable of a few round sizes whose V3 hops cross no initialized tick
and stay in their tick-bitmap word, and sent with `minProfit` = that profit, as the bot does.
"""

from __future__ import annotations

from typing import Any

from _execute_chain import Chain, Runner
from _execute_pools import (
    DEADLINE,
    V2_KIND,
    V3_KIND,
    V3_SWAP,
    Market,
    cycle,
    pool_named,
    read_market,
    simulate,
)
from _execute_v3_steps import measure_word_step
from _execute_v3_ticks import measure_tick_crossings

from omniarb.chains.abi import encode_call
from omniarb.execute.executor_contract import ExecutorContract
from omniarb.execute.route_codec import PLAN_SOURCE, RouteCodec
from omniarb.network import ChainManifest, PoolEntry
from omniarb.types import FlashLoan, Route

V2_DEXES = ("uniswap-v2", "sushiswap")
# Round sizes tried for the V3-hop cycles, in whole start tokens (WETH).
_SIZES = (1, 2, 5, 10, 20, 50, 100, 200)


def _size_without_crossing(route: Route, market: Market) -> tuple[int, int]:
    """(amount in, profit) of the most profitable round size crossing no tick nor word."""
    best: tuple[int, int] | None = None
    for whole in _SIZES:
        amount = whole * 10**18
        trial = simulate(route, amount, market)
        profit = trial.amount_out - amount
        if trial.crossings or trial.word_changes or profit <= 0:
            continue
        if best is None or profit > best[1]:
            best = (amount, profit)
    if best is None:
        raise RuntimeError(f"no profitable size crosses no tick on {route.pools}")
    return best


def _v3_routes(manifest: ChainManifest) -> dict[str, list[list[PoolEntry]]]:
    """Candidate pools of each measured shape; the best-sized candidate is measured."""
    cheap = pool_named(manifest, V3_KIND, {"WETH", "USDC"}, 500)
    dear = pool_named(manifest, V3_KIND, {"WETH", "USDC"}, 3000)
    btc = pool_named(manifest, V3_KIND, {"WBTC", "USDC"}, 3000)

    def pair(dex: str, a: str, b: str) -> PoolEntry:
        return pool_named(manifest, dex, {a, b}, 3000)

    return {
        "v2-v3": [[pair(d, "WETH", "USDC"), cheap] for d in V2_DEXES],
        "v3-v3": [[dear, cheap]],
        "v2-v2-v3": [
            [pair(d1, "WETH", "USDT"), pair(d2, "USDT", "USDC"), cheap]
            for d1 in V2_DEXES
            for d2 in V2_DEXES
        ],
        # Not through the USDT/USDC pool: it sits on tick 0, a bitmap word's edge, and a swap
        # down from there takes one more step, into the next word, before it has moved at all.
        "v2-v3-v3": [[pair(d, "WETH", "WBTC"), btc, cheap] for d in V2_DEXES],
    }


async def _measure_v3_hops(runner: Runner) -> tuple[dict[str, Any], dict[str, Route]]:
    """Gas of the four V3-hop cycles from the current state, sized to cross no tick."""
    manifest = runner.manifest
    market = await read_market(runner.chain.rpc, manifest)
    weth = manifest.token("WETH").address
    rows: dict[str, Any] = {}
    routes: dict[str, Route] = {}
    for label, options in _v3_routes(manifest).items():
        sized = []
        for pools in options:
            route = cycle(manifest, weth, pools)
            try:
                sized.append((route, *_size_without_crossing(route, market)))
            except RuntimeError:
                continue
        if not sized:
            raise RuntimeError(f"no {label} cycle is profitable without crossing a tick")
        route, amount_in, profit = max(sized, key=lambda item: item[2])
        routes[label] = route
        first_v2 = route.hops[0].kind == V2_KIND
        loan = FlashLoan.OWN_PAIR if first_v2 else FlashLoan.BALANCER_V2
        source = PLAN_SOURCE[loan]
        rows[label] = {
            "pools": list(route.pools),
            "kinds": [h.kind for h in route.hops],
            "fees_pips": [h.fee_pips for h in route.hops],
            "amount_in": amount_in,
            "profit": profit,
            "flash_source": str(loan),
            "gas": await runner.gas(route, amount_in, profit, source),
        }
    return rows, routes


async def _season(runner: Runner) -> list[dict[str, Any]]:
    """A small swap into every V3 pool in each direction it has never been traded in.

    A pool's first swap with a token in writes that token's `feeGrowthGlobalX128` from zero
    (20,000 gas, 17,100 more than later swaps pay): a once-in-a-pool's-life cost that the young
    devnet pools would otherwise charge to the V3 hops measured here.
    """
    chain, manifest = runner.chain, runner.manifest
    deployer = manifest.deployer
    swaps = []
    for pool in (p for p in manifest.pools if p.kind == V3_KIND):
        for index, token in enumerate((pool.token0, pool.token1)):
            growth = await chain.rpc.call(
                "eth_call",
                {"to": pool.address, "data": encode_call(f"feeGrowthGlobal{index}X128()")},
                "latest",
            )
            if int(growth, 16):
                continue
            decimals = next(t.decimals for t in manifest.tokens if t.address == token)
            hop = pool.hop(token)
            amount_in = 10**decimals // 100
            data = encode_call(
                V3_SWAP,
                (hop.token_in, hop.token_out, pool.fee, deployer, DEADLINE, amount_in, 0, 0),
            )
            await chain.send(deployer, manifest.dex(pool.dex).router, data)
            swaps.append({"pool": pool.address, "token_in": token, "amount_in": amount_in})
    return swaps


async def measure_v3(
    chain: Chain, manifest: ChainManifest, executor: ExecutorContract, codec: RouteCodec
) -> dict[str, Any]:
    """The V3-hop cycles and the tick-crossing series, from the current state (left as is)."""
    runner = Runner(chain, manifest, executor, codec)
    async with chain.snapshot():
        seasoned = await _season(runner)
        rows, routes = await _measure_v3_hops(runner)
        return {
            "seasoning_swaps": seasoned,
            "routes": rows,
            "word_step": await measure_word_step(chain, manifest),
            "tick_crossings": await measure_tick_crossings(runner, routes["v2-v3"]),
        }
