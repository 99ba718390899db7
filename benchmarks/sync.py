"""Pool sync: discover and read 10,000 Uniswap V2 pairs from a local node (issue #5), and
1,000 Uniswap V3 pools with ~50 initialized ticks each (issue #6; `_v3_sync_chain.py`).

Target: full discovery (every pair of every factory, with tokens and reserves) of 10,000 pairs
in <= 2 s. Baseline, measured in the same run: the naive way, one `eth_call` per pair for
`getReserves()` (and, for full discovery, `allPairs(i)`, `token0()`, `token1()` too) on a sample
of pairs, extrapolated to all of them. Prints the figures and the ratios; `--json` prints one
JSON object.

The chain is the devnet's Ethereum with extra pairs created through both of its real Uniswap V2
factories by a helper contract compiled here (tokens, `createPair`, liquidity, `mint`). Building
it takes a while once; the anvil state is cached under
`$OMNIARB_HOME/cache/bench-sync-<hash>.json`, so later runs start in a second.

    .venv/bin/python benchmarks/sync.py [--pairs 10000] [--runs 5] [--sample 500] [--json]
        [--v3-pools 1000] [--v3-runs 3] [--v3-sample 10] [--only v2|v3]

With `--json` the V2 figures are the object's top-level keys and the V3 ones are under "v3".
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import json
import logging
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _v3_sync_chain import measure_v3, print_v3  # benchmarks/ is on the path as the script's dir

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import chain_by_name
from omniarb.contracts.build import compile_sources
from omniarb.devnet import Devnet, dev_account
from omniarb.devnet.anvil import AnvilNode, AnvilOptions, anvil_binary
from omniarb.devnet.cache import cache_key
from omniarb.dex.uniswap_v2.discovery import V2Discovery
from omniarb.dex.uniswap_v2.lens import V2Lens
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.paths import omniarb_home

TARGET_S = 2.0
CHAIN = "ethereum"
_TOKENS = 160  # C(160, 2) = 12,720 token pairs per factory, enough for 10,000 pairs
# ~2.7M gas per pair with liquidity; anvil caps a transaction at 2**24 gas (EIP-7825).
_PAIRS_PER_TX = 5
_TX_GAS = 16_000_000
_TXS_PER_BLOCK = 60

HELPER_SOURCE = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

interface IFactory { function createPair(address a, address b) external returns (address); }
interface IPair { function mint(address to) external returns (uint256); }

/// A plain ERC-20 (no events needed by the pair) minted to its creator.
contract BenchToken {
    mapping(address => uint256) public balanceOf;
    constructor(uint256 supply) { balanceOf[msg.sender] = supply; }
    function transfer(address to, uint256 amount) external returns (bool) {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        return true;
    }
}

/// Creates tokens, then pairs through a real factory with liquidity from its own balances.
contract BenchPairs {
    address[] public tokens;

    function makeTokens(uint256 count) external {
        for (uint256 i; i < count; ++i) tokens.push(address(new BenchToken(type(uint128).max)));
    }

    /// Pairs number `first .. first+count-1` in the order (0,1), (0,2), ..., (1,2), ...
    function makePairs(address factory, uint256 first, uint256 count, uint256 seed) external {
        uint256 n = tokens.length;
        uint256 i;
        uint256 j = 1;
        uint256 k = first;
        while (k >= n - 1 - i) { k -= n - 1 - i; ++i; }
        j = i + 1 + k;
        for (uint256 made; made < count; ++made) {
            address pair = IFactory(factory).createPair(tokens[i], tokens[j]);
            uint256 h = uint256(keccak256(abi.encode(seed, first + made)));
            BenchToken(tokens[i]).transfer(pair, 1e18 + (h % 1e24));
            BenchToken(tokens[j]).transfer(pair, 1e18 + ((h >> 128) % 1e24));
            IPair(pair).mint(address(this));
            if (++j == n) { ++i; j = i + 1; }
        }
    }
}
"""


