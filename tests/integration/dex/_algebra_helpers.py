"""Plumbing for the Algebra Integral differential test: deploying the DEX with our devnet kind
on a running chain, approvals, pools created at the prices of the chain's Uniswap V3 pools,
random positions, router swaps with their logs, and QuoterV2 calls in batches.

The test owns every assertion about what the contracts answer.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from _v3_quoter_helpers import call_many, send_all

from omniarb.chain_events import ChainLog
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.deploy._sender import Sender, check_all, mined_receipt
from omniarb.devnet.kinds._calls import POOL_CREATE_GAS
from omniarb.devnet.kinds.algebra import MINT, SWAP, ZERO_ADDRESS, AlgebraDevnet
from omniarb.dex.algebra import AlgebraPoolState
from omniarb.errors import ExecutionRevertedError
from omniarb.network import ChainManifest, DexEntry

DEADLINE = 2**32 - 1
MAX_UINT = 2**256 - 1
QUOTE_IN = "quoteExactInputSingle((address,address,address,uint256,uint160))"
QUOTE_OUT = "quoteExactOutputSingle((address,address,address,uint256,uint160))"
# amountOut, amountIn, sqrtPriceX96After, initializedTicksCrossed, gasEstimate, fee
QUOTE_TYPES = ("uint256", "uint256", "uint160", "uint32", "uint256", "uint16")
QUOTES_PER_BATCH = 250


@dataclass(frozen=True, slots=True, kw_only=True)
class AlgebraEnv:
    """The chain, our Algebra deployment on it and the pool deployer the factory names."""

    rpc: RpcClient
    chain: ChainManifest
    dex: DexEntry
    pool_deployer: str

    @property
    def quoter(self) -> str:
        assert self.dex.quoter is not None
        return self.dex.quoter

    @property
    def manager(self) -> str:
        assert self.dex.position_manager is not None
        return self.dex.position_manager


async def deploy_algebra(rpc: RpcClient, chain: ChainManifest) -> AlgebraEnv:
    """Deploy the DEX from the deployer and approve its router and position manager for the
    deployer's and the traders' tokens."""
    sender = Sender(rpc, chain.deployer)
    weth = next(t.address for t in chain.tokens if t.wrapped_native)
    dex = await AlgebraDevnet().deploy("algebra", sender, weth, chain.lenders)
    await check_all(rpc, sender.sent)
    txs = []
    assert dex.position_manager is not None
    for account, spenders in [(chain.deployer, (dex.position_manager, dex.router))] + [
        (trader, (dex.router,)) for trader in chain.traders
    ]:
        for token in chain.tokens:
            for spender in spenders:
                data = encode_call("approve(address,uint256)", spender, MAX_UINT)
                txs.append((account, token.address, data))
    await send_all(rpc, txs)
    (answer,) = await call_many(rpc, [(dex.factory, encode_call("poolDeployer()"))])
    (pool_deployer,) = decode(["address"], answer)
    return AlgebraEnv(rpc=rpc, chain=chain, dex=dex, pool_deployer=pool_deployer)


async def send_one(env: AlgebraEnv, to: str, data: str) -> dict[str, Any]:
    """One transaction from the deployer, with gas enough to create a pool; it must succeed."""
    tx = {"from": env.chain.deployer, "to": to, "data": data, "gas": hex(POOL_CREATE_GAS)}
    receipt = await mined_receipt(env.rpc, await env.rpc.call("eth_sendTransaction", tx))
    assert int(receipt["status"], 16) == 1, f"transaction to {to} reverted"
    return receipt


async def v3_price(env: AlgebraEnv, symbol_a: str, symbol_b: str) -> int:
    """The sqrt price of the chain's Uniswap V3 pool of the pair (token0 is the lower address)."""
    a, b = env.chain.token(symbol_a).address.lower(), env.chain.token(symbol_b).address.lower()
    pool = next(
        p
        for p in env.chain.pools
        if p.kind == "uniswap-v3" and {p.token0.lower(), p.token1.lower()} == {a, b}
    )
    (answer,) = await call_many(env.rpc, [(pool.address, encode_call("slot0()"))])
    price: int = decode(["uint160"], answer[:66])[0]
    return price


