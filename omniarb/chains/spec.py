"""The five supported chains and the DEX deployments omni-arb knows on each.

These are facts about the real networks (chain ids, native tokens, fee models, block times, and
each DEX's factory, the init code hash its pools are CREATE2-deployed with, and its swap fee);
the devnet reproduces the chains locally with the same ids and names, and says in its own
manifest what it deployed. `tests/unit/chains/test_dex_deployments.py` recomputes well-known
mainnet pool addresses from these parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from omniarb.errors import NotFoundError

__all__ = [
    "ALGEBRA_INTEGRAL_INIT_CODE_HASH",
    "BALANCER_V2_VAULT",
    "BALANCER_VAULT_MARK",
    "CHAINS",
    "SUSHISWAP_INIT_CODE_HASH",
    "UNISWAP_V2_INIT_CODE_HASH",
    "UNISWAP_V3_INIT_CODE_HASH",
    "UNISWAP_V4_POOL_MANAGER_MARK",
    "ChainSpec",
    "DexKind",
    "DexSpec",
    "FeeModel",
    "MempoolKind",
    "chain_by_id",
    "chain_by_name",
    "resolve_chain",
]


class FeeModel(StrEnum):
    EIP1559 = "eip1559"
    LEGACY = "legacy"
    L2_EIP1559 = "l2-eip1559"  # EIP-1559 on L2 plus an L1 data fee


class MempoolKind(StrEnum):
    PUBLIC = "public"
    SEQUENCER = "sequencer"  # first-come first-served, no public mempool


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


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainSpec:
    """Static facts about one chain; `block_time_s` is the real network's."""

    chain_id: int
    name: str
    display_name: str
    native_symbol: str
    wrapped_native_symbol: str
    block_time_s: float
    fee_model: FeeModel
    mempool: MempoolKind
    dexes: tuple[DexSpec, ...]

    def dex(self, name: str) -> DexSpec:
        for dex in self.dexes:
            if dex.name == name:
                return dex
        known = ", ".join(d.name for d in self.dexes)
        raise NotFoundError(f"unknown DEX {name!r} on {self.name} (known: {known})")


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
_UNISWAP_V3_FACTORY = "0x1F98431c8aD98523631AE4a59f267346ea31F984"
_SUSHISWAP_FACTORY = "0xc35DADB65012eC5796536bD9864eD8773aBc74C4"  # Polygon and Arbitrum


def _v2(name: str, factory: str, init_code_hash: str, fee_bps: int | None = 30) -> DexSpec:
    return DexSpec(
        name=name,
        kind=DexKind.UNISWAP_V2,
        factory=factory,
        init_code_hash=init_code_hash,
        fee_bps=fee_bps,
    )


def _pancakeswap_v3() -> DexSpec:
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


def _algebra_integral() -> DexSpec:
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


def _uniswap_v4(pool_manager: str, state_view: str) -> DexSpec:
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


def _balancer(weighted: tuple[str, int], stable: tuple[str, int]) -> tuple[DexSpec, DexSpec]:
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


def _uniswap_v3(factory: str = _UNISWAP_V3_FACTORY) -> DexSpec:
    return DexSpec(
        name="uniswap-v3",
        kind=DexKind.UNISWAP_V3,
        factory=factory,
        init_code_hash=UNISWAP_V3_INIT_CODE_HASH,
        fee_bps=None,
    )


