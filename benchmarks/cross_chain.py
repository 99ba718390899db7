"""Cross-chain view speed: one block on one chain moves N pools; update the view and re-evaluate
every cross-chain pair the moved assets touch.

1,000 assets on five chains (Ethereum, BNB Chain, Polygon, Arbitrum, OP Mainnet), each with a
Uniswap V2 pair against the chain's USDC, a third of them also a Uniswap V3 pool against USDC
(three positions minted around the price, as the state stage builds them), a quarter a V2 pair
against the wrapped native token (a two-hop candidate through the WETH/USDC hub); ~9,000
pools. Prices carry ±0.1% noise per chain (below two swap fees: no gap), `--planted` assets
±3% (real gaps). A block picks a chain and N pools of it and swaps each by 0.001%–0.1% of its
depth, through the pools' own exact swap (`after_exact_input`, V2 and V3 alike); the timed
call is the coordinator's: `CrossChainDetector.on_block(chain, block, moved_states, …)`, which
re-selects the moved assets' paths on that chain and evaluates them against the four other
chains both ways (screen, size, exact legs for what passes). Target (issue #20): p50 ≤ 1 ms.

The baseline, measured in the same run, is the full re-evaluation: the same block handed over
as if every pool of the chain had moved (every asset's paths re-selected, every pair
evaluated).

    .venv/bin/python benchmarks/cross_chain.py [--assets 1000] [--blocks 300]
        [--pools 1,10,50] [--planted 20] [--baseline-runs 5] [--seed 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import replace

from omniarb._config_cross_chain import CrossChainSettings
from omniarb.chains.assets import AssetRegistry
from omniarb.cross_chain_types import LegFee
from omniarb.detect.cross_chain import CrossChainDetector
from omniarb.dex.base import PoolState
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.dex.uniswap_v3.tick_math import get_tick_at_sqrt_ratio
from omniarb.dex.uniswap_v3.tick_table import TickTable
from omniarb.network import TokenEntry

P50_TARGET_MS = 1.0
CHAINS = {"ethereum": 1, "bnb": 56, "polygon": 137, "arbitrum": 42161, "optimism": 10}
NATIVE_USD = {
    "ethereum": 3000.0,
    "bnb": 600.0,
    "polygon": 0.5,
    "arbitrum": 3000.0,
    "optimism": 3000.0,
}
GAS_PRICE_WEI = {
    "ethereum": 20 * 10**9,
    "bnb": 10**9,
    "polygon": 50 * 10**9,
    "arbitrum": 10**7,
    "optimism": 10**6,
}
SPACING = 60


class World:
    """The synthetic five-chain market (module docstring)."""

    def __init__(self, *, assets: int, planted: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.tokens: dict[str, list[TokenEntry]] = {c: [] for c in CHAINS}
        self.states: dict[str, dict[str, PoolState]] = {c: {} for c in CHAINS}
        self.asset_pools: dict[str, list[str]] = {c: [] for c in CHAINS}
        self.price_usd = {f"A{i}": math.exp(self.rng.uniform(-4, 8)) for i in range(assets)}
        self.decimals = {a: self.rng.choice((6, 8, 18)) for a in self.price_usd}
        self.price_usd |= {"ETH": 3000.0, "USDC": 1.0}
        self.decimals |= {"ETH": 18, "USDC": 6}
        planted_assets = set(self.rng.sample(sorted(self.price_usd)[:assets], planted))
        self._next = 0
        for chain in CHAINS:
            for asset in self.price_usd:
                self._token(chain, asset)
            self._v2(chain, "ETH", "USDC", 50_000_000, 1.0)
            self._v3(chain, "ETH", "USDC", 20_000_000, 1.0)
            for index in range(assets):
                asset = f"A{index}"
                noise = 0.03 if asset in planted_assets else 0.001
                skew = 1.0 + self.rng.uniform(-noise, noise)
                depth = math.exp(self.rng.uniform(math.log(2e5), math.log(2e7)))
                self.asset_pools[chain].append(self._v2(chain, asset, "USDC", depth, skew))
                if index % 3 == 0:
                    self.asset_pools[chain].append(self._v3(chain, asset, "USDC", depth, skew))
                if index % 4 == 0:
                    self.asset_pools[chain].append(self._v2(chain, asset, "ETH", depth / 2, skew))

    def address(self, chain: str, asset: str) -> str:
        # WETH and USDC first, then the assets; eight slots per token, one per chain.
        slot = {"ETH": 1, "USDC": 2}.get(asset) or int(asset[1:]) + 16
        return f"0x{slot * 8 + list(CHAINS).index(chain):040x}"

    def _token(self, chain: str, asset: str) -> None:
        self.tokens[chain].append(
            TokenEntry(
                symbol="WETH" if asset == "ETH" else asset,
                address=self.address(chain, asset),
                decimals=self.decimals[asset],
                name=asset,
                asset=asset,
                wrapped_native=asset == "ETH",
            )
        )

    def _ordered(self, chain: str, a: str, b: str, skew: float) -> tuple[str, str, float]:
        if self.address(chain, a) < self.address(chain, b):
            return a, b, skew
        return b, a, 1.0 / skew

    def _pool_address(self) -> str:
        self._next += 1
        return f"0x{0xB0000000 + self._next:040x}"

    def _v2(self, chain: str, a: str, b: str, depth_usd: float, skew: float) -> str:
        first, second, skew = self._ordered(chain, a, b, skew)
        state = V2PoolState(
            chain_id=CHAINS[chain],
            address=self._pool_address(),
            dex="uniswap-v2",
            factory="0x" + "f2" * 20,
            token0=self.address(chain, first),
            token1=self.address(chain, second),
            reserve0=int(depth_usd / self.price_usd[first] * 10 ** self.decimals[first]),
            reserve1=int(depth_usd / self.price_usd[second] * 10 ** self.decimals[second] * skew),
            fee_bps=30,
            block_number=1,
        )
        self.states[chain][state.state_key] = state
        return state.state_key

    def _v3(self, chain: str, a: str, b: str, depth_usd: float, skew: float) -> str:
        first, second, skew = self._ordered(chain, a, b, skew)
        scale = 10.0 ** (self.decimals[second] - self.decimals[first])
        price = self.price_usd[first] / self.price_usd[second] * scale * skew
        sqrt_price_x96 = int(math.sqrt(price) * 2**96)
        tick = get_tick_at_sqrt_ratio(sqrt_price_x96)
        state = V3PoolState(
            chain_id=CHAINS[chain],
            address=self._pool_address(),
            dex="uniswap-v3",
            factory="0x" + "f3" * 20,
            token0=self.address(chain, first),
            token1=self.address(chain, second),
            fee_pips=3000,
            tick_spacing=SPACING,
            sqrt_price_x96=sqrt_price_x96,
            tick=tick,
            liquidity=0,
            ticks=TickTable(),
            block_number=1,
        )
        unit0 = 10 ** self.decimals[first] / self.price_usd[first]
        center = tick // SPACING
        for width in (4, 20, 200):
            state = state.with_position_change(
                tick_lower=(center - width) * SPACING,
                tick_upper=(center + width + 1) * SPACING,
                liquidity_delta=int(depth_usd / 3 * unit0 * math.sqrt(price)),
                block_number=1,
            )
        self.states[chain][state.state_key] = state
        return state.state_key

    def block(self, chain: str, pools: int, number: int) -> list[PoolState]:
        """`pools` of `chain`'s asset pools, each after a random exact swap (kept as the new
        state of the market)."""
        moved: list[PoolState] = []
        for key in self.rng.sample(self.asset_pools[chain], pools):
            state = self.states[chain][key]
            token_in = self.rng.choice((state.token0, state.token1))
            depth = _depth_of(state, token_in)
            amount = max(int(depth * 10 ** self.rng.uniform(-5, -3)), 1)
            _, after = state.after_exact_input(token_in, amount)
            after = _at_block(after, number)
            self.states[chain][key] = after
            moved.append(after)
        return moved


def _depth_of(state: PoolState, token_in: str) -> int:
    if isinstance(state, V2PoolState):
        return state.reserve0 if token_in == state.token0 else state.reserve1
    assert isinstance(state, V3PoolState)
    # Virtual reserve of the input side at the price: L/√P (token0) or L·√P (token1).
    sqrt_price = state.sqrt_price_x96 / 2**96
    return int(
        state.liquidity / sqrt_price if token_in == state.token0 else state.liquidity * sqrt_price
    )


def _at_block(state: PoolState, number: int) -> PoolState:
    assert isinstance(state, V2PoolState | V3PoolState)
    return replace(state, block_number=number)


def _detector(world: World) -> CrossChainDetector:
    settings = CrossChainSettings(enabled=True, max_trade_usd=50_000.0)
    return CrossChainDetector(settings, AssetRegistry(world.tokens))


def _inventory(world: World) -> dict[tuple[str, str], int]:
    return {
        (chain, token.address.lower()): int(1e6 / world.price_usd[token.asset]) * 10**token.decimals
        for chain, tokens in world.tokens.items()
        for token in tokens
    }


FEES = {
    chain: LegFee(
        gas_price_wei=GAS_PRICE_WEI[chain],
        l1_data_fee_wei=10**12 if chain in ("arbitrum", "optimism") else 0,
        leg_gas=150_000,
        native_usd=NATIVE_USD[chain],
    )
    for chain in CHAINS
}


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(
    *,
    assets: int,
    blocks: int,
    pool_counts: Sequence[int],
    planted: int,
    baseline_runs: int,
    seed: int,
) -> dict[str, float]:
    world = World(assets=assets, planted=planted, seed=seed)
    detector = _detector(world)
    inventory = _inventory(world)
    figures: dict[str, float] = {
        "assets": assets,
        "pools": sum(len(s) for s in world.states.values()),
    }
    started = time.perf_counter()
    opened = 0
    for chain in CHAINS:
        opened += len(
            detector.on_block(
                chain, 1, list(world.states[chain].values()), inventory=inventory, fees=FEES
            )
        )
    figures["initial_build_s"] = time.perf_counter() - started
    figures["initial_opportunities"] = opened
    number = 2
    for count in pool_counts:
        times_ms: list[float] = []
        found = 0
        for _ in range(blocks):
            chain = world.rng.choice(list(CHAINS))
            moved = world.block(chain, count, number)
            number += 1
            started = time.perf_counter()
            found += len(detector.on_block(chain, number, moved, inventory=inventory, fees=FEES))
            times_ms.append((time.perf_counter() - started) * 1e3)
        figures[f"n{count}_p50_ms"] = statistics.median(times_ms)
        figures[f"n{count}_p99_ms"] = _percentile(times_ms, 0.99)
        figures[f"n{count}_opportunities_per_block"] = found / blocks
    baseline_ms: list[float] = []
    for _ in range(baseline_runs):
        chain = world.rng.choice(list(CHAINS))
        everything = list(world.states[chain].values())
        detector.view.quotes.clear()  # nothing kept: every path re-selected and re-sampled
        for other in CHAINS:
            if other != chain:
                detector.view.apply(other, number, world.states[other].values())
        started = time.perf_counter()
        detector.on_block(chain, number, everything, inventory=inventory, fees=FEES)
        baseline_ms.append((time.perf_counter() - started) * 1e3)
    figures["baseline_p50_ms"] = statistics.median(baseline_ms)
    figures["pairs_evaluated"] = detector.counters.pairs
    figures["pairs_screened_out"] = detector.counters.screened_out
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=1_000)
    parser.add_argument("--blocks", type=int, default=300, help="timed blocks per N")
    parser.add_argument("--pools", default="1,10,50", help="N: pools a block moves")
    parser.add_argument("--planted", type=int, default=20, help="assets with ±3%% gaps")
    parser.add_argument("--baseline-runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    counts = [int(n) for n in args.pools.split(",")]
    figures = measure(
        assets=args.assets,
        blocks=args.blocks,
        pool_counts=counts,
        planted=args.planted,
        baseline_runs=args.baseline_runs,
        seed=args.seed,
    )
    if args.json:
        print(json.dumps(figures))
        return 0
    print(
        f"{figures['assets']:.0f} assets on {len(CHAINS)} chains, {figures['pools']:.0f} pools;"
        f" initial build {figures['initial_build_s']:.2f} s"
        f" ({figures['initial_opportunities']:.0f} opportunities)"
    )
    baseline = figures["baseline_p50_ms"]
    print("pools a block moves    p50 ms    p99 ms   opps/block   vs full re-evaluation")
    for count in counts:
        p50, p99 = figures[f"n{count}_p50_ms"], figures[f"n{count}_p99_ms"]
        per_block = figures[f"n{count}_opportunities_per_block"]
        mark = "ok" if p50 <= P50_TARGET_MS else "over"
        print(
            f"{count:>19}  {p50:>8.3f}  {p99:>8.3f}  {per_block:>11.2f}   {baseline / p50:>8.0f}x"
            f"  (target p50 <= {P50_TARGET_MS} ms: {mark})"
        )
    print(f"baseline, full re-evaluation of the chain's assets, p50: {baseline:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
