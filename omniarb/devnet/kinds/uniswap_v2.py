"""Uniswap V2 and its forks on the devnet: each V2 DEX's factory and Router02 from its build,
its catalog pairs filled through the router, and for the market swaps through the router and
a pair's reserves.

Each V2 DEX runs one of three builds (`V2_BUILDS`): `sushiswap` SushiSwap's V2 and
`pancakeswap-v2` a 25 bps fork of Uniswap V2, both compiled at set-up from their published
sources (`omniarb.contracts.v2_forks`); every other V2 DEX Uniswap's own v2-core/v2-periphery
artifacts. The manifest records each DEX's fee and the hash of its pair's creation code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcRequest
from omniarb.chains.spec import DexKind
from omniarb.contracts import Artifact, load_npm_artifact
from omniarb.contracts.v2_forks import BPS25, SUSHISWAP, V2Fork, fork_artifact
from omniarb.devnet.kinds._calls import DEADLINE, POOL_CREATE_GAS, eth_call
from omniarb.devnet.kinds.base import ChainTokens, PoolDef, PoolReserves, PoolSeed, SeededPool
from omniarb.devnet.tx_sender import TxSender
from omniarb.errors import DevnetError
from omniarb.network import DexEntry, LenderEntry, PoolEntry

__all__ = ["KIND", "V2_BUILDS", "UniswapV2Devnet", "V2Build", "v2_build"]

_ARTIFACT_PATHS = MappingProxyType(
    {
        "UniswapV2Factory": "@uniswap/v2-core/build/UniswapV2Factory.json",
        "UniswapV2Router02": "@uniswap/v2-periphery/build/UniswapV2Router02.json",
        # Not deployed directly (the factory creates them); its creation code's hash is what
        # the manifest records as each DEX's init code hash.
        "UniswapV2Pair": "@uniswap/v2-core/build/UniswapV2Pair.json",
    }
)
# The fee v2-core's UniswapV2Pair applies (997/1000), in pips.
_V2_FEE_PIPS = 3000
# The second V2 DEX of a chain holds this share of the first one's liquidity.
_SECOND_DEX_SHARE = Fraction(3, 10)
# Router02 swaps use ~100k gas; the limit leaves room without an estimate.
_SWAP_GAS = 300_000
_SWAP = "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)"
_GET_RESERVES = encode_call("getReserves()")


@dataclass(frozen=True, slots=True, kw_only=True)
class V2Build:
    """The bytecode one V2 DEX is deployed from: factory, router, the pair its factory creates
    (whose creation code's hash is the DEX's init code hash), and the fee that pair charges."""

    factory: Artifact
    router: Artifact
    pair: Artifact
    fee_pips: int

    @property
    def init_code_hash(self) -> str:
        return self.pair.creation_code_hash


def _fork_build(fork: V2Fork) -> V2Build:
    return V2Build(
        factory=fork_artifact(fork.factory),
        router=fork_artifact(fork.router),
        pair=fork_artifact(fork.pair),
        fee_pips=fork.fee_pips,
    )


def _uniswap_build() -> V2Build:
    return V2Build(
        factory=load_npm_artifact(_ARTIFACT_PATHS["UniswapV2Factory"]),
        router=load_npm_artifact(_ARTIFACT_PATHS["UniswapV2Router02"]),
        pair=load_npm_artifact(_ARTIFACT_PATHS["UniswapV2Pair"]),
        fee_pips=_V2_FEE_PIPS,
    )


# The V2 DEXes that run a fork, by name; every other V2 DEX runs Uniswap's bytecode.
V2_BUILDS = {"sushiswap": SUSHISWAP, "pancakeswap-v2": BPS25}


def v2_build(dex_name: str) -> V2Build:
    """What the devnet deploys for the V2 DEX named `dex_name`."""
    fork = V2_BUILDS.get(dex_name)
    return _fork_build(fork) if fork is not None else _uniswap_build()


def _pairs(tokens: ChainTokens) -> tuple[tuple[str, str, int], ...]:
    """Each V2 DEX's pairs: (token a, token b, depth in USD on the chain's first V2 DEX)."""
    wn, btc = tokens.wrapped_native, tokens.btc
    return (
        (wn, "USDC", 40_000_000),
        (wn, "USDT", 16_000_000),
        (wn, "DAI", 6_000_000),
        ("USDC", "USDT", 12_000_000),
        ("USDC", "DAI", 4_000_000),
        (btc, wn, 16_000_000),
        (btc, "USDC", 8_000_000),
        (tokens.flavour_a, wn, 4_000_000),
        (tokens.flavour_b, "USDC", 2_000_000),
    )


class UniswapV2Devnet:
    """The V2 kind as the devnet deploys and trades it (`omniarb.devnet.kinds.base.DevnetKind`)."""

    kind = DexKind.UNISWAP_V2.value
    artifact_paths: Mapping[str, str] = _ARTIFACT_PATHS
    swap_gas = _SWAP_GAS
    takes_tail_pools = True

    def compiled_artifacts(self) -> tuple[Artifact, ...]:
        return tuple(
            fork_artifact(name)
            for fork in V2_BUILDS.values()
            for name in (fork.factory, fork.pair, fork.router)
        )

    def plan_pools(self, dex: str, rank: int, tokens: ChainTokens) -> tuple[PoolDef, ...]:
        share = Fraction(1) if rank == 0 else _SECOND_DEX_SHARE
        return tuple(
            PoolDef(dex=dex, kind=self.kind, token_a=a, token_b=b, depth_usd=int(usd * share))
            for a, b, usd in _pairs(tokens)
        )

    async def deploy(
        self, dex: str, deployer: TxSender, weth: str, lenders: Sequence[LenderEntry]
    ) -> DexEntry:
        build = v2_build(dex)
        factory = await deployer.deploy(
            f"{dex} factory", build.factory, ["address"], [deployer.address]
        )
        router = await deployer.deploy(
            f"{dex} router", build.router, ["address", "address"], [factory, weth]
        )
        return DexEntry(
            name=dex,
            kind=self.kind,
            factory=factory,
            router=router,
            fee_pips=build.fee_pips,
            init_code_hash=build.init_code_hash,
        )

    async def seed_pool(
        self, deployer: TxSender, dex: DexEntry, seed: PoolSeed
    ) -> SeededPool | None:
        # The router creates the pair on its first liquidity.
        await deployer.send(
            f"{dex.name} {seed.symbol_a}/{seed.symbol_b} liquidity",
            dex.router,
            encode_call(
                "addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)",
                seed.token_a,
                seed.token_b,
                seed.amount_a,
                seed.amount_b,
                0,
                0,
                deployer.address,
                DEADLINE,
            ),
            gas=POOL_CREATE_GAS,
        )
        return None

    def find_pool(self, dex: DexEntry, seed: PoolSeed) -> RpcRequest:
        return eth_call(
            dex.factory, encode_call("getPair(address,address)", seed.token_a, seed.token_b)
        )

    def fee_pips(self, dex: DexEntry, seed: PoolSeed) -> int:
        if dex.fee_pips is None:
            raise DevnetError(f"{dex.name} has no fee")
        return dex.fee_pips

    def tick_spacing(self, fee_pips: int) -> int | None:
        return None

    def swap_calldata(
        self, pool: PoolEntry, token_in: str, token_out: str, amount_in: int, recipient: str
    ) -> str:
        return encode_call(_SWAP, amount_in, 0, [token_in, token_out], recipient, DEADLINE)

    def state_reads(self, pool: PoolEntry, dex: DexEntry) -> tuple[RpcRequest, ...]:
        return (eth_call(pool.address, _GET_RESERVES),)

    def reserves(self, pool: PoolEntry, answers: Sequence[Any]) -> PoolReserves:
        # A pair holds exactly its reserves, and they are its constant-product curve.
        reserve0, reserve1, _ = decode(["uint112", "uint112", "uint32"], answers[0])
        return PoolReserves(
            balance0=reserve0, balance1=reserve1, virtual0=reserve0, virtual1=reserve1
        )


KIND = UniswapV2Devnet()
