"""Uniswap V4 on the devnet: the PoolManager from `@uniswap/v4-core` 1.0.2, the StateView lens
and V4Quoter from `@uniswap/v4-periphery` 1.0.3, and v4-core's own test routers
(`PoolModifyLiquidityTest` for positions, `PoolSwapTest` for market swaps): real v4 bytecode
that settles through `unlock` without Permit2. Catalog pools are hookless, initialized at the
reference price and filled in the ranges `position_ranges` gives.

How V4 fits the `DevnetKind` protocol, which was written for pools that are contracts:
- the DEX entry's `factory` is the PoolManager, `router` PoolSwapTest, `position_manager`
  PoolModifyLiquidityTest, `quoter` V4Quoter. StateView has no field, and a pool entry names
  only its DEX, so the PoolManager (owned by the devnet's deployer) and its StateView are
  deployed with CREATE2 through anvil's built-in deterministic deployer, salted with the DEX's
  name: `pool_manager_of(dex)` and `state_view_of(manager)` find them from a pool entry alone;
- a pool's 20-byte name is `pool_address(pool_id)` (`omniarb.dex.uniswap_v4.pool_key`); no
  contract answers it, so `find_pool` echoes it through the identity precompile, and the
  pool's existence is proven by its `initialize` transaction, checked with every other;
- a seed whose token is `NATIVE_CURRENCY` (address 0) makes a native-coin pool, paid with
  the transaction's value (PoolModifyLiquidityTest refunds what it does not use); a market
  swap of the native coin needs that value too, and PoolSwapTest pays its caller.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from omniarb.chains.abi import decode, encode_args, encode_call
from omniarb.chains.rpc import RpcRequest
from omniarb.chains.spec import UNISWAP_V4_POOL_MANAGER_MARK
from omniarb.contracts import Artifact, load_npm_artifact
from omniarb.devnet.accounts import DEPLOYER_INDEX, dev_account
from omniarb.devnet.kinds._calls import POOL_CREATE_GAS, eth_call
from omniarb.devnet.kinds.base import ChainTokens, PoolDef, PoolReserves, PoolSeed, SeededPool
from omniarb.devnet.tx_sender import TxSender
from omniarb.dex.uniswap_v3.tick_math import MAX_TICK, get_sqrt_ratio_at_tick
from omniarb.dex.uniswap_v4 import KIND as V4_KIND
from omniarb.dex.uniswap_v4 import PoolKey, pool_address
from omniarb.errors import DevnetError
from omniarb.network import DexEntry, LenderEntry, PoolEntry

__all__ = [
    "CREATE2_DEPLOYER",
    "KIND",
    "MODIFY_LIQUIDITY",
    "SWAP",
    "TICK_SPACING",
    "UniswapV4Devnet",
    "liquidity_for_amounts",
    "load_foundry_artifact",
    "pool_manager_of",
    "position_ranges",
    "state_view_of",
]

# The tick spacing the devnet gives each fee tier (v4 lets a key pair any fee with any
# spacing; these are the v4 SDK's defaults).
TICK_SPACING = MappingProxyType({100: 1, 500: 10, 3000: 60, 10000: 200})
# anvil's genesis includes the deterministic CREATE2 deployer (salt ‖ init code → address).
CREATE2_DEPLOYER = "0x4e59b44847b379578588920cA78FbF26c0B4956C"
_IDENTITY_PRECOMPILE = "0x0000000000000000000000000000000000000004"
_ARTIFACT_PATHS = MappingProxyType(
    {
        "PoolManager": "@uniswap/v4-core/out/PoolManager.sol/PoolManager.json",
        "PoolSwapTest": "@uniswap/v4-core/out/PoolSwapTest.sol/PoolSwapTest.json",
        "PoolModifyLiquidityTest": "@uniswap/v4-core/out/"
        "PoolModifyLiquidityTest.sol/PoolModifyLiquidityTest.json",
        "StateView": "@uniswap/v4-periphery/foundry-out/StateView.sol/StateView.json",
        "V4Quoter": "@uniswap/v4-periphery/foundry-out/V4Quoter.sol/V4Quoter.json",
    }
)
_KEY = "(address,address,uint24,int24,address)"
INITIALIZE = f"initialize({_KEY},uint160)"
# PoolModifyLiquidityTest.modifyLiquidity(key, (tickLower, tickUpper, liquidityDelta, salt),
# hookData); PoolSwapTest.swap(key, (zeroForOne, amountSpecified, sqrtPriceLimitX96),
# (takeClaims, settleUsingBurn), hookData).
MODIFY_LIQUIDITY = f"modifyLiquidity({_KEY},(int24,int24,int256,bytes32),bytes)"
SWAP = f"swap({_KEY},(bool,int256,uint160),(bool,bool),bytes)"
_STATE_VIEW_SALT = b"\x00" * 32
_MIN_SQRT_PRICE_PLUS_ONE = 4295128740
_MAX_SQRT_PRICE_MINUS_ONE = 1461446703485210103287273052203988822378723970341
# PoolSwapTest swaps use up to ~250k gas when they cross ticks; the limit leaves room.
_SWAP_GAS = 600_000
_CREATE2_GAS = 12_000_000
_Q96 = 2**96


def load_foundry_artifact(relative_path: str) -> Artifact:
    """A Foundry artifact in `node_modules` (`bytecode.object`, as v4's `out/` ships them)."""
    return load_npm_artifact(relative_path)


def _init_code(name: str, constructor_address: str) -> bytes:
    artifact = load_foundry_artifact(_ARTIFACT_PATHS[name])
    return artifact.bytecode_bytes + encode_args(["address"], [constructor_address])


def _create2_address(salt: bytes, init_code: bytes) -> str:
    digest = keccak(b"\xff" + bytes.fromhex(CREATE2_DEPLOYER[2:]) + salt + keccak(init_code))
    return str(to_checksum_address(digest[12:]))


def _salt(dex: str) -> bytes:
    return keccak(text=f"omniarb devnet {dex}")


def pool_manager_of(dex: str) -> str:
    """Where `deploy` puts DEX `dex`'s PoolManager (owned by the devnet's deployer)."""
    return _create2_address(
        _salt(dex), _init_code("PoolManager", dev_account(DEPLOYER_INDEX).address)
    )


def state_view_of(pool_manager: str) -> str:
    """Where `deploy` puts the StateView of `pool_manager`."""
    return _create2_address(_STATE_VIEW_SALT, _init_code("StateView", pool_manager))


def sqrt_price_x96(price_raw: Fraction) -> int:
    """floor(sqrt(price) · 2^96), exact: the value a pool is initialized with."""
    root: int = math.isqrt(math.floor(price_raw * 2**192))
    return root


def liquidity_for_amounts(
    sqrt_price: int, tick_lower: int, tick_upper: int, amount0: int, amount1: int
) -> int:
    """The most liquidity `amount0`/`amount1` pay for in `[tick_lower, tick_upper)` at
    `sqrt_price` (v4-periphery `LiquidityAmounts.getLiquidityForAmounts`, rounded down)."""
    lower, upper = get_sqrt_ratio_at_tick(tick_lower), get_sqrt_ratio_at_tick(tick_upper)
    from0 = amount0 * lower * upper // (_Q96 * (upper - lower))
    from1 = amount1 * _Q96 // (upper - lower)
    if sqrt_price <= lower:
        return from0
    if sqrt_price >= upper:
        return from1
    return min(
        amount0 * sqrt_price * upper // (_Q96 * (upper - sqrt_price)),
        amount1 * _Q96 // (sqrt_price - lower),
    )


def position_ranges(tick: int, spacing: int) -> list[tuple[int, int, Fraction]]:
    """Positions as (tick_lower, tick_upper, share of the pool's budget): full range, then
    wide, medium and narrow ranges around `tick`, as V3's catalog pools have."""
    full = MAX_TICK // spacing * spacing
    ranges = [(-full, full, Fraction(2, 5))]
    for half_width, share in (
        (1823, Fraction(3, 10)),
        (488, Fraction(1, 5)),
        (100, Fraction(1, 10)),
    ):
        width = max(half_width // spacing, 1) * spacing
        ranges.append(
            (
                (tick - width) // spacing * spacing,
                (tick + width) // spacing * spacing + spacing,
                share,
            )
        )
    return ranges


def pool_key(entry: PoolEntry) -> PoolKey:
    """The hookless key of a manifest pool of this kind."""
    spacing = entry.tick_spacing if entry.tick_spacing is not None else TICK_SPACING[entry.fee]
    return PoolKey.of(entry.token0, entry.token1, fee=entry.fee, tick_spacing=spacing)


def _pools(tokens: ChainTokens) -> tuple[tuple[str, str, int, int], ...]:
    """The V4 DEX's pools: (token a, token b, fee tier in pips, depth in USD); one holds the
    native coin itself (currency 0), as V4's deepest mainnet pools do."""
    wn, btc = tokens.wrapped_native, tokens.btc
    return (
        (tokens.native, "USDC", 3000, 4_000_000),
        (wn, "USDC", 500, 20_000_000),
        (wn, "USDT", 3000, 5_000_000),
        ("USDC", "USDT", 100, 8_000_000),
        (btc, wn, 3000, 5_000_000),
        (tokens.flavour_a, wn, 10000, 1_000_000),
    )


class UniswapV4Devnet:
    """The V4 kind as the devnet deploys and trades it (`omniarb.devnet.kinds.base.DevnetKind`)."""

    kind = V4_KIND
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
        if deployer.address.lower() != dev_account(DEPLOYER_INDEX).address.lower():
            raise DevnetError("the V4 PoolManager's address assumes the devnet's deployer")
        manager = pool_manager_of(dex)
        await self._create2(
            deployer, f"{dex} PoolManager", _salt(dex), _init_code("PoolManager", deployer.address)
        )
        contracts = {}
        for name in ("PoolSwapTest", "PoolModifyLiquidityTest", "V4Quoter"):
            contracts[name] = await deployer.deploy(
                f"{dex} {name}",
                load_foundry_artifact(_ARTIFACT_PATHS[name]),
                ["address"],
                [manager],
            )
        await self._create2(
            deployer, f"{dex} StateView", _STATE_VIEW_SALT, _init_code("StateView", manager)
        )
        return DexEntry(
            name=dex,
            kind=self.kind,
            factory=manager,
            router=contracts["PoolSwapTest"],
            quoter=contracts["V4Quoter"],
            position_manager=contracts["PoolModifyLiquidityTest"],
            init_code_hash=UNISWAP_V4_POOL_MANAGER_MARK,
            lens=state_view_of(manager),
        )

    async def seed_pool(
        self, deployer: TxSender, dex: DexEntry, seed: PoolSeed
    ) -> SeededPool | None:
        liquidity_router = dex.position_manager
        if liquidity_router is None:
            raise DevnetError(f"{dex.name} has no liquidity router")
        pool = seed.in_address_order()
        fee = self._fee(pool)
        key = PoolKey(
            currency0=pool.token_a, currency1=pool.token_b, fee=fee, tick_spacing=TICK_SPACING[fee]
        )
        label = f"{dex.name} {pool.symbol_a}/{pool.symbol_b} {fee}"
        price = sqrt_price_x96(pool.price_raw)
        await deployer.send(
            f"{label} initialize",
            dex.factory,
            encode_call(INITIALIZE, key.as_tuple(), price),
            gas=POOL_CREATE_GAS,
        )
        tick = math.floor(math.log(float(pool.price_raw)) / math.log(1.0001))
        for salt, (lower, upper, share) in enumerate(position_ranges(tick, key.tick_spacing)):
            amount0, amount1 = int(pool.amount_a * share), int(pool.amount_b * share)
            liquidity = liquidity_for_amounts(price, lower, upper, amount0, amount1)
            await deployer.send(
                f"{label} position [{lower},{upper}]",
                liquidity_router,
                encode_call(
                    MODIFY_LIQUIDITY,
                    key.as_tuple(),
                    (lower, upper, liquidity, salt.to_bytes(32, "big")),
                    b"",
                ),
                # The native side is paid with value; the router refunds what is left.
                value=amount0 + amount0 // 100 + 1 if key.has_native else 0,
            )
        return None

    def find_pool(self, dex: DexEntry, seed: PoolSeed) -> RpcRequest:
        key = PoolKey.of(
            seed.token_a,
            seed.token_b,
            fee=self._fee(seed),
            tick_spacing=TICK_SPACING[self._fee(seed)],
        )
        return eth_call(
            _IDENTITY_PRECOMPILE, encode_args(["address"], [pool_address(key.pool_id)]).hex()
        )

    def fee_pips(self, dex: DexEntry, seed: PoolSeed) -> int:
        return self._fee(seed)

    def tick_spacing(self, fee_pips: int) -> int | None:
        return TICK_SPACING[fee_pips]

    def swap_calldata(
        self, pool: PoolEntry, token_in: str, token_out: str, amount_in: int, recipient: str
    ) -> str:
        """PoolSwapTest pays the output to its caller, so `recipient` must be the sender; a
        native input must come as the transaction's value."""
        zero_for_one = token_in.lower() == pool.token0.lower()
        limit = _MIN_SQRT_PRICE_PLUS_ONE if zero_for_one else _MAX_SQRT_PRICE_MINUS_ONE
        return encode_call(
            SWAP, pool_key(pool).as_tuple(), (zero_for_one, -amount_in, limit), (False, False), b""
        )

    def state_reads(self, pool: PoolEntry, dex: DexEntry) -> tuple[RpcRequest, ...]:
        """`getSlot0` and `getLiquidity` of the pool through its DEX's StateView."""
        state_view = state_view_of(pool_manager_of(pool.dex))
        pool_id = bytes.fromhex(pool_key(pool).pool_id[2:])
        return (
            eth_call(state_view, encode_call("getSlot0(bytes32)", pool_id)),
            eth_call(state_view, encode_call("getLiquidity(bytes32)", pool_id)),
        )

    def reserves(self, pool: PoolEntry, answers: Sequence[Any]) -> PoolReserves:
        """The pool's virtual reserves; V4 pools keep no balance of their own (the PoolManager
        holds every pool's tokens), so the virtual reserves stand in for the balances."""
        sqrt_price = decode(["uint160", "int24", "uint24", "uint24"], answers[0])[0]
        (liquidity,) = decode(["uint128"], answers[1])
        if not sqrt_price:
            return PoolReserves(balance0=0, balance1=0, virtual0=0, virtual1=0)
        virtual0, virtual1 = liquidity * _Q96 // sqrt_price, liquidity * sqrt_price // _Q96
        return PoolReserves(
            balance0=virtual0, balance1=virtual1, virtual0=virtual0, virtual1=virtual1
        )

    @staticmethod
    async def _create2(deployer: TxSender, label: str, salt: bytes, init_code: bytes) -> None:
        await deployer.send(
            label, CREATE2_DEPLOYER, "0x" + (salt + init_code).hex(), gas=_CREATE2_GAS
        )

    @staticmethod
    def _fee(seed: PoolSeed) -> int:
        if seed.fee is None:
            raise DevnetError(f"the V4 pool {seed.symbol_a}/{seed.symbol_b} has no fee tier")
        return seed.fee


KIND = UniswapV4Devnet()
