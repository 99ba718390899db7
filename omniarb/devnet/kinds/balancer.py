"""Balancer V2 on the devnet: weighted and composable stable pools in the Vault the flash lenders
deployed (`omniarb.devnet.lending`), from the factories of `@balancer-labs/v2-deployments`
3.2.0 (`omniarb.devnet.balancer_pools`), each kind a DEX of its own.

How Balancer fits the `DevnetKind` protocol:
- the DEX entry's `factory` and `router` are the Vault (which holds and swaps every pool, and
  which the executor registers with a mark), `pool_factory` the kind's factory, `quoter`
  `BalancerQueries`;
- a pool is CREATE-deployed by its factory, so no contract can be asked for it by its tokens:
  `seed_pool` waits for its creation and returns it with its Vault id (`SeededPool`), which the
  manifest records (`pool_id`) and the market's reads and swaps name it by;
- a pool of more than two tokens (the three stablecoins) is one manifest entry per pair;
- stable pools take no long-tail pools (their curve fits tokens of one price only).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcRequest
from omniarb.chains.spec import BALANCER_VAULT_MARK
from omniarb.contracts import Artifact
from omniarb.devnet.balancer_pools import (
    BALANCER_POOL_ARTIFACT_PATHS,
    create_stable_pool,
    create_weighted_pool,
    deploy_fee_provider,
    deploy_pool_factory,
    deploy_queries,
)
from omniarb.devnet.kinds._calls import DEADLINE, eth_call
from omniarb.devnet.kinds.base import ChainTokens, PoolDef, PoolReserves, PoolSeed, SeededPool
from omniarb.devnet.tx_sender import TxSender
from omniarb.dex.balancer import STABLE_KIND, WEIGHTED_KIND, ComposableStablePoolState
from omniarb.dex.balancer.pair import StablePair
from omniarb.errors import DevnetError
from omniarb.network import DexEntry, LenderEntry, PoolEntry

__all__ = ["STABLE", "VAULT_SWAP", "WEIGHTED", "BalancerDevnet"]

_SINGLE_SWAP = "(bytes32,uint8,address,address,uint256,bytes)"
_FUNDS = "(address,bool,address,bool)"
VAULT_SWAP = f"swap({_SINGLE_SWAP},{_FUNDS},uint256,uint256)"
_GET_POOL_TOKENS = "getPoolTokens(bytes32)"
_VAULT_LENDER = "balancer-v2"
# 1e18 is 100% of a Balancer fee percentage; a pip is 1e-6.
_PERCENTAGE_PER_PIP = 10**12
# The stablecoins' pool: A = 200 (the `create` argument, without precision), as mainnet's
# USD pools often have.
_STABLE_AMPLIFICATION = 200
# A weighted swap through the Vault uses ~110k gas, a stable one ~170k; the limit leaves room.
_SWAP_GAS = 400_000
# The market's depth of a stable pool: a swap of this share of balance 0 shows the price move.
_PROBE_SHARE = 1_000


@dataclass(frozen=True, slots=True, kw_only=True)
class _Planned:
    """A pool of the kind's catalog: tokens by role, weights (percent) or none, fee, depth."""

    tokens: tuple[str, ...]
    weights_pct: tuple[int, ...]
    fee_pips: int
    depth_usd: int


def _weighted_pools(tokens: ChainTokens) -> tuple[_Planned, ...]:
    wn = tokens.wrapped_native
    return (
        _Planned(tokens=(wn, "USDC"), weights_pct=(80, 20), fee_pips=3000, depth_usd=10_000_000),
        _Planned(tokens=(tokens.btc, wn), weights_pct=(50, 50), fee_pips=3000, depth_usd=4_000_000),
        _Planned(
            tokens=(tokens.flavour_a, wn), weights_pct=(80, 20), fee_pips=10000, depth_usd=2_000_000
        ),
    )


def _stable_pools(tokens: ChainTokens) -> tuple[_Planned, ...]:
    return (
        _Planned(
            tokens=("USDC", "USDT", "DAI"), weights_pct=(), fee_pips=100, depth_usd=30_000_000
        ),
    )