def to_logs(chain_id: int, raw: Sequence[dict[str, Any]]) -> list[ChainLog]:
    return [
        ChainLog(
            chain_id=chain_id,
            address=entry["address"].lower(),
            topics=tuple(t.lower() for t in entry["topics"]),
            data=entry["data"],
            block_number=int(entry["blockNumber"], 16),
            block_hash=entry["blockHash"],
            log_index=int(entry["logIndex"], 16),
            transaction_hash=entry["transactionHash"],
            removed=bool(entry.get("removed", False)),
            received_ns=0,
        )
        for entry in raw
    ]


async def balances(env: AlgebraEnv, states: Sequence[AlgebraPoolState]) -> dict[str, list[int]]:
    calls = [
        (token, encode_call("balanceOf(address)", s.address))
        for s in states
        for token in (s.token0, s.token1)
    ]
    values = [decode(["uint256"], a)[0] for a in await call_many(env.rpc, calls)]
    return {s.address: values[2 * i : 2 * i + 2] for i, s in enumerate(states)}


async def mint_random_positions(
    env: AlgebraEnv, states: Sequence[AlgebraPoolState], rng: random.Random, per_pool: int
) -> None:
    """Positions in random ranges around each price, one spacing wide to a few hundred, some
    entirely above or below it; amounts a small share of what the deployer holds."""
    held = await call_many(
        env.rpc,
        [
            (token, encode_call("balanceOf(address)", env.chain.deployer))
            for s in states
            for token in (s.token0, s.token1)
        ],
    )
    txs = []
    for i, state in enumerate(states):
        b0, b1 = (decode(["uint256"], held[2 * i + k])[0] for k in (0, 1))
        spacing, at = state.tick_spacing, state.tick // state.tick_spacing
        for _ in range(per_pool):
            width = rng.choice([1, 1, 2, 3, 5, 8, 20, 60, 300])
            lower = at + rng.randint(-2 * width - 3, width + 2)
            upper = lower + rng.randint(1, 2 * width)
            share = 10 ** rng.uniform(-4.5, -2.5)
            params = (
                state.token0,
                state.token1,
                ZERO_ADDRESS,
                lower * spacing,
                upper * spacing,
                int(b0 * share) + 1,
                int(b1 * share) + 1,
                0,
                0,
                env.chain.deployer,
                DEADLINE,
            )
            txs.append((env.chain.deployer, env.manager, encode_call(MINT, params)))
    await send_all(env.rpc, txs)


def swap_tx(env: AlgebraEnv, trader: str, state: AlgebraPoolState, zero_for_one: bool,
            amount_in: int) -> tuple[str, str, str]:  # fmt: skip
    token_in, token_out = (
        (state.token0, state.token1) if zero_for_one else (state.token1, state.token0)
    )
    params = (token_in, token_out, ZERO_ADDRESS, trader, DEADLINE, amount_in, 0, 0)
    return trader, env.dex.router, encode_call(SWAP, params)


async def quote_all(
    env: AlgebraEnv, calls: Sequence[str], block: str
) -> list[tuple[int, ...] | ExecutionRevertedError]:
    """Each QuoterV2 calldata's decoded answer at `block`, or the revert it raised;
    a batch with a revert in it is retried call by call."""
    in_flight = asyncio.Semaphore(2)

    async def one_batch(chunk: Sequence[str]) -> list[str | ExecutionRevertedError]:
        async with in_flight:
            try:
                return list(await call_many(env.rpc, [(env.quoter, d) for d in chunk], block))
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
    batches = await asyncio.gather(*(one_batch(chunk) for chunk in chunks))
    return [
        answer if isinstance(answer, ExecutionRevertedError) else decode(QUOTE_TYPES, answer)
        for answers in batches
        for answer in answers
    ]
