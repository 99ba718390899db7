"""Plumbing for the Balancer differential test: the pools deployed into the devnet Vault,
traders funded and approved, Vault swaps, joins and exits sent from unlocked accounts with
their receipts' logs, and BalancerQueries calls in batches.

The test owns every assertion about what the contracts answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from _v3_quoter_helpers import call_many, send_all

from omniarb.chain_events import ChainLog
from omniarb.chains.abi import decode, encode_args, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.balancer_pools import (
    JOIN_POOL,
    BalancerFactories,
    BalancerPoolEntry,
    create_stable_pool,
    create_weighted_pool,
    deploy_balancer_factories,
)
from omniarb.devnet.catalog import usd_amounts
from omniarb.devnet.deploy._sender import Sender
from omniarb.errors import ExecutionRevertedError
from omniarb.network import ChainManifest, TokenEntry

SINGLE_SWAP = "(bytes32,uint8,address,address,uint256,bytes)"
FUNDS = "(address,bool,address,bool)"
QUERY_SWAP = f"querySwap({SINGLE_SWAP},{FUNDS})"
VAULT_SWAP = f"swap({SINGLE_SWAP},{FUNDS},uint256,uint256)"
EXIT_POOL = "exitPool(bytes32,address,address,(address[],uint256[],bytes,bool))"
DEADLINE = 2**32 - 1
MAX_UINT256 = 2**256 - 1
QUERIES_PER_BATCH = 250


@dataclass(frozen=True, slots=True, kw_only=True)
class BalancerEnv:
    """The pools of one devnet chain and the accounts that act on them."""

    rpc: RpcClient
    chain: ChainManifest
    factories: BalancerFactories
    weighted: tuple[BalancerPoolEntry, ...]
    stable: tuple[BalancerPoolEntry, ...]

    def token(self, symbol: str) -> TokenEntry:
        (token,) = (t for t in self.chain.tokens if t.symbol == symbol)
        return token


async def deploy_env(rpc: RpcClient, chain: ChainManifest) -> BalancerEnv:
    """Factories, four weighted pools (50/50 WETH/USDC, 80/20 WBTC/WETH, 70/30 DAI/WETH and
    40/35/25 LINK/UNI/WETH) and two composable stable pools of USDC/USDT/DAI (A = 200 and
    A = 2000), each a few million dollars deep."""
    deployer = Sender(rpc=rpc, address=chain.deployer)
    vault = next(lender for lender in chain.lenders if lender.kind == "balancer-v2").address
    factories = await deploy_balancer_factories(deployer, vault)
    by_symbol = {t.symbol: t for t in chain.tokens}
    weth, usdc, wbtc, dai = (by_symbol[s] for s in ("WETH", "USDC", "WBTC", "DAI"))
    link, uni = by_symbol["LINK"], by_symbol["UNI"]
    weighted = (
        await create_weighted_pool(
            rpc,
            deployer,
            vault=factories.vault,
            factory=factories.weighted_pool_factory,
            tokens=[weth, usdc],
            weights=[5 * 10**17, 5 * 10**17],
            amounts=usd_amounts([weth, usdc], [2_000_000, 2_000_000]),
            swap_fee_percentage=3 * 10**15,
        ),
        await create_weighted_pool(
            rpc,
            deployer,
            vault=factories.vault,
            factory=factories.weighted_pool_factory,
            tokens=[wbtc, weth],
            weights=[8 * 10**17, 2 * 10**17],
            amounts=usd_amounts([wbtc, weth], [4_000_000, 1_000_000]),
            swap_fee_percentage=10**16 + 12345,  # not a whole number of pips
        ),
        await create_weighted_pool(
            rpc,
            deployer,
            vault=factories.vault,
            factory=factories.weighted_pool_factory,
            tokens=[dai, weth],
            weights=[7 * 10**17, 3 * 10**17],
            amounts=usd_amounts([dai, weth], [3_500_000, 1_500_000]),
            swap_fee_percentage=25 * 10**14,
        ),
        await create_weighted_pool(
            rpc,
            deployer,
            vault=factories.vault,
            factory=factories.weighted_pool_factory,
            tokens=[link, uni, weth],
            weights=[4 * 10**17, 35 * 10**16, 25 * 10**16],
            amounts=usd_amounts([link, uni, weth], [800_000, 700_000, 500_000]),
            swap_fee_percentage=10**16,
        ),
    )
    stables = [by_symbol[s] for s in ("USDC", "USDT", "DAI")]
    stable = tuple(
        [
            await create_stable_pool(
                rpc,
                deployer,
                vault=factories.vault,
                factory=factories.composable_stable_pool_factory,
                tokens=stables,
                amplification=amp,
                amounts=usd_amounts(stables, [3_000_000, 2_000_000, 2_500_000]),
                swap_fee_percentage=fee,
            )
            for amp, fee in ((200, 4 * 10**14), (2000, 10**14))
        ]
    )
    env = BalancerEnv(rpc=rpc, chain=chain, factories=factories, weighted=weighted, stable=stable)
    await _fund_traders(env)
    return env


async def _fund_traders(env: BalancerEnv) -> None:
    """Each trader gets plenty of every pool token and approves the Vault for all of them."""
    txs = []
    for trader in env.chain.traders:
        for token in env.chain.tokens:
            if not token.wrapped_native:
                amount = usd_amounts([token], [400_000_000])[0]
                txs.append(
                    (
                        env.chain.deployer,
                        token.address,
                        encode_call("mint(address,uint256)", trader, amount),
                    )
                )
            txs.append(
                (
                    trader,
                    token.address,
                    encode_call("approve(address,uint256)", env.factories.vault, MAX_UINT256),
                )
            )
    await send_all(env.rpc, txs)
    weth = env.token("WETH")
    for trader in env.chain.traders:
        await env.rpc.call(
            "eth_sendTransaction",
            {
                "from": trader,
                "to": weth.address,
                "data": encode_call("deposit()"),
                "value": hex(50_000 * 10**18),
            },
        )


def chain_log(entry: dict[str, Any], chain_id: int) -> ChainLog:
    return ChainLog(
        chain_id=chain_id,
        address=entry["address"].lower(),
        topics=tuple(t.lower() for t in entry["topics"]),
        data=entry["data"],
        block_number=int(entry["blockNumber"], 16),
        block_hash=entry["blockHash"],
        log_index=int(entry["logIndex"], 16),
        transaction_hash=entry["transactionHash"],
        removed=False,
        received_ns=0,
    )


def swap_calldata(
    pool_id: str, exact_input: bool, token_in: str, token_out: str, amount: int, trader: str
) -> str:
    limit = 0 if exact_input else MAX_UINT256
    single = (bytes.fromhex(pool_id[2:]), 0 if exact_input else 1, token_in, token_out, amount, b"")
    return encode_call(VAULT_SWAP, single, (trader, False, trader, False), limit, DEADLINE)


def query_calldata(
    pool_id: str, exact_input: bool, token_in: str, token_out: str, amount: int, sender: str
) -> str:
    single = (bytes.fromhex(pool_id[2:]), 0 if exact_input else 1, token_in, token_out, amount, b"")
    return encode_call(QUERY_SWAP, single, (sender, False, sender, False))


def join_calldata(
    pool: BalancerPoolEntry, account: str, amounts: Sequence[int], bpt_index: int | None
) -> str:
    """EXACT_TOKENS_IN_FOR_BPT_OUT (kind 1 for weighted and composable stable pools)."""
    max_in = list(amounts)
    if bpt_index is not None:
        max_in.insert(bpt_index, 0)
    user_data = encode_args(["uint256", "uint256[]", "uint256"], [1, list(amounts), 0])
    return encode_call(
        JOIN_POOL,
        bytes.fromhex(pool.pool_id[2:]),
        account,
        account,
        (list(pool.tokens), max_in, user_data, False),
    )


def exit_calldata(pool: BalancerPoolEntry, account: str, bpt_in: int, stable: bool) -> str:
    """EXACT_BPT_IN_FOR_TOKENS_OUT (weighted kind 1, composable stable kind 2)."""
    user_data = encode_args(["uint256", "uint256"], [2 if stable else 1, bpt_in])
    return encode_call(
        EXIT_POOL,
        bytes.fromhex(pool.pool_id[2:]),
        account,
        account,
        (list(pool.tokens), [0] * len(pool.tokens), user_data, False),
    )


async def enable_protocol_fees(env: BalancerEnv, pools: Sequence[str]) -> None:
    """A 50% protocol swap fee (the collector's maximum), granted through the Authorizer and
    cached by each pool: joins and exits then mint BPT to the collector."""
    lender = next(x for x in env.chain.lenders if x.kind == "balancer-v2")
    collector = lender.contracts["protocol_fees_collector"]
    authorizer = lender.contracts["authorizer"]
    (answer,) = await call_many(
        env.rpc,
        [(collector, encode_call("getActionId(bytes4)", bytes.fromhex("38e9922e")))],
    )
    (action_id,) = decode(["bytes32"], answer)
    deployer = env.chain.deployer
    await send_all(
        env.rpc,
        [
            (deployer, authorizer, encode_call("grantRole(bytes32,address)", action_id, deployer)),
            (deployer, collector, encode_call("setSwapFeePercentage(uint256)", 5 * 10**17)),
            *[(deployer, p, encode_call("updateProtocolFeePercentageCache()")) for p in pools],
        ],
        in_order=True,
    )


async def query_all(
    env: BalancerEnv, calls: Sequence[str], block: str
) -> list[int | ExecutionRevertedError]:
    """Each BalancerQueries calldata's answer at `block`, or the revert it raised.
    Batches of `QUERIES_PER_BATCH`, two in flight; a batch with a revert is retried call by
    call."""
    queries = env.factories.queries
    in_flight = asyncio.Semaphore(2)

    async def one_batch(chunk: Sequence[str]) -> list[int | ExecutionRevertedError]:
        async with in_flight:
            try:
                answers = await call_many(env.rpc, [(queries, data) for data in chunk], block)
                return [decode(["uint256"], a)[0] for a in answers]
            except ExecutionRevertedError:
                pass
            results: list[int | ExecutionRevertedError] = []
            for data in chunk:
                try:
                    answer = await env.rpc.call("eth_call", {"to": queries, "data": data}, block)
                    results.append(decode(["uint256"], answer)[0])
                except ExecutionRevertedError as exc:
                    results.append(exc)
            return results

    chunks = [calls[i : i + QUERIES_PER_BATCH] for i in range(0, len(calls), QUERIES_PER_BATCH)]
    return [r for batch in await asyncio.gather(*(one_batch(c) for c in chunks)) for r in batch]