@dataclass(frozen=True, slots=True)
class BalancerDevnet:
    """One Balancer kind (`balancer-weighted` or `balancer-stable`) as the devnet deploys and
    trades it (`omniarb.devnet.kinds.base.DevnetKind`)."""

    kind: str
    factory_name: str
    takes_tail_pools: bool
    swap_gas: int = _SWAP_GAS

    @property
    def artifact_paths(self) -> Mapping[str, str]:
        names = ("ProtocolFeePercentagesProvider", self.factory_name, "BalancerQueries")
        return MappingProxyType({name: BALANCER_POOL_ARTIFACT_PATHS[name] for name in names})

    def compiled_artifacts(self) -> tuple[Artifact, ...]:
        return ()

    def plan_pools(self, dex: str, rank: int, tokens: ChainTokens) -> tuple[PoolDef, ...]:
        planned = _stable_pools(tokens) if self.kind == STABLE_KIND else _weighted_pools(tokens)
        return tuple(
            PoolDef(
                dex=dex,
                kind=self.kind,
                token_a=pool.tokens[0],
                token_b=pool.tokens[1],
                more_tokens=pool.tokens[2:],
                weights_pct=pool.weights_pct,
                depth_usd=pool.depth_usd,
                fee=pool.fee_pips,
            )
            for pool in planned
        )

    async def deploy(
        self, dex: str, deployer: TxSender, weth: str, lenders: Sequence[LenderEntry]
    ) -> DexEntry:
        vaults = [lender.address for lender in lenders if lender.kind == _VAULT_LENDER]
        if not vaults:
            raise DevnetError(f"{dex}: no Balancer Vault among the chain's lenders")
        vault = vaults[0]
        provider = await deploy_fee_provider(deployer, vault)
        factory = await deploy_pool_factory(deployer, vault, provider, self.factory_name)
        queries = await deploy_queries(deployer, vault)
        return DexEntry(
            name=dex,
            kind=self.kind,
            factory=vault,
            router=vault,
            quoter=queries,
            init_code_hash=BALANCER_VAULT_MARK,
            pool_factory=factory,
            start_block=0,
        )

    async def seed_pool(
        self, deployer: TxSender, dex: DexEntry, seed: PoolSeed
    ) -> SeededPool | None:
        if dex.pool_factory is None or seed.fee is None:
            raise DevnetError(f"{dex.name}: a Balancer pool needs its factory and fee")
        tokens = seed.tokens
        amounts = [token.amount for token in tokens]
        fee = seed.fee * _PERCENTAGE_PER_PIP
        if self.kind == STABLE_KIND:
            created = await create_stable_pool(
                deployer.rpc,
                deployer,
                vault=dex.factory,
                factory=dex.pool_factory,
                tokens=tokens,
                amplification=_STABLE_AMPLIFICATION,
                amounts=amounts,
                swap_fee_percentage=fee,
                deploying=True,
            )
        else:
            weights = seed.weights_pct or (100 // len(tokens),) * len(tokens)
            created = await create_weighted_pool(
                deployer.rpc,
                deployer,
                vault=dex.factory,
                factory=dex.pool_factory,
                tokens=tokens,
                weights=_normalized(weights),
                amounts=amounts,
                swap_fee_percentage=fee,
                deploying=True,
            )
        return SeededPool(address=created.address, pool_id=created.pool_id)

    def find_pool(self, dex: DexEntry, seed: PoolSeed) -> RpcRequest:
        raise DevnetError(f"{dex.name}: Balancer pools are known from their creation")

    def fee_pips(self, dex: DexEntry, seed: PoolSeed) -> int:
        if seed.fee is None:
            raise DevnetError(f"{dex.name}: the Balancer pool {seed.symbol_a}/… has no fee")
        return seed.fee

    def tick_spacing(self, fee_pips: int) -> int | None:
        return None

    def swap_calldata(
        self, pool: PoolEntry, token_in: str, token_out: str, amount_in: int, recipient: str
    ) -> str:
        """`Vault.swap`, GIVEN_IN, from and to `recipient` (who must send it: the Vault pulls
        from the sender only)."""
        return encode_call(
            VAULT_SWAP,
            (_pool_id(pool), 0, token_in, token_out, amount_in, b""),
            (recipient, False, recipient, False),
            0,
            DEADLINE,
        )

    def state_reads(self, pool: PoolEntry, dex: DexEntry) -> tuple[RpcRequest, ...]:
        tokens = eth_call(dex.factory, encode_call(_GET_POOL_TOKENS, _pool_id(pool)))
        if self.kind == WEIGHTED_KIND:
            return (tokens, eth_call(pool.address, encode_call("getNormalizedWeights()")))
        return (
            tokens,
            eth_call(pool.address, encode_call("getAmplificationParameter()")),
            eth_call(pool.address, encode_call("getScalingFactors()")),
            eth_call(pool.address, encode_call("getSwapFeePercentage()")),
        )

    def reserves(self, pool: PoolEntry, answers: Sequence[Any]) -> PoolReserves:
        """The pair's balances in the pool; a weighted pair's virtual reserves in closed form
        (those of a constant-product pool with the same price and price impact: 2·b0·w1/(w0 +
        w1) and 2·b1·w0/(w0 + w1)), a stable pair's from the price move of a small swap on
        the exact math."""
        tokens, balances, _ = decode(["address[]", "uint256[]", "uint256"], answers[0])
        lowered = [t.lower() for t in tokens]
        i, j = lowered.index(pool.token0.lower()), lowered.index(pool.token1.lower())
        balance0, balance1 = balances[i], balances[j]
        if balance0 == 0 or balance1 == 0:
            return PoolReserves(balance0=balance0, balance1=balance1, virtual0=0, virtual1=0)
        if self.kind == WEIGHTED_KIND:
            (weights,) = decode(["uint256[]"], answers[1])
            w0, w1 = weights[i], weights[j]
            return PoolReserves(
                balance0=balance0,
                balance1=balance1,
                virtual0=2 * balance0 * w1 // (w0 + w1),
                virtual1=2 * balance1 * w0 // (w0 + w1),
            )
        amp, _updating, _precision = decode(["uint256", "bool", "uint256"], answers[1])
        (scaling,) = decode(["uint256[]"], answers[2])
        (fee,) = decode(["uint256"], answers[3])
        state = ComposableStablePoolState(
            chain_id=0,
            address=pool.address,
            dex=pool.dex,
            vault="0x" + "00" * 20,
            pool_id="0x" + _pool_id(pool).hex(),
            tokens=tuple(tokens),
            balances=tuple(balances),
            scaling_factors=tuple(scaling),
            swap_fee_percentage=fee,
            block_number=0,
            amplification_parameter=amp,
            bpt_index=lowered.index(pool.address.lower()),
        )
        virtual0 = _stable_depth(state, pool.token0, pool.token1, balance0)
        price = StablePair.of(state, pool.token0, pool.token1).spot_price() or 0.0
        return PoolReserves(
            balance0=balance0,
            balance1=balance1,
            virtual0=virtual0,
            virtual1=int(virtual0 * price),
        )


def _pool_id(pool: PoolEntry) -> bytes:
    if pool.pool_id is None:
        raise DevnetError(f"Balancer pool {pool.address} has no pool id in the manifest")
    return bytes.fromhex(pool.pool_id.removeprefix("0x"))


def _normalized(weights_pct: Sequence[int]) -> list[int]:
    """Weights in 1e18 summing to exactly 1e18 (the last takes the rounding)."""
    total = sum(weights_pct)
    weights = [10**18 * w // total for w in weights_pct]
    weights[-1] += 10**18 - sum(weights)
    return weights


def _stable_depth(state: ComposableStablePoolState, token0: str, token1: str, balance0: int) -> int:
    """The token-0 reserve of a constant-product pool whose price moves as the stable pair's
    does for a swap of 1/`_PROBE_SHARE` of its balance: a price falling from p to p' for dx in
    is a constant-product reserve of dx / (sqrt(p/p') - 1)."""
    before = StablePair.of(state, token0, token1).spot_price()
    dx = max(balance0 // _PROBE_SHARE, 1)
    out = state.amount_out(token0, token1, dx)
    after_state = state.after_swap(
        token_in=token0, token_out=token1, amount_in=dx, amount_out=out, block_number=0
    )
    after = StablePair.of(after_state, token0, token1).spot_price()
    if not before or not after or after >= before:
        return balance0
    return int(dx / (math.sqrt(before / after) - 1))


WEIGHTED = BalancerDevnet(
    kind=WEIGHTED_KIND, factory_name="WeightedPoolFactory", takes_tail_pools=True
)
STABLE = BalancerDevnet(
    kind=STABLE_KIND, factory_name="ComposableStablePoolFactory", takes_tail_pools=False
)
