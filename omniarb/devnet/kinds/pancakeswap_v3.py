"""PancakeSwap V3 on the devnet: `PancakeV3Factory` and the `PancakeV3Pool` creation code from
`@pancakeswap/v3-core` 1.0.2, with the two contracts that package ships no bytecode for written
here (`contracts/devnet/`): the pool deployer (`IPancakeV3PoolDeployer`, which CREATE2-deploys
the shipped pool code, so pools have the mainnet init code hash) and a periphery router that
mints, swaps and quotes through the pools' callbacks. Pools are created at the reference price
and minted in `position_ranges`, as Uniswap V3's are; reads are Uniswap V3's (same getters).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from eth_utils.crypto import keccak

from omniarb.chains.abi import encode_args, encode_call
from omniarb.chains.spec import DexKind
from omniarb.contracts import Artifact, load_artifact, load_npm_artifact
from omniarb.devnet.kinds._calls import POOL_CREATE_GAS
from omniarb.devnet.kinds.base import ChainTokens, PoolDef, PoolSeed, SeededPool
from omniarb.devnet.kinds.uniswap_v3 import UniswapV3Devnet, position_ranges, sqrt_price_x96
from omniarb.devnet.tx_sender import TxSender
from omniarb.dex.uniswap_v3 import get_sqrt_ratio_at_tick
from omniarb.errors import DevnetError
from omniarb.network import DexEntry, LenderEntry, PoolEntry

__all__ = ["KIND", "TICK_SPACING", "PancakeSwapV3Devnet", "liquidity_for_amounts"]

# PancakeV3Factory's constructor enables these fee tiers (fee pips → tick spacing).
TICK_SPACING = MappingProxyType({100: 1, 500: 10, 2500: 50, 10000: 200})

_ARTIFACT_PATHS = MappingProxyType(
    {
        "PancakeV3Factory": "@pancakeswap/v3-core/artifacts/contracts/"
        "PancakeV3Factory.sol/PancakeV3Factory.json",
        # Deployed by the pool deployer, never directly; its creation code's hash is the DEX's
        # init code hash.
        "PancakeV3Pool": "@pancakeswap/v3-core/artifacts/contracts/"
        "PancakeV3Pool.sol/PancakeV3Pool.json",
    }
)
_COMPILED = ("PancakeV3PoolDeployer", "PancakeV3DevRouter")
_Q96 = 2**96


def liquidity_for_amounts(
    sqrt_price_x96: int, tick_lower: int, tick_upper: int, amount0: int, amount1: int
) -> int:
    """The most liquidity `amount0` and `amount1` buy in [tick_lower, tick_upper) at the price
    (v3-periphery `LiquidityAmounts.getLiquidityForAmounts`, rounding down)."""
    lower, upper = get_sqrt_ratio_at_tick(tick_lower), get_sqrt_ratio_at_tick(tick_upper)

    def of0(a: int, b: int) -> int:
        return amount0 * (a * b // _Q96) // (b - a)

    def of1(a: int, b: int) -> int:
        return amount1 * _Q96 // (b - a)

    if sqrt_price_x96 <= lower:
        return of0(lower, upper)
    if sqrt_price_x96 < upper:
        return min(of0(sqrt_price_x96, upper), of1(lower, sqrt_price_x96))
    return of1(lower, upper)


def _pools(tokens: ChainTokens) -> tuple[tuple[str, str, int, int], ...]:
    """The DEX's pools: (token a, token b, fee tier in pips, depth in USD). Pairs Uniswap V3
    and the V2 DEXes also list, at PancakeSwap's own tiers, so prices drift apart; the second
    chain token stays paired with USDC alone (its one V3 pool), as the tests of USDC-only
    cycles need."""
    wn, btc = tokens.wrapped_native, tokens.btc
    return (
        (wn, "USDT", 500, 20_000_000),
        (wn, "USDC", 2500, 8_000_000),
        ("USDC", "USDT", 100, 10_000_000),
        (btc, wn, 2500, 6_000_000),
        (tokens.flavour_a, wn, 2500, 2_000_000),
        (tokens.flavour_a, "USDC", 10000, 1_000_000),
    )


class PancakeSwapV3Devnet(UniswapV3Devnet):
    """The PancakeSwap V3 kind as the devnet deploys and trades it: Uniswap V3's devnet kind
    with PancakeSwap's factory, deployer, fee tiers and router."""

    kind = DexKind.PANCAKESWAP_V3.value
    artifact_paths: Mapping[str, str] = _ARTIFACT_PATHS

    def compiled_artifacts(self) -> tuple[Artifact, ...]:
        return tuple(load_artifact(name) for name in _COMPILED)

    def plan_pools(self, dex: str, rank: int, tokens: ChainTokens) -> tuple[PoolDef, ...]:
        return tuple(
            PoolDef(dex=dex, kind=self.kind, token_a=a, token_b=b, depth_usd=usd, fee=fee)
            for a, b, fee, usd in _pools(tokens)
        )

    async def deploy(
        self, dex: str, deployer: TxSender, weth: str, lenders: Sequence[LenderEntry]
    ) -> DexEntry:
        pool_code = load_npm_artifact(_ARTIFACT_PATHS["PancakeV3Pool"])
        pool_deployer = await deployer.deploy(
            f"{dex} pool deployer",
            load_artifact("PancakeV3PoolDeployer"),
            ["bytes"],
            [pool_code.bytecode_bytes],
        )
        factory = await deployer.deploy(
            f"{dex} factory",
            load_npm_artifact(_ARTIFACT_PATHS["PancakeV3Factory"]),
            ["address"],
            [pool_deployer],
        )
        await deployer.send(
            f"{dex} pool deployer's factory",
            pool_deployer,
            encode_call("setFactoryAddress(address)", factory),
        )
        router = await deployer.deploy(f"{dex} router", load_artifact("PancakeV3DevRouter"))
        return DexEntry(
            name=dex,
            kind=self.kind,
            factory=factory,
            router=router,
            quoter=router,
            init_code_hash=pool_code.creation_code_hash,
            pool_deployer=pool_deployer,
        )

    async def seed_pool(
        self, deployer: TxSender, dex: DexEntry, seed: PoolSeed
    ) -> SeededPool | None:
        if dex.pool_deployer is None:
            raise DevnetError(f"{dex.name} has no pool deployer")
        pool = seed.in_address_order()
        fee = self._fee(pool)
        label = f"{dex.name} {pool.symbol_a}/{pool.symbol_b} {fee}"
        await deployer.send(
            f"{label} create",
            dex.factory,
            encode_call("createPool(address,address,uint24)", pool.token_a, pool.token_b, fee),
            gas=POOL_CREATE_GAS,
        )
        address = _pool_address(dex, pool.token_a, pool.token_b, fee)
        price = sqrt_price_x96(pool.price_raw)
        await deployer.send(
            f"{label} initialize", address, encode_call("initialize(uint160)", price)
        )
        for lower, upper, share in position_ranges(pool.price_raw, TICK_SPACING[fee]):
            liquidity = liquidity_for_amounts(
                price, lower, upper, int(pool.amount_a * share), int(pool.amount_b * share)
            )
            await deployer.send(
                f"{label} mint [{lower},{upper}]",
                dex.router,
                encode_call(
                    "mint(address,address,int24,int24,uint128)",
                    address,
                    deployer.address,
                    lower,
                    upper,
                    liquidity,
                ),
            )
        return None

    def tick_spacing(self, fee_pips: int) -> int | None:
        return TICK_SPACING[fee_pips]

    def swap_calldata(
        self, pool: PoolEntry, token_in: str, token_out: str, amount_in: int, recipient: str
    ) -> str:
        return encode_call(
            "swap(address,address,uint256,address)", pool.address, token_in, amount_in, recipient
        )


def _pool_address(dex: DexEntry, token0: str, token1: str, fee: int) -> str:
    """CREATE2 of the DEX's pool deployer (`PancakeV3PoolDeployer.deploy`)."""
    if dex.pool_deployer is None or dex.init_code_hash is None:
        raise DevnetError(f"{dex.name} has no pool deployer or init code hash")
    salt = keccak(encode_args(["address", "address", "uint24"], [token0, token1, fee]))
    digest = keccak(
        b"\xff"
        + bytes.fromhex(dex.pool_deployer[2:])
        + salt
        + bytes.fromhex(dex.init_code_hash.removeprefix("0x"))
    )
    return "0x" + digest[-20:].hex()


KIND = PancakeSwapV3Devnet()
