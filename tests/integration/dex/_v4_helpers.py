"""Plumbing for the V4 differential test: deploy the V4 kind on a running devnet chain, fund
and approve, create pools (through the kind's `seed_pool`, and by hand for keys outside its
fee table), random positions through PoolModifyLiquidityTest, ordered PoolSwapTest swaps with
their `Swap` logs, V4Quoter calls in batches, and the PoolManager's logs.

The test owns every assertion about what the contracts answer.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from _v3_quoter_helpers import send_all

from omniarb.chain_events import ChainLog, parse_log
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.catalog import REFERENCE_PRICES_USD
from omniarb.devnet.deploy._sender import Sender, check_all
from omniarb.devnet.kinds.base import PoolSeed
from omniarb.devnet.kinds.uniswap_v4 import (
    INITIALIZE,
    KIND,
    MODIFY_LIQUIDITY,
    SWAP,
    TICK_SPACING,
    liquidity_for_amounts,
    load_foundry_artifact,
    position_ranges,
    sqrt_price_x96,
    state_view_of,
)
from omniarb.devnet.pricing import amount_for_usd, raw_price
from omniarb.dex.uniswap_v3.tick_math import MAX_TICK, get_tick_at_sqrt_ratio
from omniarb.dex.uniswap_v4 import NATIVE_CURRENCY, PoolKey, V4PoolState, V4SwapResult
from omniarb.errors import ExecutionRevertedError
from omniarb.network import ChainManifest, DexEntry

MAX_UINT = 2**256 - 1
QUOTE_IN = "quoteExactInputSingle(((address,address,uint24,int24,address),bool,uint128,bytes))"
QUOTE_OUT = "quoteExactOutputSingle(((address,address,uint24,int24,address),bool,uint128,bytes))"
# Hook permissions beforeSwap | afterSwap in the low 14 bits of the hook's address.
HOOK_ADDRESS = "0x00000000000000000000000000000000000040C0"
QUOTES_PER_BATCH = 250


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolPlan:
    symbol0: str
    symbol1: str
    fee: int
    spacing: int
    depth_usd: int
    protocol_fee: int = 0


@dataclass(slots=True, kw_only=True)
class V4Env:
    rpc: RpcClient
    chain: ChainManifest
    dex: DexEntry
    state_view: str
    keys: list[PoolKey]
    hooked: PoolKey
    budgets: dict[str, tuple[int, int]]  # by pool id: the seeded amounts of each currency
    first_block: int


def _address(chain: ChainManifest, symbol: str) -> str:
    return NATIVE_CURRENCY if symbol == "ETH" else chain.token(symbol).address


def _asset(chain: ChainManifest, symbol: str) -> tuple[Fraction, int]:
    if symbol == "ETH":
        return REFERENCE_PRICES_USD["ETH"], 18
    token = chain.token(symbol)
    return REFERENCE_PRICES_USD[token.asset], token.decimals


async def deploy_v4(rpc: RpcClient, chain: ChainManifest, plans: Sequence[PoolPlan]) -> V4Env:
    """Deploy the V4 kind and the planned pools (one hooked pool besides), funded and
    approved: positions from the deployer, swaps from the traders."""
    first_block = int(await rpc.call("eth_blockNumber"), 16) + 1
    deployer = Sender(rpc, chain.deployer)
    weth = next(t for t in chain.tokens if t.wrapped_native)
    # A DEX of its own beside the devnet's uniswap-v4 (whose CREATE2 salt is its name).
    dex = await KIND.deploy("uniswap-v4-differential", deployer, weth.address, chain.lenders)
    await check_all(rpc, deployer.sent)
    state_view = state_view_of(dex.factory)
    assert len(await rpc.call("eth_getCode", state_view, "latest")) > 1000
    assert dex.position_manager is not None
    setup: list[tuple[str, str, str, int]] = []
    for token in chain.tokens:
        if token.wrapped_native:
            setup.append((chain.deployer, token.address, encode_call("deposit()"), 2000 * 10**18))
        else:
            mint = encode_call("mint(address,uint256)", chain.deployer, 10**40)
            setup.append((chain.deployer, token.address, mint, 0))
        approve_lp = encode_call("approve(address,uint256)", dex.position_manager, MAX_UINT)
        setup.append((chain.deployer, token.address, approve_lp, 0))
        for trader in chain.traders:
            approve = encode_call("approve(address,uint256)", dex.router, MAX_UINT)
            setup.append((trader, token.address, approve, 0))
    setup.append(
        (
            chain.deployer,
            dex.factory,
            encode_call("setProtocolFeeController(address)", chain.deployer),
            0,
        )
    )
    await send_all(rpc, setup)

    keys, budgets = [], {}
    for plan in plans:
        (price0, dec0), (price1, dec1) = _asset(chain, plan.symbol0), _asset(chain, plan.symbol1)
        half = Fraction(plan.depth_usd, 2)
        seed = PoolSeed(
            symbol_a=plan.symbol0,
            symbol_b=plan.symbol1,
            token_a=_address(chain, plan.symbol0),
            token_b=_address(chain, plan.symbol1),
            amount_a=amount_for_usd(half, price0, dec0),
            amount_b=amount_for_usd(half, price1, dec1),
            fee=plan.fee,
            price_raw=raw_price(price0, dec0, price1, dec1),
        ).in_address_order()
        key = PoolKey.of(seed.token_a, seed.token_b, fee=plan.fee, tick_spacing=plan.spacing)
        if TICK_SPACING.get(plan.fee) == plan.spacing:
            await KIND.seed_pool(deployer, dex, seed)
        else:
            await _seed_by_hand(deployer, dex, seed, key)
        await check_all(rpc, deployer.sent)
        if plan.protocol_fee:
            await deployer.send(
                "protocol fee",
                dex.factory,
                encode_call(f"setProtocolFee({_KEY},uint24)", key.as_tuple(), plan.protocol_fee),
            )
            await check_all(rpc, deployer.sent)
        keys.append(key)
        budgets[key.pool_id] = (seed.amount_a, seed.amount_b)

    # A pool with a hook: EmptyTestHooks' code at an address whose flags say beforeSwap and
    # afterSwap (the PoolManager checks only the flags at initialize).
    hook_code = load_foundry_artifact("@uniswap/v4-core/out/EmptyTestHooks.sol/EmptyTestHooks.json")
    runtime = _runtime_code(hook_code.source)
    await rpc.call("anvil_setCode", HOOK_ADDRESS, runtime)
    hooked = PoolKey.of(
        chain.token("USDC").address,
        chain.token("DAI").address,
        fee=3000,
        tick_spacing=60,
        hooks=HOOK_ADDRESS,
    )
    await deployer.send(
        "hooked pool", dex.factory, encode_call(INITIALIZE, hooked.as_tuple(), 2**96)
    )
    await check_all(rpc, deployer.sent)
    return V4Env(
        rpc=rpc,
        chain=chain,
        dex=dex,
        state_view=state_view,
        keys=keys,
        hooked=hooked,
        budgets=budgets,
        first_block=first_block,
    )


_KEY = "(address,address,uint24,int24,address)"


def _runtime_code(path: Any) -> str:
    return str(json.loads(path.read_text())["deployedBytecode"]["object"])


async def _seed_by_hand(deployer: Sender, dex: DexEntry, seed: PoolSeed, key: PoolKey) -> None:
    """`seed_pool` for a key whose spacing is not the kind's table's."""
    assert dex.position_manager is not None
    price = sqrt_price_x96(seed.price_raw)
    await deployer.send("initialize", dex.factory, encode_call(INITIALIZE, key.as_tuple(), price))
    tick = get_tick_at_sqrt_ratio(price)
    for salt, (lower, upper, share) in enumerate(position_ranges(tick, key.tick_spacing)):
        liquidity = liquidity_for_amounts(
            price, lower, upper, int(seed.amount_a * share), int(seed.amount_b * share)
        )
        params = (lower, upper, liquidity, salt.to_bytes(32, "big"))
        await deployer.send(
            "position",
            dex.position_manager,
            encode_call(MODIFY_LIQUIDITY, key.as_tuple(), params, b""),
        )


async def random_positions(
    env: V4Env, states: Sequence[V4PoolState], rng: random.Random, per_pool: int, salt_base: int
) -> list[tuple[PoolKey, int, int, int, bytes]]:
    """Add `per_pool` positions per pool in random ranges around the price (one spacing wide to
    a few hundred, some entirely above or below it), then take back part or all of a third of
    them. Returns every change as (key, lower, upper, delta, salt)."""
    changes = []
    for state in states:
        spacing, key = state.key.tick_spacing, state.key
        at, usable = state.tick // spacing, MAX_TICK // spacing
        budget0, budget1 = env.budgets[key.pool_id]
        for index in range(per_pool):
            width = rng.choice([1, 1, 2, 3, 5, 8, 20, 60, 300])
            lower = max(at + rng.randint(-2 * width - 3, width + 2), -usable)
            upper = min(lower + rng.randint(1, 2 * width), usable)
            if lower >= upper:
                continue
            share = 10 ** rng.uniform(-3.5, -1.5)
            liquidity = liquidity_for_amounts(
                state.sqrt_price_x96,
                lower * spacing,
                upper * spacing,
                int(budget0 * share),
                int(budget1 * share),
            )
            if liquidity <= 0:
                continue
            salt = (salt_base + index).to_bytes(32, "big")
            changes.append((key, lower * spacing, upper * spacing, liquidity, salt))
            if rng.random() < 0.33:
                taken = liquidity if rng.random() < 0.5 else rng.randint(1, liquidity)
                changes.append((key, lower * spacing, upper * spacing, -taken, salt))
    assert env.dex.position_manager is not None
    txs = []
    for key, lower, upper, delta, salt in changes:
        budget0 = env.budgets[key.pool_id][0]
        value = budget0 // 10 if key.has_native and delta > 0 else 0
        data = encode_call(MODIFY_LIQUIDITY, key.as_tuple(), (lower, upper, delta, salt), b"")
        txs.append((env.chain.deployer, env.dex.position_manager, data, value))
    await send_all(env.rpc, txs, in_order=True)  # a removal follows its addition
    return changes


@dataclass(frozen=True, slots=True)
class RouterSwap:
    """A PoolSwapTest swap we predicted, and the PoolManager's `Swap` log it produced."""

    key: PoolKey
    predicted: V4SwapResult
    fee_pips: int
    logged: tuple[int, ...]  # amount0, amount1, sqrtPriceX96, liquidity, tick, fee

    def expected_log(self) -> tuple[int, ...]:
        p = self.predicted
        return p.amount0, p.amount1, p.sqrt_price_x96, p.liquidity, p.tick, self.fee_pips


