"""A planted arbitrage through the devnet's real Uniswap V2 pairs, predicted to the wei.

A trader's large router swap opens a gap; the best 2-hop or 3-hop cycle from WETH is sized on
the reserves of that block with `get_amount_out` chained hop by hop, independently of the bot's
own sizing, so that the executor's kept profit can be checked against it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from _executor_calls import BOT, DEADLINE, TRADER, Setup, wait_receipt

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet import dev_account
from omniarb.dex.uniswap_v2.math import get_amount_out
from omniarb.execute.executor_calldata import v2_factories
from omniarb.execute.executor_contract import deploy_devnet_executor
from omniarb.execute.route_codec import RouteCodec
from omniarb.network import ChainManifest, PoolEntry
from omniarb.types import Route

SPARE = dev_account(11).address
TX_GAS = 1_000_000
SWAP_EXACT = "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)"


async def send_tx(rpc: RpcClient, sender: str, to: str, data: bytes | str) -> dict[str, Any]:
    """Send from an unlocked account with a fixed gas limit (no estimate, so a reverting
    transaction is mined with status 0 instead of refused); return its receipt."""
    data_hex = data if isinstance(data, str) else "0x" + data.hex()
    tx = {"from": sender, "to": to, "data": data_hex, "gas": hex(TX_GAS)}
    return await wait_receipt(rpc, await rpc.call("eth_sendTransaction", tx))


async def reserves_at(
    rpc: RpcClient, pools: Sequence[PoolEntry], block: str
) -> dict[str, tuple[int, int]]:
    answers = await rpc.batch(
        [
            ("eth_call", [{"to": p.address, "data": encode_call("getReserves()")}, block])
            for p in pools
        ]
    )
    reserves = {}
    for pool, answer in zip(pools, answers, strict=True):
        reserve0, reserve1, _ = decode(["uint112", "uint112", "uint32"], answer)
        reserves[pool.address] = (int(reserve0), int(reserve1))
    return reserves


async def simulate(rpc: RpcClient, sender: str, to: str, data: bytes) -> int:
    answer = await rpc.call(
        "eth_call", {"from": sender, "to": to, "data": "0x" + data.hex()}, "latest"
    )
    return int(decode(["uint256"], answer)[0])


def cycles(chain: ChainManifest, start: str, length: int) -> list[Route]:
    """Every cycle of `length` distinct V2 pools that starts and ends in `start`."""
    pools = [p for p in chain.pools if p.kind == "uniswap-v2"]
    routes = []
    for combo in itertools.permutations(pools, length):
        token, hops = start, []
        for pool in combo:
            if token not in (pool.token0, pool.token1):
                break
            hops.append(pool.hop(token))
            token = hops[-1].token_out
        else:
            if token == start:
                routes.append(Route(chain_id=chain.chain_id, hops=tuple(hops)))
    return routes


def amount_out(route: Route, reserves: dict[str, tuple[int, int]], amount_in: int) -> int:
    """The route's output: `get_amount_out` chained hop by hop, fee from the hop."""
    amount = amount_in
    for h in route.hops:
        if amount == 0:  # a dust input rounds to nothing on the way (the pair would revert)
            return 0
        reserve0, reserve1 = reserves[h.pool]
        reserve_in, reserve_out = (reserve0, reserve1) if h.zero_for_one else (reserve1, reserve0)
        amount = get_amount_out(amount, reserve_in, reserve_out, h.fee_pips // 100)
    return amount


def best_amount_in(route: Route, reserves: dict[str, tuple[int, int]]) -> tuple[int, int]:
    """(amount in, profit) near the most profitable size: integer ternary search."""
    first = route.hops[0]
    low, high = 1, reserves[first.pool][0 if first.zero_for_one else 1] // 2
    while high - low > 2:
        a, b = low + (high - low) // 3, high - (high - low) // 3
        if amount_out(route, reserves, a) - a < amount_out(route, reserves, b) - b:
            low = a
        else:
            high = b
    best = max(range(low, high + 1), key=lambda x: amount_out(route, reserves, x) - x)
    return best, amount_out(route, reserves, best) - best


@dataclass
class Arb:
    route: Route
    amount_in: int
    profit: int
    block: str


async def plant_gap_and_find(rpc: RpcClient, chain: ChainManifest, hops: int) -> Arb:
    """Dump 800 WETH into uniswap-v2's WETH/USDC through its router, then pick the best cycle
    of `hops` pools from WETH on the reserves of the resulting block."""
    weth, usdc = chain.token("WETH").address, chain.token("USDC").address
    router = chain.dex("uniswap-v2").router
    data = encode_call(SWAP_EXACT, 800 * 10**18, 0, [weth, usdc], TRADER, DEADLINE)
    receipt = await send_tx(rpc, TRADER, router, data)
    assert int(receipt["status"], 16) == 1
    block = receipt["blockNumber"]
    pools = [p for p in chain.pools if p.kind == "uniswap-v2"]
    reserves = await reserves_at(rpc, pools, block)
    sized = []
    for route in cycles(chain, weth, hops):
        amount_in, profit = best_amount_in(route, reserves)
        sized.append(Arb(route=route, amount_in=amount_in, profit=profit, block=block))
    best = max(sized, key=lambda arb: arb.profit)
    assert best.profit > 10**15, f"the planted gap left no {hops}-hop arbitrage"
    return best


async def deployed(rpc: RpcClient, chain: ChainManifest) -> Setup:
    executor = await deploy_devnet_executor(rpc, chain, bot=BOT)
    return Setup(rpc=rpc, chain=chain, executor=executor, codec=RouteCodec(v2_factories(chain)))
