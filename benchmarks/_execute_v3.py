"""The Uniswap V3 part of `benchmarks/execute.py`: the executor's gas for cycles with V3 hops
and per initialized tick crossed (the constants are derived in `_execute_model.py`).

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
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from typing import Any, Protocol

from _execute_v3_steps import measure_word_step

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet import dev_account
from omniarb.dex.uniswap_v2.math import get_amount_out
from omniarb.dex.uniswap_v3 import MAX_TICK, V3PoolReader, V3PoolState, get_sqrt_ratio_at_tick
from omniarb.execute.executor_contract import ExecutorContract
from omniarb.execute.route_codec import FLASH_SOURCE_NAMES, FlashPool, FlashSource, RouteCodec
from omniarb.network import ChainManifest, PoolEntry
from omniarb.types import Hop, Route

V3_SWAP = "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))"
DEADLINE = 2**32 - 1
V2_KIND, V3_KIND = "uniswap-v2", "uniswap-v3"
V2_DEXES = ("uniswap-v2", "sushiswap")
_MINT = "mint((address,address,uint24,int24,int24,uint256,uint256,uint256,uint256,address,uint256))"
# Round sizes tried for the V3-hop cycles, in whole start tokens (WETH).
_SIZES = (1, 2, 5, 10, 20, 50, 100, 200)
_CROSSINGS = (0, 1, 2, 4, 8, 16)
_LADDER_POSITIONS = 10
_LADDER_FIRST_SPACINGS = 4  # room below the ladder for a swap that crosses nothing
_CRASH_SPACINGS = 40  # how far below the lowest inner tick the second whale leaves the price
_LADDER_AMOUNT = 2 * 10**18  # of token0 (WETH) per ladder position: ~the full-range liquidity
_SEARCH_MAX = 10**30


class Chain(Protocol):
    """What the measurements need of `execute.Chain`."""

    rpc: RpcClient

    async def send(
        self, sender: str, to: str | None, data: str, value: int = 0
    ) -> dict[str, Any]: ...

    async def gas(self, sender: str, to: str | None, data: str) -> int: ...

    def snapshot(self) -> AbstractAsyncContextManager[None]: ...


def pool_hop(pool: PoolEntry, token_in: str) -> Hop:
    """The hop selling `token_in` through `pool`."""
    token_out = pool.token1 if token_in == pool.token0 else pool.token0
    return Hop(
        pool=pool.address,
        dex=pool.dex,
        kind=pool.kind,
        token_in=token_in,
        token_out=token_out,
        zero_for_one=token_in == pool.token0,
        fee_pips=pool.fee,
    )


def pool_named(manifest: ChainManifest, dex: str, symbols: set[str], fee: int) -> PoolEntry:
    """The pool of `dex` between the two `symbols` with `fee` (pips)."""
    return next(
        p
        for p in manifest.pools
        if p.dex == dex and {p.symbol0, p.symbol1} == symbols and p.fee == fee
    )


def cycle(manifest: ChainManifest, start: str, pools: Sequence[PoolEntry]) -> Route:
    """The cycle from token `start` (an address) through `pools` in order."""
    token, hops = start, []
    for pool in pools:
        hop = pool_hop(pool, token)
        hops.append(hop)
        token = hop.token_out
    if token != start:
        raise ValueError(f"the pools do not lead back to {start}")
    return Route(chain_id=manifest.chain_id, hops=tuple(hops))


async def read_reserves(rpc: RpcClient, pools: Sequence[PoolEntry]) -> dict[str, tuple[int, int]]:
    """The V2 pairs' reserves at the latest block, by pair address."""
    answers = await rpc.batch(
        [
            ("eth_call", [{"to": p.address, "data": encode_call("getReserves()")}, "latest"])
            for p in pools
        ]
    )
    result = {}
    for pool, answer in zip(pools, answers, strict=True):
        r0, r1, _ = decode(["uint112", "uint112", "uint32"], answer)
        result[pool.address] = (int(r0), int(r1))
    return result


