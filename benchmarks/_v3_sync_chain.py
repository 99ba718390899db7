"""The V3 part of `benchmarks/sync.py`: 1,000 Uniswap V3 pools with ~50 initialized ticks each,
discovered and read from a local node (issue #6).

The chain: a bare anvil node with the real UniswapV3Factory (`@uniswap/v3-core` 1.0.1) and a
helper compiled here that creates pools through it in the three standard fee tiers (tick
spacing 10, 60 and 200, a third each), initializes each at a random price and mints ~40
positions of random width around it straight through `pool.mint` (paying in its mint callback),
one pool per transaction (a pool's creation is ~4.5M gas, its positions ~7M; anvil caps a
transaction at 2^24). Built once and cached under `$OMNIARB_HOME/cache/bench-sync-v3-<hash>.json`.

Measured: `V3Discovery.discover()` (the factory's `PoolCreated` logs from block 0, then every
pool through the `V3PoolsLens`: slot0, liquidity, immutables and the initialized ticks, the
bitmap scanned inside the EVM), median of runs. Baseline in the same run: `V3PoolReader`, which
reads a pool in three batched round trips with one `eth_call` per bitmap word and per tick, on
a sample of pools of every tier, extrapolated per tier; its states must equal the lens's.
"""

from __future__ import annotations

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

from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient, RpcRequest
from omniarb.contracts import load_npm_artifact
from omniarb.contracts.build import compile_sources
from omniarb.devnet import dev_account
from omniarb.devnet.anvil import AnvilNode, AnvilOptions, anvil_binary
from omniarb.devnet.deploy import ARTIFACT_PATHS
from omniarb.dex.uniswap_v3 import V3PoolReader, V3PoolState
from omniarb.dex.uniswap_v3.discovery import V3Discovery, V3DiscoverySettings
from omniarb.dex.uniswap_v3.lens import usable_words
from omniarb.paths import omniarb_home

CHAIN_ID = 1
_TOKENS = 30  # C(30, 2) = 435 token pairs x 3 fee tiers: enough for 1,305 pools
_POSITIONS = 40  # two ticks each, some shared: ~50 initialized ticks per pool
_TX_GAS = 16_000_000
_TXS_PER_BLOCK = 40

HELPER_SOURCE = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

interface IV3Factory {
    function createPool(address a, address b, uint24 fee) external returns (address);
}

interface IV3Pool {
    function initialize(uint160 sqrtPriceX96) external;
    function mint(address to, int24 lower, int24 upper, uint128 amount, bytes calldata data)
        external returns (uint256, uint256);
    function slot0() external view returns (uint160, int24, uint16, uint16, uint16, uint8, bool);
    function tickSpacing() external view returns (int24);
    function token0() external view returns (address);
    function token1() external view returns (address);
}

/// A plain ERC-20 as far as the pool needs one (balanceOf, transfer) minted to its creator.
contract BenchToken {
    mapping(address => uint256) public balanceOf;
    constructor(uint256 supply) { balanceOf[msg.sender] = supply; }
    function transfer(address to, uint256 amount) external returns (bool) {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        return true;
    }
}