async def router_swaps(
    env: V4Env, states: dict[str, V4PoolState], rng: random.Random, per_pool: int
) -> tuple[dict[str, V4PoolState], list[RouterSwap]]:
    """Push every pool's price with `per_pool` PoolSwapTest swaps (exact input or output, some
    with a price limit), each predicted on the state the one before left."""
    txs, predictions = [], []
    for pool_id, state in states.items():
        for index in range(per_pool):
            zero_for_one = rng.random() < 0.5
            # Sized on the active range's virtual reserves: a few percent crosses its ticks.
            active = max(state.liquidity, 10**12)
            held0, held1 = env.budgets[pool_id]
            virtual0 = min((active << 96) // state.sqrt_price_x96, held0)
            virtual1 = min((active * state.sqrt_price_x96) >> 96, held1)
            size = 10 ** rng.uniform(-2.7, -0.8)
            exact_input = rng.random() < 0.6 or state.swap_fee_pips(zero_for_one) >= 1_000_000
            if exact_input:
                amount = -int((virtual0 if zero_for_one else virtual1) * size) - 1
            else:
                amount = int((virtual1 if zero_for_one else virtual0) * size * 0.5) + 1
            limit = None
            if rng.random() < 0.3:
                shift = 10 ** rng.uniform(-4, -1.5)
                price = state.sqrt_price_x96
                limit = int(price * (1 - shift)) if zero_for_one else int(price * (1 + shift))
            result = state.swap(
                zero_for_one=zero_for_one, amount_specified=amount, sqrt_price_limit_x96=limit
            )
            if limit is None and (result.amount_in if amount < 0 else result.amount_out) != abs(
                amount
            ):
                raise AssertionError(f"a market swap of {amount} would exhaust {pool_id}")
            predictions.append((state, result))
            state = state.after_swap(result, block_number=state.block_number)
            bound = (
                4295128740 if zero_for_one else 1461446703485210103287273052203988822378723970341
            )
            params = (zero_for_one, amount, limit if limit is not None else bound)
            data = encode_call(SWAP, state.key.as_tuple(), params, (False, False), b"")
            value = result.amount_in + 1 if zero_for_one and state.key.has_native else 0
            trader = env.chain.traders[index % len(env.chain.traders)]
            txs.append((trader, env.dex.router, data, value))
        states = {**states, pool_id: state}
    receipts = await send_all(env.rpc, txs, in_order=True)
    swaps = []
    for (before, predicted), receipt in zip(predictions, receipts, strict=True):
        (log,) = [
            e
            for e in receipt["logs"]
            if e["topics"][0] == SWAP_TOPIC and e["topics"][1] == before.pool_id
        ]
        logged = decode(["int128", "int128", "uint160", "uint128", "int24", "uint24"], log["data"])
        fee = before.swap_fee_pips(predicted.zero_for_one)
        swaps.append(RouterSwap(before.key, predicted, fee, tuple(logged)))
    return states, swaps


SWAP_TOPIC = "0x40e9cecb9f5f1f1c5b9c97dec2917b7ee92e57ba5563708daca94dd84ad7112f"


async def quote_all(
    env: V4Env, calls: Sequence[str], block: str
) -> list[tuple[int, int] | ExecutionRevertedError]:
    """Each V4Quoter calldata's (amount, gasEstimate) at `block`, or the revert it
    raised. Batches of `QUOTES_PER_BATCH`, two in flight; a batch with a revert in it is retried
    call by call."""
    in_flight = asyncio.Semaphore(2)
    quoter = env.dex.quoter

    async def one_batch(chunk: Sequence[str]) -> list[str | ExecutionRevertedError]:
        async with in_flight:
            try:
                answers = await env.rpc.batch(
                    [("eth_call", [{"to": quoter, "data": d}, block]) for d in chunk]
                )
                return [str(a) for a in answers]
            except ExecutionRevertedError:
                pass
            out: list[str | ExecutionRevertedError] = []
            for data in chunk:
                try:
                    out.append(
                        str(await env.rpc.call("eth_call", {"to": quoter, "data": data}, block))
                    )
                except ExecutionRevertedError as exc:
                    out.append(exc)
            return out

    chunks = [calls[i : i + QUOTES_PER_BATCH] for i in range(0, len(calls), QUOTES_PER_BATCH)]
    batches = await asyncio.gather(*(one_batch(chunk) for chunk in chunks))
    return [
        answer
        if isinstance(answer, ExecutionRevertedError)
        else decode(["uint256", "uint256"], answer)
        for answers in batches
        for answer in answers
    ]


async def manager_logs(env: V4Env) -> list[ChainLog]:
    raw = await env.rpc.call(
        "eth_getLogs",
        {"address": env.dex.factory, "fromBlock": hex(env.first_block), "toBlock": "latest"},
    )
    return [parse_log(env.chain.chain_id, entry) for entry in raw]
