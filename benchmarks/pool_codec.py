"""The bus's pool codec on a real devnet's states: entry size and encode/decode time.

What is measured. On the devnet's Arbitrum (automine; it holds every pool kind the registry
trades), the kinds' own books read every pool's state at the head (as a worker's state stage
has them after its first block), and that first update, which names every pool, is the entry
measured: `encode_update` + `json.dumps` (the worker's side, `PoolPublisher.run`) and
`json.loads` + `decode_update` (the coordinator's, `PoolIntake.handle`; decoding rebuilds each
tick table's square-root prices). A later block's update carries only the pools it changed:
the per-kind sizes say what one changed pool costs. Checked before printing: the decoded update
equals the original.

    .venv/bin/python benchmarks/pool_codec.py [--iterations N] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections import defaultdict
from typing import Any

from omniarb.bus.pool_codec import PoolCodec, decode_update, encode_update
from omniarb.chains.blocks import read_head
from omniarb.chains.rpc import RpcClient
from omniarb.devnet import Devnet
from omniarb.dex.base import PoolBook, PoolState
from omniarb.dex.deployments import traded_deployments
from omniarb.dex.registry import adapter
from omniarb.types import PoolUpdate

CHAIN = "arbitrum"


async def _states() -> tuple[int, str, int, list[PoolState]]:
    async with Devnet(block_times_s={CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            head = await read_head(rpc, chain.chain_id)
            found: list[PoolState] = []
            for kind, dexes in traded_deployments(chain).items():
                book: PoolBook[Any] = adapter(kind).book(
                    rpc=rpc, chain_id=chain.chain_id, dexes=dexes
                )
                found += await book.discover_at(head)
    return chain.chain_id, head.hash, head.number, found


def measure(iterations: int) -> dict[str, Any]:
    chain_id, block_hash, number, states = asyncio.run(_states())
    codec = PoolCodec()
    update = PoolUpdate(
        chain_id=chain_id,
        block_number=number,
        block_hash=block_hash,
        base_fee_wei=10**8,
        pools=tuple(states),
        new_pools=tuple(s.address for s in states),
    )
    encode_ns, decode_ns = [], []
    for _ in range(iterations):
        start = time.perf_counter_ns()
        text = json.dumps(encode_update(CHAIN, update, codec), separators=(",", ":"))
        middle = time.perf_counter_ns()
        _chain, back = decode_update(json.loads(text), codec)
        decode_ns.append(time.perf_counter_ns() - middle)
        encode_ns.append(middle - start)
        if back != update:
            raise SystemExit("the decoded update differs from the original")
    by_kind: dict[str, list[int]] = defaultdict(list)
    for state in states:
        by_kind[state.kind].append(len(json.dumps(codec.encode(state), separators=(",", ":"))))
    return {
        "pools": len(states),
        "entry_bytes": len(text),
        "encode_ms_median": statistics.median(encode_ns) / 1e6,
        "decode_ms_median": statistics.median(decode_ns) / 1e6,
        "bytes_per_pool_by_kind": {
            kind: {"pools": len(sizes), "median_bytes": int(statistics.median(sizes))}
            for kind, sizes in sorted(by_kind.items())
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = measure(args.iterations)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"first update of {CHAIN}: {figures['pools']} pools, {figures['entry_bytes']} bytes")
    print(f"encode + dumps: {figures['encode_ms_median']:.2f} ms (median of {args.iterations})")
    print(f"loads + decode: {figures['decode_ms_median']:.2f} ms")
    for kind, row in figures["bytes_per_pool_by_kind"].items():
        print(f"  {kind:18} {row['pools']:3} pools, median {row['median_bytes']:6} bytes")


if __name__ == "__main__":
    main()
