"""Balancer hops through the executor: cycles opening with a Uniswap V2 pair (its flash swap
lends for free) through the devnet's weighted and stable pools, after two whales (WETH sold
into the 80/20 WETH/USDC pool, USDC into the stablecoins' pool), each sized by our exact math
on the books' states and sent from one state (snapshots), first in its start token and steady.

The cycles' pools are swapped a little each way first (seasoned, as on a live chain). From the
all-V2 fit of the same run (`base + per_v2_hop · hops`), each route's Balancer part is
its gas less the fit's base and V2 hops. The weighted hop is the second weighted hop's part (a
route with two: 50/50, `pow`'s fast path) plus what the generic `pow` of the 80/20 hop costs
over it (the pool's two directions swapped directly, one on each path); the Vault's route gas
is the single weighted route's part less that hop; the stable hop is the stable route's part
less the same route gas. The model (`omniarb.dex.balancer.adapter`) must cover every route.
"""

from __future__ import annotations

from typing import Any

from _deadline import BENCH_DEADLINE_BLOCK
from _execute_chain import Chain

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.blocks import read_head
from omniarb.devnet import dev_account
from omniarb.devnet.kinds import devnet_kind
from omniarb.dex.deployments import traded_deployments
from omniarb.dex.registry import adapter
from omniarb.errors import RevertError
from omniarb.execute.executor_calldata import dex_factories
from omniarb.execute.executor_contract import ExecutorContract
from omniarb.execute.route_codec import FlashSource, RouteCodec
from omniarb.gas import HopWork
from omniarb.network import ChainManifest, PoolEntry
from omniarb.types import Route
from omniarb.wiring import EXECUTOR_GAS

WEIGHTED, STABLE, V2 = "balancer-weighted", "balancer-stable", "uniswap-v2"
_SHARES = {WEIGHTED: 20, STABLE: 2}  # a whale sells this fraction of the pool's balance
# Each cycle: (kind or V2 DEX, the pool's two symbols, the symbol sold).
CYCLES = {
    "v2-weighted": ((V2, "WETH", "USDC", "WETH"), (WEIGHTED, "WETH", "USDC", "USDC")),
    "v2-weighted-weighted": (
        (V2, "WBTC", "USDC", "WBTC"),
        (WEIGHTED, "WETH", "USDC", "USDC"),
        (WEIGHTED, "WBTC", "WETH", "WETH"),
    ),
    "v2-stable": ((V2, "USDC", "USDT", "USDC"), (STABLE, "USDC", "USDT", "USDT")),
    "v2-stable-weighted": (
        (V2, "WETH", "USDT", "WETH"),
        (STABLE, "USDC", "USDT", "USDT"),
        (WEIGHTED, "WETH", "USDC", "USDC"),
    ),
}


