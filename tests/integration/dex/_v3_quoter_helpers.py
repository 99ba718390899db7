"""Plumbing for the V3 differential tests: batched transactions from unlocked devnet accounts,
random positions through the NonfungiblePositionManager, router swaps with their `Swap` logs,
QuoterV2 calls in batches, and the position manager's record of every position.

The tests own every assertion about what the contracts answer.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.crypto import keccak

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.dex.uniswap_v3 import V3PoolState, V3SwapResult
from omniarb.errors import ExecutionRevertedError
from omniarb.network import ChainManifest, DexEntry, PoolEntry

DEADLINE = 2**32 - 1
MINT = "mint((address,address,uint24,int24,int24,uint256,uint256,uint256,uint256,address,uint256))"
SWAP = "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))"
QUOTE_IN = "quoteExactInputSingle((address,address,uint256,uint24,uint160))"
QUOTE_OUT = "quoteExactOutputSingle((address,address,uint256,uint24,uint160))"
QUOTE_TYPES = ("uint256", "uint160", "uint32", "uint256")
SWAP_TOPIC = "0x" + keccak(text="Swap(address,address,int256,int256,uint160,uint128,int24)").hex()
POSITION_TYPES = (
    "uint96",
    "address",
    "address",
    "address",
    "uint24",
    "int24",
    "int24",
    "uint128",
    "uint256",
    "uint256",
    "uint128",
    "uint128",
)
_GAS = 1_500_000
_MINING_TIMEOUT_S = 60.0  # generous: the machine is shared with other test runs
QUOTES_PER_BATCH = 250


@dataclass(frozen=True, slots=True, kw_only=True)
class V3Env:
    """One devnet chain's Uniswap V3 deployment and the accounts that act on it."""

    rpc: RpcClient
    chain: ChainManifest
    dex: DexEntry
    pools: tuple[PoolEntry, ...]

    @classmethod
    def of(cls, rpc: RpcClient, chain: ChainManifest) -> V3Env:
        (dex,) = (d for d in chain.dexes if d.kind == "uniswap-v3")
        pools = tuple(p for p in chain.pools if p.kind == "uniswap-v3")
        return cls(rpc=rpc, chain=chain, dex=dex, pools=pools)

    @property
    def quoter(self) -> str:
        assert self.dex.quoter is not None
        return self.dex.quoter

    @property
    def position_manager(self) -> str:
        assert self.dex.position_manager is not None
        return self.dex.position_manager


async def call_many(
    rpc: RpcClient, calls: Sequence[tuple[str, str]], block: str = "latest"
) -> list[str]:
    answers = await rpc.batch(
        [("eth_call", [{"to": to, "data": data}, block]) for to, data in calls]
    )
    return [str(answer) for answer in answers]


async def send_all(
    rpc: RpcClient,
    txs: Sequence[tuple[str, str, str] | tuple[str, str, str, int]],
    *,
    in_order: bool = False,
) -> list[dict[str, Any]]:
    """Send (from, to, data) or (from, to, data, value in wei) transactions with explicit
    nonces on an automine chain and return their receipts, each of which must have succeeded.
    One batch, unless `in_order`: then each is sent once the one before is mined (for swaps
    whose outcome depends on the ones before).
    """
    senders = sorted({tx[0] for tx in txs})
    counts = await rpc.batch([("eth_getTransactionCount", [s, "pending"]) for s in senders])
    nonces = {s: int(n, 16) for s, n in zip(senders, counts, strict=True)}
    requests = []
    for sender, to, data, *value in txs:
        tx = {
            "from": sender,
            "to": to,
            "data": data,
            "gas": hex(_GAS),
            "nonce": hex(nonces[sender]),
        }
        if value and value[0]:
            tx["value"] = hex(value[0])
        nonces[sender] += 1
        requests.append(("eth_sendTransaction", [tx]))
    if in_order:
        receipts = [await _receipts(rpc, [await rpc.call(m, *p)]) for m, p in requests]
        receipts = [receipt for (receipt,) in receipts]
    else:
        # Mined by hand: automine takes a batch's transactions as they arrive, possibly out of
        # nonce order, and a transaction queued behind a gap may then wait for the next one.
        await rpc.call("evm_setAutomine", False)
        try:
            hashes = await rpc.batch(requests)
            for _ in range(len(hashes)):
                await rpc.call("evm_mine")
                status = await rpc.call("txpool_status")
                if int(status["pending"], 16) == 0 and int(status["queued"], 16) == 0:
                    break
        finally:
            await rpc.call("evm_setAutomine", True)
        receipts = await _receipts(rpc, hashes)
    for receipt, (sender, to, data, *_) in zip(receipts, txs, strict=True):
        assert receipt is not None, f"transaction from {sender} to {to} was not mined"
        assert int(receipt["status"], 16) == 1, f"transaction {data[:10]} to {to} reverted"
    return receipts


