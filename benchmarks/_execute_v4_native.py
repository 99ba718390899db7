"""The Uniswap V4 native-coin part of `benchmarks/execute.py`: what a hop through a pool of the
native coin costs over the same hop through a pool of the wrapped token.

Twin pools. The devnet's V4 DEX holds ETH itself against USDC (0.3%, tick spacing 60). In a
snapshot its twin is made beside it: the WETH/USDC pool of the same fee and spacing (no such
pool is in the catalog), initialized at the same price with positions that give it the same
initialized ticks and the same liquidity in every range (one position per range between
consecutive ticks, read from the native pool's state). On this chain WETH sorts below USDC,
so both pools hold the wrapped and the native ETH as currency 0 and every swap of the same
amount is the same swap. A trader's whale swap, made in both pools alike, opens the gap: ETH
sold (it is then cheap in both) or bought (dear in both).

Cycles. Each shape is sent twice from that state, once through the native pool and once
through its twin, same amounts, with `minProfit` = the predicted profit (the pools' states
chained), in the steady case (the executor already holds some start token) and as its first
trade in the start token (its balance written from zero): the larger difference is
the native side's own cost, the wrapped token unwrapped into the manager (WETH9 `withdraw`,
`settle` with value) in place of a transfer between `sync` and `settle`, or the coin taken
and wrapped (`take`, `deposit`) in place of the token taken. Shapes: the native side last
after a V2 pair and after the V4 WETH/USDC 0.05% pool, first into a V2 pair and into that V4
pool (each way), so every place the executor handles the coin is priced. The largest
difference, rounded up to 1,000 gas, is the V4 adapter's `HopGas.native_gas`.
"""

from __future__ import annotations

import itertools
from typing import Any

from _deadline import BENCH_DEADLINE_BLOCK
from _execute_chain import Chain, Runner

from omniarb.chains.abi import encode_call
from omniarb.detect.graph import CycleGraph
from omniarb.devnet import dev_account
from omniarb.devnet.kinds.uniswap_v4 import INITIALIZE, KIND, MODIFY_LIQUIDITY
from omniarb.dex.base import PoolState
from omniarb.dex.deployments import traded_deployments
from omniarb.dex.registry import adapter
from omniarb.dex.uniswap_v4 import PoolKey, V4PoolState, pool_address
from omniarb.dex.uniswap_v4.adapter import HOP_GAS
from omniarb.execute.executor_contract import ExecutorContract
from omniarb.execute.route_codec import FlashSource, RouteCodec
from omniarb.network import ChainManifest, PoolEntry
from omniarb.types import Route

BOT = dev_account(9).address
WHALE_ETH = 300 * 10**18
WHALE_USDC = 900_000 * 10**6
AMOUNT_WETH = 4 * 10**18
AMOUNT_USDC = 12_000 * 10**6
NATIVE, TWIN, V4, V2 = "native", "twin", "v4", "v2"
# (label, the gap it needs, legs as (pool, symbol sold)); "pool" is the native pool or its twin.
SHAPES = (
    ("v2 → pool, ETH bought last", "cheap", (("v2", "WETH"), ("pool", "USDC"))),
    ("v4 → pool, ETH bought last", "cheap", (("v4", "WETH"), ("pool", "USDC"))),
    ("pool → v2, ETH bought first", "cheap", (("pool", "USDC"), ("v2", "WETH"))),
    ("pool → v4, ETH bought first", "cheap", (("pool", "USDC"), ("v4", "WETH"))),
    ("pool → v2, ETH sold first", "dear", (("pool", "WETH"), ("v2", "USDC"))),
    ("pool → v4, ETH sold first", "dear", (("pool", "WETH"), ("v4", "USDC"))),
    ("v2 → pool, ETH sold last", "dear", (("v2", "USDC"), ("pool", "WETH"))),
    ("v4 → pool, ETH sold last", "dear", (("v4", "USDC"), ("pool", "WETH"))),
)