/// Creates tokens, then pools through a real V3 factory with positions paid from its balances.
contract BenchV3Pools {
    address[] public tokens;

    function makeTokens(uint256 count) external {
        for (uint256 i; i < count; ++i) tokens.push(address(new BenchToken(type(uint128).max)));
    }

    /// Pool number k: token pair k / 3 in the order (0,1), (0,2), ..., (1,2), ...; fee tier k % 3.
    function makePools(address factory, uint256 first, uint256 count, uint256 positions,
                       uint256 seed) external {
        for (uint256 k = first; k < first + count; ++k) {
            uint256 n = tokens.length;
            uint256 i;
            uint256 m = k / 3;
            while (m >= n - 1 - i) { m -= n - 1 - i; ++i; }
            uint24 fee = k % 3 == 0 ? 500 : (k % 3 == 1 ? 3000 : 10000);
            address pool = IV3Factory(factory).createPool(tokens[i], tokens[i + 1 + m], fee);
            uint256 h = uint256(keccak256(abi.encode(seed, k)));
            // sqrt price between 2^94 and 2^98: prices 1/16 .. 16, ticks about -27,700 .. 27,700
            IV3Pool(pool).initialize(uint160((uint256(1) << 94) + h % (uint256(15) << 94)));
            int24 spacing = IV3Pool(pool).tickSpacing();
            (, int24 tick,,,,,) = IV3Pool(pool).slot0();
            int24 at = tick / spacing;
            if (tick < 0 && tick % spacing != 0) at -= 1;
            for (uint256 p; p < positions; ++p) {
                uint256 r = uint256(keccak256(abi.encode(h, p)));
                uint256 w = 1 + r % 40;
                int24 width = int24(int256(w));
                int24 lower = at - width - 5 + int24(int256((r >> 8) % (2 * w + 10)));
                IV3Pool(pool).mint(address(this), lower * spacing, (lower + width) * spacing,
                                   uint128(1e18 + (r >> 32) % 1e21), "");
            }
        }
    }

    function uniswapV3MintCallback(uint256 owed0, uint256 owed1, bytes calldata) external {
        if (owed0 > 0) BenchToken(IV3Pool(msg.sender).token0()).transfer(msg.sender, owed0);
        if (owed1 > 0) BenchToken(IV3Pool(msg.sender).token1()).transfer(msg.sender, owed1);
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
    for _ in range(30_000):
        receipt: dict[str, Any] | None = await rpc.call("eth_getTransactionReceipt", tx_hash)
        if receipt is not None:
            if int(receipt["status"], 16) != 1:
                raise RuntimeError(f"transaction {tx_hash} reverted")
            return receipt
        await asyncio.sleep(0.01)
    raise RuntimeError(f"transaction {tx_hash} was not mined")


def _compile_helper() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="omniarb-bench-") as tmp:
        (Path(tmp) / "BenchV3Pools.sol").write_text(HELPER_SOURCE)
        _, output = compile_sources(Path(tmp))
    compiled: dict[str, Any] = output["contracts"]["BenchV3Pools.sol"]["BenchV3Pools"]
    return compiled


def _factory_bytecode() -> str:
    return load_npm_artifact(ARTIFACT_PATHS["UniswapV3Factory"]).bytecode


def _cache_paths(pools: int) -> tuple[Path, Path]:
    digest = hashlib.sha256()
    digest.update(str(anvil_binary()).encode())
    digest.update(anvil_binary().read_bytes()[: 1 << 16])
    digest.update(_factory_bytecode().encode())
    digest.update(HELPER_SOURCE.encode())
    digest.update(f"{pools}:{_TOKENS}:{_POSITIONS}".encode())
    stem = f"bench-sync-v3-{digest.hexdigest()[:16]}"
    directory = omniarb_home() / "cache"
    return directory / f"{stem}.json", directory / f"{stem}.meta.json"


def _without_traces(state: bytes) -> bytes:
    """The dump minus the execution traces anvil keeps of every mined transaction (here the
    code of every created pool, twice: most of the dump). The receipts stay: discovery reads
    the factory's `PoolCreated` logs, which a node serves from them."""
    dump = json.loads(state)
    for transaction in dump.get("transactions", ()):
        transaction.get("info", {})["traces"] = []
    return json.dumps(dump, separators=(",", ":")).encode()


async def build_v3_chain(pools: int, log: logging.Logger) -> tuple[Path, dict[str, Any]]:
    """The cached state with `pools` V3 pools (built on the first run)."""
    state_path, meta_path = _cache_paths(pools)
    if state_path.exists() and meta_path.exists():
        return state_path, json.loads(meta_path.read_text())
    log.info("building a chain with %d V3 pools (once; cached in %s)", pools, state_path)
    started = time.perf_counter()
    helper = _compile_helper()
    deployer = dev_account(0).address
    node = await AnvilNode.start(AnvilOptions(chain_id=CHAIN_ID))
    try:
        async with RpcClient(node.rpc_http, timeout_s=600) as rpc:
            factory = (
                await _receipt(rpc, await _send(rpc, deployer, None, _factory_bytecode(), _TX_GAS))
            )["contractAddress"]
            code = "0x" + helper["evm"]["bytecode"]["object"]
            bench = (await _receipt(rpc, await _send(rpc, deployer, None, code, _TX_GAS)))[
                "contractAddress"
            ]
            for _ in range(_TOKENS // 10):
                data = encode_call("makeTokens(uint256)", 10)
                await _receipt(rpc, await _send(rpc, deployer, bench, data, _TX_GAS))
            # Many transactions per block: anvil's per-block work then counts once per block.
            await rpc.call("evm_setBlockGasLimit", hex(10**9))
            await rpc.call("evm_setAutomine", False)
            last = ""
            for k in range(pools):
                data = encode_call(
                    "makePools(address,uint256,uint256,uint256,uint256)",
                    factory,
                    k,
                    1,
                    _POSITIONS,
                    7,
                )
                last = await _send(rpc, deployer, bench, data, _TX_GAS)
                if (k + 1) % _TXS_PER_BLOCK == 0:
                    await rpc.call("evm_mine")
                    log.info("  %d pools", k + 1)
            await rpc.call("evm_mine")
            await _receipt(rpc, last)
            dump = await rpc.call("anvil_dumpState")
    finally:
        await node.stop()
    raw = bytes.fromhex(dump.removeprefix("0x"))
    state_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = state_path.with_suffix(".tmp")
    state = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    tmp.write_bytes(_without_traces(state))
    tmp.replace(state_path)
    meta = {"chain_id": CHAIN_ID, "factory": factory, "pools": pools}
    meta_path.write_text(json.dumps(meta, indent=1))
    log.info("built in %.1f s", time.perf_counter() - started)
    return state_path, meta


class _CountingRpc(RpcClient):
    """An RpcClient that counts the JSON-RPC requests and HTTP round trips it makes."""

    requests = 0
    round_trips = 0

    async def call(self, method: str, *params: Any) -> Any:
        self.requests += 1
        self.round_trips += 1
        return await super().call(method, *params)

    async def batch(self, requests: Sequence[RpcRequest]) -> list[Any]:
        self.requests += len(requests)
        self.round_trips += 1
        return await super().batch(requests)


def _by_tier(states: Sequence[V3PoolState]) -> dict[int, list[V3PoolState]]:
    tiers: dict[int, list[V3PoolState]] = {}
    for state in states:
        tiers.setdefault(state.tick_spacing, []).append(state)
    return tiers


async def _reader_baseline(
    rpc: RpcClient, states: Sequence[V3PoolState], sample_per_tier: int, block: int
) -> tuple[float, int]:
    """`V3PoolReader` on `sample_per_tier` pools of each tick spacing, one tier at a time,
    extrapolated to all pools; its states must equal the lens's. Returns (seconds, pools read)."""
    reader = V3PoolReader(rpc, chain_id=CHAIN_ID)
    total_s = 0.0
    read = 0
    for tier in _by_tier(states).values():
        picked = tier[:: max(len(tier) // sample_per_tier, 1)][:sample_per_tier]
        started = time.perf_counter()
        fresh = await reader.read_many([s.address for s in picked], dex="uniswap-v3", block=block)
        elapsed = time.perf_counter() - started
        for ours, theirs in zip(picked, fresh, strict=True):
            if ours.ticks != theirs.ticks or (
                ours.sqrt_price_x96,
                ours.tick,
                ours.liquidity,
                ours.token0,
                ours.fee_pips,
            ) != (
                theirs.sqrt_price_x96,
                theirs.tick,
                theirs.liquidity,
                theirs.token0,
                theirs.fee_pips,
            ):
                raise RuntimeError(f"V3PoolReader disagrees with the lens on {ours.address}")
        total_s += elapsed * len(tier) / len(picked)
        read += len(picked)
    return total_s, read


async def _discover(
    rpc: _CountingRpc, meta: dict[str, Any], settings: V3DiscoverySettings, runs: int
) -> tuple[list[float], Any, int, int]:
    discovery = V3Discovery(
        rpc=rpc, chain_id=CHAIN_ID, factories={meta["factory"]: "uniswap-v3"}, settings=settings
    )
    snapshot = await discovery.discover()  # warm-up: node caches, our imports
    times = []
    rpc.requests = rpc.round_trips = 0
    for _ in range(runs):
        started = time.perf_counter()
        snapshot = await discovery.discover()
        times.append(time.perf_counter() - started)
    return times, snapshot, rpc.requests // runs, rpc.round_trips // runs


async def measure_v3(
    pools: int, runs: int, sample_per_tier: int, log: logging.Logger
) -> dict[str, Any]:
    state_path, meta = await build_v3_chain(pools, log)
    node = await AnvilNode.start(AnvilOptions(chain_id=CHAIN_ID, load_state=state_path))
    try:
        async with _CountingRpc(node.rpc_http, timeout_s=300) as rpc:
            times, snapshot, requests, round_trips = await _discover(
                rpc, meta, V3DiscoverySettings(), runs
            )
            # The same read where the node lets `eth_call` use more gas than a transaction may.
            big_times, big, _, _ = await _discover(
                rpc, meta, V3DiscoverySettings(call_gas=100_000_000, words_per_call=20_000), 1
            )
            if big.pools != snapshot.pools:
                raise RuntimeError("the 100M-gas read disagrees with the 2^24-gas read")
            baseline_s, sampled = await _reader_baseline(
                rpc, snapshot.pools, sample_per_tier, snapshot.block_number
            )
    finally:
        await node.stop()
    found = len(snapshot.pools)
    ticks = [len(p.ticks) for p in snapshot.pools]
    p50 = statistics.median(times)
    return {
        "pools": found,
        "initialized_ticks": sum(ticks),
        "ticks_per_pool_mean": round(statistics.mean(ticks), 1),
        "pools_by_tick_spacing": {
            str(k): len(v) for k, v in sorted(_by_tier(snapshot.pools).items())
        },
        "bitmap_words": sum(
            last - first + 1
            for first, last in (usable_words(p.tick_spacing) for p in snapshot.pools)
        ),
        "runs": runs,
        "discover_p50_s": round(p50, 4),
        "discover_min_s": round(min(times), 4),
        "discover_max_s": round(max(times), 4),
        "lens_calls_per_discover": requests - 2,
        "http_round_trips_per_discover": round_trips,
        "discover_gas_100m_s": round(big_times[0], 4),
        "reader_sample_pools": sampled,
        "reader_extrapolated_s": round(baseline_s, 3),
        "speedup_vs_reader": round(baseline_s / p50, 1),
    }


def print_v3(result: dict[str, Any]) -> None:
    tiers = ", ".join(f"{n} at spacing {s}" for s, n in result["pools_by_tick_spacing"].items())
    print(
        f"V3 sync: {result['pools']} pools ({tiers}) with {result['initialized_ticks']} "
        f"initialized ticks ({result['ticks_per_pool_mean']} per pool), median of "
        f"{result['runs']} runs"
    )
    print(
        f"  full discovery (PoolCreated logs + lens: slot0, liquidity, ticks)"
        f"  {result['discover_p50_s']:.3f} s  (min {result['discover_min_s']:.3f},"
        f" max {result['discover_max_s']:.3f}); {result['lens_calls_per_discover']} lens calls"
        f" in {result['http_round_trips_per_discover']} HTTP requests"
    )
    print(
        f"  the same with eth_call allowed 100M gas (no EIP-7825 cap)      "
        f"  {result['discover_gas_100m_s']:.3f} s"
    )
    print(f"baseline, extrapolated from {result['reader_sample_pools']} pools:")
    print(
        f"  V3PoolReader (one eth_call per bitmap word and tick, batched)  "
        f"  {result['reader_extrapolated_s']:.2f} s"
        f"  -> the lens is {result['speedup_vs_reader']}x faster"
    )