async def _send(rpc: RpcClient, sender: str, to: str | None, data: str, gas: int) -> str:
    tx: dict[str, Any] = {"from": sender, "data": data, "gas": hex(gas)}
    if to is not None:
        tx["to"] = to
    tx_hash: str = await rpc.call("eth_sendTransaction", tx)
    return tx_hash


async def _receipt(rpc: RpcClient, tx_hash: str) -> dict[str, Any]:
    for _ in range(3000):
        receipt: dict[str, Any] | None = await rpc.call("eth_getTransactionReceipt", tx_hash)
        if receipt is not None:
            if int(receipt["status"], 16) != 1:
                raise RuntimeError(f"transaction {tx_hash} reverted")
            return receipt
        await asyncio.sleep(0.01)
    raise RuntimeError(f"transaction {tx_hash} was not mined")


def _compile_helper() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="omniarb-bench-") as tmp:
        (Path(tmp) / "BenchPairs.sol").write_text(HELPER_SOURCE)
        _, output = compile_sources(Path(tmp))
    compiled: dict[str, Any] = output["contracts"]["BenchPairs.sol"]["BenchPairs"]
    return compiled


def _without_mined_transactions(state: bytes) -> bytes:
    """The dump minus its list of mined transactions, which anvil keeps with their execution
    traces (here the code of every created pair, twice: about 0.5 GB of 0.8). Loading needs only
    the accounts and the blocks; receipts of the set-up transactions are not used."""
    start = state.find(b',"transactions":[{"info":')
    end = state.rfind(b',"historical_states":')
    if start < 0 or end < start:
        return state
    return state[:start] + b',"transactions":[]' + state[end:]


def _cache_paths(pairs: int) -> tuple[Path, Path]:
    digest = hashlib.sha256()
    digest.update(cache_key(chain_by_name(CHAIN), anvil_binary()).encode())
    digest.update(HELPER_SOURCE.encode())
    digest.update(f"{pairs}:{_TOKENS}:{_PAIRS_PER_TX}".encode())
    stem = f"bench-sync-{digest.hexdigest()[:16]}"
    directory = omniarb_home() / "cache"
    return directory / f"{stem}.json", directory / f"{stem}.meta.json"


