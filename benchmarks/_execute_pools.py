"""The devnet's pools as the execute benchmarks see them: hops and cycles through named pools,
the V2 pairs' reserves, and one block's market run on the exact math (the V2 formula, the V3
swap simulation) to size a cycle before it is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.dex.uniswap_v2.math import get_amount_out
from omniarb.dex.uniswap_v3 import V3PoolReader, V3PoolState
from omniarb.network import ChainManifest, PoolEntry
from omniarb.types import Route

V3_SWAP = "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))"
DEADLINE = 2**32 - 1
V2_KIND, V3_KIND = "uniswap-v2", "uniswap-v3"


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
        hop = pool.hop(token)
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


def word(tick: int, spacing: int) -> int:
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
        words += abs(word(result.tick, spacing) - word(state.tick, spacing))
        if amount == 0:
            break
    return Trial(amount_out=amount, crossings=crossings, word_changes=words)