@dataclass(frozen=True, slots=True, kw_only=True)
class Market:
    """What a route is sized on: every V2 pair's reserves and V3 pool's state, one block."""

    reserves: Mapping[str, tuple[int, int]]
    v3: Mapping[str, V3PoolState]


async def read_market(rpc: RpcClient, manifest: ChainManifest) -> Market:
    v2 = [p for p in manifest.pools if p.kind == V2_KIND]
    v3 = [p.address for p in manifest.pools if p.kind == V3_KIND]
    states = await V3PoolReader(rpc, chain_id=manifest.chain_id).read_many(v3, dex=V3_KIND)
    return Market(
        reserves=await read_reserves(rpc, v2),
        v3={address: state for address, state in zip(v3, states, strict=True)},
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Trial:
    """A cycle run on the exact math: its output and what its V3 hops walk through."""

    amount_out: int
    crossings: int  # initialized ticks crossed, all V3 hops
    word_changes: int  # tick-bitmap words the V3 hops moved across (each is one more step)


def _word(tick: int, spacing: int) -> int:
    # TickBitmap.position of the compressed tick (Python's // and >> floor, like the contract).
    return (tick // spacing) >> 8


def simulate(route: Route, amount_in: int, market: Market) -> Trial:
    """The cycle's output on `market`; a V3 pool that runs dry gives a useless (zero) output."""
    amount, crossings, words = amount_in, 0, 0
    for hop in route.hops:
        if hop.kind == V2_KIND:
            r0, r1 = market.reserves[hop.pool]
            reserve_in, reserve_out = (r0, r1) if hop.zero_for_one else (r1, r0)
            amount = get_amount_out(amount, reserve_in, reserve_out, hop.fee_pips // 100)
            continue
        state = market.v3[hop.pool]
        result = state.swap_exact_input(zero_for_one=hop.zero_for_one, amount_in=amount)
        amount = result.amount_out if result.amount_in == amount else 0
        crossings += result.initialized_ticks_crossed
        spacing = state.tick_spacing
        words += abs(_word(result.tick, spacing) - _word(state.tick, spacing))
        if amount == 0:
            break
    return Trial(amount_out=amount, crossings=crossings, word_changes=words)


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


class Runner:
    """Sends cycles through the executor from the current state, each in a snapshot."""

    def __init__(
        self, chain: Chain, manifest: ChainManifest, executor: ExecutorContract, codec: RouteCodec
    ) -> None:
        self.chain = chain
        self.manifest = manifest
        self.executor = executor
        self.codec = codec

    async def gas(
        self,
        route: Route,
        amount_in: int,
        min_profit: int,
        source: FlashSource,
        flash_pool: FlashPool | None = None,
    ) -> int:
        """`execute`'s gas in the steady case: the executor already holds some start token."""
        bot, trader = dev_account(9).address, dev_account(1).address
        data = self.codec.calldata(route, amount_in, min_profit, source, flash_pool=flash_pool)
        transfer_1 = encode_call("transfer(address,uint256)", self.executor.address, 1)
        async with self.chain.snapshot():
            await self.chain.send(trader, route.token_in, transfer_1)
            return await self.chain.gas(bot, self.executor.address, "0x" + data.hex())


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
        source = FlashSource.V2_PAIR if first_v2 else FlashSource.BALANCER_VAULT
        rows[label] = {
            "pools": list(route.pools),
            "kinds": [h.kind for h in route.hops],
            "fees_pips": [h.fee_pips for h in route.hops],
            "amount_in": amount_in,
            "profit": profit,
            "flash_source": FLASH_SOURCE_NAMES[source],
            "gas": await runner.gas(route, amount_in, profit, source),
        }
    return rows, routes


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
    if _word(ladder[-1], spacing) != _word(crash_tick, spacing) or ladder[-1] >= lowest:
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


async def _measure_tick_crossings(runner: Runner, route: Route) -> dict[str, Any]:
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
            hop = pool_hop(pool, token)
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
            "tick_crossings": await _measure_tick_crossings(runner, routes["v2-v3"]),
        }