async def build_chain(pairs: int, log: logging.Logger) -> tuple[Path, dict[str, Any]]:
    """The cached state with `pairs` V2 pairs in all (built on the first run)."""
    state_path, meta_path = _cache_paths(pairs)
    if state_path.exists() and meta_path.exists():
        return state_path, json.loads(meta_path.read_text())
    log.info("building a devnet chain with %d V2 pairs (once; cached in %s)", pairs, state_path)
    started = time.perf_counter()
    helper = _compile_helper()
    deployer = dev_account(0).address
    async with Devnet(block_times_s={CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        factories = {d.factory: d.name for d in chain.dexes if d.kind == "uniswap-v2"}
        existing = sum(1 for p in chain.pools if p.kind == "uniswap-v2")
        async with RpcClient(chain.rpc_http, timeout_s=300) as rpc:
            receipt = await _receipt(
                rpc,
                await _send(rpc, deployer, None, "0x" + helper["evm"]["bytecode"]["object"], 10**7),
            )
            bench = receipt["contractAddress"]
            for _ in range(_TOKENS // 40):
                await _receipt(
                    rpc,
                    await _send(
                        rpc, deployer, bench, encode_call("makeTokens(uint256)", 40), _TX_GAS
                    ),
                )
            # Many transactions per block: anvil's per-block work (state root) then counts once
            # per ~70 transactions instead of once per transaction.
            await rpc.call("evm_setBlockGasLimit", hex(10**9))
            await rpc.call("evm_setAutomine", False)
            to_make = pairs - existing
            shares = [
                to_make // len(factories) + (i < to_make % len(factories))
                for i in range(len(factories))
            ]
            last = ""
            sent = 0
            for (factory, _), share in zip(factories.items(), shares, strict=True):
                for first in range(0, share, _PAIRS_PER_TX):
                    count = min(_PAIRS_PER_TX, share - first)
                    data = encode_call(
                        "makePairs(address,uint256,uint256,uint256)", factory, first, count, 7
                    )
                    last = await _send(rpc, deployer, bench, data, _TX_GAS)
                    sent += 1
                    if sent % _TXS_PER_BLOCK == 0:
                        await rpc.call("evm_mine")
            await rpc.call("evm_mine")
            await _receipt(rpc, last)
            dump = await rpc.call("anvil_dumpState")
    raw = bytes.fromhex(dump.removeprefix("0x"))
    state_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = state_path.with_suffix(".tmp")
    state = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    tmp.write_bytes(_without_mined_transactions(state))
    tmp.replace(state_path)
    meta = {"chain_id": chain.chain_id, "factories": factories, "pairs": pairs}
    meta_path.write_text(json.dumps(meta, indent=1))
    log.info("built in %.1f s", time.perf_counter() - started)
    return state_path, meta


async def _naive_reserves(rpc: RpcClient, pools: Sequence[V2PoolState]) -> float:
    """The naive way: one `eth_call getReserves()` per pair, awaited one after the other."""
    started = time.perf_counter()
    for pool in pools:
        answer = await rpc.call(
            "eth_call", {"to": pool.address, "data": encode_call("getReserves()")}, "latest"
        )
        reserve0, reserve1, _ = decode(["uint112", "uint112", "uint32"], answer)
        if (reserve0, reserve1) != (pool.reserve0, pool.reserve1):
            raise RuntimeError(f"naive read of {pool.address} disagrees with the lens")
    return time.perf_counter() - started


async def _batched_reserves(rpc: RpcClient, pools: Sequence[V2PoolState]) -> float:
    """Still one `eth_call` per pair, but all of them in one JSON-RPC batch."""
    started = time.perf_counter()
    data = encode_call("getReserves()")
    await rpc.batch([("eth_call", [{"to": p.address, "data": data}, "latest"]) for p in pools])
    return time.perf_counter() - started


async def _naive_discovery(rpc: RpcClient, pairs: Sequence[tuple[str, int]]) -> float:
    """Naive discovery: `allPairs(i)`, `token0()`, `token1()`, `getReserves()` call by call."""
    started = time.perf_counter()
    for factory, index in pairs:
        (pair,) = decode(
            ["address"],
            await rpc.call(
                "eth_call",
                {"to": factory, "data": encode_call("allPairs(uint256)", index)},
                "latest",
            ),
        )
        for signature in ("token0()", "token1()", "getReserves()"):
            await rpc.call("eth_call", {"to": pair, "data": encode_call(signature)}, "latest")
    return time.perf_counter() - started


async def measure(pairs: int, runs: int, sample: int, log: logging.Logger) -> dict[str, Any]:
    state_path, meta = await build_chain(pairs, log)
    node = await AnvilNode.start(AnvilOptions(chain_id=meta["chain_id"], load_state=state_path))
    try:
        factories = {address: (dex, 30) for address, dex in meta["factories"].items()}
        async with RpcClient(node.rpc_http, timeout_s=120) as rpc:
            discovery = V2Discovery(
                rpc=rpc, chain_id=meta["chain_id"], factories=factories, lens=V2Lens.load()
            )
            snapshot = await discovery.discover()  # warm-up: node caches, our imports
            found = len(snapshot.pools)
            discover_s = []
            for _ in range(runs):
                started = time.perf_counter()
                snapshot = await discovery.discover()
                discover_s.append(time.perf_counter() - started)
            addresses = [p.address for p in snapshot.pools]
            reserves_s = []
            for _ in range(runs):
                started = time.perf_counter()
                reserves = await discovery.read_reserves(addresses, snapshot.block_number)
                reserves_s.append(time.perf_counter() - started)
            if any(reserves[p.address] != (p.reserve0, p.reserve1) for p in snapshot.pools):
                raise RuntimeError("the reserves lens disagrees with the pairs lens")
            step = max(len(snapshot.pools) // sample, 1)
            picked = snapshot.pools[::step][:sample]
            # Discovery lists each factory's pairs in allPairs order.
            position: dict[str, int] = {}
            index_of: dict[str, tuple[str, int]] = {}
            for pool in snapshot.pools:
                index_of[pool.address] = (pool.factory, position.get(pool.factory, 0))
                position[pool.factory] = position.get(pool.factory, 0) + 1
            naive_reserves_s = await _naive_reserves(rpc, picked)
            batched_reserves_s = await _batched_reserves(rpc, picked)
            naive_discovery_s = await _naive_discovery(rpc, [index_of[p.address] for p in picked])
    finally:
        await node.stop()
    scale = found / len(picked)
    p50 = statistics.median(discover_s)
    naive_reserves_s *= scale
    batched_reserves_s *= scale
    naive_discovery_s *= scale
    return {
        "pairs": found,
        "runs": runs,
        "discover_p50_s": round(p50, 4),
        "discover_min_s": round(min(discover_s), 4),
        "discover_max_s": round(max(discover_s), 4),
        "reserves_refresh_p50_s": round(statistics.median(reserves_s), 4),
        "target_s": TARGET_S,
        "ratio_to_target": round(p50 / TARGET_S, 4),
        "target_met": p50 <= TARGET_S,
        "naive_sample": len(picked),
        "naive_reserves_extrapolated_s": round(naive_reserves_s, 3),
        "batched_calls_reserves_extrapolated_s": round(batched_reserves_s, 3),
        "naive_discovery_extrapolated_s": round(naive_discovery_s, 3),
        "speedup_vs_naive_reserves": round(naive_reserves_s / p50, 1),
        "speedup_vs_naive_discovery": round(naive_discovery_s / p50, 1),
        "reserves_refresh_vs_naive": round(naive_reserves_s / statistics.median(reserves_s), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--v3-pools", type=int, default=1_000)
    parser.add_argument("--v3-runs", type=int, default=3)
    parser.add_argument("--v3-sample", type=int, default=10, help="V3PoolReader pools per tier")
    parser.add_argument("--only", choices=("v2", "v3"), help="run one part only")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING if args.json else logging.INFO, format="%(message)s")
    log = logging.getLogger("bench.sync")
    logging.getLogger("omniarb").setLevel(logging.WARNING)
    result: dict[str, Any] = {}
    if args.only != "v3":
        result = asyncio.run(measure(args.pairs, args.runs, args.sample, log))
    if args.only != "v2":
        result["v3"] = asyncio.run(measure_v3(args.v3_pools, args.v3_runs, args.v3_sample, log))
    if args.json:
        print(json.dumps(result))
        return 0
    if args.only == "v3":
        print_v3(result["v3"])
        return 0
    print(f"V2 sync: {result['pairs']} pairs from a local anvil, median of {args.runs} runs")
    print(
        f"  full discovery (pairs, tokens, reserves)  {result['discover_p50_s']:.3f} s"
        f"  (min {result['discover_min_s']:.3f}, max {result['discover_max_s']:.3f});"
        f" target <= {TARGET_S:g} s: {result['ratio_to_target']:.1%} of it"
    )
    print(
        f"  reserves refresh of every pair            {result['reserves_refresh_p50_s']:.3f} s"
        f"  ({result['reserves_refresh_vs_naive']}x faster than naive)"
    )
    print(f"baseline, extrapolated from {result['naive_sample']} pairs:")
    print(
        f"  naive: one eth_call per pair for getReserves  "
        f"{result['naive_reserves_extrapolated_s']:.2f} s"
        f"  -> full discovery is {result['speedup_vs_naive_reserves']}x faster"
    )
    print(
        f"  naive discovery: 4 eth_calls per pair          "
        f"{result['naive_discovery_extrapolated_s']:.2f} s"
        f"  -> {result['speedup_vs_naive_discovery']}x faster"
    )
    print(
        f"  one eth_call per pair, in one batch            "
        f"{result['batched_calls_reserves_extrapolated_s']:.2f} s"
    )
    print(f"target met: {result['target_met']}")
    if args.only != "v2":
        print_v3(result["v3"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
