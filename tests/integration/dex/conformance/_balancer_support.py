"""The conformance suite's support for Balancer V2's weighted and composable stable pools, on the
devnet's two Balancer DEXes (their pools in the lenders' Vault, `omniarb.devnet.kinds.balancer`):
the oracle is `BalancerQueries.querySwap` (the Vault's own swap, reverted), a trade is a
trader's `Vault.swap`, and liquidity moves by the deployer's joins and exits (`PoolBalanceChanged`,
the deployer holding every pool's first BPT), on the first move a fee change on one pool of
each DEX (`SwapFeePercentageChanged`, the deployer owning the pools) and an amplification update
started and stopped on a stable pool (`AmpUpdateStarted`, `AmpUpdateStopped`), and with `create`
a new two-token pool of each DEX from its factory (`PoolCreated`). The other settings events the
book re-reads on cannot happen to the devnet's pools (`UNEXERCISED_TOPICS`).

A state here is one pair of a pool (`omniarb.dex.balancer.pair`); a pool pays out of its balances
in the Vault (`holdings`), and a swap beyond the pool's limits reverts (weighted pools take at
most 30% of a balance in: BAL#304): the oracle must revert with the same BAL# code.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from _balancer_helpers import exit_calldata, join_calldata, query_calldata
from _v3_quoter_helpers import call_many, send_all

from omniarb.chain_events import NewHead
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.balancer_pools import (
    BalancerPoolEntry,
    create_stable_pool,
    create_weighted_pool,
)
from omniarb.devnet.deploy._sender import Sender
from omniarb.dex.balancer import ComposableStablePoolState, StablePair, WeightedPair
from omniarb.dex.balancer.events import (
    PAUSED_STATE_CHANGED_TOPIC,
    POOL_BALANCE_MANAGED_TOPIC,
    TOKEN_RATE_CACHE_UPDATED_TOPIC,
)
from omniarb.dex.base import PoolState
from omniarb.errors import ExecutionRevertedError
from omniarb.network import ChainManifest

__all__ = [
    "UNEXERCISED_TOPICS",
    "BalancerLiquidity",
    "BalancerQueryAnswers",
    "holdings",
]

# Settings events no devnet pool can emit: its pools have no asset manager
# (`PoolBalanceManaged`) and no rate provider (`TokenRateCacheUpdated`; pools with one are not
# traded), and the pause window (90 days from the factory's deployment, wall-clock time) may be
# over for a saved devnet (`PausedStateChanged`). The book re-reads a pool on each, as on the
# fee and amplification events the run does exercise.
UNEXERCISED_TOPICS = frozenset(
    {POOL_BALANCE_MANAGED_TOPIC, TOKEN_RATE_CACHE_UPDATED_TOPIC, PAUSED_STATE_CHANGED_TOPIC}
)

_FEE = 3 * 10**15  # 0.3%, a new pool's
_NEW_POOL_UNITS = 1_000  # whole tokens of each side in a new pool


def holdings(state: WeightedPair | StablePair) -> tuple[int, int]:
    """What the pool holds of the pair's (token0, token1): its balances in the Vault."""
    pool = state.pool
    return pool.balances[pool.index(state.token0)], pool.balances[pool.index(state.token1)]


class BalancerQueryAnswers:
    """`BalancerQueries.querySwap` (GIVEN_IN) at the block the states were read; a case we
    predict reverts must revert with our BAL# code."""

    async def prepare(self, rpc: RpcClient, chain: ChainManifest) -> None:
        return None

    async def disagreements(
        self, rpc: RpcClient, chain: ChainManifest, head: NewHead, cases: Sequence[Any]
    ) -> list[str]:
        problems: list[str] = []
        for case in cases:
            queries = chain.dex(case.state.dex).quoter
            pool_id = case.state.pool.pool_id
            data = query_calldata(
                pool_id, True, case.token_in, case.token_out, case.amount_in_wei, chain.deployer
            )
            try:
                (answer,) = await call_many(rpc, [(queries, data)], hex(head.number))
            except ExecutionRevertedError as exc:
                if case.predicted_revert is None or case.predicted_revert not in exc.rpc_message:
                    problems.append(f"{case.describe()}: the query reverted: {exc.rpc_message}")
                continue
            (paid,) = decode(["uint256"], answer)
            if case.predicted_revert is not None or paid != case.predicted_out_wei:
                problems.append(f"{case.describe()}: the query pays {paid}")
        return problems


def _entry(pool: Any) -> BalancerPoolEntry:
    return BalancerPoolEntry(address=pool.address, pool_id=pool.pool_id, tokens=pool.tokens)