async def _receipts(rpc: RpcClient, hashes: Sequence[str]) -> list[dict[str, Any]]:
    """The receipts of `hashes`, waiting briefly until automine has mined them all."""
    receipts: list[dict[str, Any]] = []
    deadline = time.monotonic() + _MINING_TIMEOUT_S
    while time.monotonic() < deadline:
        receipts = await rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes])
        if all(receipt is not None for receipt in receipts):
            break
        await asyncio.sleep(0.02)
    return receipts


async def balances(env: V3Env) -> dict[str, tuple[int, int]]:
    """Each pool's token0 and token1 balances."""
    calls = [
        (token, encode_call("balanceOf(address)", pool.address))
        for pool in env.pools
        for token in (pool.token0, pool.token1)
    ]
    values = [decode(["uint256"], a)[0] for a in await call_many(env.rpc, calls)]
    return {pool.address: (values[2 * i], values[2 * i + 1]) for i, pool in enumerate(env.pools)}


async def mint_random_positions(
    env: V3Env, states: Sequence[V3PoolState], rng: random.Random, per_pool: int
) -> int:
    """Mint `per_pool` positions per pool from the deployer in random ranges around the price:
    one spacing wide to a few hundred, some entirely above or below the price. Returns how
    many were minted."""
    held = await balances(env)
    txs = []
    for state in states:
        spacing = state.tick_spacing
        at = state.tick // spacing
        for _ in range(per_pool):
            width = rng.choice([1, 1, 2, 3, 5, 8, 20, 60, 300])
            lower = at + rng.randint(-2 * width - 3, width + 2)
            upper = lower + rng.randint(1, 2 * width)
            share = 10 ** rng.uniform(-3.5, -1.5)
            b0, b1 = held[state.address]
            params = (
                state.token0,
                state.token1,
                state.fee_pips,
                lower * spacing,
                upper * spacing,
                int(b0 * share) + 1,
                int(b1 * share) + 1,
                0,
                0,
                env.chain.deployer,
                DEADLINE,
            )
            txs.append((env.chain.deployer, env.position_manager, encode_call(MINT, params)))
    await send_all(env.rpc, txs)
    return len(txs)


@dataclass(frozen=True, slots=True)
class RouterSwap:
    """A SwapRouter `exactInputSingle` we predicted, and the pool's `Swap` log it produced."""

    pool: str
    predicted: V3SwapResult
    logged: tuple[int, int, int, int, int]  # amount0, amount1, sqrtPriceX96, liquidity, tick

    def expected_log(self) -> tuple[int, int, int, int, int]:
        p = self.predicted
        return p.amount0, p.amount1, p.sqrt_price_x96, p.liquidity, p.tick


