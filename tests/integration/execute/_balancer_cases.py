"""Cycles through the devnet's Balancer pools after two planted whales, quoted by the pools' own
answers: a trader sells WETH into the 80/20 WETH/USDC weighted pool (WETH is cheap there) and
USDC into the stablecoins' pool (USDC is cheap there), both through `Vault.swap`.

Each cycle opens with a Uniswap V2 pair (its flash swap lends the input for free) and is sized on
a grid of amounts quoted hop by hop: a V2 pair by its reserves and the exact formula, a Balancer
pool by `BalancerQueries.querySwap` (the Vault's own swap, reverted), on the chain's latest state.
The cycles' pools are distinct, so quoting hop after hop on one state is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from _executor_calls import TRADER, call
from _flash_cases import find_pool, send_tx

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.kinds import devnet_kind
from omniarb.dex.uniswap_v2.math import get_amount_out
from omniarb.network import ChainManifest, PoolEntry
from omniarb.types import Hop, Route

WEIGHTED, STABLE = "balancer-weighted", "balancer-stable"
# The whales, as shares of the pool's balance of the token sold: a twentieth of the 80/20
# pool's WETH (its price falls ~22%), half the stable pool's USDC (~0.9% at A = 200).
WHALE_SHARES = {"balancer-weighted": 20, "balancer-stable": 2}
_SINGLE_SWAP = "(bytes32,uint8,address,address,uint256,bytes)"
_FUNDS = "(address,bool,address,bool)"
QUERY_SWAP = f"querySwap({_SINGLE_SWAP},{_FUNDS})"
_GET_POOL_TOKENS = "getPoolTokens(bytes32)"

# name: the cycle's hops as (DEX, the pool's symbols, the symbol sold), the first a V2 pair.
CYCLES: dict[str, tuple[tuple[str, frozenset[str], str], ...]] = {
    # WETH → USDC on V2, USDC → cheap WETH in the weighted pool.
    "v2-weighted": (
        ("uniswap-v2", frozenset({"WETH", "USDC"}), "WETH"),
        (WEIGHTED, frozenset({"WETH", "USDC"}), "USDC"),
    ),
    # Two weighted hops: WBTC → USDC on V2, USDC → cheap WETH, WETH → WBTC (50/50 pool).
    "v2-weighted-weighted": (
        ("uniswap-v2", frozenset({"WBTC", "USDC"}), "WBTC"),
        (WEIGHTED, frozenset({"WETH", "USDC"}), "USDC"),
        (WEIGHTED, frozenset({"WBTC", "WETH"}), "WETH"),
    ),
    # USDC → USDT on V2, USDT → cheap USDC in the stable pool.
    "v2-stable": (
        ("uniswap-v2", frozenset({"USDC", "USDT"}), "USDC"),
        (STABLE, frozenset({"USDC", "USDT"}), "USDT"),
    ),
    # Both kinds in one route: WETH → USDT on V2, USDT → USDC stable, USDC → WETH weighted.
    "v2-stable-weighted": (
        ("uniswap-v2", frozenset({"WETH", "USDT"}), "WETH"),
        (STABLE, frozenset({"USDC", "USDT"}), "USDT"),
        (WEIGHTED, frozenset({"WETH", "USDC"}), "USDC"),
    ),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class BalancerCase:
    """A cycle, the amount that earns it most on the grid, and what the pools pay for it."""

    name: str
    route: Route
    amount_in: int
    amount_out: int

    @property
    def profit(self) -> int:
        return self.amount_out - self.amount_in


def balancer_pool(chain: ChainManifest, kind: str, symbols: frozenset[str]) -> PoolEntry:
    """The pair entry of the Balancer pool of `kind` holding the two `symbols`."""
    return next(p for p in chain.pools if p.kind == kind and {p.symbol0, p.symbol1} == symbols)


def route_of(chain: ChainManifest, name: str) -> Route:
    hops = []
    for dex, symbols, sold in CYCLES[name]:
        entry = (
            find_pool(chain, dex, set(symbols))
            if dex.startswith("uniswap")
            else balancer_pool(chain, dex, symbols)
        )
        hops.append(entry.hop(chain.token(sold).address))
    return Route(chain_id=chain.chain_id, hops=tuple(hops))


async def vault_swap(
    rpc: RpcClient, chain: ChainManifest, pool: PoolEntry, token_in: str, amount: int
) -> None:
    """A trader's exact-input `Vault.swap`, as the devnet's market sends it."""
    token_out = pool.token1 if token_in == pool.token0 else pool.token0
    data = devnet_kind(pool.kind).swap_calldata(pool, token_in, token_out, amount, TRADER)
    receipt = await send_tx(rpc, TRADER, chain.dex(pool.dex).router, data)
    assert int(receipt["status"], 16) == 1, "the whale's Vault swap reverted"


async def pool_balance(rpc: RpcClient, chain: ChainManifest, pool: PoolEntry, token: str) -> int:
    """What the Balancer pool holds of `token`, as the Vault reports it."""
    data = encode_call(_GET_POOL_TOKENS, bytes.fromhex((pool.pool_id or "")[2:]))
    tokens, balances, _ = decode(
        ["address[]", "uint256[]", "uint256"], await call(rpc, chain.dex(pool.dex).factory, data)
    )
    return int(balances[[t.lower() for t in tokens].index(token.lower())])


async def season(rpc: RpcClient, chain: ChainManifest) -> None:
    """Every pool of the cycles swapped a little each way, as a live chain's have been: a V2
    pair's first swap writes its price accumulators from zero (~34,000 gas more), which the gas
    model, measured on pools that had traded, leaves out."""
    seen: set[str] = set()
    for name in CYCLES:
        for hop in route_of(chain, name).hops:
            entry = next(
                p
                for p in chain.pools
                if p.address == hop.pool and {p.token0, p.token1} == {hop.token_in, hop.token_out}
            )
            key = f"{entry.address}:{entry.symbol0}:{entry.symbol1}"
            if key in seen:
                continue
            seen.add(key)
            for token in (entry.token0, entry.token1):
                unit = 10 ** chain.token_by_address(token).decimals
                data = devnet_kind(entry.kind).swap_calldata(
                    entry,
                    token,
                    entry.token1 if token == entry.token0 else entry.token0,
                    unit // 100,
                    TRADER,
                )
                receipt = await send_tx(rpc, TRADER, chain.dex(entry.dex).router, data)
                assert int(receipt["status"], 16) == 1, "a seasoning swap reverted"


async def plant(rpc: RpcClient, chain: ChainManifest) -> None:
    """The two whales: WETH cheap in the weighted pool, USDC cheap in the stable pool."""
    weth, usdc = chain.token("WETH").address, chain.token("USDC").address
    weighted = balancer_pool(chain, WEIGHTED, frozenset({"WETH", "USDC"}))
    stable = balancer_pool(chain, STABLE, frozenset({"USDC", "USDT"}))
    for pool, token in ((weighted, weth), (stable, usdc)):
        held = await pool_balance(rpc, chain, pool, token)
        await vault_swap(rpc, chain, pool, token, held // WHALE_SHARES[pool.kind])


async def hop_outputs(
    rpc: RpcClient, chain: ChainManifest, hop: Hop, amounts: Sequence[int]
) -> list[int]:
    """What `hop` pays for each amount on the latest state, from the pool's own answers."""
    if hop.kind == "uniswap-v2":
        answer = await call(rpc, hop.pool, encode_call("getReserves()"))
        reserves = decode(["uint112", "uint112", "uint32"], answer)
        reserve_in, reserve_out = reserves[:2] if hop.zero_for_one else reserves[1::-1]
        return [get_amount_out(a, reserve_in, reserve_out, hop.fee_pips // 100) for a in amounts]
    entry = next(
        p
        for p in chain.pools
        if p.address == hop.pool and {p.token0, p.token1} == {hop.token_in, hop.token_out}
    )
    queries = chain.dex(hop.dex).quoter
    assert queries is not None
    assert entry.pool_id is not None
    pool_id = bytes.fromhex(entry.pool_id[2:])
    funds = (TRADER, False, TRADER, False)
    answers = await rpc.batch(
        [
            (
                "eth_call",
                [
                    {
                        "to": queries,
                        "data": encode_call(
                            QUERY_SWAP, (pool_id, 0, hop.token_in, hop.token_out, a, b""), funds
                        ),
                    },
                    "latest",
                ],
            )
            for a in amounts
        ]
    )
    return [int(decode(["uint256"], answer)[0]) for answer in answers]


async def case_for(rpc: RpcClient, chain: ChainManifest, name: str) -> BalancerCase:
    """The cycle `name` at the amount of the grid that earns it most (it must earn)."""
    route = route_of(chain, name)
    unit = 10 ** chain.token_by_address(route.token_in).decimals
    price = {"WETH": 3_000, "WBTC": 100_000}.get(chain.token_by_address(route.token_in).symbol, 1)
    sizes = [max(k * unit * 1_000 // price, 1) for k in (1, 2, 5, 10, 20, 50, 100, 200, 500)]
    outputs = list(sizes)
    for hop in route.hops:
        outputs = await hop_outputs(rpc, chain, hop, outputs)
    amount_in, amount_out = max(zip(sizes, outputs, strict=True), key=lambda x: x[1] - x[0])
    assert amount_out > amount_in, f"the planted gaps do not pay for {name}"
    return BalancerCase(name=name, route=route, amount_in=amount_in, amount_out=amount_out)
