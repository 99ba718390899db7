"""Uniswap V3 on the devnet: the factory from `@uniswap/v3-core` 1.0.1 and its periphery from
`@uniswap/v3-periphery` 1.4.4 (NonfungiblePositionManager, SwapRouter, QuoterV2); each catalog
pool created at the reference price and minted in the ranges `position_ranges` gives;
and for the market `exactInputSingle` swaps through the SwapRouter and a pool's virtual
reserves (`L/√P` and `L·√P`, from `slot0()` and `liquidity()`) beside what it holds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcRequest
from omniarb.chains.spec import DexKind
from omniarb.contracts import Artifact, load_npm_artifact
from omniarb.devnet.kinds._calls import DEADLINE, POOL_CREATE_GAS, eth_call
from omniarb.devnet.kinds.base import ChainTokens, PoolDef, PoolReserves, PoolSeed, SeededPool
from omniarb.devnet.tx_sender import TxSender
from omniarb.errors import DevnetError
from omniarb.network import DexEntry, LenderEntry, PoolEntry

__all__ = [
    "KIND",
    "MAX_TICK",
    "MIN_TICK",
    "TICK_SPACING",
    "UniswapV3Devnet",
    "position_ranges",
    "sqrt_price_x96",
]

MIN_TICK = -887272
MAX_TICK = 887272
# UniswapV3Factory's constructor enables exactly these fee tiers (fee pips → tick spacing).
TICK_SPACING = {500: 10, 3000: 60, 10000: 200}

_ARTIFACT_PATHS = MappingProxyType(
    {
        "UniswapV3Factory": "@uniswap/v3-core/artifacts/contracts/"
        "UniswapV3Factory.sol/UniswapV3Factory.json",
        "NonfungiblePositionManager": "@uniswap/v3-periphery/artifacts/contracts/"
        "NonfungiblePositionManager.sol/NonfungiblePositionManager.json",
        "SwapRouter": "@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json",
        "QuoterV2": "@uniswap/v3-periphery/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json",
        # Not deployed directly (the factory creates them); its creation code's hash is what
        # the manifest records as the DEX's init code hash.
        "UniswapV3Pool": "@uniswap/v3-core/artifacts/contracts/"
        "UniswapV3Pool.sol/UniswapV3Pool.json",
    }
)
# SwapRouter swaps use up to ~200k gas when they cross ticks; the limit leaves room.
_SWAP_GAS = 500_000
# SwapRouter.exactInputSingle(ExactInputSingleParams): tokenIn, tokenOut, fee, recipient,
# deadline, amountIn, amountOutMinimum, sqrtPriceLimitX96.
_SWAP = "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))"
_MINT = "mint((address,address,uint24,int24,int24,uint256,uint256,uint256,uint256,address,uint256))"
_Q96 = 2**96
_SLOT0 = encode_call("slot0()")
_LIQUIDITY = encode_call("liquidity()")
# UniswapV3Pool.slot0: sqrtPriceX96, tick, observationIndex, observationCardinality,
# observationCardinalityNext, feeProtocol (a uint8; PancakeSwap V3's is a uint32), unlocked.
_SLOT0_TYPES = ["uint160", "int24", "uint16", "uint16", "uint16", "uint256", "bool"]


def sqrt_price_x96(price_raw: Fraction) -> int:
    """floor(sqrt(price) · 2^96), exact: the value a pool is initialized with."""
    root: int = math.isqrt(math.floor(price_raw * 2**192))
    return root


def _tick_of(price_raw: Fraction) -> int:
    return math.floor(math.log(float(price_raw)) / math.log(1.0001))


def position_ranges(price_raw: Fraction, spacing: int) -> list[tuple[int, int, Fraction]]:
    """Liquidity positions of a pool with tick spacing `spacing`, as (tick_lower, tick_upper,
    share of the pool's budget).

    A full-range base plus wide, medium and narrow ranges around the price, so swaps of
    every size cross initialized ticks the way they do on real pools.
    """
    centre = _tick_of(price_raw)
    full_lo = -(MAX_TICK // spacing) * spacing
    full_hi = (MAX_TICK // spacing) * spacing
    ranges = [(full_lo, full_hi, Fraction(2, 5))]
    for half_width, share in (
        (1823, Fraction(3, 10)),
        (488, Fraction(1, 5)),
        (100, Fraction(1, 10)),
    ):
        width = max(half_width // spacing, 1) * spacing
        lo = (centre - width) // spacing * spacing
        hi = (centre + width) // spacing * spacing + spacing
        ranges.append((lo, hi, share))
    return ranges


def _pools(tokens: ChainTokens) -> tuple[tuple[str, str, int, int], ...]:
    """The V3 DEX's pools: (token a, token b, fee tier in pips, depth in USD)."""
    wn, btc = tokens.wrapped_native, tokens.btc
    return (
        (wn, "USDC", 500, 50_000_000),
        (wn, "USDC", 3000, 10_000_000),
        (wn, "USDT", 500, 12_000_000),
        ("USDC", "USDT", 500, 12_000_000),
        (btc, wn, 3000, 12_000_000),
        (btc, "USDC", 3000, 5_000_000),
        (tokens.flavour_a, wn, 10000, 2_000_000),
        (tokens.flavour_b, "USDC", 10000, 1_000_000),
    )


class UniswapV3Devnet:
    """The V3 kind as the devnet deploys and trades it (`omniarb.devnet.kinds.base.DevnetKind`)."""

    kind = DexKind.UNISWAP_V3.value
    artifact_paths: Mapping[str, str] = _ARTIFACT_PATHS
    swap_gas = _SWAP_GAS
    takes_tail_pools = True

    def compiled_artifacts(self) -> tuple[Artifact, ...]:
        return ()

    def plan_pools(self, dex: str, rank: int, tokens: ChainTokens) -> tuple[PoolDef, ...]:
        return tuple(
            PoolDef(dex=dex, kind=self.kind, token_a=a, token_b=b, depth_usd=usd, fee=fee)
            for a, b, fee, usd in _pools(tokens)
        )

    async def deploy(
        self, dex: str, deployer: TxSender, weth: str, lenders: Sequence[LenderEntry]
    ) -> DexEntry:
        factory = await deployer.deploy(
            f"{dex} factory", load_npm_artifact(_ARTIFACT_PATHS["UniswapV3Factory"])
        )
        periphery = {}
        for name, types, args in (
            ("NonfungiblePositionManager", ["address"] * 3, [factory, weth, "0x" + "00" * 20]),
            ("SwapRouter", ["address"] * 2, [factory, weth]),
            ("QuoterV2", ["address"] * 2, [factory, weth]),
        ):
            periphery[name] = await deployer.deploy(
                f"{dex} {name}", load_npm_artifact(_ARTIFACT_PATHS[name]), types, args
            )
        return DexEntry(
            name=dex,
            kind=self.kind,
            factory=factory,
            router=periphery["SwapRouter"],
            quoter=periphery["QuoterV2"],
            position_manager=periphery["NonfungiblePositionManager"],
            init_code_hash=load_npm_artifact(_ARTIFACT_PATHS["UniswapV3Pool"]).creation_code_hash,
        )

    async def seed_pool(
        self, deployer: TxSender, dex: DexEntry, seed: PoolSeed
    ) -> SeededPool | None:
        manager = dex.position_manager
        if manager is None:
            raise DevnetError(f"{dex.name} has no position manager")
        # The position manager takes the tokens as the pool orders them.
        pool = seed.in_address_order()
        fee = self._fee(pool)
        label = f"{dex.name} {pool.symbol_a}/{pool.symbol_b} {fee}"
        await deployer.send(
            f"{label} create",
            manager,
            encode_call(
                "createAndInitializePoolIfNecessary(address,address,uint24,uint160)",
                pool.token_a,
                pool.token_b,
                fee,
                sqrt_price_x96(pool.price_raw),
            ),
            gas=POOL_CREATE_GAS,
        )
        for lower, upper, share in position_ranges(pool.price_raw, TICK_SPACING[fee]):
            position = (pool.token_a, pool.token_b, fee, lower, upper)
            amounts = (int(pool.amount_a * share), int(pool.amount_b * share), 0, 0)
            await deployer.send(
                f"{label} mint [{lower},{upper}]",
                manager,
                encode_call(_MINT, (*position, *amounts, deployer.address, DEADLINE)),
            )
        return None

    def find_pool(self, dex: DexEntry, seed: PoolSeed) -> RpcRequest:
        return eth_call(
            dex.factory,
            encode_call(
                "getPool(address,address,uint24)", seed.token_a, seed.token_b, self._fee(seed)
            ),
        )

    def fee_pips(self, dex: DexEntry, seed: PoolSeed) -> int:
        return self._fee(seed)

    def tick_spacing(self, fee_pips: int) -> int | None:
        return TICK_SPACING[fee_pips]

    def swap_calldata(
        self, pool: PoolEntry, token_in: str, token_out: str, amount_in: int, recipient: str
    ) -> str:
        return encode_call(
            _SWAP, (token_in, token_out, pool.fee, recipient, DEADLINE, amount_in, 0, 0)
        )

    def state_reads(self, pool: PoolEntry, dex: DexEntry) -> tuple[RpcRequest, ...]:
        held_by_pool = encode_call("balanceOf(address)", pool.address)
        return (
            eth_call(pool.address, _SLOT0),
            eth_call(pool.address, _LIQUIDITY),
            eth_call(pool.token0, held_by_pool),
            eth_call(pool.token1, held_by_pool),
        )

    def reserves(self, pool: PoolEntry, answers: Sequence[Any]) -> PoolReserves:
        sqrt_price = decode(_SLOT0_TYPES, answers[0])[0]
        (liquidity,) = decode(["uint128"], answers[1])
        (balance0,) = decode(["uint256"], answers[2])
        (balance1,) = decode(["uint256"], answers[3])
        if not sqrt_price:
            return PoolReserves(balance0=balance0, balance1=balance1, virtual0=0, virtual1=0)
        return PoolReserves(
            balance0=balance0,
            balance1=balance1,
            virtual0=liquidity * _Q96 // sqrt_price,
            virtual1=liquidity * sqrt_price // _Q96,
        )

    @staticmethod
    def _fee(seed: PoolSeed) -> int:
        if seed.fee is None:
            raise DevnetError(f"the V3 pool {seed.symbol_a}/{seed.symbol_b} has no fee tier")
        return seed.fee


KIND = UniswapV3Devnet()
