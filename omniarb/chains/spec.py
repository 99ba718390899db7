"""The five supported chains as data: what omni-arb must know about each real network.

Per chain: its id, block time, native coin and wrapped token, how it prices gas
(`FeeModel`), orders transactions (`MempoolKind`) and takes our trades (`SubmissionPolicy`),
how many blocks of history to keep to undo a reorg, after how many blocks a trade is reported
final, the bounds of the priority fee it bids, its system contracts (the L2 fee oracles) and
its mainnet deployments (DEXes from `omniarb.chains.dex_specs`, Aave V3's pool; Balancer's
Vault is at one address everywhere).
The devnet reproduces the chains locally with the same ids and names, and says in its own
manifest what it deployed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from omniarb.chains.dex_specs import (
    ALGEBRA_INTEGRAL_INIT_CODE_HASH,
    BALANCER_V2_VAULT,
    BALANCER_VAULT_MARK,
    PANCAKESWAP_V3_INIT_CODE_HASH,
    SUSHISWAP_INIT_CODE_HASH,
    SUSHISWAP_POLYGON_ARBITRUM_FACTORY,
    UNISWAP_V2_INIT_CODE_HASH,
    UNISWAP_V3_INIT_CODE_HASH,
    UNISWAP_V4_POOL_MANAGER_MARK,
    DexKind,
    DexSpec,
    algebra_integral_dex,
    balancer_dexes,
    pancakeswap_v3_dex,
    uniswap_v3_dex,
    uniswap_v4_dex,
    v2_dex,
)
from omniarb.errors import NotFoundError

__all__ = [
    "ALGEBRA_INTEGRAL_INIT_CODE_HASH",
    "ARB_GAS_INFO",
    "BALANCER_V2_VAULT",
    "BALANCER_VAULT_MARK",
    "CHAINS",
    "GAS_PRICE_ORACLE",
    "GWEI",
    "L1_BLOCK",
    "NODE_INTERFACE",
    "PANCAKESWAP_V3_INIT_CODE_HASH",
    "SUSHISWAP_INIT_CODE_HASH",
    "UNISWAP_V2_INIT_CODE_HASH",
    "UNISWAP_V3_INIT_CODE_HASH",
    "UNISWAP_V4_POOL_MANAGER_MARK",
    "ChainSpec",
    "DexKind",
    "DexSpec",
    "FeeModel",
    "MempoolKind",
    "SubmissionPolicy",
    "SystemContracts",
    "TipBounds",
    "chain_by_id",
    "chain_by_name",
    "resolve_chain",
]

GWEI = 10**9

# Arbitrum's precompiles (ArbOS): NodeInterface answers `gasEstimateL1Component` to eth_call
# only (it has no code on chain); ArbGasInfo gives the L1 base fee estimate and prices.
NODE_INTERFACE = "0x00000000000000000000000000000000000000C8"
ARB_GAS_INFO = "0x000000000000000000000000000000000000006C"
# OP Stack predeploys: GasPriceOracle's `getL1Fee(bytes)` prices a transaction's L1 data with the
# current upgrade's formula, from the L1 prices the L1Block predeploy holds.
GAS_PRICE_ORACLE = "0x420000000000000000000000000000000000000F"
L1_BLOCK = "0x4200000000000000000000000000000000000015"
# Aave V3's Pool on Polygon, Arbitrum and Optimism (one address on the three).
_AAVE_V3_POOL_L2S = "0x794a61358D6845594F94dc1DB02A252b5b4814aD"


class FeeModel(StrEnum):
    EIP1559 = "eip1559"
    LEGACY = "legacy"
    L2_EIP1559 = "l2-eip1559"  # EIP-1559 on L2 plus an L1 data fee


class MempoolKind(StrEnum):
    PUBLIC = "public"
    SEQUENCER = "sequencer"  # first-come first-served, no public mempool


class SubmissionPolicy(StrEnum):
    """Where the bot sends its trades on a chain (`omniarb.config.submission_for` resolves it
    with the settings into a `Submission`).

    BUNDLE: every trade, block-triggered too, goes to a bundle relay (Ethereum: a public
    mempool transaction is seen and front-run, a reverted bundle costs nothing).
    BUNDLE_OR_PUBLIC: bundles when a bundle endpoint is configured, else the public mempool
    (BNB Chain: its builders take bundles, but a node's mempool reaches validators too).
    PUBLIC: the public mempool only (Polygon: no bundle market to rely on).
    SEQUENCER: the sequencer, first come first served (Arbitrum, Optimism): no mempool is
    visible, so backruns come from new blocks, not from pending transactions.
    """

    BUNDLE = "bundle"
    BUNDLE_OR_PUBLIC = "bundle-or-public"
    PUBLIC = "public"
    SEQUENCER = "sequencer"


@dataclass(frozen=True, slots=True, kw_only=True)
class TipBounds:
    """The priority fee a chain's transactions bid, in wei per gas: what recent blocks paid
    (`eth_feeHistory`), never below `min_wei` (what validators accept: Polygon's require about
    25 gwei) nor above `max_wei` (what the bot is willing to pay). On a legacy chain the tip is
    the premium over the gas price, and `min_wei` the chain's minimum gas price."""

    min_wei: int
    max_wei: int

    def __post_init__(self) -> None:
        if not 0 <= self.min_wei <= self.max_wei:
            raise ValueError(f"tip bounds need 0 <= min <= max, got {self.min_wei}, {self.max_wei}")

    def clamp(self, tip_wei: int) -> int:
        return min(max(tip_wei, self.min_wei), self.max_wei)


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemContracts:
    """A chain's fee oracles at their fixed addresses (None where the chain has none)."""

    node_interface: str | None = None  # Arbitrum
    arb_gas_info: str | None = None  # Arbitrum
    gas_price_oracle: str | None = None  # OP Stack
    l1_block: str | None = None  # OP Stack


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainSpec:
    """Static facts about one chain; `block_time_s` is the real network's.

    `reorg_depth` blocks of history are kept to undo a reorg (a deeper one resyncs);
    `confirmation_depth` blocks on top of a trade's make it final (reorgs are no longer
    checked for). On the L2s, that is the sequencer's soft confirmation, not L1 finality.
    """

    chain_id: int
    name: str
    display_name: str
    native_symbol: str
    wrapped_native_symbol: str
    wrapped_native: str
    block_time_s: float
    fee_model: FeeModel
    mempool: MempoolKind
    submission: SubmissionPolicy
    reorg_depth: int
    confirmation_depth: int
    tips: TipBounds
    aave_v3_pool: str | None
    system: SystemContracts = SystemContracts()
    dexes: tuple[DexSpec, ...]

    def dex(self, name: str) -> DexSpec:
        for dex in self.dexes:
            if dex.name == name:
                return dex
        known = ", ".join(d.name for d in self.dexes)
        raise NotFoundError(f"unknown DEX {name!r} on {self.name} (known: {known})")


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
        submission=SubmissionPolicy.BUNDLE,
        wrapped_native="0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
        reorg_depth=64,
        confirmation_depth=64,
        tips=TipBounds(min_wei=1 * GWEI // 100, max_wei=10 * GWEI),
        aave_v3_pool="0x87870Bca3F3fD6335C3F4ce8392D69350B4fA4E2",
        dexes=(
            v2_dex(
                "uniswap-v2",
                "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f",
                UNISWAP_V2_INIT_CODE_HASH,
            ),
            v2_dex(
                "sushiswap", "0xC0AEe478e3658e2610c5F7A4A2E1777cE9e4f2Ac", SUSHISWAP_INIT_CODE_HASH
            ),
            uniswap_v3_dex(),
            pancakeswap_v3_dex(),
            uniswap_v4_dex(
                "0x000000000004444c5dc75cB358380D2e3dE08A90",
                "0x7fFE42C4a5DEeA5b0feC41C94C136Cf115597227",
            ),
            *balancer_dexes(
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
        block_time_s=0.75,
        fee_model=FeeModel.LEGACY,
        mempool=MempoolKind.PUBLIC,
        submission=SubmissionPolicy.BUNDLE_OR_PUBLIC,
        wrapped_native="0xbb4CdB9CBd36B01bD1cBaEBF2De08d9173bc095c",
        reorg_depth=32,
        confirmation_depth=15,
        tips=TipBounds(min_wei=GWEI // 10, max_wei=5 * GWEI),
        aave_v3_pool="0x6807dc923806fE8Fd134338EABCA509979a7e0cB",
        dexes=(
            v2_dex(
                "pancakeswap-v2",
                "0xcA143Ce32Fe78f1f7019d7d551a6402fC5350c73",
                "0x00fb7f630766e6a796048ea87d01acd3068e8ff67d078148a3fa3f4a84f69bd5",
                fee_bps=25,
            ),
            # Each Biswap pair stores its fee (`swapFee()`, in tenths of a percent).
            v2_dex(
                "biswap",
                "0x858E3312ed3A876947EA49d572A7C42DE08af7EE",
                "0xfea293c909d87cd4153593f077b76bb7e94340200f4ee84211ae8e4f9bd7ffdf",
                fee_bps=None,
            ),
            uniswap_v3_dex("0xdB1d10011AD0Ff90774D0C6Bb92e5C5c8b4461F7"),
            pancakeswap_v3_dex(),
            uniswap_v4_dex(
                "0x28e2Ea090877bF75740558f6BFB36A5ffeE9e9dF",
                "0xd13Dd3D6E93f276FAfc9Db9E6BB47C1180aeE0c4",
            ),
            *balancer_dexes(
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
        submission=SubmissionPolicy.PUBLIC,
        wrapped_native="0x0d500B1d8E8eF31E21C99d1Db9A6444d3ADf1270",
        reorg_depth=128,
        confirmation_depth=32,
        tips=TipBounds(min_wei=25 * GWEI, max_wei=500 * GWEI),
        aave_v3_pool=_AAVE_V3_POOL_L2S,
        dexes=(
            v2_dex(
                "quickswap", "0x5757371414417b8C6CAad45bAeF941aBc7d3Ab32", UNISWAP_V2_INIT_CODE_HASH
            ),
            v2_dex("sushiswap", SUSHISWAP_POLYGON_ARBITRUM_FACTORY, SUSHISWAP_INIT_CODE_HASH),
            uniswap_v3_dex(),
            algebra_integral_dex(),
            uniswap_v4_dex(
                "0x67366782805870060151383F4BbFF9daB53e5cD6",
                "0x5eA1bD7974c8A611cBAB0bDCAFcB1D9CC9b3BA5a",
            ),
            *balancer_dexes(
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
        submission=SubmissionPolicy.SEQUENCER,
        wrapped_native="0x82aF49447D8a07e3bd95BD0d56f35241523fBab1",
        reorg_depth=64,
        confirmation_depth=64,
        # ArbOS ignores the priority fee (the sequencer orders first come, first served).
        tips=TipBounds(min_wei=0, max_wei=0),
        aave_v3_pool=_AAVE_V3_POOL_L2S,
        system=SystemContracts(node_interface=NODE_INTERFACE, arb_gas_info=ARB_GAS_INFO),
        dexes=(
            v2_dex("sushiswap", SUSHISWAP_POLYGON_ARBITRUM_FACTORY, SUSHISWAP_INIT_CODE_HASH),
            # Camelot's pairs store a fee per input token (`token0FeePercent`, out of 100,000).
            v2_dex(
                "camelot",
                "0x6EcCab422D763aC031210895C81787E87B43A652",
                "0xa856464ae65f7619087bc369daaf7e387dae1e5af69cfa7935850ebf754b04c1",
                fee_bps=None,
            ),
            uniswap_v3_dex(),
            pancakeswap_v3_dex(),
            algebra_integral_dex(),
            uniswap_v4_dex(
                "0x360E68faCcca8cA495c1B759Fd9EEe466db9FB32",
                "0x76Fd297e2D437cd7f76d50F01AfE6160f86e9990",
            ),
            *balancer_dexes(
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
        submission=SubmissionPolicy.SEQUENCER,
        wrapped_native="0x4200000000000000000000000000000000000006",
        reorg_depth=64,
        confirmation_depth=32,
        tips=TipBounds(min_wei=GWEI // 1000, max_wei=GWEI),
        aave_v3_pool=_AAVE_V3_POOL_L2S,
        system=SystemContracts(gas_price_oracle=GAS_PRICE_ORACLE, l1_block=L1_BLOCK),
        dexes=(
            v2_dex(
                "sushiswap", "0xFbc12984689e5f15626Bad03Ad60160Fe98B303C", SUSHISWAP_INIT_CODE_HASH
            ),
            # ZipSwap's 30 bps is from aggregator configurations, not from its own source.
            v2_dex(
                "zipswap",
                "0x8BCeDD62DD46F1A76F8A1633d4f5B76e0CDa521E",
                "0x1a76b7e7272f6187014e23f04d1b2e543eed2fd1f76481149008cc6eacb05c22",
            ),
            uniswap_v3_dex(),
            # Velodrome V2 pools are EIP-1167 clones of one implementation: the hash is the
            # clone's creation code for it; the salt adds the pool's stable flag.
            DexSpec(
                name="velodrome-v2",
                kind=DexKind.VELODROME_V2,
                factory="0xF1046053aa5682b4F9a81b5481394DA16BE5FF5a",
                init_code_hash="0xc0629f1c7daa09624e54d4f711ba99922a844907cce02997176399e4cc7e8fcf",
                fee_bps=None,
            ),
            uniswap_v4_dex(
                "0x9a13F98Cb987694C9F086b1F5eB990EeA8264Ec3",
                "0xc18a3169788F4F75A170290584ECA6395C75Ecdb",
            ),
            *balancer_dexes(
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