def _round_up(gas: float) -> int:
    return -int(-gas // 1000) * 1000


def _pool(manifest: ChainManifest, dex: str, symbols: set[str], fee: int) -> PoolEntry:
    return next(
        p
        for p in manifest.pools
        if p.dex == dex and {p.symbol0, p.symbol1} == symbols and p.fee == fee
    )


async def _make_twin(chain: Chain, manifest: ChainManifest, native: V4PoolState) -> PoolEntry:
    """The WETH/USDC pool with the native pool's fee, spacing, price and liquidity by range."""
    weth, usdc = manifest.token("WETH"), manifest.token("USDC")
    assert int(weth.address, 16) < int(usdc.address, 16), "the twin needs WETH as currency 0"
    dex = manifest.dex("uniswap-v4")
    assert dex.position_manager is not None
    key = PoolKey(
        currency0=weth.address,
        currency1=usdc.address,
        fee=native.key.fee,
        tick_spacing=native.key.tick_spacing,
    )
    deployer = manifest.deployer
    await chain.send(deployer, weth.address, encode_call("deposit()"), value=10**24)
    await chain.send(
        deployer, dex.factory, encode_call(INITIALIZE, key.as_tuple(), native.sqrt_price_x96)
    )
    ticks = sorted(native.ticks.items())
    liquidity = 0
    for salt, ((lower, net), (upper, _)) in enumerate(itertools.pairwise(ticks)):
        liquidity += net
        if liquidity <= 0:
            continue
        position = (lower, upper, liquidity, salt.to_bytes(32, "big"))
        data = encode_call(MODIFY_LIQUIDITY, key.as_tuple(), position, b"")
        await chain.send(deployer, dex.position_manager, data)
    return PoolEntry(
        address=pool_address(key.pool_id),
        dex=dex.name,
        kind=dex.kind,
        token0=weth.address,
        token1=usdc.address,
        fee=key.fee,
        symbol0="WETH",
        symbol1="USDC",
        tick_spacing=key.tick_spacing,
    )


async def _whale(
    chain: Chain, manifest: ChainManifest, pools: dict[str, PoolEntry], gap: str
) -> None:
    """The same swap into the native pool (the coin as value) and its twin (WETH)."""
    trader = manifest.traders[0]
    router = manifest.dex("uniswap-v4").router
    weth, usdc = manifest.token("WETH").address, manifest.token("USDC").address
    await chain.send(trader, weth, encode_call("deposit()"), value=WHALE_ETH)
    for label in (NATIVE, TWIN):
        pool = pools[label]
        if gap == "cheap":
            data = KIND.swap_calldata(pool, pool.token0, usdc, WHALE_ETH, trader)
            value = WHALE_ETH if label == NATIVE else 0
        else:
            data = KIND.swap_calldata(pool, usdc, pool.token0, WHALE_USDC, trader)
            value = 0
        await chain.send(trader, router, data, value=value)


async def _states(chain: Chain, manifest: ChainManifest) -> dict[str, PoolState]:
    books = [
        adapter(kind).book(rpc=chain.rpc, chain_id=manifest.chain_id, dexes=dexes)
        for kind, dexes in traded_deployments(manifest).items()
    ]
    head = await books[0].head()
    return {s.address.lower(): s for book in books for s in await book.discover_at(head)}


def _route(
    manifest: ChainManifest,
    states: dict[str, PoolState],
    pools: dict[str, PoolEntry],
    legs: tuple[tuple[str, str], ...],
    pool: str,
) -> tuple[Route, int, int]:
    """The route of `legs` with "pool" as `pool`, as the graph builds its hops, with its
    amount in and the profit the states predict."""
    weth, usdc = manifest.token("WETH").address, manifest.token("USDC").address
    graph = CycleGraph(chain_id=manifest.chain_id, base_tokens=[weth, usdc])
    graph.add_pools(states.values())
    hops = []
    for label, symbol in legs:
        entry = pools[pool if label == "pool" else label]
        node = graph.pool(entry.address)
        sold = manifest.token(symbol).address
        hops.append(node.forward if node.forward.token_in == sold else node.backward)
    route = Route(chain_id=manifest.chain_id, hops=tuple(hops))
    amount_in = AMOUNT_WETH if route.token_in == weth else AMOUNT_USDC
    amount = amount_in
    for hop in route.hops:
        amount = states[hop.pool.lower()].amount_out(hop.token_in, amount)
    return route, amount_in, amount - amount_in


async def measure_v4_native(
    chain: Chain, manifest: ChainManifest, executor: ExecutorContract, codec: RouteCodec
) -> dict[str, Any]:
    """Each shape's gas through the native pool and through its twin, and the difference."""
    runner = Runner(chain, manifest, executor, codec)
    rows: dict[str, Any] = {}
    async with chain.snapshot():
        pools = {
            NATIVE: _pool(manifest, "uniswap-v4", {"ETH", "USDC"}, 3000),
            V4: _pool(manifest, "uniswap-v4", {"WETH", "USDC"}, 500),
            # SushiSwap's pair: `execute.py` opened its gap in Uniswap V2's.
            V2: _pool(manifest, "sushiswap", {"WETH", "USDC"}, 3000),
        }
        native = (await _states(chain, manifest))[pools[NATIVE].address.lower()]
        assert isinstance(native, V4PoolState)
        pools[TWIN] = await _make_twin(chain, manifest, native)
        for gap in ("cheap", "dear"):
            async with chain.snapshot():
                await _whale(chain, manifest, pools, gap)
                states = await _states(chain, manifest)
                twin_state = states[pools[TWIN].address.lower()]
                native_state = states[pools[NATIVE].address.lower()]
                assert isinstance(twin_state, V4PoolState)
                assert isinstance(native_state, V4PoolState)
                assert twin_state.sqrt_price_x96 == native_state.sqrt_price_x96
                for label, shape_gap, legs in SHAPES:
                    if shape_gap != gap:
                        continue
                    row: dict[str, Any] = {}
                    for pool in (NATIVE, TWIN):
                        route, amount_in, profit = _route(manifest, states, pools, legs, pool)
                        if profit <= 0:
                            raise RuntimeError(f"{label} through the {pool} pool: {profit}")
                        row[f"{pool}_profit"] = profit
                        row[f"{pool}_gas"] = await runner.gas(
                            route, amount_in, profit, FlashSource.V2_PAIR
                        )
                        calldata = codec.calldata(
                            route, amount_in, profit, deadline_block=BENCH_DEADLINE_BLOCK
                        )
                        async with chain.snapshot():
                            row[f"{pool}_gas_first_trade"] = await chain.gas(
                                BOT, executor.address, "0x" + calldata.hex()
                            )
                    assert row["native_profit"] == row["twin_profit"] > 0, (label, row)
                    row["native_extra_gas"] = max(
                        row["native_gas"] - row["twin_gas"],
                        row["native_gas_first_trade"] - row["twin_gas_first_trade"],
                    )
                    rows[label] = row
    extra = max(row["native_extra_gas"] for row in rows.values())
    return {
        "shapes": rows,
        "max_native_extra_gas": extra,
        "native_gas": _round_up(extra),
        "model_native_gas": HOP_GAS.native_gas,
    }


def print_v4_native(result: dict[str, Any]) -> None:
    """The native side's gas, for people."""
    native = result["v4_native"]
    print(
        "Uniswap V4 native coin: the ETH/USDC pool against its WETH/USDC twin (same swaps),"
        " steady and first trade, the larger extra"
    )
    for label, row in native["shapes"].items():
        print(
            f"  {label:<30} native {row['native_gas']:>8,}  twin {row['twin_gas']:>8,}"
            f"  first trade: native {row['native_gas_first_trade']:>8,}"
            f"  twin {row['twin_gas_first_trade']:>8,}  {row['native_extra_gas']:>+7,}"
        )
    print(
        f"  max {native['max_native_extra_gas']:+,}: native_gas {native['native_gas']:,}"
        f" (the model's: {native['model_native_gas']:,})"
    )