async def router_swaps(
    env: V3Env, states: dict[str, V3PoolState], rng: random.Random, per_pool: int
) -> tuple[dict[str, V3PoolState], list[RouterSwap]]:
    """Push every pool's price with `per_pool` trader swaps of 0.2%–15% of its input balance,
    predicting each on the state the previous one left (`after_swap`). Returns the predicted
    final states and each swap's prediction with its `Swap` log."""
    held = await balances(env)
    txs, predictions = [], []
    for pool in env.pools:
        state = states[pool.address]
        for index in range(per_pool):
            zero_for_one = rng.random() < 0.5
            token_in, token_out = (
                (pool.token0, pool.token1) if zero_for_one else (pool.token1, pool.token0)
            )
            amount_in = int(
                held[pool.address][0 if zero_for_one else 1] * 10 ** rng.uniform(-2.7, -0.8)
            )
            result = state.swap_exact_input(zero_for_one=zero_for_one, amount_in=amount_in)
            state = state.after_swap(result, block_number=state.block_number)
            predictions.append((pool.address, result))
            trader = env.chain.traders[index % len(env.chain.traders)]
            params = (token_in, token_out, pool.fee, trader, DEADLINE, amount_in, 0, 0)
            txs.append((trader, env.dex.router, encode_call(SWAP, params)))
        states = {**states, pool.address: state}
    receipts = await send_all(env.rpc, txs, in_order=True)
    swaps = []
    for (address, predicted), receipt in zip(predictions, receipts, strict=True):
        (log,) = [
            entry
            for entry in receipt["logs"]
            if entry["topics"][0] == SWAP_TOPIC and entry["address"].lower() == address.lower()
        ]
        logged = decode(["int256", "int256", "uint160", "uint128", "int24"], log["data"])
        swaps.append(RouterSwap(address, predicted, tuple(logged)))
    return states, swaps


async def quote_all(
    env: V3Env, calls: Sequence[str], block: str
) -> list[tuple[int, int] | ExecutionRevertedError]:
    """Each QuoterV2 calldata's (amount, sqrtPriceX96After) at `block`, or the revert it
    raised. Batches of `QUOTES_PER_BATCH`, two in flight; a batch with a revert in it
    is retried call by call."""
    in_flight = asyncio.Semaphore(2)

    async def one_batch(chunk: Sequence[str]) -> list[str | ExecutionRevertedError]:
        async with in_flight:
            try:
                return list(await call_many(env.rpc, [(env.quoter, data) for data in chunk], block))
            except ExecutionRevertedError:
                pass
            answers: list[str | ExecutionRevertedError] = []
            for data in chunk:
                try:
                    answers.append(
                        str(await env.rpc.call("eth_call", {"to": env.quoter, "data": data}, block))
                    )
                except ExecutionRevertedError as exc:
                    answers.append(exc)
            return answers

    chunks = [calls[i : i + QUOTES_PER_BATCH] for i in range(0, len(calls), QUOTES_PER_BATCH)]
    results: list[tuple[int, int] | ExecutionRevertedError] = []
    for answers in await asyncio.gather(*(one_batch(chunk) for chunk in chunks)):
        for answer in answers:
            if isinstance(answer, ExecutionRevertedError):
                results.append(answer)
            else:
                amount, sqrt_after, _, _ = decode(QUOTE_TYPES, answer)
                results.append((amount, sqrt_after))
    return results


async def position_ticks(env: V3Env) -> dict[str, dict[int, tuple[int, int]]]:
    """Per pool, `{tick: (liquidity_gross, liquidity_net)}` summed from every position the
    position manager holds: an account of the ticks independent of the pool's bitmap."""
    npm = env.position_manager
    (supply,) = decode(
        ["uint256"], (await call_many(env.rpc, [(npm, encode_call("totalSupply()"))]))[0]
    )
    ids = [
        decode(["uint256"], a)[0]
        for a in await call_many(
            env.rpc, [(npm, encode_call("tokenByIndex(uint256)", i)) for i in range(supply)]
        )
    ]
    answers = await call_many(env.rpc, [(npm, encode_call("positions(uint256)", i)) for i in ids])
    by_key = {(p.token0.lower(), p.token1.lower(), p.fee): p.address for p in env.pools}
    ticks: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for answer in answers:
        _, _, token0, token1, fee, lower, upper, liquidity, *_ = decode(POSITION_TYPES, answer)
        if liquidity == 0:
            continue
        pool = by_key[(token0.lower(), token1.lower(), fee)]
        ticks[pool][lower][0] += liquidity
        ticks[pool][lower][1] += liquidity
        ticks[pool][upper][0] += liquidity
        ticks[pool][upper][1] -= liquidity
    return {
        pool: {tick: (gross, net) for tick, (gross, net) in entries.items()}
        for pool, entries in ticks.items()
    }
