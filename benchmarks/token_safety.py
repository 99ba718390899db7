"""Token safety verdicts on the devnet's Ethereum with its trap tokens: how long a verdict takes
cold (simulated: the pool's balance, the probe `eth_call`, and for a token whose buy fails the
balance-slot search and a holder's transfer) and cached (a dictionary lookup).

Each round builds a fresh `TokenSafety` and asks for every token once (cold), then asks again
(cached). The figures are per token, in milliseconds; the node is a local anvil over HTTP.

    .venv/bin/python benchmarks/token_safety.py [--rounds 5] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

from omniarb._config_tokens import TokenRiskSettings
from omniarb.chains.rpc import RpcClient
from omniarb.devnet import Devnet
from omniarb.risk.token_safety import TokenSafety

TOKENS = ("WETH", "USDC", "WBTC", "FEE5", "HONEY", "PAUSE", "BLOCK")
EXECUTOR = "0x00000000000000000000000000000000e8ec0001"


async def _measure(rounds: int) -> dict[str, dict[str, float]]:
    cold: dict[str, list[float]] = {t: [] for t in TOKENS}
    cached: dict[str, list[float]] = {t: [] for t in TOKENS}
    async with Devnet(block_times_s={"ethereum": None}, traps=True) as net:
        chain = net.manifest.chain("ethereum")
        pools = {}
        for symbol in TOKENS:
            pools[symbol] = next(
                p.address
                for p in chain.pools
                if p.kind == "uniswap-v2" and symbol in (p.symbol0, p.symbol1)
            )
        async with RpcClient(chain.rpc_http) as rpc:
            for _ in range(rounds):
                safety = TokenSafety(rpc=rpc, executor=EXECUTOR, settings=TokenRiskSettings())
                for symbol in TOKENS:
                    token = chain.token(symbol).address
                    for into in (cold, cached):
                        started = time.perf_counter()
                        await safety.check(token, pools[symbol])
                        into[symbol].append((time.perf_counter() - started) * 1000)
    return {
        symbol: {
            "cold_ms": statistics.median(cold[symbol]),
            "cached_ms": statistics.median(cached[symbol]),
        }
        for symbol in TOKENS
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = asyncio.run(_measure(args.rounds))
    if args.json:
        print(json.dumps(figures))
        return
    print(f"{'token':8} {'cold ms':>9} {'cached ms':>10}")
    for symbol, row in figures.items():
        print(f"{symbol:8} {row['cold_ms']:9.2f} {row['cached_ms']:10.4f}")


if __name__ == "__main__":
    main()
