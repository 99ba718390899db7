"""Which bytecode the devnet deploys for WETH9 and the Uniswap DEXes, and per V2 DEX its build.

Each V2 DEX runs one of three builds (`V2_BUILDS`): `sushiswap` SushiSwap's V2 and
`pancakeswap-v2` a 25 bps fork of Uniswap V2, both compiled at set-up from their published
sources (`omniarb.contracts.v2_forks`); every other V2 DEX Uniswap's own v2-core/v2-periphery
artifacts. The manifest records each DEX's fee and the hash of its pair's creation code.
"""

from __future__ import annotations

from dataclasses import dataclass

from omniarb.contracts import Artifact, load_npm_artifact
from omniarb.contracts.v2_forks import BPS25, SUSHISWAP, V2Fork, fork_artifact

__all__ = ["ARTIFACT_PATHS", "V2_BUILDS", "V2Build", "v2_build"]

ARTIFACT_PATHS = {
    "WETH9": "@uniswap/v2-periphery/build/WETH9.json",
    "UniswapV2Factory": "@uniswap/v2-core/build/UniswapV2Factory.json",
    "UniswapV2Router02": "@uniswap/v2-periphery/build/UniswapV2Router02.json",
    "UniswapV3Factory": "@uniswap/v3-core/artifacts/contracts/"
    "UniswapV3Factory.sol/UniswapV3Factory.json",
    "NonfungiblePositionManager": "@uniswap/v3-periphery/artifacts/contracts/"
    "NonfungiblePositionManager.sol/NonfungiblePositionManager.json",
    "SwapRouter": "@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json",
    "QuoterV2": "@uniswap/v3-periphery/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json",
    # Not deployed directly (the factories create them); their creation code's hash is what
    # the manifest records as each DEX's init code hash.
    "UniswapV2Pair": "@uniswap/v2-core/build/UniswapV2Pair.json",
    "UniswapV3Pool": "@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json",
}
# The fee v2-core's UniswapV2Pair applies (997/1000), in pips.
_V2_FEE_PIPS = 3000


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
        factory=load_npm_artifact(ARTIFACT_PATHS["UniswapV2Factory"]),
        router=load_npm_artifact(ARTIFACT_PATHS["UniswapV2Router02"]),
        pair=load_npm_artifact(ARTIFACT_PATHS["UniswapV2Pair"]),
        fee_pips=_V2_FEE_PIPS,
    )


# The V2 DEXes that run a fork, by name; every other V2 DEX runs Uniswap's bytecode.
V2_BUILDS = {"sushiswap": SUSHISWAP, "pancakeswap-v2": BPS25}


def v2_build(dex_name: str) -> V2Build:
    """What the devnet deploys for the V2 DEX named `dex_name`."""
    fork = V2_BUILDS.get(dex_name)
    return _fork_build(fork) if fork is not None else _uniswap_build()