def _round_up(gas: float) -> int:
    return -int(-gas // 1000) * 1000


def _entry(chain: ChainManifest, where: str, a: str, b: str) -> PoolEntry:
    dex_or_kind = {where} if where == V2 else {p.dex for p in chain.pools if p.kind == where}
    return next(p for p in chain.pools if p.dex in dex_or_kind and {p.symbol0, p.symbol1} == {a, b})


async def _swap(
    chain: Chain, manifest: ChainManifest, pool: PoolEntry, sold: str, amount: int
) -> int:
    """A trader's exact-input swap through the pool's DEX router (the Vault for Balancer)."""
    trader = dev_account(1).address
    token_out = pool.token1 if sold == pool.token0 else pool.token0
    data = devnet_kind(pool.kind).swap_calldata(pool, sold, token_out, amount, trader)
    receipt = await chain.send(trader, manifest.dex(pool.dex).router, data)
    return int(receipt["gasUsed"], 16)


async def _states(chain: Chain, manifest: ChainManifest) -> list[Any]:
    head = await read_head(chain.rpc, manifest.chain_id)
    states: list[Any] = []
    for kind, dexes in traded_deployments(manifest).items():
        if kind in (V2, WEIGHTED, STABLE):
            book = adapter(kind).book(rpc=chain.rpc, chain_id=manifest.chain_id, dexes=dexes)
            states += await book.discover_at(head)
    return states


def _output(states: list[Any], route: Route, amount: int) -> int:
    """What the route pays for `amount` by the states' math (0 where a pool would revert)."""
    for hop in route.hops:
        (state,) = [
            s
            for s in states
            if s.address == hop.pool and {s.token0, s.token1} == {hop.token_in, hop.token_out}
        ]
        try:
            amount = state.amount_out(hop.token_in, amount)
        except RevertError:
            return 0
    return amount


async def measure_balancer(
    chain: Chain, manifest: ChainManifest, executor: ExecutorContract, fit: dict[str, int]
) -> dict[str, Any]:
    """The Balancer routes' gas and the hop and route gas derived from them (see the module's
    notes); `fit` is the all-V2 fit (`fit_base_gas`, `fit_per_v2_hop_gas`)."""
    bot, trader = dev_account(9).address, dev_account(1).address
    codec = RouteCodec(dex_factories(manifest))
    token = {t.symbol: t.address for t in manifest.tokens}
    # The 80/20 pool's generic `pow` (USDC in) against its fast path (WETH in), swapped
    # directly from one state.
    w = _entry(manifest, WEIGHTED, "WETH", "USDC")
    async with chain.snapshot():
        generic = await _swap(chain, manifest, w, token["USDC"], 10**9)
    async with chain.snapshot():
        fast = await _swap(chain, manifest, w, token["WETH"], 10**15)
    for kind, symbol, other in ((WEIGHTED, "WETH", "USDC"), (STABLE, "USDC", "USDT")):
        pool = _entry(manifest, kind, symbol, other)
        vault = manifest.dex(pool.dex).factory
        data = encode_call("getPoolTokens(bytes32)", bytes.fromhex((pool.pool_id or "")[2:]))
        answer = await chain.rpc.call("eth_call", {"to": vault, "data": data}, "latest")
        tokens, balances, _ = decode(["address[]", "uint256[]", "uint256"], answer)
        held = balances[[t.lower() for t in tokens].index(token[symbol].lower())]
        await _swap(chain, manifest, pool, token[symbol], held // _SHARES[kind])
    # Every pool of the cycles swapped a little each way first, as a live chain's have been: a
    # V2 pair's first swap writes its price accumulators from zero (~34,000 gas more).
    seasoned: set[tuple[str, str, str]] = set()
    for hops in CYCLES.values():
        for at, a, b, _ in hops:
            pool = _entry(manifest, at, a, b)
            if (pool.address, a, b) not in seasoned:
                seasoned.add((pool.address, a, b))
                for symbol in (a, b):
                    unit = 10 ** manifest.token(symbol).decimals
                    await _swap(chain, manifest, pool, token[symbol], unit // 100)
    states = await _states(chain, manifest)
    routes: dict[str, Any] = {}
    for name, hops in CYCLES.items():
        route = Route(
            chain_id=manifest.chain_id,
            hops=tuple(_entry(manifest, at, a, b).hop(token[sold]) for at, a, b, sold in hops),
        )
        unit = 10 ** manifest.token_by_address(route.token_in).decimals
        sizes = [unit * k // 1000 for k in (1, 3, 10, 30, 100, 300, 1000, 3000, 10_000, 30_000)]
        amount_in = max(sizes, key=lambda a: _output(states, route, a) - a)
        profit = _output(states, route, amount_in) - amount_in
        data = (
            "0x"
            + codec.calldata(
                route, amount_in, profit, FlashSource.V2_PAIR, deadline_block=BENCH_DEADLINE_BLOCK
            ).hex()
        )
        async with chain.snapshot():
            first = await chain.gas(bot, executor.address, data)
        transfer_1 = encode_call("transfer(address,uint256)", executor.address, 1)
        async with chain.snapshot():
            await chain.send(trader, route.token_in, transfer_1)
            steady = await chain.gas(bot, executor.address, data)
        kinds = [hop.kind for hop in route.hops]
        part = first - fit["fit_base_gas"] - fit["fit_per_v2_hop_gas"] * kinds.count(V2)
        routes[name] = {
            "kinds": kinds,
            "amount_in": amount_in,
            "profit": profit,
            "gas": first,
            "gas_steady": steady,
            "balancer_part_gas": part,
            "estimate": EXECUTOR_GAS.estimate([HopWork(kind=k) for k in kinds], free_loan=True),
        }
    parts = {name: row["balancer_part_gas"] for name, row in routes.items()}
    weighted_hop = parts["v2-weighted-weighted"] - parts["v2-weighted"] + max(0, generic - fast)
    route_gas = parts["v2-weighted"] - weighted_hop
    stable_hop = max(parts["v2-stable"], parts["v2-stable-weighted"] - weighted_hop) - route_gas
    return {
        "routes": routes,
        "weighted_pow_generic_over_fast_gas": generic - fast,
        "weighted_hop_gas": weighted_hop,
        "stable_hop_gas": stable_hop,
        "route_gas": route_gas,
        "model": {
            "weighted_hop_gas": _round_up(weighted_hop),
            "stable_hop_gas": _round_up(stable_hop),
            "route_gas": _round_up(route_gas),
        },
        "estimates_cover": all(row["estimate"] >= row["gas"] for row in routes.values()),
    }


def print_balancer(result: dict[str, Any]) -> None:
    """The Balancer figures, for people."""
    balancer = result["balancer"]
    print("Balancer hops (cycles opening with a V2 pair; first trade in the start token)")
    for name, row in balancer["routes"].items():
        print(
            f"  {name:<22} gas {row['gas']:>8,} (steady {row['gas_steady']:>8,})"
            f"  Balancer part {row['balancer_part_gas']:>8,}  model estimate {row['estimate']:>8,}"
        )
    model = balancer["model"]
    print(
        f"  weighted hop {balancer['weighted_hop_gas']:,} (generic pow +"
        f"{balancer['weighted_pow_generic_over_fast_gas']:,}), stable hop"
        f" {balancer['stable_hop_gas']:,}, the Vault's route gas {balancer['route_gas']:,};"
        f" rounded up: {model['weighted_hop_gas']:,} / {model['stable_hop_gas']:,} /"
        f" {model['route_gas']:,}; the model covers every route: {balancer['estimates_cover']}"
    )
