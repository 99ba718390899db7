"""The DEX deployments omni-arb knows on the real networks: kinds, factories, pool code hashes.

Facts about mainnet deployments (each DEX's factory, the init code hash its pools are
CREATE2-deployed with, its swap fee), which `omniarb.chains.spec` lists per chain;
`tests/unit/chains/test_dex_deployments.py` recomputes well-known pool addresses from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "ALGEBRA_INTEGRAL_INIT_CODE_HASH",
    "BALANCER_V2_VAULT",
    "BALANCER_VAULT_MARK",
    "PANCAKESWAP_V3_INIT_CODE_HASH",
    "SUSHISWAP_INIT_CODE_HASH",
    "SUSHISWAP_POLYGON_ARBITRUM_FACTORY",
    "UNISWAP_V2_INIT_CODE_HASH",
    "UNISWAP_V3_FACTORY",
    "UNISWAP_V3_INIT_CODE_HASH",
    "UNISWAP_V4_POOL_MANAGER_MARK",
    "DexKind",
    "DexSpec",
    "algebra_integral_dex",
    "balancer_dexes",
    "pancakeswap_v3_dex",
    "uniswap_v3_dex",
    "uniswap_v4_dex",
    "v2_dex",
]


class DexKind(StrEnum):
    UNISWAP_V2 = "uniswap-v2"
    UNISWAP_V3 = "uniswap-v3"
    PANCAKESWAP_V3 = "pancakeswap-v3"
    ALGEBRA_INTEGRAL = "algebra-integral"
    UNISWAP_V4 = "uniswap-v4"
    BALANCER_WEIGHTED = "balancer-weighted"
    BALANCER_STABLE = "balancer-stable"
    # Known deployments of kinds the bot does not trade yet (no adapter in omniarb.dex.registry
    # until the issue that adds more protocols): listed so their parameters are on record.
    VELODROME_V2 = "velodrome-v2"


@dataclass(frozen=True, slots=True, kw_only=True)
class DexSpec:
    """A DEX deployment on the real network, by name.

    `factory` creates the pools; `init_code_hash` is the keccak of the pool creation code, with
    which `pool_deployer` (the factory itself unless given) CREATE2-deploys every pool.
    `fee_bps` is a V2 fork's swap fee as its pair contract applies it, or None where each pair
    stores its own (Biswap, Camelot), which the bot does not support yet; V3 fees are per pool.
    `devnet_only` marks a kind the devnet deploys on a chain where no real deployment of it is
    known: its `factory` is the zero address, which no described DEX matches, so a network
    description listing such a DEX gives its own parameters.
    `lens` is the DEX's own read-only contract the bot reads pool state through where the pools
    cannot be asked themselves (Uniswap V4's StateView over its PoolManager).
    Where `factory` is a singleton holding the pools (Balancer's Vault), `pool_factory` is the
    contract whose pools are priced and `start_block` the block it was deployed in, from which
    its pools are found in its logs.
    """

    name: str
    kind: DexKind
    factory: str
    init_code_hash: str
    fee_bps: int | None = 30
    pool_deployer: str | None = None
    devnet_only: bool = False
    lens: str | None = None
    pool_factory: str | None = None
    start_block: int = 0


# The pair and pool creation-code hashes shared by many deployments: Uniswap V2's UniswapV2Pair
# (also QuickSwap's), SushiSwap's (its pair differs by a few bytes), Uniswap V3's UniswapV3Pool.
UNISWAP_V2_INIT_CODE_HASH = "0x96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f"
SUSHISWAP_INIT_CODE_HASH = "0xe18a34eb0e04b04f7a0ac29a6e80748dca96319b42c54d679cb821dca90c6303"
UNISWAP_V3_INIT_CODE_HASH = "0xe34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54"
# PancakeV3Pool (`@pancakeswap/v3-core` 1.0.2's artifact hashes to the same).
PANCAKESWAP_V3_INIT_CODE_HASH = "0x6ce8eb472fa82df5469c6ab6d485f17c3ad13c8cd7af59b3d4a8026c5ce0f7e2"
# AlgebraPool of `@cryptoalgebra/integral-core` 1.2.10 (its Factory's POOL_INIT_CODE_HASH).
ALGEBRA_INTEGRAL_INIT_CODE_HASH = (
    "0x62441ebe4e4315cf3d49d5957f94d66b253dbabe7006f34ad7f70947e60bf15c"
)
# Uniswap V4 pools are not contracts (they live in the PoolManager's storage), so they have no
# init code hash: a V4 DEX's factory is its PoolManager, and in the executor's registry of pool
# deployers a PoolManager is registered with this mark in place of a hash
# (keccak256("omniarb: Uniswap V4 PoolManager"), OmniArbExecutor.POOL_MANAGER).
UNISWAP_V4_POOL_MANAGER_MARK = "0x2209bff7c31185f94941a83abe63cc0e11c08f4c1104bcc0d28c0137e7df7723"
# Balancer V2 pools live in the Vault, which swaps them (like V4's PoolManager, no pool has an
# init code hash): the executor's registry holds the Vault with this mark
# (keccak256("omniarb: Balancer V2 Vault"), OmniArbExecutor.BALANCER_VAULT).
BALANCER_VAULT_MARK = "0x8296425cbb0a86b6845cb9a0fb20303dc7a2fd2913b0a61e75dfb975fae6bc3b"
# The Vault, at the same address on every chain (`@balancer-labs/v2-deployments` 3.2.0,
# `20210418-vault/output/*.json`: mainnet, polygon, arbitrum, optimism and bsc).
BALANCER_V2_VAULT = "0xBA12222222228d8Ba445958a75a0704d566BF2C8"
UNISWAP_V3_FACTORY = "0x1F98431c8aD98523631AE4a59f267346ea31F984"
SUSHISWAP_POLYGON_ARBITRUM_FACTORY = (
    "0xc35DADB65012eC5796536bD9864eD8773aBc74C4"  # Polygon and Arbitrum
)


def v2_dex(name: str, factory: str, init_code_hash: str, fee_bps: int | None = 30) -> DexSpec:
    return DexSpec(
        name=name,
        kind=DexKind.UNISWAP_V2,
        factory=factory,
        init_code_hash=init_code_hash,
        fee_bps=fee_bps,
    )


def pancakeswap_v3_dex() -> DexSpec:
    """PancakeSwap V3, at the same addresses on BNB Chain, Ethereum and Arbitrum; its pools
    come from a separate PancakeV3PoolDeployer, not from the factory."""
    return DexSpec(
        name="pancakeswap-v3",
        kind=DexKind.PANCAKESWAP_V3,
        factory="0x0BFbCF9fa4f9C56B0F40a671Ad40E0805A091865",
        pool_deployer="0x41ff9AA7e16B8B1a8a8dc4f0eFacd93D02d071c9",
        init_code_hash=PANCAKESWAP_V3_INIT_CODE_HASH,
        fee_bps=None,
    )


def algebra_integral_dex() -> DexSpec:
    """Algebra Integral 1.2 as the devnet deploys it on Polygon and Arbitrum: a named devnet
    deployment, not a real one. The Algebra DEXes of those chains run older versions whose
    pools, math and events differ (QuickSwap V3 on Polygon is Algebra V1.0, factory
    0x411b0fAcC3489691f28ad58c47006AF5E3Ab3A28; Camelot V3 on Arbitrum is Algebra V1.9 with
    directional fees), so the Integral adapter does not price them; Algebra's own list of
    Integral 1.2 partners names none on either chain. The pool code hash is the real 1.2.10
    one; each deployment's pools come from its own AlgebraPoolDeployer (no fee in the salt)."""
    return DexSpec(
        name="algebra-integral",
        kind=DexKind.ALGEBRA_INTEGRAL,
        factory="0x0000000000000000000000000000000000000000",
        init_code_hash=ALGEBRA_INTEGRAL_INIT_CODE_HASH,
        fee_bps=None,
        devnet_only=True,
    )


def uniswap_v4_dex(pool_manager: str, state_view: str) -> DexSpec:
    """Uniswap V4: the chain's singleton PoolManager and the periphery's StateView lens over it
    (docs.uniswap.org, "v4 Deployments"; each chain has its own addresses)."""
    return DexSpec(
        name="uniswap-v4",
        kind=DexKind.UNISWAP_V4,
        factory=pool_manager,
        init_code_hash=UNISWAP_V4_POOL_MANAGER_MARK,
        fee_bps=None,
        lens=state_view,
    )


def balancer_dexes(weighted: tuple[str, int], stable: tuple[str, int]) -> tuple[DexSpec, DexSpec]:
    """Balancer V2's weighted and composable stable pools of the chain's Vault: each the pool
    factory whose math omni-arb's is proven against (`20230206-weighted-pool-v3` and
    `20230206-composable-stable-pool-v3` of `@balancer-labs/v2-deployments` 3.2.0, whose
    `output/*.json` give the addresses) with the block it was deployed in (its creation
    transaction's, as cowprotocol/services records them with the transactions; Arbitrum's
    weighted factory from Balancer's own subgraph, `networks.json`, a lower bound)."""
    return (
        DexSpec(
            name="balancer-weighted",
            kind=DexKind.BALANCER_WEIGHTED,
            factory=BALANCER_V2_VAULT,
            init_code_hash=BALANCER_VAULT_MARK,
            fee_bps=None,
            pool_factory=weighted[0],
            start_block=weighted[1],
        ),
        DexSpec(
            name="balancer-stable",
            kind=DexKind.BALANCER_STABLE,
            factory=BALANCER_V2_VAULT,
            init_code_hash=BALANCER_VAULT_MARK,
            fee_bps=None,
            pool_factory=stable[0],
            start_block=stable[1],
        ),
    )


def uniswap_v3_dex(factory: str = UNISWAP_V3_FACTORY) -> DexSpec:
    return DexSpec(
        name="uniswap-v3",
        kind=DexKind.UNISWAP_V3,
        factory=factory,
        init_code_hash=UNISWAP_V3_INIT_CODE_HASH,
        fee_bps=None,
    )
