"""The floor a trade through the executor is measured against, on the all-V2 cycles of
`benchmarks/execute.py`: each cycle sized on the exact V2 math, then the same pair swaps made
without the executor, as separate transactions from an EOA (the issue's floor) and in one
transaction by a minimal contract (the tight floor).
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

from _execute_chain import Chain

from omniarb.chains.abi import encode_call
from omniarb.contracts.build import compile_sources
from omniarb.dex.uniswap_v2.math import get_amount_out
from omniarb.network import ChainManifest
from omniarb.types import Route

BASE_TX_GAS = 21_000

# The tight floor: the same token flow as a trade, in one transaction, with nothing else.
_DIRECT_SWAPS_SOURCE = """
// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;
interface IPair { function swap(uint256, uint256, address, bytes calldata) external; }
interface IToken { function transfer(address, uint256) external returns (bool); }
contract DirectSwaps {
    function run(address token, uint256 amountIn, address[] calldata pools,
                 uint256[] calldata amount0Outs, uint256[] calldata amount1Outs) external {
        IToken(token).transfer(pools[0], amountIn);
        uint256 n = pools.length;
        for (uint256 i; i < n; ++i) {
            address to = i + 1 < n ? pools[i + 1] : address(this);
            IPair(pools[i]).swap(amount0Outs[i], amount1Outs[i], to, "");
        }
    }
}
"""


def cycles(chain: ChainManifest, start: str, length: int) -> list[Route]:
    pools = [p for p in chain.pools if p.kind == "uniswap-v2"]
    routes = []
    for combo in itertools.permutations(pools, length):
        token, hops = start, []
        for pool in combo:
            if token not in (pool.token0, pool.token1):
                break
            hop = pool.hop(token)
            hops.append(hop)
            token = hop.token_out
        else:
            if token == start:
                routes.append(Route(chain_id=chain.chain_id, hops=tuple(hops)))
    return routes


def amounts(route: Route, reserves: dict[str, tuple[int, int]], amount_in: int) -> list[int]:
    """Each hop's output, chained with the exact V2 math (0 once dust rounds away)."""
    outs, amount = [], amount_in
    for hop in route.hops:
        r0, r1 = reserves[hop.pool]
        reserve_in, reserve_out = (r0, r1) if hop.zero_for_one else (r1, r0)
        amount = (
            get_amount_out(amount, reserve_in, reserve_out, hop.fee_pips // 100) if amount else 0
        )
        outs.append(amount)
    return outs


def best(route: Route, reserves: dict[str, tuple[int, int]]) -> tuple[int, int]:
    first = route.hops[0]
    low, high = 1, reserves[first.pool][0 if first.zero_for_one else 1] // 2

    def profit(x: int) -> int:
        return amounts(route, reserves, x)[-1] - x

    while high - low > 2:
        a, b = low + (high - low) // 3, high - (high - low) // 3
        low, high = (a, high) if profit(a) < profit(b) else (low, b)
    best = max(range(low, high + 1), key=profit)
    return best, profit(best)


def _swap_args(route: Route, outs: list[int]) -> list[tuple[int, int]]:
    return [
        (0, out) if hop.zero_for_one else (out, 0)
        for hop, out in zip(route.hops, outs, strict=True)
    ]


async def floor_separate(
    chain: Chain, trader: str, route: Route, amount_in: int, outs: list[int]
) -> int:
    """The issue's floor: transfer + one swap transaction per hop from the EOA."""
    token = route.token_in
    gas = await chain.gas(
        trader, token, encode_call("transfer(address,uint256)", route.hops[0].pool, amount_in)
    )
    pools = [h.pool for h in route.hops]
    for i, (a0, a1) in enumerate(_swap_args(route, outs)):
        to = pools[i + 1] if i + 1 < len(pools) else trader
        gas += await chain.gas(
            trader, pools[i], encode_call("swap(uint256,uint256,address,bytes)", a0, a1, to, b"")
        )
    return gas - BASE_TX_GAS * len(route.hops)


async def floor_one_tx(
    chain: Chain, runner: str, caller: str, route: Route, amount_in: int, outs: list[int]
) -> int:
    pools = [h.pool for h in route.hops]
    swaps = _swap_args(route, outs)
    data = encode_call(
        "run(address,uint256,address[],uint256[],uint256[])",
        route.token_in,
        amount_in,
        pools,
        [a0 for a0, _ in swaps],
        [a1 for _, a1 in swaps],
    )
    return await chain.gas(caller, runner, data)


async def deploy_runner(chain: Chain, deployer: str) -> str:
    with tempfile.TemporaryDirectory(prefix="omniarb-bench-sol-") as tmp:
        Path(tmp, "DirectSwaps.sol").write_text(_DIRECT_SWAPS_SOURCE)
        _, output = compile_sources(Path(tmp))
    bytecode = output["contracts"]["DirectSwaps.sol"]["DirectSwaps"]["evm"]["bytecode"]["object"]
    receipt = await chain.send(deployer, None, "0x" + bytecode)
    return str(receipt["contractAddress"])