CHAINS: tuple[ChainSpec, ...] = (
    ChainSpec(
        chain_id=1,
        name="ethereum",
        display_name="Ethereum",
        native_symbol="ETH",
        wrapped_native_symbol="WETH",
        block_time_s=12.0,
        fee_model=FeeModel.EIP1559,
        mempool=MempoolKind.PUBLIC,
        dexes=(
            _v2(
                "uniswap-v2",
                "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f",
                UNISWAP_V2_INIT_CODE_HASH,
            ),
            _v2(
                "sushiswap", "0xC0AEe478e3658e2610c5F7A4A2E1777cE9e4f2Ac", SUSHISWAP_INIT_CODE_HASH
            ),
            _uniswap_v3(),
            _pancakeswap_v3(),
            _uniswap_v4(
                "0x000000000004444c5dc75cB358380D2e3dE08A90",
                "0x7fFE42C4a5DEeA5b0feC41C94C136Cf115597227",
            ),
            *_balancer(
                ("0x5Dd94Da3644DDD055fcf6B3E1aa310Bb7801EB8b", 16_520_627),
                ("0xdba127fBc23fb20F5929C546af220A991b5C6e01", 16_580_899),
            ),
        ),
    ),
    ChainSpec(
        chain_id=56,
        name="bnb",
        display_name="BNB Chain",
        native_symbol="BNB",
        wrapped_native_symbol="WBNB",
        block_time_s=3.0,
        fee_model=FeeModel.LEGACY,
        mempool=MempoolKind.PUBLIC,
        dexes=(
            _v2(
                "pancakeswap-v2",
                "0xcA143Ce32Fe78f1f7019d7d551a6402fC5350c73",
                "0x00fb7f630766e6a796048ea87d01acd3068e8ff67d078148a3fa3f4a84f69bd5",
                fee_bps=25,
            ),
            # Each Biswap pair stores its fee (`swapFee()`, in tenths of a percent).
            _v2(
                "biswap",
                "0x858E3312ed3A876947EA49d572A7C42DE08af7EE",
                "0xfea293c909d87cd4153593f077b76bb7e94340200f4ee84211ae8e4f9bd7ffdf",
                fee_bps=None,
            ),
            _uniswap_v3("0xdB1d10011AD0Ff90774D0C6Bb92e5C5c8b4461F7"),
            _pancakeswap_v3(),
            _uniswap_v4(
                "0x28e2Ea090877bF75740558f6BFB36A5ffeE9e9dF",
                "0xd13Dd3D6E93f276FAfc9Db9E6BB47C1180aeE0c4",
            ),
            *_balancer(
                ("0x6e4cF292C5349c79cCd66349c3Ed56357dD11B46", 25_474_982),
                ("0xacAaC3e6D6Df918Bf3c809DFC7d42de0e4a72d4C", 25_475_700),
            ),
        ),
    ),
    ChainSpec(
        chain_id=137,
        name="polygon",
        display_name="Polygon",
        native_symbol="POL",
        wrapped_native_symbol="WPOL",
        block_time_s=2.0,
        fee_model=FeeModel.EIP1559,
        mempool=MempoolKind.PUBLIC,
        dexes=(
            _v2(
                "quickswap", "0x5757371414417b8C6CAad45bAeF941aBc7d3Ab32", UNISWAP_V2_INIT_CODE_HASH
            ),
            _v2("sushiswap", _SUSHISWAP_FACTORY, SUSHISWAP_INIT_CODE_HASH),
            _uniswap_v3(),
            _algebra_integral(),
            _uniswap_v4(
                "0x67366782805870060151383F4BbFF9daB53e5cD6",
                "0x5eA1bD7974c8A611cBAB0bDCAFcB1D9CC9b3BA5a",
            ),
            *_balancer(
                ("0x82e4cFaef85b1B6299935340c964C942280327f4", 39_036_828),
                ("0x7bc6C0E73EDAa66eF3F6E2f27b0EE8661834c6C9", 39_037_615),
            ),
        ),
    ),
    ChainSpec(
        chain_id=42161,
        name="arbitrum",
        display_name="Arbitrum One",
        native_symbol="ETH",
        wrapped_native_symbol="WETH",
        block_time_s=0.25,
        fee_model=FeeModel.L2_EIP1559,
        mempool=MempoolKind.SEQUENCER,
        dexes=(
            _v2("sushiswap", _SUSHISWAP_FACTORY, SUSHISWAP_INIT_CODE_HASH),
            # Camelot's pairs store a fee per input token (`token0FeePercent`, out of 100,000).
            _v2(
                "camelot",
                "0x6EcCab422D763aC031210895C81787E87B43A652",
                "0xa856464ae65f7619087bc369daaf7e387dae1e5af69cfa7935850ebf754b04c1",
                fee_bps=None,
            ),
            _uniswap_v3(),
            _pancakeswap_v3(),
            _algebra_integral(),
            _uniswap_v4(
                "0x360E68faCcca8cA495c1B759Fd9EEe466db9FB32",
                "0x76Fd297e2D437cd7f76d50F01AfE6160f86e9990",
            ),
            *_balancer(
                ("0xf1665E19bc105BE4EDD3739F88315cC699cc5b65", 56_668_142),
                ("0x1c99324EDC771c82A0DCCB780CC7DDA0045E50e7", 58_948_370),
            ),
        ),
    ),
    ChainSpec(
        chain_id=10,
        name="optimism",
        display_name="Optimism",
        native_symbol="ETH",
        wrapped_native_symbol="WETH",
        block_time_s=2.0,
        fee_model=FeeModel.L2_EIP1559,
        mempool=MempoolKind.SEQUENCER,
        dexes=(
            _v2(
                "sushiswap", "0xFbc12984689e5f15626Bad03Ad60160Fe98B303C", SUSHISWAP_INIT_CODE_HASH
            ),
            # ZipSwap's 30 bps is from aggregator configurations, not from its own source.
            _v2(
                "zipswap",
                "0x8BCeDD62DD46F1A76F8A1633d4f5B76e0CDa521E",
                "0x1a76b7e7272f6187014e23f04d1b2e543eed2fd1f76481149008cc6eacb05c22",
            ),
            _uniswap_v3(),
            # Velodrome V2 pools are EIP-1167 clones of one implementation: the hash is the
            # clone's creation code for it; the salt adds the pool's stable flag.
            DexSpec(
                name="velodrome-v2",
                kind=DexKind.VELODROME_V2,
                factory="0xF1046053aa5682b4F9a81b5481394DA16BE5FF5a",
                init_code_hash="0xc0629f1c7daa09624e54d4f711ba99922a844907cce02997176399e4cc7e8fcf",
                fee_bps=None,
            ),
            _uniswap_v4(
                "0x9a13F98Cb987694C9F086b1F5eB990EeA8264Ec3",
                "0xc18a3169788F4F75A170290584ECA6395C75Ecdb",
            ),
            *_balancer(
                ("0xA0DAbEBAAd1b243BBb243f933013d560819eB66f", 72_832_703),
                ("0xe2E901AB09f37884BA31622dF3Ca7FC19AA443Be", 72_832_821),
            ),
        ),
    ),
)


def chain_by_name(name: str) -> ChainSpec:
    for chain in CHAINS:
        if chain.name == name:
            return chain
    known = ", ".join(c.name for c in CHAINS)
    raise NotFoundError(f"unknown chain {name!r} (known: {known})")


def chain_by_id(chain_id: int) -> ChainSpec:
    for chain in CHAINS:
        if chain.chain_id == chain_id:
            return chain
    known = ", ".join(f"{c.chain_id} ({c.name})" for c in CHAINS)
    raise NotFoundError(f"unknown chain id {chain_id} (known: {known})")


def resolve_chain(name_or_id: str | int) -> ChainSpec:
    """A chain by name (`polygon`) or id (`137`, as int or decimal string)."""
    if isinstance(name_or_id, int) or name_or_id.isdigit():
        return chain_by_id(int(name_or_id))
    return chain_by_name(name_or_id)