class BalancerLiquidity:
    """Joins (a few per mille of each balance) into three pools and exits of some of the
    deployer's BPT from two, a fee change on one pool of each DEX on the first move, and with
    `create` a new two-token pool of each DEX."""

    def __init__(self, rpc: RpcClient, chain: ChainManifest) -> None:
        self.rpc, self.chain = rpc, chain
        self.fees_set = False

    async def move(self, states: Sequence[PoolState], rng: random.Random, *, create: bool) -> None:
        deployer = self.chain.deployer
        held = {s.address: s.pool for s in states if isinstance(s, WeightedPair | StablePair)}
        pools = list(held.values())
        txs: list[tuple[str, str, str]] = []
        for pool in rng.sample(pools, min(3, len(pools))):
            bpt_index = pool.bpt_index if isinstance(pool, ComposableStablePoolState) else None
            amounts = [
                balance * rng.randint(1, 5) // 1000
                for k, balance in enumerate(pool.balances)
                if k != bpt_index
            ]
            join = join_calldata(_entry(pool), deployer, amounts, bpt_index)
            txs.append((deployer, pool.vault, join))
        for pool in rng.sample(pools, min(2, len(pools))):
            bpt_call = (pool.address, encode_call("balanceOf(address)", deployer))
            (bpt,) = decode(["uint256"], (await call_many(self.rpc, [bpt_call]))[0])
            stable = isinstance(pool, ComposableStablePoolState)
            out = exit_calldata(_entry(pool), deployer, bpt // rng.randint(50, 500), stable)
            txs.append((deployer, pool.vault, out))
        if not self.fees_set:
            self.fees_set = True
            txs += self._settings(pools, rng)
        await send_all(self.rpc, txs, in_order=True)
        if create:
            for dex in sorted({p.dex for p in pools}):
                await self._new_pool(dex, [p for p in pools if p.dex == dex])

    def _settings(self, pools: Sequence[Any], rng: random.Random) -> list[tuple[str, str, str]]:
        """A new swap fee (0.01% to 1%) on one pool of each DEX; an amplification update of a
        stable pool (to 1.5 A over two days, the fastest a pool allows is 2x a day), stopped in
        the next transaction."""
        deployer = self.chain.deployer
        txs = []
        for dex in sorted({p.dex for p in pools}):
            pool = rng.choice([p for p in pools if p.dex == dex])
            fee = rng.randint(1, 100) * 10**14
            txs.append((deployer, pool.address, encode_call("setSwapFeePercentage(uint256)", fee)))
        stable = [p for p in pools if isinstance(p, ComposableStablePoolState)]
        if stable:
            pool = rng.choice(stable)
            end_value = pool.amplification_parameter * 3 // 2 // 1000
            end_time = 2**40  # far beyond two days from any devnet block
            start = encode_call(
                "startAmplificationParameterUpdate(uint256,uint256)", end_value, end_time
            )
            txs.append((deployer, pool.address, start))
            txs.append((deployer, pool.address, encode_call("stopAmplificationParameterUpdate()")))
        return txs

    async def _new_pool(self, dex: str, pools: Sequence[Any]) -> None:
        """A two-token pool of the DEX's kind: weighted 50/50 WETH and a chain token, stable
        USDC/USDT, each side `_NEW_POOL_UNITS` whole tokens' worth at par of the other."""
        entry = self.chain.dex(dex)
        assert entry.pool_factory is not None
        sender = Sender(rpc=self.rpc, address=self.chain.deployer)
        if entry.kind == "balancer-stable":
            tokens = [self.chain.token("USDC"), self.chain.token("USDT")]
            amounts = [_NEW_POOL_UNITS * 10**t.decimals for t in tokens]
            await create_stable_pool(
                self.rpc,
                sender,
                vault=entry.factory,
                factory=entry.pool_factory,
                tokens=tokens,
                amplification=100,
                amounts=amounts,
                swap_fee_percentage=_FEE,
            )
            return
        native = next(t for t in self.chain.tokens if t.wrapped_native)
        other = self.chain.tokens[-1]
        tokens = [native, other]
        amounts = [10**18, _NEW_POOL_UNITS * 10**other.decimals]
        await create_weighted_pool(
            self.rpc,
            sender,
            vault=entry.factory,
            factory=entry.pool_factory,
            tokens=tokens,
            weights=[5 * 10**17, 5 * 10**17],
            amounts=amounts,
            swap_fee_percentage=_FEE,
        )
