"""The gas of a V3 swap step that ends at a tick-bitmap-word edge without crossing a tick (part
of `benchmarks/execute.py`).

`UniswapV3Pool.swap` loops once per step: to the next initialized tick or, when there is none
in the current bitmap word, to the word's edge. An initialized tick crossed is measured by the
tick-crossing series; this is the other extra step: one more iteration that reads another
bitmap word, prices the edge and computes the step. In a snapshot, a trader pushes the
0.05% WETH/USDC pool below its lowest inner initialized tick (only the full-range position is
active there), then a trader swaps WETH in through SwapRouter at sizes that stop short of the
next word edge below and at sizes that run past it, all crossing no initialized tick (sizes
found on the exact simulation). The step's gas is the least "past the edge" gas minus the
most "short of it", so the figure is an upper bound of the step alone.
"""

from __future__ import annotations

from typing import Any, Protocol

from omniarb.chains.abi import encode_call
from omniarb.devnet import dev_account
from omniarb.dex.uniswap_v3 import MIN_SQRT_RATIO, V3PoolReader, V3PoolState, get_sqrt_ratio_at_tick
from omniarb.network import ChainManifest

V3_SWAP = "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))"
_DEADLINE = 2**32 - 1
_FEE_PIPS = 500
_BELOW_LOWEST_SPACINGS = 40
_SEARCH_MAX = 10**30
# Fractions (per mille) of the least input that reaches the edge: short of it, past it.
_SHORT = (500, 900, 990)
_PAST = (1010, 1100, 1300)


class _Chain(Protocol):
    rpc: Any

    async def send(self, sender: str, to: str | None, data: str, value: int = 0) -> Any: ...

    def snapshot(self) -> Any: ...


async def _state(chain: _Chain, manifest: ChainManifest, pool: str) -> V3PoolState:
    reader = V3PoolReader(chain.rpc, chain_id=manifest.chain_id)
    return (await reader.read_many([pool], dex="uniswap-v3"))[0]


def _least(predicate: Any) -> int:
    low, high = 1, _SEARCH_MAX
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if predicate(middle) else (middle + 1, high)
    return low


async def measure_word_step(chain: _Chain, manifest: ChainManifest) -> dict[str, Any]:
    """Gas of swaps short of and past a bitmap-word edge, and the step's gas (see above)."""
    pool = next(
        p
        for p in manifest.pools
        if p.kind == "uniswap-v3"
        and {p.symbol0, p.symbol1} == {"WETH", "USDC"}
        and p.fee == _FEE_PIPS
    )
    weth = manifest.token("WETH").address
    other = pool.token1 if pool.token0.lower() == weth.lower() else pool.token0
    router = manifest.dex("uniswap-v3").router
    trader = dev_account(1).address
    async with chain.snapshot():
        state = await _state(chain, manifest, pool.address)
        zero_for_one = pool.token0.lower() == weth.lower()  # WETH in moves the price down
        if not zero_for_one:
            raise RuntimeError("the measurement pushes the price down: WETH must be token0")
        lowest = min(t for t in state.ticks.ticks if t > -state.ticks.ticks[-1])
        crash = get_sqrt_ratio_at_tick(lowest - _BELOW_LOWEST_SPACINGS * state.tick_spacing)

        def swap(sender: str, amount: int, limit: int) -> str:
            call = (weth, other, _FEE_PIPS, sender, _DEADLINE, amount, 0, limit)
            return encode_call(V3_SWAP, call)

        whale = dev_account(2).address
        await chain.send(whale, router, swap(whale, _SEARCH_MAX, crash))
        state = await _state(chain, manifest, pool.address)
        spacing = state.tick_spacing
        edge_tick = ((state.tick // spacing) >> 8 << 8) * spacing

        def steps(amount: int) -> tuple[int, int]:
            result = state.swap_exact_input(zero_for_one=True, amount_in=amount)
            return result.steps, result.initialized_ticks_crossed

        reach = _least(lambda amount: steps(amount)[0] >= 2)
        gas: dict[str, list[int]] = {"short": [], "past": []}
        for label, fractions in (("short", _SHORT), ("past", _PAST)):
            for per_mille in fractions:
                amount = reach * per_mille // 1000
                if steps(amount) != ((1, 0) if label == "short" else (2, 0)):
                    raise RuntimeError(f"{amount} does not stop {label} of the edge cleanly")
                async with chain.snapshot():
                    receipt = await chain.send(
                        trader, router, swap(trader, amount, MIN_SQRT_RATIO + 1)
                    )
                    gas[label].append(int(receipt["gasUsed"], 16))
    return {
        "pool": pool.address,
        "tick": state.tick,
        "word_edge_tick": edge_tick,
        "gas_short_of_edge": gas["short"],
        "gas_past_edge": gas["past"],
        "step_gas": min(gas["past"]) - max(gas["short"]),
    }
